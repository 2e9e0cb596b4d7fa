/* test_fuel.c - fuel means one thing in both executors (vm.h, "Fuel").
 *
 * Each program runs on the fast executor (flattened, threaded code) and on
 * the stepper (lowered code, one instruction at a time): first without a
 * limit, where both must count the same number of instructions, then with
 * every fuel from 1 to that count, where both must stop alike: the same
 * trap, at the same place, after the same output.  The programs cover what
 * the fast executor's segment charging has to get right: loops, if/else
 * (code falling through into a jump target), calls and returns, recursion,
 * heap stores and prints (charged before they run), other traps inside a
 * segment, machine operations inlined (with a `return` inside), compiled
 * as a subroutine (a large one), calling private operations, and state.
 * Every trap of traps.def that both executors can reach is raised in both,
 * with the same message and hint. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gc.h>

#include "define.h"
#include "flatten.h"
#include "vm.h"
#include "stepper.h"
#include "tick.h"
#include "verify.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "world.h"
#pragma GCC diagnostic pop

static World *w;
static Vm *vm;

/* ---- definitions ----------------------------------------------------------------------- */

static Span block_end(const Node *block)
{
    Span sp = block->span;
    sp.off += sp.len - 1;
    sp.len = 1;
    return sp;
}

/* A procedure over core-machine, installed, verified and compiled. */
static void proc_ok(const char *text)
{
    Node *unit;
    Error *e = parse_unit(src_of(text), &unit);
    assert_ok(e);
    assert_int_equal(unit->nkids, 1);
    const char *name;
    Effect eff;
    const Node *block;
    assert_ok(procedure_parse(NULL, unit->kids[0], &name, &eff, &block));
    Proc *p = gc_alloc(sizeof *p);
    p->name = name;
    p->kind = DEF_PROC;
    ProcVersion *v = gc_alloc(sizeof *v);
    v->version = 1;
    v->eff = eff;
    v->def = unit->kids[0];
    p->cur = v;
    vec_push(&w->ws->defs, p);
    Body *b = lower_body_new(name);
    b->end_span = block_end(block);
    v->body = b;
    e = lower_stmts(&(Scope){.ws = w->ws}, b, (Node *const *)block->kids, block->nkids);
    if (!e)
        e = lower_finish(b);
    if (!e) {
        VerifyOpts o = {.ws = w->ws, .owner = "<session>", .verified = &v->verified};
        e = verify_body(b, vstate_from_inputs(&eff), &eff, &o, NULL);
    }
    if (e)
        fail_msg("procedure rejected: %s", err_text(e));
    v->code = compile_body(v->verified, true, eff.nin, 1);
}

/* 300 `push int(1); add;`: too large to inline, so a subroutine. */
static const char *big_body(void)
{
    Buf b = {0};
    for (int i = 0; i < 300; i++)
        buf_puts(&b, "push int(1); add; ");
    return buf_str(&b);
}

