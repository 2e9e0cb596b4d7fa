/* test_verify.c - the verifier's rejections and acceptances (DESIGN §3.5, §4)
 * through the whole pipeline: parse, lower, verify, and for some, compile
 * and run on the executor. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <gc.h>

#include "flatten.h"
#include "vm.h"
#include "verify.h"

/* ---- fixture: a workspace, a VM writing into memory, the REPL's state ------ */

static Workspace *ws;
static VState *repl_vs; /* the verified state of the VM's stack between runs */
static Vm *vm;
static FILE *out;
static char *outbuf;
static size_t outlen;

static int make_vm(VmLimits limits)
{
    if (out)
        fclose(out);
    free(outbuf);
    outbuf = NULL;
    outlen = 0;
    out = open_memstream(&outbuf, &outlen);
    if (!out)
        return -1;
    vm = vm_new(limits, out);
    repl_vs = vstate_new();
    return 0;
}

static int setup(void **state)
{
    (void)state;
    ws = workspace_new();
    return make_vm((VmLimits){0});
}

static int teardown(void **state)
{
    (void)state;
    if (out)
        fclose(out);
    out = NULL;
    free(outbuf);
    outbuf = NULL;
    outlen = 0;
    return 0;
}

static const char *output(void)
{
    fflush(out);
    return outbuf ? outbuf : "";
}

/* ---- pipeline helpers ------------------------------------------------------- */

static Source *src_of(const char *text) { return source_new("<test>", text, strlen(text), 1); }

static Node *parse_or_fail(const char *text)
{
    Node *unit = NULL;
    Error *e = parse_unit(src_of(text), &unit);
    if (e)
        fail_msg("parse of \"%s\" failed at %u:%u: %s", text, e->span.line, e->span.col, e->msg);
    return unit;
}

/* Lower and verify REPL code from `entry` (NULL: the REPL's current state). */
static Error *check_opts(const char *text, const VState *entry, const VerifyOpts *opts, Body **bo,
                         VState **exit)
{
    Node *unit = parse_or_fail(text);
    Body *b = lower_body_new("<input>");
    b->end_span = (Span){.src = unit->span.src, .off = (uint32_t)strlen(text), .line = 1, .col = 1};
    if (bo)
        *bo = b;
    Error *e = lower_stmts(&(Scope){.ws = ws}, b, (Node *const *)unit->kids, unit->nkids);
    if (!e)
        e = lower_finish(b);
    if (e)
        return e;
    VerifyOpts o = opts ? *opts : (VerifyOpts){0};
    Body *verified = NULL;
    o.verified = &verified;
    e = verify_body(b, entry ? entry : repl_vs, NULL, &o, exit);
    if (!e && bo) /* what the verifier derived is in its own copy */
        *bo = verified;
    return e;
}

/* ---- nesting at the cap -------------------------------------------------------- */

/* REPL code nested as deep as :set nesting allows: parsing, printing back,
 * lowering and verifying recurse per level, and must stay inside the C
 * stack in every build (make asan runs this with ASan's bigger frames). */
static const char *nested(const char *pre, const char *open, const char *mid, const char *close,
                          const char *post, uint32_t n)
{
    Buf b = {0};
    buf_puts(&b, pre);
    for (uint32_t i = 0; i < n; i++)
        buf_puts(&b, open);
    buf_puts(&b, mid);
    for (uint32_t i = 0; i < n; i++)
        buf_puts(&b, close);
    buf_puts(&b, post);
    return gc_strdup(buf_str(&b));
}

static void test_nesting_at_cap(void **state)
{
    (void)state;
    uint32_t saved = config_limits.nesting, n = SYNTAX_MAX_DEPTH_CAP;
    config_limits.nesting = n;
    const char *ifs = nested("push int(1); ", "dup; if { ", "dup; print; ", "}; ", "pop;", n);
    const char *elses = nested("push int(0); ", "dup; if { }, { ", "dup; print; ", "}; ", "pop;", n);
    const char *whiles = nested("push int(0); ", "while { dup; }, { ", "dup; sub; ", "}; ", "pop;", n - 1);
    const char *progs[] = {ifs, elses, whiles};
    for (size_t i = 0; i < countof(progs); i++) {
        Buf printed = {0};
        node_print(&printed, parse_or_fail(progs[i]), 0);
        assert_true(printed.len > strlen(progs[i]));
        assert_null(check_opts(progs[i], NULL, NULL, NULL, NULL));
    }
    /* a procedure body's braces are one more level */
    Node *unit = NULL;
    assert_null(parse_unit(src_of(nested(".define_procedure p, (x: int -> x: int), { ", "dup; if { ", "", "}; ",
                                         "};", n - 1)),
                           &unit));
    /* parentheses too, and one level past the cap is a clean error */
    assert_null(parse_unit(src_of(nested("f ", "g(", "1", ")", ";", n)), &unit));
    Error *e = parse_unit(src_of(nested("push int(1); ", "dup; if { ", "", "}; ", "", n + 1)), &unit);
    assert_non_null(e);
    assert_int_equal(e->code, E_LIMIT);
    config_limits.nesting = saved;
}

/* Labels are found by name in constant time: a body of 200,000 labels and
 * jumps lowers in well under a second (a scan per label took minutes). */
static void test_many_labels_lower_fast(void **state)
{
    (void)state;
    uint32_t n = 200000;
    Buf b = {0};
    for (uint32_t i = 0; i < n; i++)
        buf_printf(&b, "label l%u; jump_if l%u; ", i, (i * 7919u) % n);
    Node *unit = parse_or_fail(buf_str(&b));
    Body *body = lower_body_new("<labels>");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    Error *e = lower_stmts(&(Scope){.ws = ws}, body, (Node *const *)unit->kids, unit->nkids);
    assert_null(e);
    assert_int_equal(body->labels.len, n);
    e = lower_finish(body);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_null(e);
    assert_int_equal(body->n, 2 * n);
    /* every jump goes to the label of its name (resolved: its insn index) */
    for (uint32_t i = 1; i < 2 * n; i += 2)
        assert_int_equal(body->insns[i].imm, 2 * (((i / 2) * 7919u) % n));
    /* code lowered into the same body after lower_finish has labels of its own */
    Node *more = parse_or_fail("label l5; jump l5;");
    assert_null(lower_stmts(&(Scope){.ws = ws}, body, (Node *const *)more->kids, more->nkids));
    assert_null(lower_finish(body));
    assert_int_equal(body->insns[2 * n + 1].imm, 2 * n);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (secs > 10)
        fail_msg("lowering %u labels took %.1f s", n, secs);
    /* a label defined twice is still caught, and an undefined one */
    assert_int_equal(check_opts("label a; label b; label a;", NULL, NULL, NULL, NULL)->code, E_DEFINE);
    assert_int_equal(check_opts("jump nowhere; label b;", NULL, NULL, NULL, NULL)->code, E_UNKNOWN);
}

