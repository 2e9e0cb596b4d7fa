/* test_machines.c - machines from components (DESIGN §3.4, §4, §6):
 * link_machine's checks, interface contracts (requires / ensures) on the
 * concrete and the abstract path, memoised verification of deep towers of
 * operations, and flattening of layered operations to core code.
 *
 * Definitions are driven through core's builders with this file's own
 * `stage` callback, which installs each new version straight into a
 * Workspace, and a `load_unit` callback reading stdlib/U.xvm (tests run from
 * the repo root, as tests/run.sh does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gc.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "define.h"
#include "flatten.h"
#include "vm.h"
#include "tick.h"
#include "verify.h"

#include "world.h"

/* ---- code over a machine ------------------------------------------------------------------ */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Lower REPL code over machine m (NULL: core-machine). */
static Body *lower_code(World *w, const Machine *m, const char *text, Error **err)
{
    Node *unit;
    *err = parse_unit(src_of(text), &unit);
    if (*err)
        return NULL;
    Body *b = lower_body_new("<input>");
    b->end_span = (Span){.src = unit->span.src, .off = (uint32_t)strlen(text), .line = 1, .col = 1};
    Scope sc = {.ws = w->ws, .machine = m};
    *err = lower_stmts(&sc, b, (Node *const *)unit->kids, unit->nkids);
    if (!*err)
        *err = lower_finish(b);
    return *err ? NULL : b;
}

/* Lower and verify REPL code over machine m from an empty stack. */
static Error *verify_code(World *w, const Machine *m, const char *text, VState **exit, Body **bo, uint64_t *steps)
{
    Error *e;
    Body *b = lower_code(w, m, text, &e);
    if (e)
        return e;
    VerifyOpts o = {.ws = w->ws, .owner = "<session>", .steps = steps, .verified = bo};
    return verify_body(b, vstate_new(), NULL, &o, exit);
}

static VState *code_ok(World *w, const Machine *m, const char *text)
{
    VState *exit = NULL;
    Error *e = verify_code(w, m, text, &exit, NULL, NULL);
    if (e)
        fail_msg("\"%s\" rejected: %s", text, err_text(e));
    assert_non_null(exit);
    return exit;
}

/* Build one .define_machine without staging anything else; on failure
 * nothing is installed. */
static Error *build_machine(World *w, const char *text, Machine **out)
{
    Node *unit;
    Error *e = parse_unit(src_of(text), &unit);
    if (e)
        return e;
    assert_int_equal(unit->nkids, 1);
    DefCtx c = def_ctx(w);
    uint32_t before = w->ws->defs.len;
    Machine *m = NULL;
    e = link_machine(&c, unit->kids[0], &m);
    if (e) {
        assert_int_equal(w->ws->defs.len, before);
        assert_null(workspace_find(w->ws, unit->kids[0]->kids[0]->name));
    } else if (out) {
        *out = m;
    }
    return e;
}

static Machine *machine_ok(World *w, const char *text)
{
    Machine *m = NULL;
    Error *e = build_machine(w, text, &m);
    if (e)
        fail_msg("machine rejected: %s", err_text(e));
    assert_non_null(m);
    return m;
}

/* Figure 1's parts: binary-int-op, ternary-int-op, core-wrappers-module,
 * do-as-ternary-module. */
static World *fig1_world(void)
{
    World *w = world_new();
    load_ok(w, "binary-int-op");
    load_ok(w, "ternary-int-op");
    load_ok(w, "core-wrappers");
    load_ok(w, "do-as-ternary-module");
    return w;
}

/* ---- link_machine checks -------------------------------------------------------------------- */

static void test_machine_unlinked_import(void **state)
{
    (void)state;
    World *w = fig1_world();
    Error *e = build_machine(w, ".define_machine m, core-machine, { .instantiate do-as-ternary-module, t; };", NULL);
    assert_err(e, E_DEFINE);
    assert_true(contains(e->msg, "import 'binary-op-port' (binary-int-op) of component 't' is not linked"));
    assert_true(contains(e->hint, ".link (PROVIDER, PORT), (t, binary-op-port)"));
    /* Linked, it is accepted. */
    Machine *m = machine_ok(w, ".define_machine m, core-machine, { .instantiate do-as-ternary-module, t;"
                               ".instantiate core-wrappers-module, cw; .link (cw, binary-add-port), (t, binary-op-port); };");
    assert_int_equal(m->ncomps, 2);
    Component *t = lookup_component(m, "t");
    assert_non_null(t);
    uint32_t idx;
    assert_non_null(lookup_module_port(t->module, "binary-op-port", &idx));
    assert_ptr_equal(t->links[idx].provider, lookup_component(m, "cw"));
    assert_string_equal(t->links[idx].port->name, "binary-add-port");
}

static void test_machine_link_interfaces_differ(void **state)
{
    (void)state;
    World *w = fig1_world();
    define_ok(w, ".define_module tern-src, core-machine, { .exports tp, ternary-int-op;"
                 "  .define_operation port(tp), op, { add; add; }; };"
                 /* same operations as binary-int-op, but another interface */
                 ".define_interface binary-int-op-2, { .operation op, (a: int, b: int -> r: int); };"
                 ".define_module add2, core-machine, { .exports p, binary-int-op-2; .define_operation port(p), op, { add; }; };");
    Error *e = build_machine(w, ".define_machine m, core-machine, { .instantiate tern-src, ts;"
                                ".instantiate do-as-ternary-module, t; .link (ts, tp), (t, binary-op-port); };",
                             NULL);
    assert_err(e, E_DEFINE);
    assert_true(contains(e->msg, "interfaces differ"));
    assert_true(contains(e->msg, "ternary-int-op"));
    assert_true(contains(e->msg, "binary-int-op"));
    e = build_machine(w, ".define_machine m, core-machine, { .instantiate add2, a;"
                         ".instantiate do-as-ternary-module, t; .link (a, p), (t, binary-op-port); };",
                      NULL);
    assert_err(e, E_DEFINE);
    assert_true(contains(e->msg, "interfaces differ"));
}