static int setup(void **state)
{
    (void)state;
    w = world_new();
    load_ok(w, "parity-machine");
    define_ok(w, gc_printf(".define_interface fuel-ops, {\n"
                           "  .operation bump, ( -> n: int);\n"
                           "  .operation clamp, (x: int -> y: int);\n"
                           "  .operation big, (x: int -> y: int);\n"
                           "  .operation twice, (x: int -> y: int);\n"
                           "};\n"
                           ".define_module fuel-module, core-machine, {\n"
                           "  .exports ops, fuel-ops;\n"
                           "  .state count, int;\n"
                           "  .define_operation inc, (x: int -> y: int), { push int(1); add; };\n"
                           "  .define_operation port(ops), bump, { state_get count; push int(1); add; dup; state_set count; };\n"
                           "  .define_operation port(ops), clamp, {\n"
                           "    dup; push int(10); gt; if { pop; push int(10); return; }; push int(1); add;\n"
                           "  };\n"
                           "  .define_operation port(ops), big, { %s };\n"
                           "  .define_operation port(ops), twice, { inc; inc; };\n"
                           "};\n"
                           ".define_machine fuel-machine, core-machine, {\n"
                           "  .instantiate fuel-module, f;\n"
                           "  .alias_operation f, ops, bump, bump;\n"
                           "  .alias_operation f, ops, clamp, clamp;\n"
                           "  .alias_operation f, ops, big, big;\n"
                           "  .alias_operation f, ops, twice, twice;\n"
                           "};",
                           big_body()));
    proc_ok(".define_procedure nop, (->), { };");
    proc_ok(".define_procedure early, (n: int -> r: int), {\n"
            "  dup; push int(2); lt; if { return; };\n"
            "  push int(1); sub; call early; push int(1); add;\n"
            "};");
    proc_ok(".define_procedure fib, (n: int -> r: int), {\n"
            "  dup; push int(2); lt; if { return; };\n"
            "  dup; push int(1); sub; call fib; swap; push int(2); sub; call fib; add;\n"
            "};");
    proc_ok(".define_procedure sign, (n: int -> r: int), {\n"
            "  dup; push int(0); lt; if { pop; push int(-1); }, { push int(0); gt; };\n"
            "};");
    proc_ok(".define_procedure quot, (a: int, b: int -> q: int), { div; };");
    proc_ok(".define_procedure forever, (->), { call forever; };");
    proc_ok(".define_procedure deep, (->), { push int(1); push int(1); push int(1); push int(1);\n"
            "  push int(1); push int(1); push int(1); push int(1); call deep;\n"
            "  pop; pop; pop; pop; pop; pop; pop; pop; };");
    vm = vm_new((VmLimits){.stack_slots = 4096, .call_depth = 1000}, stdout);
    return 0;
}

/* ---- running ------------------------------------------------------------------------------ */

typedef struct Outcome {
    Error *err;
    char *out;
    uint64_t count;
    uint32_t depth;
    Value top;
} Outcome;

typedef struct Prog {
    const char *text;
    const Machine *m;
    Body *lowered;  /* what the stepper runs */
    Code *code;     /* what the fast executor runs */
} Prog;

static Prog prepare(const char *text, const char *machine)
{
    Prog p = {.text = text, .m = machine ? machine_named(w, machine) : NULL};
    Node *unit;
    assert_ok(parse_unit(src_of(text), &unit));
    Body *b = lower_body_new("<input>");
    b->end_span = (Span){.src = unit->span.src, .off = (uint32_t)strlen(text), .line = 1, .col = 1};
    Scope sc = {.ws = w->ws, .machine = p.m};
    Error *e = lower_stmts(&sc, b, (Node *const *)unit->kids, unit->nkids);
    if (!e)
        e = lower_finish(b);
    Body *verified = NULL;
    if (!e) {
        VerifyOpts o = {.ws = w->ws, .owner = "<session>", .verified = &verified};
        e = verify_body(b, vstate_new(), NULL, &o, NULL);
    }
    if (!e)
        p.code = flatten_compile(verified, NULL, false, 0, 0, &e);
    if (e)
        fail_msg("\"%s\" rejected: %s", text, err_text(e));
    p.lowered = b;
    return p;
}

static FILE *begin(const Prog *p, uint64_t fuel, char **buf, size_t *len)
{
    vm->limits.fuel = fuel;
    vm->depth = 0;
    if (p->m) /* component state from zero, so every run is the same */
        for (uint32_t i = 0; i < p->m->ncomps; i++)
            memset(p->m->comps[i]->state, 0, p->m->comps[i]->module->nstate * sizeof(Value));
    FILE *f = open_memstream(buf, len);
    assert_non_null(f);
    vm->out = f;
    return f;
}

static char *end(FILE *f, char **buf)
{
    fclose(f); /* sets *buf */
    char *s = gc_strdup(*buf ? *buf : "");
    free(*buf);
    return s;
}

static Outcome run_fast(const Prog *p, uint64_t fuel)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = begin(p, fuel, &buf, &len);
    Outcome o = {.err = vm_run(vm, p->code)};
    o.count = vm->steps;
    o.out = end(f, &buf);
    o.depth = vm->depth;
    o.top = vm->depth ? vm->stack[vm->depth - 1] : 0;
    return o;
}