/* The verifier never writes the body it is given: a second verification
 * must not change what the first one compiled. */
static void test_shared_body_untouched(void **state)
{
    (void)state;
    Node *unit = parse_or_fail("push int(1);\nalloc;\nprint;\npush int(2);\npush int(3);");
    Body *b = lower_body_new("<input>");
    assert_null(lower_stmts(&(Scope){.ws = ws}, b, (Node *const *)unit->kids, unit->nkids));
    assert_null(lower_finish(b));
    Body before = *b;
    Insn *insns = gc_calloc(b->n, sizeof(Insn));
    memcpy(insns, b->insns, b->n * sizeof(Insn));
    Body *verified = NULL;
    VerifyOpts o = {.verified = &verified};
    assert_null(verify_body(b, vstate_new(), NULL, &o, NULL));
    assert_int_equal(b->max_depth, before.max_depth);
    assert_memory_equal(b->insns, insns, b->n * sizeof(Insn));
    assert_non_null(verified);
    assert_true(verified != b && verified->insns != b->insns);
    assert_int_equal(verified->insns[2].ty, TY_REF);
    assert_int_equal(verified->max_depth, 2);
}

static Error *check(const char *text) { return check_opts(text, NULL, NULL, NULL, NULL); }

static Body *check_ok(const char *text, VState **exit)
{
    Body *b = NULL;
    VState *x = NULL;
    Error *e = check_opts(text, NULL, NULL, &b, &x);
    if (e)
        fail_msg("\"%s\" was rejected at %u:%u: %s", text, e->span.line, e->span.col, e->msg);
    assert_non_null(x);
    if (exit)
        *exit = x;
    return b;
}

/* Verify, compile and run REPL code on the fixture's VM.  On success the
 * REPL's state becomes the exit state. */
static Error *run(const char *text)
{
    Body *b = NULL;
    VState *x = NULL;
    Error *e = check_opts(text, NULL, NULL, &b, &x);
    if (e)
        fail_msg("\"%s\" was rejected at %u:%u: %s", text, e->span.line, e->span.col, e->msg);
    Code *c = compile_body(b, false, 0, 0);
    e = vm_run(vm, c);
    if (!e)
        repl_vs = x;
    return e;
}

static void run_ok(const char *text)
{
    Error *e = run(text);
    if (e)
        fail_msg("running \"%s\" trapped at %u:%u: %s", text, e->span.line, e->span.col, e->msg);
}

/* The closing brace of a block (as the session computes it). */
/* Define a procedure from one `.define_procedure` statement: installed as
 * `cur` before its body is lowered (so it may call itself), verified against
 * its effect, compiled.  On failure it is taken out of the workspace again. */
static Error *define(const char *text, Proc **pout)
{
    Node *unit = parse_or_fail(text);
    assert_int_equal(unit->nkids, 1);
    const char *name;
    Effect eff;
    const Node *block;
    Error *e = procedure_parse(NULL, unit->kids[0], &name, &eff, &block);
    if (e)
        return e;
    Proc *p = gc_alloc(sizeof *p);
    p->name = name;
    ProcVersion *v = gc_alloc(sizeof *v);
    v->version = 1;
    v->eff = eff;
    v->def = unit->kids[0];
    p->kind = DEF_PROC;
    p->cur = v;
    vec_push(&ws->defs, p);
    Body *b = lower_body_new(name);
    b->end_span = node_block_end(block);
    v->body = b;
    e = lower_stmts(&(Scope){.ws = ws}, b, (Node *const *)block->kids, block->nkids);
    if (!e)
        e = lower_finish(b);
    if (!e) {
        VerifyOpts o = {.verified = &v->verified};
        e = verify_body(b, vstate_from_inputs(&eff), &eff, &o, NULL);
    }
    if (e) {
        ws->defs.len--;
        return e;
    }
    v->code = compile_body(v->verified, true, eff.nin, 1);
    if (pout)
        *pout = p;
    return NULL;
}

static Proc *define_ok(const char *text)
{
    Proc *p = NULL;
    Error *e = define(text, &p);
    if (e)
        fail_msg("definition \"%s\" was rejected at %u:%u: %s", text, e->span.line, e->span.col, e->msg);
    return p;
}

/* An error of the given code, whose message starts with prefix, at line:col. */
#define assert_error(e, code, prefix, line, col) check_error((e), (code), (prefix), (line), (col), __LINE__)

static void check_error(const Error *e, ErrorCode code, const char *prefix, uint32_t line, uint32_t col,
                        int at)
{
    if (!e)
        fail_msg("test line %d: expected %s \"%s...\", got success", at, err_code_name(code), prefix);
    if (e->code != code || strncmp(e->msg, prefix, strlen(prefix)) != 0 || e->span.line != line ||
        e->span.col != col)
        fail_msg("test line %d: expected %s at %u:%u \"%s...\"\n   got %s at %u:%u \"%s\"", at,
                 err_code_name(code), line, col, prefix, err_code_name(e->code), e->span.line, e->span.col,
                 e->msg);
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!hay || !strstr(hay, needle))
        fail_msg("\"%s\" does not contain \"%s\"", hay ? hay : "(null)", needle);
}

static const char *state_text(const VState *s)
{
    Buf b = {0};
    vstate_print(&b, s);
    return gc_strdup(buf_str(&b));
}

/* ---- stack underflow ------------------------------------------------------------- */