static void test_machine_link_reversed(void **state)
{
    (void)state;
    World *w = fig1_world();
    const char *parts = ".instantiate do-as-ternary-module, t; .instantiate core-wrappers-module, cw;";
    /* Consumer first. */
    Error *e = build_machine(
        w, gc_printf(".define_machine m, core-machine, { %s .link (t, binary-op-port), (cw, binary-add-port); };", parts),
        NULL);
    assert_err(e, E_DEFINE);
    assert_true(contains(e->msg, "'binary-op-port' of 't' is imported, so it cannot provide"));
    /* Two exported ports. */
    e = build_machine(
        w, gc_printf(".define_machine m, core-machine, { %s .link (cw, binary-add-port), (cw, binary-mul-port); };", parts),
        NULL);
    assert_err(e, E_DEFINE);
    assert_true(contains(e->msg, "exported, so it cannot consume"));
    /* An import linked twice. */
    e = build_machine(w, gc_printf(".define_machine m, core-machine, { %s .link (cw, binary-add-port), (t, binary-op-port);"
                                   ".link (cw, binary-mul-port), (t, binary-op-port); };",
                                   parts),
                      NULL);
    assert_err(e, E_DEFINE);
    assert_true(contains(e->msg, "already linked"));
    /* Unknown component and port, with suggestions. */
    e = build_machine(w, gc_printf(".define_machine m, core-machine, { %s .link (cww, binary-add-port), (t, binary-op-port); };",
                                   parts),
                      NULL);
    assert_err(e, E_UNKNOWN);
    assert_true(contains(e->hint, "did you mean 'cw'"));
    e = build_machine(w, gc_printf(".define_machine m, core-machine, { %s .link (cw, binary-ad-port), (t, binary-op-port); };",
                                   parts),
                      NULL);
    assert_err(e, E_UNKNOWN);
    assert_true(contains(e->hint, "binary-add-port"));
}

static void test_machine_alias_checks(void **state)
{
    (void)state;
    World *w = fig1_world();
    const char *cw = ".instantiate core-wrappers-module, cw;";
    Error *e = build_machine(w, gc_printf(".define_machine m, core-machine, { %s .alias_operation cw, binary-add-port, nope, x; };", cw), NULL);
    assert_err(e, E_UNKNOWN);
    assert_true(contains(e->msg, "has no operation 'nope'"));
    e = build_machine(w, gc_printf(".define_machine m, core-machine, { %s .alias_operation cw, no-port, op, x; };", cw), NULL);
    assert_err(e, E_UNKNOWN);
    assert_true(contains(e->msg, "has no port 'no-port'"));
    e = build_machine(w, ".define_machine m, core-machine, { .alias_operation nobody, p, op, x; };", NULL);
    assert_err(e, E_UNKNOWN);
    /* An imported port's operations cannot be aliased. */
    e = build_machine(w, gc_printf(".define_machine m, core-machine, { %s .instantiate do-as-ternary-module, t;"
                                   ".link (cw, binary-add-port), (t, binary-op-port); .alias_operation t, binary-op-port, op, x; };",
                                   cw),
                      NULL);
    assert_err(e, E_DEFINE);
    /* Clash with a base operation. */
    e = build_machine(w, gc_printf(".define_machine m, core-machine, { %s .alias_operation cw, binary-mul-port, op, add; };", cw), NULL);
    assert_err(e, E_DEFINE);
    assert_true(contains(e->msg, "alias 'add' clashes with operation 'add' of base machine 'core-machine'"));
    /* Two aliases of one name. */
    e = build_machine(w, gc_printf(".define_machine m, core-machine, { %s .alias_operation cw, binary-mul-port, op, m2;"
                                   ".alias_operation cw, binary-add-port, op, m2; };",
                                   cw),
                      NULL);
    assert_err(e, E_DEFINE);
    /* Hidden first, the name is free: `add` now multiplies. */
    Machine *m = machine_ok(w, gc_printf(".define_machine m, core-machine, { %s .hide add;"
                                         ".alias_operation cw, binary-mul-port, op, add; };",
                                         cw));
    const MachineOp *op = lookup_machine_op(m, "add");
    assert_non_null(op);
    assert_int_equal(op->kind, MOP_ALIAS);
    assert_ptr_equal(op->comp, lookup_component(m, "cw"));
    assert_string_equal(op->op->port->name, "binary-mul-port");
    /* A machine over m clashes with m's alias too. */
    e = build_machine(w, gc_printf(".define_machine m2, m, { %s .alias_operation cw, binary-sub-port, op, add; };", cw), NULL);
    assert_err(e, E_DEFINE);
    assert_true(contains(e->msg, "base machine 'm'"));
}

static void test_machine_hide(void **state)
{
    (void)state;
    World *w = fig1_world();
    const char *control[] = {"jump", "jump_if", "jump_unless", "label", "if", "while", "call", "return"};
    for (size_t i = 0; i < countof(control); i++) {
        Error *e = build_machine(w, gc_printf(".define_machine m, core-machine, { .hide %s; };", control[i]), NULL);
        assert_err(e, E_DEFINE);
        if (!contains(e->msg, "control flow"))
            fail_msg(".hide %s: %s", control[i], e->msg);
    }
    /* A data operation hides; a missing one does not. */
    Error *e = build_machine(w, ".define_machine m, core-machine, { .hide frobnicate; };", NULL);
    assert_err(e, E_UNKNOWN);
    Machine *m = machine_ok(w, ".define_machine nomul, core-machine, { .hide mul, div; };");
    assert_null(lookup_machine_op(m, "mul"));
    assert_null(lookup_machine_op(m, "div"));
    assert_non_null(lookup_machine_op(m, "add"));
    assert_int_equal(m->nops, lookup_core_machine()->nops - 2);
    code_ok(w, m, "push int(2); push int(3); add;");
    e = verify_code(w, m, "push int(2); push int(3); mul;", NULL, NULL, NULL);
    assert_err(e, E_UNKNOWN);
    assert_true(contains(e->msg, "hidden"));
    /* Control flow still works on a machine that hides data operations. */
    code_ok(w, m, "push int(1); if { push int(2); }, { push int(3); }; label l; push int(0); jump_if l;");
    /* Hidden in the base stays hidden above it. */
    Machine *above = machine_ok(w, ".define_machine above, nomul, { };");
    assert_null(lookup_machine_op(above, "mul"));
}