static Outcome run_stepper(const Prog *p, uint64_t fuel)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = begin(p, fuel, &buf, &len);
    TypeId none[1] = {TY_INT};
    Stepper *st = stepper_new(vm, none, p->lowered);
    Outcome o = {0};
    for (;;) {
        StepInfo info;
        StepStatus s = stepper_step(st, &info);
        if (s == STEP_DONE)
            break;
        if (s == STEP_VIOLATION)
            fail_msg("\"%s\": violation: %s", p->text, st->error->msg);
        if (s != STEP_OK) {
            o.err = st->error;
            break;
        }
    }
    if (!o.err)
        o.err = stepper_finish(st, vm);
    o.count = st->safepoints;
    o.out = end(f, &buf);
    o.depth = vm->depth;
    o.top = vm->depth ? vm->stack[vm->depth - 1] : 0;
    return o;
}

static const char *describe(const Outcome *o)
{
    if (!o->err)
        return gc_printf("ok after %llu instructions, output [%s]", (unsigned long long)o->count, o->out);
    return gc_printf("%u:%u %s (hint %s), output [%s]", o->err->span.line, o->err->span.col, o->err->msg,
                     o->err->hint ? o->err->hint : "-", o->out);
}

static void same(const Prog *p, uint64_t fuel, const Outcome *a, const Outcome *b)
{
    bool eq = !a->err == !b->err && !strcmp(a->out, b->out) && a->depth == b->depth && a->top == b->top;
    if (eq && a->err)
        eq = !strcmp(a->err->msg, b->err->msg) && a->err->span.line == b->err->span.line &&
             a->err->span.col == b->err->span.col && !a->err->hint == !b->err->hint &&
             (!a->err->hint || !strcmp(a->err->hint, b->err->hint));
    if (!eq)
        fail_msg("\"%s\" with fuel %llu:\n  fast:    %s\n  stepper: %s", p->text, (unsigned long long)fuel,
                 describe(a), describe(b));
}

/* Both executors count n instructions; with fuel n the program runs as
 * without a limit, with any less both stop at the same instruction. */