static void test_underflow_at_entry(void **state)
{
    (void)state;
    Error *e = check("add;");
    assert_error(e, E_STACK, "stack underflow: 'add' needs 2 items (int, int), the stack has 0", 1, 1);
    assert_contains(e->hint, "push the inputs first");
    assert_contains(e->detail, "stack here: <0>");

    e = check("push int(1);\n  add;");
    assert_error(e, E_STACK, "stack underflow: 'add' needs 2 items (int, int), the stack has 1", 2, 3);
    assert_contains(e->detail, "<1> s0:int");

    e = check("pop;");
    assert_error(e, E_STACK, "stack underflow: 'pop' needs 1 item (any), the stack has 0", 1, 1);

    e = check("push int(1);\npush int(2);\nstore;");
    assert_error(e, E_STACK, "stack underflow: 'store' needs 3 items (int, ref, int)", 3, 1);
}

static void test_underflow_uses_repl_state(void **state)
{
    (void)state;
    /* The REPL's entry state counts: two items left by an earlier input. */
    VState *entry = vstate_new();
    vstate_push(entry, TY_INT);
    vstate_push(entry, TY_INT);
    VState *x = NULL;
    Error *e = check_opts("add;", entry, NULL, NULL, &x);
    assert_null(e);
    assert_int_equal(x->depth, 1);
    assert_int_equal(x->items[0].type, TY_INT);
    e = check_opts("add;\nadd;", entry, NULL, NULL, NULL);
    assert_error(e, E_STACK, "stack underflow: 'add' needs 2 items (int, int), the stack has 1", 2, 1);
}

static void test_underflow_on_one_branch(void **state)
{
    (void)state;
    Error *e = check("push int(1);\n"
                     "push int(1);\n"
                     "if {\n"
                     "  pop;\n"
                     "  pop;\n"
                     "}, {\n"
                     "  pop;\n"
                     "};\n");
    assert_error(e, E_STACK, "stack underflow: 'pop' needs 1 item (any), the stack has 0", 5, 3);
    /* The other branch alone is fine. */
    e = check("push int(1);\npush int(1);\nif { pop; }, { pop; };");
    assert_null(e);
}

static void test_underflow_in_procedure_hint(void **state)
{
    (void)state;
    Error *e = define(".define_procedure f, (a: int -> r: int), {\n  add;\n};", NULL);
    assert_error(e, E_STACK, "stack underflow: 'add' needs 2 items (int, int), the stack has 1", 2, 3);
    assert_contains(e->hint, "procedure 'f' sees only its 1 declared input");
    assert_null(workspace_find_proc(ws, "f"));
}

/* ---- type mismatches ---------------------------------------------------------------- */

static void test_type_add_on_ref(void **state)
{
    (void)state;
    Error *e = check("push int(1);\nalloc;\npush int(2);\nadd;");
    assert_error(e, E_TYPE, "type mismatch: 'add' needs (int, int) on top of the stack, found (ref, int)", 4, 1);
    assert_contains(e->detail, "stack here: <2> s");
    assert_contains(e->detail, ":ref s");
    e = check("push int(1);\nalloc;\n    neg;");
    assert_error(e, E_TYPE, "type mismatch: 'neg' needs (int) on top of the stack, found (ref)", 3, 5);
}

static void test_type_load_swapped(void **state)
{
    (void)state;
    Error *e = check("push int(1);\nalloc;\npush int(0);\nswap;\nload;");
    assert_error(e, E_TYPE, "type mismatch: 'load' needs (ref, int) on top of the stack, found (int, ref)", 5, 1);
    /* The right order verifies and leaves an int. */
    VState *x;
    check_ok("push int(1);\nalloc;\npush int(0);\nload;", &x);
    assert_int_equal(x->depth, 1);
    assert_int_equal(x->items[0].type, TY_INT);
    /* load_ref leaves a ref; size needs one. */
    check_ok("push int(1);\nalloc;\npush int(0);\nload_ref;\nsize;", &x);
    assert_int_equal(x->depth, 1);
    assert_int_equal(x->items[0].type, TY_INT);
    e = check("push int(1);\nsize;");
    assert_error(e, E_TYPE, "type mismatch: 'size' needs (ref)", 2, 1);
}

static void test_type_store_order(void **state)
{
    (void)state;
    /* store is (v: int, ref, i: int): the value first. */
    Error *e = check("push int(2);\nalloc;\npush int(7);\npush int(0);\nstore;");
    assert_error(e, E_TYPE,
                 "type mismatch: 'store' needs (int, ref, int) on top of the stack, found (ref, int, int)", 5, 1);
    VState *x;
    check_ok("push int(7);\npush int(2);\nalloc;\npush int(0);\nstore;", &x);
    assert_int_equal(x->depth, 0);
    /* store_ref wants a ref value. */
    e = check("push int(7);\npush int(2);\nalloc;\npush int(0);\nstore_ref;");
    assert_error(e, E_TYPE,
                 "type mismatch: 'store_ref' needs (ref, ref, int) on top of the stack, found (int, ref, int)", 5,
                 1);
    /* Conditional jumps want an int. */
    e = check("push int(1);\nalloc;\nif { };");
    assert_error(e, E_TYPE, "type mismatch: 'if' needs (int)", 3, 1);
}

static void test_type_call_arguments(void **state)
{
    (void)state;
    define_ok(".define_procedure inc, (n: int -> r: int), { push int(1); add; };");
    Error *e = check("push int(3);\nalloc;\ncall inc;");
    assert_error(e, E_TYPE, "type mismatch: 'call inc' needs (int) on top of the stack, found (ref)", 3, 1);
    e = check("call inc;");
    assert_error(e, E_STACK, "stack underflow: 'call inc' needs 1 item (int), the stack has 0", 1, 1);
    VState *x;
    check_ok("push int(3);\nalloc;\npush int(4);\ncall inc;", &x);
    assert_int_equal(x->depth, 2);
    assert_int_equal(x->items[0].type, TY_REF);
    assert_int_equal(x->items[1].type, TY_INT);
}

/* ---- inconsistent joins --------------------------------------------------------------- */

static void test_join_if_depths(void **state)
{
    (void)state;
    Error *e = check("push int(1);\nif { push int(5); }, { };");
    assert_error(e, E_JOIN, "stack depths differ where paths", 2, 1);
    assert_contains(e->msg, "at the end of the 'if': 0 vs 1 items");
    assert_contains(e->detail, "path 1, from");
    assert_contains(e->detail, "path 2, from");
    assert_contains(e->hint, "same number and types");

    /* Without an else, the then-branch still has to balance. */
    e = check("push int(1);\n  if { push int(5); };");
    assert_error(e, E_JOIN, "stack depths differ where paths", 2, 3);
    assert_contains(e->msg, "at the end of the 'if': 0 vs 1 items");
    assert_contains(e->detail, "push int(5)");
}