/* Regression: at 42cb8ad `.hide pick` was refused as "control flow"
 * (link.c's hide() treated every PF_SPECIAL primitive as control flow, and
 * pick is PF_SPECIAL only because the verifier handles it by hand).  DESIGN
 * §3.5 lists pick with the stack operations, which a machine may hide.
 * Fixed by e3891c4. */
static void test_machine_hide_pick(void **state)
{
    (void)state;
    World *w = fig1_world();
    Machine *m = NULL;
    Error *e = build_machine(w, ".define_machine nopick, core-machine, { .hide pick; };", &m);
    if (e)
        fail_msg(".hide pick rejected: %s", e->msg);
    assert_null(lookup_machine_op(m, "pick"));
    e = verify_code(w, m, "push int(1); pick 0;", NULL, NULL, NULL);
    assert_err(e, E_UNKNOWN);
}

static void test_machine_cycles(void **state)
{
    (void)state;
    World *w = fig1_world();
    define_ok(w, ".define_module relay, core-machine, { .imports lo, binary-int-op; .exports hi, binary-int-op;"
                 "  .define_operation port(hi), op, { lo.op; }; };");
    Error *e = build_machine(w, ".define_machine loop2, core-machine, { .instantiate relay, a; .instantiate relay, b;"
                                ".link (a, hi), (b, lo); .link (b, hi), (a, lo); };",
                             NULL);
    assert_err(e, E_DEFINE);
    assert_true(contains(e->msg, "cycle"));
    assert_true(contains(e->msg, "a.hi.op -> b.hi.op -> a.hi.op"));
    e = build_machine(w, ".define_machine loop1, core-machine, { .instantiate relay, a; .link (a, hi), (a, lo); };", NULL);
    assert_err(e, E_DEFINE);
    assert_true(contains(e->msg, "a.hi.op -> a.hi.op"));
    e = build_machine(w, ".define_machine loop3, core-machine, { .instantiate relay, a; .instantiate relay, b;"
                         ".instantiate relay, c; .link (a, hi), (b, lo); .link (b, hi), (c, lo); .link (c, hi), (a, lo); };",
                      NULL);
    assert_err(e, E_DEFINE);
    assert_true(contains(e->msg, "a.hi.op -> c.hi.op -> b.hi.op -> a.hi.op"));
    /* A chain that ends in the core is fine. */
    Machine *m = machine_ok(w, ".define_machine chain, core-machine, { .instantiate relay, a; .instantiate relay, b;"
                               ".instantiate core-wrappers-module, cw; .link (cw, binary-add-port), (b, lo);"
                               ".link (b, hi), (a, lo); .alias_operation a, hi, op, radd; };");
    VState *s = code_ok(w, m, "push int(1); push int(2); radd;");
    assert_int_equal(s->depth, 1);
    /* A cycle among a module's own operations is refused when the module is
     * defined, with the cycle printed. */
    e = define_text(w, ".define_module selfish, core-machine, { .exports p, binary-int-op;"
                  "  .define_operation f, (a: int, b: int -> r: int), { g; };"
                  "  .define_operation g, (a: int, b: int -> r: int), { f; };"
                  "  .define_operation port(p), op, { f; }; };");
    assert_err(e, E_DEFINE);
    assert_true(contains(e->msg, "f -> g -> f"));
}

static void test_machine_unknown_module(void **state)
{
    (void)state;
    World *w = fig1_world();
    Error *e = build_machine(w, ".define_machine m, core-machine, { .instantiate core-wrapper-module, cw; };", NULL);
    assert_err(e, E_UNKNOWN);
    assert_true(contains(e->msg, "unknown module 'core-wrapper-module'"));
    assert_true(contains(e->hint, "did you mean 'core-wrappers-module'?"));
    e = build_machine(w, ".define_machine m, core-machine, { .instantiate zzzzzzzz, cw; };", NULL);
    assert_err(e, E_UNKNOWN);
    assert_false(contains(e->hint, "did you mean"));
    /* Components are named once per machine. */
    e = build_machine(w, ".define_machine m, core-machine, { .instantiate core-wrappers-module, cw;"
                         ".instantiate core-wrappers-module, cw; };",
                      NULL);
    assert_err(e, E_DEFINE);
    /* Unknown base machine. */
    e = build_machine(w, ".define_machine m, no-such-machine, { };", NULL);
    assert_err(e, E_UNKNOWN);
}

/* ---- contracts --------------------------------------------------------------------------- */

typedef struct Contracts {
    World *w;
    Machine *calc; /* parity-machine + half (requires EVEN) */
    const Key *hp;
    uint32_t odd, even, unk;
} Contracts;

static const char *const need_even_body =
    "'push_key HAS_PARITY; 'push_id 0; 'make_key 2; 'push_val PARITY, EVEN; 'make_val 1;"
    "'require \"half needs an even input\"; push int(2); div;";