static uint64_t check_prog(const char *text, const char *machine, uint64_t want)
{
    Prog p = prepare(text, machine);
    Outcome fast = run_fast(&p, 0), step = run_stepper(&p, 0);
    same(&p, 0, &fast, &step);
    if (fast.count != step.count)
        fail_msg("\"%s\": the fast executor counts %llu instructions, the stepper %llu", text,
                 (unsigned long long)fast.count, (unsigned long long)step.count);
    if (want && fast.count != want)
        fail_msg("\"%s\": %llu instructions, expected %llu", text, (unsigned long long)fast.count,
                 (unsigned long long)want);
    uint64_t n = fast.count;
    for (uint64_t fuel = 1; fuel <= n; fuel++) {
        Outcome a = run_fast(&p, fuel), b = run_stepper(&p, fuel);
        same(&p, fuel, &a, &b);
        if (fuel == n) { /* exactly enough: as without a limit */
            same(&p, fuel, &a, &fast);
        } else {
            const char *want_msg = gc_printf("trap: out of fuel after %llu instructions", (unsigned long long)fuel);
            if (!a.err || strcmp(a.err->msg, want_msg))
                fail_msg("\"%s\" with fuel %llu: %s, expected \"%s\"", text, (unsigned long long)fuel, describe(&a),
                         want_msg);
            assert_int_equal(a.depth, 0); /* the stack is as before the run */
        }
    }
    return n;
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_straight_line(void **state)
{
    (void)state;
    check_prog("push int(1); push int(2); add; print;", NULL, 4);
    check_prog("push int(1);\npush int(2);\nadd;\npush int(3);\nmul;\npush int(0);\npop;\nprint;", NULL, 8);
    check_prog("label a; label b; push int(5); label c; print;", NULL, 2); /* labels cost nothing */
    check_prog("", NULL, 0);
}

static void test_loops(void **state)
{
    (void)state;
    /* push, jump, 5 rounds of 4, the last test (2), pop */
    check_prog("push int(5); while { dup; }, { push int(1); sub; }; pop;", NULL, 1 + 1 + 5 * 4 + 2 + 1);
    check_prog("push int(5); while { dup; }, { dup; print; push int(1); sub; }; pop;", NULL, 0);
    check_prog("push int(0); while { dup; push int(6); lt; }, {\n"
               "  dup; push int(2); mod; if { push int(100); print; }, { push int(200); print; };\n"
               "  push int(1); add;\n"
               "}; print;",
               NULL, 0);
    check_prog("push int(2); label top; push int(1); sub; dup; jump_if top; print;", NULL, 1 + 2 * 4 + 1);
    check_prog("push int(3); while { dup; }, { push int(2); while { dup; }, { push int(1); sub; }; pop; push int(1); sub; }; pop;",
               NULL, 0);
}

static void test_branches(void **state)
{
    (void)state;
    check_prog("push int(3); if { push int(1); print; }; push int(2); print;", NULL, 6);
    check_prog("push int(0); if { push int(1); print; }; push int(2); print;", NULL, 4);
    check_prog("push int(0); if { push int(1); }, { push int(2); }; print;", NULL, 4);
    check_prog("push int(7); if { push int(1); }, { push int(2); }; print;", NULL, 5);
    check_prog("push int(4); push int(3); lt; if { push int(1); print; }; push int(9); push int(3); gt; if { push int(2); print; };",
               NULL, 0);
}

static void test_calls(void **state)
{
    (void)state;
    check_prog("call nop; call nop; call nop;", NULL, 3); /* the implicit return costs nothing */
    check_prog("push int(1); call early; print;", NULL, 0);
    check_prog("push int(6); call early; print; call nop;", NULL, 0);
    check_prog("push int(8); call fib; print;", NULL, 0);
    check_prog("push int(-5); call sign; print; push int(5); call sign; print; push int(0); call sign; print;", NULL, 0);
}

static void test_effects_and_traps(void **state)
{
    (void)state;
    /* stores and prints happen only within the fuel, in both */
    check_prog("push int(4); alloc; push int(0); while { dup; push int(4); lt; }, {\n"
               "  dup; pick 2; pick 2; store; dup; print; push int(1); add;\n"
               "}; pop; dup; push int(3); load; print; size; print;",
               NULL, 0);
    check_prog("push int(2); alloc; push int(1); alloc; over; push int(0); store_ref; push int(0); load_ref; size; print;",
               NULL, 0);
    /* another trap inside a segment: out of fuel first when the fuel is short */
    check_prog("push int(1); push int(2); add; push int(0); div; print;", NULL, 5);
    check_prog("push int(7); push int(0); call quot; print;", NULL, 0);
    check_prog("push int(65); emit; push int(300); emit; push int(66); emit;", NULL, 0);
    check_prog("push int(1); alloc; push int(5); load; print;", NULL, 0);
    check_prog("push int(-1); alloc; print;", NULL, 0);
}

/* Superinstructions (compile.c): each fused group counts, stops and traps
 * exactly where its instructions would, one at a time. */
static void test_fused_forms(void **state)
{
    (void)state;
    /* dup; mul  over; add  swap; push; sub; swap  rot; add; swap */
    check_prog("push int(3); push int(4); dup; mul; over; add; swap; push int(2); sub; swap;\n"
               "push int(1); push int(5); rot; add; swap; print; print; print;",
               NULL, 18);
    /* dup; push K; lt; jump_if  and  dup; pick N; lt; jump_if (loop tests) */
    check_prog("push int(0); while { dup; push int(5); lt; }, { push int(1); add; }; print;", NULL, 0);
    check_prog("push int(5); push int(0); while { dup; pick 2; lt; }, { push int(1); add; }; print; print;", NULL, 0);
    /* pick N; lt; jump_unless  and  over / dup; jump_unless */
    check_prog("push int(1); push int(2); pick 1; lt; if { push int(7); print; }; print;", NULL, 0);
    check_prog("push int(0); push int(3); over; if { push int(1); print; }; dup; if { push int(2); print; }; print; print;",
               NULL, 0);
    /* unsigned compares before jump_unless branch on the opposite compare */
    check_prog("push int(-1); push int(1); ltu; if { push int(1); print; }, { push int(2); print; };\n"
               "push int(1); push int(-1); leu; if { push int(3); print; }, { push int(4); print; };",
               NULL, 0);
    /* push K; pick A; pick 2; store  pick A; over; load  over; over; load  dup; push K; load */
    check_prog("push int(3); alloc; push int(0); while { dup; push int(3); lt; }, {\n"
               "  push int(9); pick 2; pick 2; store; push int(1); add;\n"
               "}; pop; push int(1); over; over; load; print; pick 1; over; load; print; pop;\n"
               "dup; push int(2); load; print; size; print;",
               NULL, 0);
    /* over; push K; store_ref  dup; push K; load_ref */
    check_prog("push int(2); alloc; push int(1); alloc; over; push int(1); store_ref; dup; push int(1); load_ref; size; print; pop;",
               NULL, 0);
    /* runs of shuffles as one: drop D, push copies */
    check_prog("push int(1); push int(2); push int(3); push int(4); rot; pop; swap; pop; print;\n"
               "push int(5); push int(6); push int(7); pop; swap; pop; dup; print; print;\n"
               "push int(8); push int(9); push int(10); swap; rot; rot; swap; print; print; print; print;",
               NULL, 0);
    /* two copies at once: pick A; pick B (and dup; dup) */
    check_prog("push int(1); push int(2); pick 1; pick 1; push int(3); print; print; print;\n"
               "dup; dup; push int(4); print; print; print; print; print;",
               NULL, 0);
    /* pick A; over; load; jump_if  dup; size; jump_unless  push K; alloc */
    check_prog("push int(3); alloc; push int(1); pick 1; over; load; if { push int(5); print; }; pop;\n"
               "dup; size; if { push int(6); print; }; pop; push int(0); alloc; dup; size; if { push int(7); print; }; pop;",
               NULL, 0);
    check_prog("push int(2); alloc; push int(7); over; push int(1); store; push int(1); pick 1; over; load;\n"
               "jump_unless skip; push int(8); print; label skip; pop; pop;",
               NULL, 0);
    /* traps inside fused groups name the instruction that traps */
    check_prog("push int(2); alloc; push int(2); pick 1; over; load; if { push int(1); print; }; pop; pop;", NULL, 0);
    check_prog("push int(1); push int(-1); alloc;", NULL, 0);
    check_prog("push int(1); alloc; push int(4); push int(9); pick 2; pick 2; store;", NULL, 0);
    check_prog("push int(1); alloc; push int(3); over; over; load;", NULL, 0);
    check_prog("push int(1); alloc; dup; push int(2); load;", NULL, 0);
    check_prog("push int(1); alloc; dup; push int(0); load_ref;", NULL, 0);
    check_prog("push int(1); alloc; push int(1); alloc; over; push int(3); store_ref;", NULL, 0);
}

/* load8 and store8: byte i is bits 8*(i%8).. of word i/8; the fast
 * executor and the stepper agree on the values, the counts and the traps. */
static void check_output(const char *text, const char *want)
{
    check_prog(text, NULL, 0);
    Prog p = prepare(text, NULL);
    Outcome o = run_fast(&p, 0);
    if (o.err || strcmp(o.out, want))
        fail_msg("\"%s\": %s, expected output \"%s\"", text, describe(&o), want);
}

static void test_byte_access(void **state)
{
    (void)state;
    /* 0x0102 in word 0: byte 0 is 2, byte 1 is 1; bytes of word 1 follow */
    check_output("push int(2); alloc; push int(258); over; push int(0); store;\n"
                 "dup; push int(0); load8; print; dup; push int(1); load8; print; dup; push int(2); load8; print;\n"
                 "push int(-1); over; push int(1); store; dup; push int(15); load8; print; pop;",
                 "2\n1\n0\n255\n");
    /* store8 keeps the other bytes and writes only the low 8 bits */
    check_output("push int(2); alloc; push int(-1); over; push int(0); store;\n"
                 "push int(0); over; push int(1); store8; push int(513); over; push int(9); store8;\n"
                 "dup; push int(0); load; print; dup; push int(1); load; print;\n"
                 "dup; push int(1); load8; print; push int(9); load8; print;",
                 "-65281\n256\n0\n1\n");
    /* the top byte of a word: shifts by 56, no sign spread */
    check_output("push int(1); alloc; push int(200); over; push int(7); store8; dup; push int(0); load; print;\n"
                 "push int(7); load8; print;",
                 "-4035225266123964416\n200\n");
    /* traps stop both at the same instruction, the stack as before */
    check_prog("push int(1); alloc; push int(1); print; push int(64); load8; print;", NULL, 0);
    check_prog("push int(5); push int(1); alloc; push int(2); print; push int(-8); store8;", NULL, 0);
    check_prog("push int(1); alloc; push int(1); alloc; over; push int(0); store_ref; push int(3); load8;", NULL, 0);
    check_prog("push int(1); alloc; push int(1); alloc; over; push int(0); store_ref; push int(9); swap; push int(0); store8;",
               NULL, 0);
    /* a ref word overwritten by store becomes an int word: its bytes are open */
    check_output("push int(1); alloc; push int(1); alloc; over; push int(0); store_ref;\n"
                 "push int(0); over; push int(0); store; push int(4); over; push int(2); store8; push int(2); load8; print;",
                 "4\n");
}

static void test_machine_operations(void **state)
{
    (void)state;
    /* machine operations cost nothing: their instructions do (dup, add) */
    check_prog("push int(1); pdouble; pdouble; pdouble; print;", "parity-machine", 8);
    check_prog("push int(3); pinc; pdouble; print;", "parity-machine", 0);
    check_prog("bump; bump; print; print;", "fuel-machine", 2 * 5 + 2);
    /* a return inside an inlined operation counts like the return it is */
    check_prog("push int(3); clamp; print; push int(20); clamp; print;", "fuel-machine", 0);
    check_prog("push int(1); twice; twice; print;", "fuel-machine", 2 + 4 + 4);
    /* a large operation compiled as a subroutine: its 600 instructions */
    check_prog("push int(1); big; print;", "fuel-machine", 1 + 600 + 1);
    check_prog("push int(3); while { dup; }, { push int(-290); big; clamp; print; push int(1); sub; }; pop;", "fuel-machine", 0);
}

/* Fuel counts work: a loop of long rounds is not cheap because it jumps
 * rarely. */
static void test_long_body(void **state)
{
    (void)state;
    /* push, jump, 3 rounds of (push, big's 600, pop, push, sub, dup, jump_if), the last test, pop */
    check_prog("push int(3); while { dup; }, { push int(0); big; pop; push int(1); sub; }; pop;", "fuel-machine",
               2 + 3 * 606 + 2 + 1);
}

/* The default keeps a run short, and stays settable. */
static void test_defaults(void **state)
{
    (void)state;
    Vm *d = vm_new((VmLimits){.fuel = config_default(CONFIG_FUEL)}, stdout);
    assert_int_equal(d->limits.fuel, 1000000000ull);
    assert_int_equal(d->limits.max_block_words, 1ll << 24);
    assert_int_equal(d->limits.heap_bytes, 1ull << 30);
}

/* stepper_finish refuses a stack that no longer fits the vm's. */
static void test_finish_after_shrink(void **state)
{
    (void)state;
    Prog p = prepare("push int(1); push int(2); push int(3); push int(4); push int(5); push int(6); push int(7); "
                     "push int(8); push int(9); push int(10); push int(11); push int(12); push int(13); push int(14); "
                     "push int(15); push int(16); push int(17); push int(18); push int(19); push int(20);",
                     NULL);
    Vm *v = vm_new((VmLimits){.stack_slots = 64}, stdout);
    TypeId none[1] = {TY_INT};
    Stepper *st = stepper_new(v, none, p.lowered);
    StepInfo info;
    while (stepper_step(st, &info) == STEP_OK)
        ;
    assert_ok(vm_set_stack_slots(v, 16));
    Error *e = stepper_finish(st, v);
    assert_non_null(e);
    assert_int_equal(e->code, E_LIMIT);
    assert_int_equal(v->depth, 0);
    assert_ok(vm_set_stack_slots(v, 32));
    assert_ok(stepper_finish(st, v));
    assert_int_equal(v->depth, 20);
    assert_int_equal(v->stack[19], 20);
}

/* ---- traps ------------------------------------------------------------------------------ */

/* A trap raised in both executors: the same error (same()), with the
 * message and the hint of its row in traps.def. */
static void check_trap(const char *text, uint64_t fuel, Trap t, const char *msg)
{
    Prog p = prepare(text, NULL);
    Outcome a = run_fast(&p, fuel), b = run_stepper(&p, fuel);
    same(&p, fuel, &a, &b);
    const char *hint = vm_trap_error(t, (Span){0}, "")->hint;
    if (!a.err || strcmp(a.err->msg, gc_printf("trap: %s", msg)) || !a.err->hint != !hint ||
        (hint && strcmp(a.err->hint, hint)))
        fail_msg("\"%s\": %s, expected \"trap: %s\" (hint %s)", text, describe(&a), msg, hint ? hint : "-");
}

static void test_every_trap(void **state)
{
    (void)state;
    static const struct {
        Trap t;
        const char *text, *msg;
        uint64_t fuel, heap_bytes; /* 0: none, the default */
    } cases[] = {
        {TRAP_DIV_ZERO, "push int(1); push int(0); div;", "division by zero", 0, 0},
        {TRAP_DIV_ZERO, "push int(7); push int(0); call quot;", "division by zero", 0, 0},
        {TRAP_DIV_OVERFLOW, "push int(-9223372036854775807); push int(1); sub; push int(-1); div;",
         "division overflow: INT64_MIN / -1", 0, 0},
        {TRAP_MOD_ZERO, "push int(1); push int(0); mod;", "division by zero in mod", 0, 0},
        {TRAP_MOD_OVERFLOW, "push int(-9223372036854775807); push int(1); sub; push int(-1); mod;",
         "division overflow: INT64_MIN mod -1", 0, 0},
        {TRAP_CALL_DEPTH, "call forever;", "call depth limit of 1000 nested calls reached calling 'forever'", 0, 0},
        {TRAP_CALL_STACK, "call deep;", "stack overflow: calling 'deep' could exceed 4096 stack slots", 0, 0},
        {TRAP_ALLOC_SIZE, "push int(100000000); alloc;", "alloc of 100000000 words: the size must be 0..16777216", 0, 0},
        {TRAP_ALLOC_NEGATIVE, "push int(-1); alloc;", "alloc of -1 words: the size must be 0..16777216", 0, 0},
        {TRAP_OUT_OF_HEAP, "push int(1000); alloc;", "out of heap allocating 1000 words", 0, 1024},
        {TRAP_LOAD, "push int(1); alloc; push int(5); load;", "load: index 5 is outside the block of 1 word", 0, 0},
        {TRAP_LOAD_TAG, "push int(1); alloc; push int(1); alloc; over; push int(0); store_ref; push int(0); load;",
         "load: word 0 holds a ref, not an int", 0, 0},
        {TRAP_LOAD_REF, "push int(1); alloc; push int(5); load_ref;", "load_ref: index 5 is outside the block of 1 word", 0, 0},
        {TRAP_LOAD_REF_TAG, "push int(1); alloc; push int(0); load_ref;", "load_ref: word 0 holds an int, not a ref", 0, 0},
        {TRAP_STORE, "push int(7); push int(1); alloc; push int(5); store;",
         "store: index 5 is outside the block of 1 word", 0, 0},
        {TRAP_STORE_REF, "push int(1); alloc; push int(1); alloc; push int(5); store_ref;",
         "store_ref: index 5 is outside the block of 1 word", 0, 0},
        {TRAP_LOAD8, "push int(1); alloc; push int(8); load8;",
         "load8: byte 8 is outside the block of 1 word (bytes 0..7)", 0, 0},
        {TRAP_LOAD8_TAG, "push int(1); alloc; push int(1); alloc; over; push int(0); store_ref; push int(7); load8;",
         "load8: byte 7 is in word 0, which holds a ref, not an int", 0, 0},
        {TRAP_STORE8, "push int(7); push int(2); alloc; push int(-1); store8;",
         "store8: byte -1 is outside the block of 2 words (bytes 0..15)", 0, 0},
        {TRAP_STORE8_TAG, "push int(2); alloc; push int(1); alloc; over; push int(1); store_ref; push int(7); swap; push int(8); store8;",
         "store8: byte 8 is in word 1, which holds a ref, not an int", 0, 0},
        {TRAP_EMIT, "push int(300); emit;", "emit: 300 is not a byte", 0, 0},
        {TRAP_DIVU_ZERO, "push int(1); push int(0); divu;", "division by zero in divu", 0, 0},
        {TRAP_MODU_ZERO, "push int(1); push int(0); modu;", "division by zero in modu", 0, 0},
        {TRAP_PROGRAM, "trap \"out of bounds memory access\";", "out of bounds memory access", 0, 0},
        {TRAP_OUT_OF_FUEL, "push int(1); push int(2); add;", "out of fuel after 2 instructions", 2, 0},
    };
    bool seen[TRAP__COUNT] = {0};
    for (size_t i = 0; i < countof(cases); i++) {
        vm->limits.heap_bytes = cases[i].heap_bytes ? cases[i].heap_bytes : config_default(CONFIG_HEAP_LIMIT);
        check_trap(cases[i].text, cases[i].fuel, cases[i].t, cases[i].msg);
        seen[cases[i].t] = true;
    }
    vm->limits.heap_bytes = config_default(CONFIG_HEAP_LIMIT);
    /* Not reachable from verified code in both: verification bounds the
     * nesting, the stepper alone checks each push, Ctrl-C is the REPL's. */
    seen[TRAP_OP_NESTING] = seen[TRAP_STACK_FULL] = seen[TRAP_INTERRUPTED] = seen[TRAP_STRUCTURED] = true;
    for (int t = 0; t < TRAP__COUNT; t++)
        if (!seen[t])
            fail_msg("trap %d is raised by no test", t);
}

/* The one trap only the stepper raises: it checks every push, where
 * compiled code is refused before it runs (vm_check_stack). */
static void test_stepper_stack_full(void **state)
{
    (void)state;
    Buf text = {0};
    for (int i = 0; i < 20; i++)
        buf_puts(&text, "push int(1); ");
    Prog p = prepare(buf_str(&text), NULL);
    Vm *small = vm_new((VmLimits){.stack_slots = 16}, stdout);
    assert_non_null(vm_check_stack(small, p.code));
    TypeId none[1] = {TY_INT};
    Stepper *st = stepper_new(small, none, p.lowered);
    StepInfo info;
    while (stepper_step(st, &info) == STEP_OK)
        ;
    assert_string_equal(st->error->msg, "trap: stack overflow: more than 16 items");
    assert_null(st->error->hint);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_straight_line),
        cmocka_unit_test(test_loops),
        cmocka_unit_test(test_branches),
        cmocka_unit_test(test_calls),
        cmocka_unit_test(test_effects_and_traps),
        cmocka_unit_test(test_fused_forms),
        cmocka_unit_test(test_byte_access),
        cmocka_unit_test(test_machine_operations),
        cmocka_unit_test(test_long_body),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_finish_after_shrink),
        cmocka_unit_test(test_every_trap),
        cmocka_unit_test(test_stepper_stack_full),
    };
    GC_INIT();
    return cmocka_run_group_tests(tests, setup, NULL);
}