static void test_join_if_types(void **state)
{
    (void)state;
    Error *e = check("push int(1);\nif { push int(1); }, { push int(1); alloc; };");
    assert_error(e, E_JOIN, "types differ where paths", 2, 1);
    assert_contains(e->msg, "at the end of the 'if'");
    assert_contains(e->msg, "item 0 from the bottom is");
    assert_contains(e->msg, "ref on one path");
    assert_contains(e->msg, "int on the other");
}

static void test_join_at_named_label(void **state)
{
    (void)state;
    Error *e = check("push int(1);\n"
                     "jump_if there;\n"
                     "push int(9);\n"
                     "label there;\n");
    assert_error(e, E_JOIN, "stack depths differ where paths", 4, 1);
    assert_contains(e->msg, "at label 'there': 0 vs 1 items");
    assert_contains(e->detail, "path 1, from line 2 (jump_if there)");
    assert_contains(e->detail, "path 2, from line 3 (push int(9))");
}

static void test_join_while_grows(void **state)
{
    (void)state;
    Error *e = check("push int(0);\n"
                     "while { push int(1); }, {\n"
                     "  push int(1);\n"
                     "};\n");
    /* The loop head is the condition block. */
    assert_error(e, E_JOIN, "stack depths differ where paths", 2, 7);
    assert_contains(e->msg, "at the 'while' condition: 1 vs 2 items");
    /* The same with labels. */
    e = check("label top;\npush int(1);\njump top;");
    assert_error(e, E_JOIN, "stack depths differ where paths", 1, 1);
    assert_contains(e->msg, "at label 'top': 0 vs 1 items");
}

/* ---- names: labels, operations, procedures --------------------------------------------- */

static void test_unknown_label(void **state)
{
    (void)state;
    Error *e = check("push int(1);\njump_if nowhere;");
    assert_error(e, E_UNKNOWN, "unknown label 'nowhere'", 2, 9);
    assert_contains(e->hint, "label nowhere;");
    e = check("jump away;");
    assert_error(e, E_UNKNOWN, "unknown label 'away'", 1, 6);
}

static void test_duplicate_label(void **state)
{
    (void)state;
    Error *e = check("label a;\npush int(1);\nlabel a;");
    assert_error(e, E_DEFINE, "label 'a' is defined twice", 3, 1);
    assert_non_null(e->notes);
    assert_int_equal(e->notes->span.line, 1);
    assert_int_equal(e->notes->span.col, 1);
    assert_string_equal(e->notes->msg, "first defined here");
}

static void test_unknown_operation(void **state)
{
    (void)state;
    Error *e = check("push int(1);\npush int(2);\n  ad;");
    assert_error(e, E_UNKNOWN, "unknown operation 'ad' on core-machine", 3, 3);
    assert_non_null(e->hint);
    assert_string_equal(e->hint, "did you mean 'add'?");
    e = check("dupp;");
    assert_error(e, E_UNKNOWN, "unknown operation 'dupp'", 1, 1);
    assert_string_equal(e->hint, "did you mean 'dup'?");
    e = check("frobnicate;");
    assert_error(e, E_UNKNOWN, "unknown operation 'frobnicate'", 1, 1);
    assert_null(strstr(e->hint, "did you mean"));
}

static void test_unknown_procedure(void **state)
{
    (void)state;
    Error *e = check("call foo;");
    assert_error(e, E_UNKNOWN, "unknown procedure 'foo'", 1, 6);
    assert_contains(e->hint, "define it first");
    define_ok(".define_procedure foo, (->), { };");
    e = check("push int(1);\ncall fo;");
    assert_error(e, E_UNKNOWN, "unknown procedure 'fo'", 2, 6);
    assert_string_equal(e->hint, "did you mean 'foo'?");
    /* A procedure named like an operation. */
    e = check("foo;");
    assert_error(e, E_UNKNOWN, "'foo' is a procedure, not an operation", 1, 1);
    assert_string_equal(e->hint, "write: call foo;");
    assert_null(check("call foo;"));
}

static void test_return_outside_procedure(void **state)
{
    (void)state;
    Error *e = check("push int(1);\nreturn;");
    assert_error(e, E_CFG, "'return' outside a procedure", 2, 1);
    e = check("push int(1);\nif {\n  return;\n};");
    assert_error(e, E_CFG, "'return' outside a procedure", 3, 3);
}

/* ---- procedures and their effects ------------------------------------------------------- */

static void test_procedure_effect_too_many(void **state)
{
    (void)state;
    Error *e = define(".define_procedure f, (n: int -> r: int), {\n  dup;\n};", NULL);
    assert_error(e, E_EFFECT, "the end of the body leaves <2> s", 3, 1);
    assert_contains(e->msg, ":int but 'f' declares (n: int -> r: int)");
    assert_contains(e->hint, "exactly the declared outputs");
    assert_null(workspace_find_proc(ws, "f"));
}

static void test_procedure_effect_too_few(void **state)
{
    (void)state;
    Error *e = define(".define_procedure f, (n: int -> r: int), {\n  pop;\n  }", NULL);
    assert_error(e, E_EFFECT, "the end of the body leaves <0> but 'f' declares (n: int -> r: int)", 3, 3);
    e = define(".define_procedure g, (a: int, b: int -> x: int, y: int), { add; };", NULL);
    assert_error(e, E_EFFECT, "the end of the body leaves <1> s", 1, 65);
    assert_contains(e->msg, ":int but 'g' declares (a: int, b: int -> x: int, y: int)");
}

static void test_procedure_effect_wrong_type(void **state)
{
    (void)state;
    Error *e = define(".define_procedure f, (n: int -> r: int), {\n  alloc;\n};", NULL);
    assert_error(e, E_EFFECT, "the end of the body leaves <1> s", 3, 1);
    assert_contains(e->msg, ":ref but 'f' declares (n: int -> r: int)");
    /* The right type verifies. */
    Proc *p = define_ok(".define_procedure mk, (n: int -> r: ref), {\n  alloc;\n};");
    assert_int_equal(proc_current(p)->eff.out[0].type, TY_REF);
}