static Contracts *contracts(void)
{
    Contracts *c = gc_alloc(sizeof *c);
    World *w = c->w = world_new();
    load_ok(w, "parity-machine");
    define_ok(w, gc_printf(
                     ".define_interface half-op, { .operation half, (x: int -> y: int), requires HAS_PARITY(x) <= EVEN; };"
                     ".define_interface even-src, { .operation mk, (x: int -> y: int), ensures HAS_PARITY(y) <= EVEN; };"
                     ".define_interface unary-int-op, { .operation op, (x: int -> y: int); };"
                     ".define_module half-module, core-machine, { .exports h, half-op;"
                     "  .define_operation port(h), half, { %s }; };"
                     ".define_machine calc, parity-machine, { .instantiate half-module, hm;"
                     "  .alias_operation hm, h, half, half; };",
                     need_even_body));
    c->calc = machine_named(w, "calc");
    c->hp = define_find_key(w->ws, "HAS_PARITY");
    const Lattice *p = define_find_lattice(w->ws, "PARITY");
    c->odd = elem_of(p, "ODD");
    c->even = elem_of(p, "EVEN");
    c->unk = elem_of(p, "UNKNOWN");
    return c;
}

static uint32_t top_parity(const Contracts *c, const VState *vs)
{
    assert_true(vs->depth > 0);
    uint32_t id = vs->items[vs->depth - 1].id;
    const VFact *f = vstate_fact(vs, c->hp->id, &id, 1);
    return f ? fact_value_elem(f->value, 0) : UINT32_MAX;
}

static void test_contract_requires_at_call(void **state)
{
    (void)state;
    Contracts *c = contracts();
    /* absent (top) */
    Error *e = verify_code(c->w, c->calc, "push int(4); half;", NULL, NULL, NULL);
    assert_err(e, E_CONTRACT);
    assert_true(contains(e->msg, "call of 'half'"));
    assert_true(contains(e->msg, "requires HAS_PARITY(x) <= EVEN, but the fact is UNKNOWN"));
    /* bigger */
    e = verify_code(c->w, c->calc, "push int(4); pinc; half;", NULL, NULL, NULL);
    assert_err(e, E_CONTRACT);
    assert_true(contains(e->msg, "the fact is UNKNOWN"));
    e = verify_code(c->w, c->calc, "push int(3); pdouble; push int(1); if { pinc; }; half;", NULL, NULL, NULL);
    assert_err(e, E_CONTRACT);
    /* incomparable */
    e = verify_code(c->w, c->calc, "push int(3); pdouble; pinc; half;", NULL, NULL, NULL);
    assert_err(e, E_CONTRACT);
    assert_true(contains(e->msg, "the fact is ODD"));
    /* <= EVEN: accepted */
    VState *s = code_ok(c->w, c->calc, "push int(3); pdouble; half;");
    assert_int_equal(s->depth, 1);
    assert_int_equal(top_parity(c, s), UINT32_MAX); /* div makes a new value */
    s = code_ok(c->w, c->calc, "push int(3); pdouble; pinc; pinc; half;");
    assert_int_equal(s->depth, 1);
    /* Only the argument's fact matters: an EVEN item below does not help. */
    e = verify_code(c->w, c->calc, "push int(3); pdouble; push int(4); half;", NULL, NULL, NULL);
    assert_err(e, E_CONTRACT);
    code_ok(c->w, c->calc, "push int(4); push int(3); pdouble; half;");
}

static void test_contract_requires_assumed_by_implementation(void **state)
{
    (void)state;
    Contracts *c = contracts();
    World *w = c->w;
    /* half-module's body 'requires EVEN of its input and was verified on its
     * own (contracts() defines it with verify_modules on): the requires was
     * assumed.  Without the contract the same body is refused. */
    assert_ok(module_verify(w->ws, module_named(w, "half-module"), 0));
    w->verify_modules = false;
    define_ok(w, gc_printf(".define_interface half-loose, { .operation half, (x: int -> y: int); };"
                           ".define_module half-loose-module, core-machine, { .exports h, half-loose;"
                           "  .define_operation port(h), half, { %s }; };",
                           need_even_body));
    Error *e = module_verify(w->ws, module_named(w, "half-loose-module"), 0);
    assert_err(e, E_FACT);
    assert_string_equal(e->msg, "half needs an even input");
}

static void test_contract_ensures_checked_against_implementations(void **state)
{
    (void)state;
    Contracts *c = contracts();
    World *w = c->w;
    w->verify_modules = false;
    struct { const char *name, *body; bool ok; } impls[] = {
        {"ev-good", "pdouble;", true},
        {"ev-good2", "pinc; pdouble; pinc; pinc;", true},
        {"ev-good3", "dup; push int(0); lt; if { pdouble; }, { pdouble; pinc; pinc; };", true},
        {"ev-bad", "pdouble; pinc;", false},
        {"ev-bad2", "push int(1); add;", false},
        {"ev-bad3", "pdouble; dup; push int(0); lt; if { pinc; };", false},
        {"ev-bad4", "pinc;", false},
    };
    for (size_t i = 0; i < countof(impls); i++) {
        define_ok(w, gc_printf(".define_module %s, parity-machine, { .exports e, even-src;"
                               "  .define_operation port(e), mk, { %s }; };",
                               impls[i].name, impls[i].body));
        Error *e = module_verify(w->ws, module_named(w, impls[i].name), 0);
        if (impls[i].ok) {
            if (e)
                fail_msg("%s { %s } rejected: %s", impls[i].name, impls[i].body, err_text(e));
        } else {
            if (!e)
                fail_msg("%s { %s } accepted, but it does not ensure HAS_PARITY(y) <= EVEN", impls[i].name,
                         impls[i].body);
            assert_err(e, E_CONTRACT);
            assert_true(contains(e->msg, "ensures HAS_PARITY(y) <= EVEN"));
        }
    }
}

static void test_contract_abstract_callers(void **state)
{
    (void)state;
    Contracts *c = contracts();
    World *w = c->w;
    w->verify_modules = false;
    define_ok(w, ".define_module user, core-machine, { .imports src, even-src; .imports hp, half-op;"
                 "  .exports u, unary-int-op; .define_operation port(u), op, { src.mk; hp.half; }; };"
                 ".define_module user-req, core-machine, { .imports src, even-src; .exports u, unary-int-op;"
                 "  .define_operation port(u), op, { src.mk; 'push_key HAS_PARITY; 'push_id 0; 'make_key 2;"
                 "    'push_val PARITY, EVEN; 'make_val 1; 'require \"from the port\"; }; };"
                 ".define_module user-bad, core-machine, { .imports hp, half-op; .exports u, unary-int-op;"
                 "  .define_operation port(u), op, { hp.half; }; };"
                 ".define_module user-loose, core-machine, { .imports src, unary-int-op; .imports hp, half-op;"
                 "  .exports u, unary-int-op; .define_operation port(u), op, { src.op; hp.half; }; };"
                 ".define_module user-twice, core-machine, { .imports src, even-src; .imports hp, half-op;"
                 "  .exports u, unary-int-op; .define_operation port(u), op, { src.mk; hp.half; hp.half; }; };");
    /* ensures of src.mk is assumed, and meets hp.half's requires. */
    assert_ok(module_verify(w->ws, module_named(w, "user"), 0));
    assert_ok(module_verify(w->ws, module_named(w, "user-req"), 0));
    /* No fact before hp.half. */
    Error *e = module_verify(w->ws, module_named(w, "user-bad"), 0);
    assert_err(e, E_CONTRACT);
    assert_true(contains(e->msg, "hp.half"));
    /* A port without an ensures establishes nothing. */
    e = module_verify(w->ws, module_named(w, "user-loose"), 0);
    assert_err(e, E_CONTRACT);
    /* hp.half's result has no fact: a second call is refused. */
    e = module_verify(w->ws, module_named(w, "user-twice"), 0);
    assert_err(e, E_CONTRACT);
}

static void test_contract_concrete_through_links(void **state)
{
    (void)state;
    Contracts *c = contracts();
    World *w = c->w;
    w->verify_modules = false;
    define_ok(w, ".define_module ev-good, parity-machine, { .exports e, even-src; .define_operation port(e), mk, { pdouble; }; };"
                 ".define_module ev-bad, parity-machine, { .exports e, even-src; .define_operation port(e), mk, { pdouble; pinc; }; };"
                 ".define_module user, core-machine, { .imports src, even-src; .imports hp, half-op;"
                 "  .exports u, unary-int-op; .define_operation port(u), op, { src.mk; hp.half; }; };");
    const char *rest = ".instantiate half-module, hm; .instantiate user, uc;"
                       ".link (g, e), (uc, src); .link (hm, h), (uc, hp); .alias_operation uc, u, op, useop;"
                       ".alias_operation g, e, mk, mk;";
    Machine *good = machine_ok(w, gc_printf(".define_machine wired, parity-machine, { .instantiate ev-good, g; %s };", rest));
    VState *s = code_ok(w, good, "push int(3); useop;");
    assert_int_equal(s->depth, 1);
    /* The concrete effect of mk gives the caller the fact. */
    s = code_ok(w, good, "push int(3); mk;");
    assert_int_equal(top_parity(c, s), c->even);
    /* Linked to an implementation that breaks its ensures: refused at the call. */
    Machine *bad = machine_ok(w, gc_printf(".define_machine wired-bad, parity-machine, { .instantiate ev-bad, g; %s };", rest));
    Error *e = verify_code(w, bad, "push int(3); useop;", NULL, NULL, NULL);
    assert_err(e, E_CONTRACT);
    e = verify_code(w, bad, "push int(3); mk;", NULL, NULL, NULL);
    assert_err(e, E_CONTRACT);
    assert_true(contains(e->msg, "ensures"));
}

/* ---- memoisation: a tower of 50 levels, each calling the level below twice -------------------- */

#define TOWER 50

static const char *tower_modules(void)
{
    Buf b = {0};
    buf_puts(&b, ".define_interface unary-int-op, { .operation op, (x: int -> y: int); };"
                 ".define_module level0, core-machine, { .exports p, unary-int-op;"
                 "  .define_operation port(p), op, { push int(1); add; }; };");
    for (int k = 1; k < TOWER; k++)
        buf_printf(&b, ".define_module level%d, core-machine, { .imports lo, unary-int-op; .exports p, unary-int-op;"
                       "  .define_operation port(p), op, { lo.op; lo.op; }; };",
                   k);
    return buf_str(&b);
}

/* The tower's components wired by hand, so the verifier's memoisation is
 * tested apart from the linker (see test_tower_machine_build for the same
 * tower through link_machine), with alias `topN` for level N. */
static Machine *tower_by_hand(World *w, Component **comps)
{
    Machine *m = gc_alloc(sizeof *m);
    m->name = "tower";
    m->base = lookup_core_machine();
    m->comps = comps;
    m->ncomps = TOWER;
    m->ops = gc_calloc(lookup_core_machine()->nops + TOWER + 1, sizeof(MachineOp));
    for (uint32_t i = 0; i < lookup_core_machine()->nops; i++)
        m->ops[m->nops++] = lookup_core_machine()->ops[i];
    for (int k = 0; k < TOWER; k++) {
        Module *mod = module_named(w, gc_printf("level%d", k));
        Component *c = comps[k] = gc_alloc(sizeof *c);
        c->name = gc_printf("c%d", k);
        c->module = mod;
        c->machine = m;
        c->state = gc_calloc(1, sizeof(Value));
        c->links = gc_calloc(mod->nports + 1, sizeof(Link));
        uint32_t lo;
        if (k > 0) {
            assert_non_null(lookup_module_port(mod, "lo", &lo));
            c->links[lo] = (Link){.provider = comps[k - 1], .port = lookup_module_port(comps[k - 1]->module, "p", NULL)};
        }
        const Port *p = lookup_module_port(mod, "p", NULL);
        m->ops[m->nops++] = (MachineOp){.name = gc_printf("top%d", k), .kind = MOP_ALIAS, .comp = c,
                                        .op = lookup_module_op(mod, p, "op")};
    }
    return m;
}