static void test_procedure_return_checked(void **state)
{
    (void)state;
    Error *e = define(".define_procedure g, (n: int -> r: int), {\n"
                      "  dup;\n"
                      "  if { dup; return; };\n"
                      "};",
                      NULL);
    assert_error(e, E_EFFECT, "'return' leaves <2> s", 3, 13);
    assert_contains(e->msg, ":int but 'g' declares (n: int -> r: int)");
    /* An early return with the right stack is fine. */
    define_ok(".define_procedure h, (n: int -> r: int), {\n"
              "  dup;\n"
              "  if { return; };\n"
              "  push int(1);\n"
              "  add;\n"
              "};");
}

static void test_procedure_recursion(void **state)
{
    (void)state;
    Proc *p = define_ok(".define_procedure fact, (n: int -> r: int), {\n"
                        "  dup; push int(1); le;\n"
                        "  if { pop; push int(1); }, { dup; push int(1); sub; call fact; mul; };\n"
                        "};");
    /* The recursive call really is in the body. */
    bool calls_self = false;
    for (uint32_t i = 0; i < proc_current(p)->body->n; i++)
        if (proc_current(p)->body->insns[i].op == P_CALL && proc_current(p)->body->insns[i].ref.proc == p)
            calls_self = true;
    assert_true(calls_self);
    run_ok("push int(10);\ncall fact;");
    assert_int_equal(vm->depth, 1);
    assert_int_equal(vm->stack[0], 3628800);
    /* Recursion that breaks its own effect is still rejected. */
    Error *e = define(".define_procedure bad, (n: int -> r: int), {\n  call bad;\n  dup;\n};", NULL);
    assert_error(e, E_EFFECT, "the end of the body leaves <2> s", 4, 1);
    assert_contains(e->msg, ":int but 'bad' declares (n: int -> r: int)");
    e = define(".define_procedure bad2, (n: int -> r: int), {\n  call bad2;\n  add;\n};", NULL);
    assert_error(e, E_STACK, "stack underflow: 'add' needs 2 items", 3, 3);
}

/* BUG (cosmetic, diagnostics): states in messages are printed with the raw
 * identities of the simulation, not canonical ones, so the same situation
 * reads differently depending on how many values were made before it:
 *   .define_procedure f, (n: int -> r: int), { alloc; };
 *   -> "the end of the body leaves <1> s1:ref but 'f' declares ..."
 *   push int(1); alloc; push int(2); add;
 *   -> detail "stack here: <2> s1:ref s2:int"
 * DESIGN §4 numbers identities canonically by slot; the printed state
 * should be "<1> s0:ref" and "<2> s0:ref s1:int". */
static void test_diagnostic_states_are_canonical(void **state)
{
    (void)state;
    Error *e = define(".define_procedure f, (n: int -> r: int), {\n  alloc;\n};", NULL);
    assert_error(e, E_EFFECT, "the end of the body leaves <1> s0:ref but 'f' declares (n: int -> r: int)", 3, 1);
    e = check("push int(1);\nalloc;\npush int(2);\nadd;");
    assert_non_null(e);
    assert_string_equal(e->detail, "  stack here: <2> s0:ref s1:int");
}

/* ---- pick and push ---------------------------------------------------------------------- */

static void test_pick(void **state)
{
    (void)state;
    Error *e = check("push int(1);\npush int(2);\npick 2;");
    assert_error(e, E_STACK, "stack underflow: 'pick 2' needs 3 items (any), the stack has 2", 3, 1);
    e = check("pick 0;");
    assert_error(e, E_STACK, "stack underflow: 'pick 0' needs 1 item", 1, 1);
    /* pick moves identities: the copy is the same item. */
    VState *x;
    check_ok("push int(1);\npush int(1);\nalloc;\npick 1;", &x);
    assert_int_equal(x->depth, 3);
    assert_int_equal(x->items[2].type, TY_INT);
    assert_int_equal(x->items[0].id, x->items[2].id);
    assert_int_not_equal(x->items[1].id, x->items[0].id);
    e = check("pick -1;");
    assert_error(e, E_ARGS, "pick -1: N must be 0..1000000", 1, 6);
    /* An absurd N is refused when lowering, before any simulation. */
    e = check("pick 2000000;");
    assert_error(e, E_ARGS, "pick 2000000", 1, 6);
}

static void test_identity_moves(void **state)
{
    (void)state;
    VState *x;
    /* dup and over share; an arithmetic result is new even if equal. */
    check_ok("push int(1);\ndup;\npush int(2);\nover;\npush int(0);\nadd;", &x);
    assert_string_equal(state_text(x), "<4> s0:int s0:int s1:int s2:int");
    /* rot: a b c -> b c a */
    check_ok("push int(1);\npush int(2);\nalloc;\npush int(3);\nrot;", &x);
    assert_string_equal(state_text(x), "<3> s0:ref s1:int s2:int");
    /* load makes a new identity, even from the same word. */
    check_ok("push int(1);\nalloc;\ndup;\npush int(0);\nload;\nswap;\npush int(0);\nload;", &x);
    assert_int_equal(x->depth, 2);
    assert_int_not_equal(x->items[0].id, x->items[1].id);
}

static void test_push_literals(void **state)
{
    (void)state;
    Error *e = check("push int(1);\npush ref(1);");
    assert_error(e, E_ARGS, "push cannot make a literal of type ref", 2, 6);
    e = check("push foo(1);");
    assert_error(e, E_UNKNOWN, "unknown type 'foo'", 1, 6);
    e = check("push 3;");
    assert_error(e, E_ARGS, "push's argument must be", 1, 6);
    e = check("push;");
    assert_error(e, E_ARGS, "'push' takes 1 argument, found 0", 1, 1);
    e = check("add int(1);");
    assert_error(e, E_ARGS, "'add' takes no arguments, found 1", 1, 1);
}

/* ---- the budget ---------------------------------------------------------------------- */

/* Ten nested loops whose heads are first reached with a shared pair and
 * then, round the back edge, with two distinct items: each head changes, so
 * the verifier re-simulates the loops inside it. */
static const char *nested_loops(int n)
{
    Buf b = {0};
    buf_puts(&b, "push int(1);\ndup;\n");
    for (int i = 0; i < n; i++)
        buf_puts(&b, "while { dup; }, {\npop; push int(0);\n");
    for (int i = 0; i < n; i++)
        buf_puts(&b, "};\n");
    buf_puts(&b, "pop;\npop;\n");
    return gc_strdup(buf_str(&b));
}

static uint64_t simulated_steps(const char *log)
{
    const char *p = strstr(log, " blocks, ");
    assert_non_null(p);
    return strtoull(p + strlen(" blocks, "), NULL, 10);
}

static void test_budget(void **state)
{
    (void)state;
    const char *src = nested_loops(10);
    Body *b;
    Buf log = {0};
    VerifyOpts dflt = {.budget = 0, .log = &log};
    VState *x;
    Error *e = check_opts(src, NULL, &dflt, &b, &x);
    assert_null(e);
    assert_int_equal(x->depth, 0);
    uint64_t steps = simulated_steps(buf_str(&log));
    /* Loops were re-simulated: more steps than instructions. */
    assert_true(steps > b->n);

    /* Exactly enough budget passes, one less fails. */
    VerifyOpts exact = {.budget = steps};
    assert_null(check_opts(src, NULL, &exact, NULL, NULL));
    VerifyOpts less = {.budget = steps - 1};
    e = check_opts(src, NULL, &less, NULL, NULL);
    assert_non_null(e);
    assert_int_equal(e->code, E_BUDGET);
    char *want = gc_printf("verification budget exhausted after %llu steps",
                           (unsigned long long)(steps - 1));
    assert_string_equal(e->msg, want);

    /* A tiny budget: the 4th instruction simulated is the first loop's
     * jump to its test (`while` at line 3, column 7: the test is at the
     * bottom of the loop). */
    VerifyOpts tiny = {.budget = 3};
    e = check_opts(src, NULL, &tiny, NULL, NULL);
    assert_error(e, E_BUDGET, "verification budget exhausted after 3 steps", 3, 7);
    assert_contains(e->hint, "verify-budget");
}

/* ---- control flow that verifies ------------------------------------------------------------ */

static void test_unreachable_code_accepted(void **state)
{
    (void)state;
    VState *x;
    /* The `add` after the jump would underflow, but no path reaches it. */
    check_ok("jump end;\nadd;\nalloc;\nlabel end;\npush int(4);", &x);
    assert_int_equal(x->depth, 1);
    assert_int_equal(x->items[0].type, TY_INT);
    run_ok("jump end;\nadd;\nalloc;\nlabel end;\npush int(4);");
    assert_int_equal(vm->depth, 1);
    assert_int_equal(vm->stack[0], 4);
    /* Code after an endless loop is unreachable too. */
    assert_null(check_opts("label l;\njump l;\npop;\npop;", vstate_new(), NULL, NULL, &x));
    assert_int_equal(x->depth, 0);
}

static void test_loop_fixpoint(void **state)
{
    (void)state;
    /* Sum 5 + 4 + 3 + 2 + 1 with labels and a backward jump_if. */
    const char *sum = "push int(0);\n"
                      "push int(5);\n"
                      "label top;\n"
                      "swap; over; add; swap;\n"
                      "push int(1); sub;\n"
                      "dup;\n"
                      "jump_if top;\n"
                      "pop;\n";
    VState *x;
    check_ok(sum, &x);
    assert_int_equal(x->depth, 1);
    assert_int_equal(x->items[0].type, TY_INT);
    run_ok(sum);
    assert_int_equal(vm->depth, 1);
    assert_int_equal(vm->stack[0], 15);
}

static void test_loop_fixpoint_refines_sharing(void **state)
{
    (void)state;
    /* `out` is reached only from the loop head.  On the first visit the head
     * holds one item twice; the back edge brings two different items, so
     * the head must be re-simulated and `out` must end up unshared. */
    VState *x;
    check_ok("push int(1);\n"
             "dup;\n"
             "label top;\n"
             "push int(0);\n"
             "jump_if out;\n"
             "pop;\n"
             "push int(7);\n"
             "jump top;\n"
             "label out;\n",
             &x);
    assert_int_equal(x->depth, 2);
    assert_int_not_equal(x->items[0].id, x->items[1].id);
    /* Without the back edge changing anything, sharing survives. */
    check_ok("push int(1);\n"
             "dup;\n"
             "label top;\n"
             "push int(0);\n"
             "jump_if out;\n"
             "jump top;\n"
             "label out;\n",
             &x);
    assert_int_equal(x->depth, 2);
    assert_int_equal(x->items[0].id, x->items[1].id);
}

static void test_exit_joins_paths(void **state)
{
    (void)state;
    /* Both branches leave an int; the exit state is one int. */
    VState *x;
    check_ok("push int(1);\nif { push int(2); }, { push int(3); };", &x);
    assert_string_equal(state_text(x), "<1> s0:int");
    /* The same item on both paths stays the same item. */
    check_ok("push int(4);\npush int(1);\nif { }, { };\ndup;", &x);
    assert_string_equal(state_text(x), "<2> s0:int s0:int");
}

/* ---- what the verifier fills in -------------------------------------------------------------- */

static void test_max_depth(void **state)
{
    (void)state;
    Body *b = check_ok("push int(1);\npush int(2);\npush int(3);\nadd;\nadd;\npush int(9);", NULL);
    assert_int_equal(b->max_depth, 3);
    /* Counted from the body's bottom: the entry's items count. */
    VState *entry = vstate_new();
    vstate_push(entry, TY_INT);
    vstate_push(entry, TY_REF);
    Body *b2;
    assert_null(check_opts("push int(1);\npush int(2);\npush int(3);\nadd;\nadd;", entry, NULL, &b2, NULL));
    assert_int_equal(b2->max_depth, 5);
    /* The deepest point on either branch. */
    b = check_ok("push int(1);\npush int(1);\nif { push int(1); push int(2); push int(3); pop; pop; pop; };", NULL);
    assert_int_equal(b->max_depth, 4);
    /* An empty body: the entry depth. */
    assert_null(check_opts("", entry, NULL, &b2, NULL));
    assert_int_equal(b2->max_depth, 2);
    /* A procedure's inputs count. */
    Proc *p = define_ok(".define_procedure f, (a: int, b: int, c: int -> r: int), { add; add; };");
    assert_int_equal(proc_current(p)->verified->max_depth, 3);
}