static void test_tower_memoised_verification(void **state)
{
    (void)state;
    World *w = world_new();
    double t0 = now_s();
    define_ok(w, tower_modules()); /* each module verified on its own: abstract ports */
    Component **comps = gc_calloc(TOWER + 1, sizeof(Component *));
    Machine *m = tower_by_hand(w, comps);
    uint64_t steps = 0;
    VState *exit = NULL;
    Error *e = verify_code(w, m, gc_printf("push int(1); top%d;", TOWER - 1), &exit, NULL, &steps);
    double dt = now_s() - t0;
    assert_ok(e);
    assert_int_equal(exit->depth, 1);
    assert_int_equal(exit->items[0].type, TY_INT);
    /* Without memoisation this is 2^49 calls; with it, ~2 per level. */
    if (steps >= 100000)
        fail_msg("%llu simulated instructions for a tower of %d", (unsigned long long)steps, TOWER);
    assert_true(steps >= 2 * (TOWER - 1)); /* every level was really simulated */
    assert_true(dt < 1.0);
    /* Calling it twice, and the levels below, adds little. */
    uint64_t steps2 = 0;
    assert_ok(verify_code(w, m, gc_printf("push int(1); top%d; top%d; top%d;", TOWER - 1, TOWER - 1, TOWER / 2), NULL,
                          NULL, &steps2));
    assert_true(steps2 < 100000);
    /* A budget smaller than the memoised work is still enforced. */
    Body *b;
    Error *le;
    b = lower_code(w, m, gc_printf("push int(1); top%d;", TOWER - 1), &le);
    assert_ok(le);
    VerifyOpts o = {.ws = w->ws, .owner = "<session>", .budget = 20};
    assert_err(verify_body(b, vstate_new(), NULL, &o, NULL), E_BUDGET);
}

/* Flattening the tower is memoised too: large callees become subroutines. */
static void test_tower_flatten_and_run(void **state)
{
    (void)state;
    World *w = world_new();
    define_ok(w, tower_modules());
    Component **comps = gc_calloc(TOWER + 1, sizeof(Component *));
    Machine *m = tower_by_hand(w, comps);
    double t0 = now_s();
    Body *b;
    assert_ok(verify_code(w, m, gc_printf("push int(1); top%d;", TOWER - 1), NULL, &b, NULL));
    Error *e = NULL;
    Code *code = flatten_compile(b, NULL, false, 0, 0, &e);
    assert_ok(e);
    assert_non_null(code);
    assert_true(code->ncells < 1000);
    assert_true(now_s() - t0 < 1.0);
    /* Run a lower level of the tower: top20(1) = 1 + 2^20. */
    assert_ok(verify_code(w, m, "push int(1); top20;", NULL, &b, NULL));
    code = flatten_compile(b, NULL, false, 0, 0, &e);
    assert_ok(e);
    Vm *vm = vm_new((VmLimits){.fuel = 100000000}, stdout);
    assert_ok(vm_run(vm, code));
    assert_int_equal(vm->depth, 1);
    assert_int_equal(vm->stack[0], 1 + (1 << 20));
}

/* Run fn(arg) in a child process with a time limit, so that a regression
 * to exponential work fails this test instead of hanging the suite.  fn
 * reports its own failures on stderr and returns non-zero. */
static void in_child(const char *what, int (*fn)(void *), void *arg, unsigned seconds)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        alarm(seconds);
        int rc = fn(arg);
        fflush(NULL);
        _exit(rc);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
        fail_msg("%s did not finish in %u s", what, seconds);
    if (!WIFEXITED(status))
        fail_msg("%s: child died with signal %d", what, WIFSIGNALED(status) ? WTERMSIG(status) : -1);
    if (WEXITSTATUS(status) != 0)
        fail_msg("%s failed (child exit %d, see above)", what, WEXITSTATUS(status));
}

static int child_fail(const char *what, const Error *e)
{
    fprintf(stderr, "%s: %s\n", what, e ? err_text(e) : "");
    return 1;
}

/* The same tower built with link_machine.
 * Regression: at 42cb8ad link_machine's cycle check (link.c
 * check_cycles_from) walked every path through the call graph without
 * remembering finished nodes, so this shape cost 2^levels (22 levels 0.36 s,
 * 24 levels 0.8 s, 26 levels 3 s; 50 never finished, hanging xvm-repl on one
 * .define_machine).  Fixed by e3891c4 (linear cycle check). */
static int tower_machine_build_child(void *arg)
{
    World *w = arg;
    Buf b = {0};
    buf_puts(&b, ".define_machine tower, core-machine, { .instantiate level0, c0;");
    for (int k = 1; k < TOWER; k++)
        buf_printf(&b, " .instantiate level%d, c%d; .link (c%d, p), (c%d, lo);", k, k, k - 1, k);
    buf_printf(&b, " .alias_operation c%d, p, op, top; };", TOWER - 1);
    double t0 = now_s();
    Node *unit;
    Error *e = parse_unit(src_of(buf_str(&b)), &unit);
    if (e)
        return child_fail("parse", e);
    DefCtx c = def_ctx(w);
    Machine *m = NULL;
    if ((e = link_machine(&c, unit->kids[0], &m)))
        return child_fail("link_machine", e);
    double t_build = now_s() - t0;
    uint64_t steps = 0;
    if ((e = verify_code(w, m, "push int(1); top;", NULL, NULL, &steps)))
        return child_fail("verify", e);
    double dt = now_s() - t0;
    if (steps >= 100000 || dt >= 1.0) {
        fprintf(stderr, "tower: link_machine %.3f s, total %.3f s, %llu steps\n", t_build, dt,
                (unsigned long long)steps);
        return 1;
    }
    return 0;
}