static void test_print_annotation(void **state)
{
    (void)state;
    Body *b = check_ok("push int(1);\nalloc;\nprint;\npush int(5);\nprint;", NULL);
    assert_int_equal(b->n, 5);
    assert_int_equal(b->insns[2].op, P_PRINT);
    assert_int_equal(b->insns[2].ty, TY_REF);
    assert_int_equal(b->insns[4].op, P_PRINT);
    assert_int_equal(b->insns[4].ty, TY_INT);
    run_ok("push int(3);\nalloc;\nprint;\npush int(1);\nalloc;\nprint;\npush int(-5);\nprint;");
    assert_string_equal(output(), "<ref 3 words>\n<ref 1 word>\n-5\n");
    assert_int_equal(vm->depth, 0);
}

static void test_verify_log(void **state)
{
    (void)state;
    Buf log = {0};
    VerifyOpts o = {.log = &log};
    assert_null(check_opts("push int(1);\nif { push int(2); }, { push int(3); };", NULL, &o, NULL, NULL));
    assert_contains(buf_str(&log), "<input>: 4 blocks,");
    assert_contains(buf_str(&log), "max stack depth 1");
    /* An unreachable block is reported as such. */
    Buf log2 = {0};
    VerifyOpts o2 = {.log = &log2};
    assert_null(check_opts("jump end;\npop;\nlabel end;", NULL, &o2, NULL, NULL));
    assert_contains(buf_str(&log2), "unreachable");
}

/* ---- execution ------------------------------------------------------------------------------ */

static void test_exec_results(void **state)
{
    (void)state;
    run_ok("push int(6);\npush int(7);\nmul;");
    assert_int_equal(vm->depth, 1);
    assert_int_equal(vm->stack[0], 42);
    /* The next input sees the stack the last one left. */
    run_ok("push int(-7);\npush int(2);\ndiv;\npush int(-7);\npush int(2);\nmod;");
    assert_int_equal(vm->depth, 3);
    assert_int_equal(vm->stack[0], 42);
    assert_int_equal(vm->stack[1], -3);
    assert_int_equal(vm->stack[2], -1);
    run_ok("pop;\npop;\npop;\npush int(1);\npush int(2);\npush int(3);\nrot;");
    assert_int_equal(vm->depth, 3);
    assert_int_equal(vm->stack[0], 2);
    assert_int_equal(vm->stack[1], 3);
    assert_int_equal(vm->stack[2], 1);
    run_ok("pick 2;\nover;");
    assert_int_equal(vm->depth, 5);
    assert_int_equal(vm->stack[3], 2);
    assert_int_equal(vm->stack[4], 1);
    run_ok("pop; pop; pop; pop; pop;\n"
           "push int(1); push int(65); shl;\n"
           "push int(-8); push int(1); shr;\n"
           "push int(3); push int(5); lt;\n"
           "push int(5); not;\n"
           "push int(9223372036854775807); push int(1); add;");
    assert_int_equal(vm->depth, 5);
    assert_int_equal(vm->stack[0], 2);
    assert_int_equal(vm->stack[1], -4);
    assert_int_equal(vm->stack[2], 1);
    assert_int_equal(vm->stack[3], -6);
    assert_int_equal(vm->stack[4], INT64_MIN);
}

static void test_exec_heap(void **state)
{
    (void)state;
    run_ok("push int(3);\nalloc;\ndup;\npush int(42);\nswap;\npush int(1);\nstore;\n"
           "dup;\npush int(1);\nload;\nswap;\nsize;");
    assert_int_equal(vm->depth, 2);
    assert_int_equal(vm->stack[0], 42);
    assert_int_equal(vm->stack[1], 3);
    /* Fresh blocks are zeroed. */
    run_ok("push int(2);\nalloc;\npush int(1);\nload;");
    assert_int_equal(vm->depth, 3);
    assert_int_equal(vm->stack[2], 0);
    run_ok("push int(72);\nemit;\npush int(105);\nemit;\npush int(10);\nemit;");
    assert_string_equal(output(), "Hi\n");
}

static void test_trap_div_zero_restores_stack(void **state)
{
    (void)state;
    run_ok("push int(10);\npush int(20);");
    assert_int_equal(vm->depth, 2);
    Error *e = run("push int(30);\npush int(1);\npush int(0);\ndiv;\npush int(4);");
    assert_error(e, E_TRAP, "trap: division by zero", 4, 1);
    assert_int_equal(vm->depth, 2);
    assert_int_equal(vm->stack[0], 10);
    assert_int_equal(vm->stack[1], 20);
    e = run("pop;\npop;\npush int(1);\npush int(0);\nmod;");
    assert_error(e, E_TRAP, "trap: division by zero in mod", 5, 1);
    assert_int_equal(vm->depth, 2);
    assert_int_equal(vm->stack[0], 10);
    assert_int_equal(vm->stack[1], 20);
    e = run("push int(-9223372036854775808);\npush int(-1);\ndiv;");
    assert_error(e, E_TRAP, "trap: division overflow", 3, 1);
    assert_int_equal(vm->depth, 2);
    /* The VM goes on afterwards. */
    run_ok("add;");
    assert_int_equal(vm->depth, 1);
    assert_int_equal(vm->stack[0], 30);
}

static void test_trap_load_bounds(void **state)
{
    (void)state;
    run_ok("push int(5);");
    Error *e = run("push int(2);\nalloc;\npush int(2);\nload;");
    assert_error(e, E_TRAP, "trap: load: index 2 is outside the block of 2 words", 4, 1);
    assert_int_equal(vm->depth, 1);
    assert_int_equal(vm->stack[0], 5);
    e = run("push int(2);\nalloc;\npush int(-1);\nload;");
    assert_error(e, E_TRAP, "trap: load: index -1 is outside the block of 2 words", 4, 1);
    e = run("push int(7);\npush int(1);\nalloc;\npush int(1);\nstore;");
    assert_error(e, E_TRAP, "trap: store: index 1 is outside the block of 1 word", 5, 1);
    e = run("push int(-3);\nalloc;");
    assert_error(e, E_TRAP, "trap: alloc of -3 words", 2, 1);
    assert_int_equal(vm->depth, 1);
    assert_int_equal(vm->stack[0], 5);
}

static void test_trap_load_ref_of_int_word(void **state)
{
    (void)state;
    run_ok("push int(8);");
    Error *e = run("push int(1);\nalloc;\npush int(0);\nload_ref;");
    assert_error(e, E_TRAP, "trap: load_ref: word 0 holds an int, not a ref", 4, 1);
    assert_contains(e->hint, "use load for an int");
    assert_int_equal(vm->depth, 1);
    assert_int_equal(vm->stack[0], 8);
    /* A word written by store is an int to load. */
    run_ok("push int(1);\nalloc;\ndup;\npush int(5);\nswap;\npush int(0);\nstore;\npush int(0);\nload;");
    assert_int_equal(vm->depth, 2);
    assert_int_equal(vm->stack[1], 5);
}

/* BUG: store_ref tags the word as an int.  In core/vm.c, L_STORE and
 * L_STORE_REF are two labels on the same statement, so their addresses are
 * equal and `ip[-1].op == dispatch[P_STORE]` is true for store_ref too: the
 * tag written is always TY_INT.  So `load` of a stored ref does not trap
 * (it hands out the block's address as an int) and `load_ref` of it traps.
 * Reproducer (REPL):
 *   push int(1); alloc; dup; push int(1); alloc; swap; push int(0); store_ref;
 *   push int(0); load; print;      -> prints an address, should trap
 *   (same with load_ref; size;)    -> traps "word 0 holds an int, not a ref" */
static void test_trap_load_of_ref_word(void **state)
{
    (void)state;
    /* Block A gets a ref to block B in word 0; `load` of it must trap. */
    Error *e = run("push int(1);\nalloc;\ndup;\npush int(1);\nalloc;\nswap;\npush int(0);\nstore_ref;\n"
                   "push int(0);\nload;");
    assert_error(e, E_TRAP, "trap: load: word 0 holds a ref, not an int", 10, 1);
    assert_contains(e->hint, "load_ref");
    assert_int_equal(vm->depth, 0);
}

/* BUG: the same store_ref tag bug seen from the other side: a ref stored
 * with store_ref cannot be read back with load_ref. */
static void test_store_ref_load_ref_round_trip(void **state)
{
    (void)state;
    Error *e = run("push int(1);\nalloc;\ndup;\npush int(4);\nalloc;\nswap;\npush int(0);\nstore_ref;\n"
                   "push int(0);\nload_ref;\nsize;");
    if (e)
        fail_msg("store_ref then load_ref trapped at %u:%u: %s", e->span.line, e->span.col, e->msg);
    assert_int_equal(vm->depth, 1);
    assert_int_equal(vm->stack[0], 4);
}

static void test_trap_fuel(void **state)
{
    (void)state;
    assert_int_equal(make_vm((VmLimits){.fuel = 1000}), 0);
    run_ok("push int(1);");
    Error *e = run("push int(2);\nlabel l;\njump l;");
    assert_error(e, E_TRAP, "trap: out of fuel", 3, 1);
    assert_contains(e->hint, ":set fuel");
    assert_int_equal(vm->depth, 1);
    assert_int_equal(vm->stack[0], 1);
    /* A short loop fits in the fuel. */
    run_ok("push int(10);\nlabel l;\npush int(1);\nsub;\ndup;\njump_if l;\npop;");
    assert_int_equal(vm->depth, 1);
}

static void test_trap_in_procedure(void **state)
{
    (void)state;
    define_ok(".define_procedure bad, (n: int -> r: int), {\n  push int(0);\n  div;\n};");
    run_ok("push int(1);");
    Error *e = run("push int(7);\ncall bad;");
    assert_error(e, E_TRAP, "trap: division by zero", 3, 3);
    assert_non_null(e->notes);
    assert_string_equal(e->notes->msg, "called from <input>");
    assert_int_equal(e->notes->span.line, 2);
    assert_int_equal(vm->depth, 1);
    assert_int_equal(vm->stack[0], 1);
}

static void test_trap_limits(void **state)
{
    (void)state;
    assert_int_equal(make_vm((VmLimits){.stack_slots = 4, .call_depth = 50}), 0);
    Error *e = run("push int(1);\npush int(1);\npush int(1);\npush int(1);\npush int(1);");
    assert_non_null(e);
    assert_int_equal(e->code, E_TRAP);
    assert_string_equal(e->msg, "stack overflow: this code needs 5 stack slots, the limit is 4");
    assert_int_equal(vm->depth, 0);
    define_ok(".define_procedure forever, (->), { call forever; };");
    e = run("push int(3);\ncall forever;");
    assert_error(e, E_TRAP, "trap: call depth limit of 50 nested calls reached calling 'forever'", 1, 36);
    assert_int_equal(vm->depth, 0);
    define_ok(".define_procedure grow, (->), { push int(1); call grow; pop; };");
    e = run("call grow;");
    assert_error(e, E_TRAP, "trap: stack overflow: calling 'grow' could exceed 4 stack slots", 1, 46);
    assert_int_equal(vm->depth, 0);
}

int main(void)
{
    GC_INIT();
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_underflow_at_entry),
        T(test_nesting_at_cap),
        T(test_many_labels_lower_fast),
        T(test_underflow_uses_repl_state),
        T(test_underflow_on_one_branch),
        T(test_underflow_in_procedure_hint),
        T(test_type_add_on_ref),
        T(test_type_load_swapped),
        T(test_type_store_order),
        T(test_type_call_arguments),
        T(test_join_if_depths),
        T(test_join_if_types),
        T(test_join_at_named_label),
        T(test_join_while_grows),
        T(test_unknown_label),
        T(test_duplicate_label),
        T(test_unknown_operation),
        T(test_unknown_procedure),
        T(test_return_outside_procedure),
        T(test_procedure_effect_too_many),
        T(test_procedure_effect_too_few),
        T(test_procedure_effect_wrong_type),
        T(test_procedure_return_checked),
        T(test_procedure_recursion),
        T(test_diagnostic_states_are_canonical),
        T(test_pick),
        T(test_identity_moves),
        T(test_push_literals),
        T(test_budget),
        T(test_unreachable_code_accepted),
        T(test_loop_fixpoint),
        T(test_loop_fixpoint_refines_sharing),
        T(test_exit_joins_paths),
        T(test_max_depth),
        T(test_shared_body_untouched),
        T(test_print_annotation),
        T(test_verify_log),
        T(test_exec_results),
        T(test_exec_heap),
        T(test_trap_div_zero_restores_stack),
        T(test_trap_load_bounds),
        T(test_trap_load_ref_of_int_word),
        T(test_trap_load_of_ref_word),
        T(test_store_ref_load_ref_round_trip),
        T(test_trap_fuel),
        T(test_trap_in_procedure),
        T(test_trap_limits),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