static void test_tower_machine_build(void **state)
{
    (void)state;
    World *w = world_new();
    define_ok(w, tower_modules());
    in_child("link_machine and verification of a 50-level tower", tower_machine_build_child, w, 10);
}

/* A tower of 50 machines: module k is implemented over machine k-1 and calls
 * its operation twice; machine k adds the alias opk.  Defining the tower
 * verifies every module on its own (concretely through the machines below,
 * memoised), then a call of the top operation is verified. */
static int tower_of_machines_child(void *arg)
{
    (void)arg;
    World *w = world_new();
    double t0 = now_s();
    Buf b = {0};
    buf_puts(&b, ".define_interface unary-int-op, { .operation op, (x: int -> y: int); };"
                 ".define_module mod0, core-machine, { .exports p, unary-int-op;"
                 "  .define_operation port(p), op, { push int(1); add; }; };"
                 ".define_machine mach0, core-machine, { .instantiate mod0, c; .alias_operation c, p, op, op0; };");
    for (int k = 1; k < TOWER; k++)
        buf_printf(&b, ".define_module mod%d, mach%d, { .exports p, unary-int-op;"
                       "  .define_operation port(p), op, { op%d; op%d; }; };"
                       ".define_machine mach%d, mach%d, { .instantiate mod%d, c; .alias_operation c, p, op, op%d; };",
                   k, k - 1, k - 1, k - 1, k, k - 1, k, k);
    Error *e = define_text(w, buf_str(&b));
    if (e)
        return child_fail("defining the tower", e);
    double t_def = now_s() - t0;
    Def *d = workspace_find_kind(w->ws, gc_printf("mach%d", TOWER - 1), DEF_MACHINE);
    if (!d)
        return child_fail("no top machine", NULL);
    Machine *top = d->cur;
    /* Every level's operation is visible on the top machine. */
    for (int k = 0; k < TOWER; k++)
        if (!lookup_machine_op(top, gc_printf("op%d", k)))
            return child_fail(gc_printf("op%d missing on the top machine", k), NULL);
    uint64_t steps = 0;
    VState *exit = NULL;
    double t1 = now_s();
    e = verify_code(w, top, gc_printf("push int(1); op%d; op0;", TOWER - 1), &exit, NULL, &steps);
    double t_verify = now_s() - t1;
    if (e)
        return child_fail("verify", e);
    if (exit->depth != 1 || exit->items[0].type != TY_INT)
        return child_fail("wrong exit state", NULL);
    if (steps >= 100000 || t_verify >= 1.0 || t_def >= 5.0) {
        fprintf(stderr, "tower of machines: define %.3f s, verify %.3f s, %llu steps\n", t_def, t_verify,
                (unsigned long long)steps);
        return 1;
    }
    /* Flattened and compiled, memoised per operation too. */
    Body *body;
    if ((e = verify_code(w, top, "push int(1); op10;", NULL, &body, NULL)))
        return child_fail("verify op10", e);
    Code *code = flatten_compile(body, NULL, false, 0, 0, &e);
    if (e)
        return child_fail("compile", e);
    Vm *vm = vm_new((VmLimits){.fuel = 10000000}, stdout);
    if ((e = vm_run(vm, code)))
        return child_fail("run", e);
    if (vm->depth != 1 || vm->stack[0] != 1 + (1 << 10)) {
        fprintf(stderr, "op10(1) = %lld, expected %d\n", (long long)vm->stack[0], 1 + (1 << 10));
        return 1;
    }
    return 0;
}

static void test_tower_of_machines(void **state)
{
    (void)state;
    in_child("a tower of 50 machines", tower_of_machines_child, NULL, 20);
}

/* ---- flattening ---------------------------------------------------------------------------- */

static World *fig1_machine(Machine **m)
{
    World *w = world_new();
    char *text = read_file("tests/paper/figure1.xvm");
    assert_non_null(text);
    Error *e = define_source(w, source_new("tests/paper/figure1.xvm", text, strlen(text), 1));
    assert_ok(e);
    *m = machine_named(w, "extended-machine");
    assert_non_null(lookup_machine_op(*m, "tadd"));
    return w;
}

static void count_ops(const Body *b, uint32_t *counts)
{
    memset(counts, 0, P__IR_COUNT * sizeof(uint32_t));
    for (uint32_t i = 0; i < b->n; i++)
        counts[b->insns[i].op]++;
}

/* Cells must be identical: same ops, same immediates (no jumps here). */
static void assert_same_cells(const Code *a, const Code *b)
{
    assert_int_equal(a->ncells, b->ncells);
    for (uint32_t i = 0; i < a->ncells; i++)
        if (a->cells[i].i != b->cells[i].i)
            fail_msg("cell %u differs", i);
}

static Code *compiled(World *w, const Machine *m, const char *text, Body **flat)
{
    Body *b;
    assert_ok(verify_code(w, m, text, NULL, &b, NULL));
    Error *e = NULL;
    if (flat) {
        *flat = flatten_body(b, NULL, &e);
        assert_ok(e);
    }
    Code *c = flatten_compile(b, NULL, false, 0, 0, &e);
    assert_ok(e);
    return c;
}

static Value run_top(Code *c)
{
    Vm *vm = vm_new((VmLimits){.fuel = 10000000}, stdout);
    assert_ok(vm_run(vm, c));
    assert_int_equal(vm->depth, 1);
    return vm->stack[0];
}

static void test_flatten_tadd(void **state)
{
    (void)state;
    Machine *m;
    World *w = fig1_machine(&m);
    Body *flat;
    Code *layered = compiled(w, m, "push int(2); push int(3); push int(4); tadd;", &flat);
    Code *plain = compiled(w, NULL, "push int(2); push int(3); push int(4); add; add;", NULL);
    assert_same_cells(layered, plain);
    /* The flat body: three pushes and two adds; no call of any kind. */
    uint32_t counts[P__IR_COUNT];
    count_ops(flat, counts);
    assert_int_equal(counts[P_ADD], 2);
    assert_int_equal(counts[P_PUSH], 3);
    assert_int_equal(counts[P_OPCALL], 0);
    assert_int_equal(counts[P_PORTCALL], 0);
    assert_int_equal(counts[P_OWNCALL], 0);
    assert_int_equal(counts[P_CALLCODE], 0);
    assert_int_equal(counts[P_CALL], 0);
    assert_int_equal(flat->n, 5 + counts[P_LABEL]);
    Buf dis = {0};
    lower_disasm(&dis, flat);
    assert_false(contains(buf_str(&dis), "tadd"));
    assert_false(contains(buf_str(&dis), "binary-op-port.op"));
    assert_int_equal(run_top(layered), 9);
    assert_int_equal(run_top(plain), 9);
}

static void test_flatten_with_control_flow(void **state)
{
    (void)state;
    Machine *m;
    World *w = fig1_machine(&m);
    const char *layered_text = "push int(10); push int(1); if { push int(2); push int(3); tadd; },"
                               " { push int(5); push int(6); tadd; }; push int(1); push int(1); tadd;";
    const char *plain_text = "push int(10); push int(1); if { push int(2); push int(3); add; add; },"
                             " { push int(5); push int(6); add; add; }; push int(1); push int(1); add; add;";
    Code *layered = compiled(w, m, layered_text, NULL);
    Code *plain = compiled(w, NULL, plain_text, NULL);
    assert_int_equal(layered->ncells, plain->ncells);
    assert_int_equal(run_top(layered), 17);
    assert_int_equal(run_top(plain), 17);
    /* The else branch, through the same jumps. */
    layered = compiled(w, m, "push int(10); push int(0); if { push int(2); push int(3); tadd; },"
                             " { push int(5); push int(6); tadd; };", NULL);
    assert_int_equal(run_top(layered), 21);
    /* A loop calling tadd: acc += 2n for n = 4..1. */
    layered = compiled(w, m, "push int(0); push int(4); while { dup; }, { swap; over; dup; tadd; swap; push int(1); sub; };"
                             " pop;", NULL);
    assert_int_equal(run_top(layered), 20);
}

static void test_flatten_tmul_and_parity(void **state)
{
    (void)state;
    World *w = world_new();
    load_ok(w, "binary-int-op");
    load_ok(w, "ternary-int-op");
    load_ok(w, "core-wrappers");
    load_ok(w, "do-as-ternary-module");
    Machine *m = machine_ok(w, ".define_machine mm, core-machine, { .instantiate do-as-ternary-module, tm;"
                               ".instantiate core-wrappers-module, cw; .link (cw, binary-mul-port), (tm, binary-op-port);"
                               ".alias_operation tm, ternary-op-port, op, tmul; };");
    Body *flat;
    Code *c = compiled(w, m, "push int(2); push int(3); push int(4); tmul;", &flat);
    uint32_t counts[P__IR_COUNT];
    count_ops(flat, counts);
    assert_int_equal(counts[P_MUL], 2);
    assert_int_equal(counts[P_ADD], 0);
    assert_int_equal(counts[P_OPCALL] + counts[P_PORTCALL] + counts[P_CALLCODE], 0);
    assert_same_cells(c, compiled(w, NULL, "push int(2); push int(3); push int(4); mul; mul;", NULL));
    assert_int_equal(run_top(c), 24);
    /* Figure 2: tick code vanishes, pdouble is dup add, pinc is push 1 add. */
    load_ok(w, "parity-machine");
    Machine *pm = machine_named(w, "parity-machine");
    c = compiled(w, pm, "push int(5); pdouble; pinc;", &flat);
    count_ops(flat, counts);
    assert_int_equal(counts[P_TICK], 0);
    assert_int_equal(counts[P_DUP], 1);
    assert_int_equal(counts[P_ADD], 2);
    assert_same_cells(c, compiled(w, NULL, "push int(5); dup; add; push int(1); add;", NULL));
    assert_int_equal(run_top(c), 11);
}

int main(void)
{
    GC_INIT();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_machine_unlinked_import),
        cmocka_unit_test(test_machine_link_interfaces_differ),
        cmocka_unit_test(test_machine_link_reversed),
        cmocka_unit_test(test_machine_alias_checks),
        cmocka_unit_test(test_machine_hide),
        cmocka_unit_test(test_machine_hide_pick),
        cmocka_unit_test(test_machine_cycles),
        cmocka_unit_test(test_machine_unknown_module),
        cmocka_unit_test(test_contract_requires_at_call),
        cmocka_unit_test(test_contract_requires_assumed_by_implementation),
        cmocka_unit_test(test_contract_ensures_checked_against_implementations),
        cmocka_unit_test(test_contract_abstract_callers),
        cmocka_unit_test(test_contract_concrete_through_links),
        cmocka_unit_test(test_tower_memoised_verification),
        cmocka_unit_test(test_tower_flatten_and_run),
        cmocka_unit_test(test_tower_machine_build),
        cmocka_unit_test(test_tower_of_machines),
        cmocka_unit_test(test_flatten_tadd),
        cmocka_unit_test(test_flatten_with_control_flow),
        cmocka_unit_test(test_flatten_tmul_and_parity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
