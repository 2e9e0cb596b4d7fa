/* trace.c - :trace CODE: real execution beside the verifier's simulation.
 *
 * The code is verified first, as always.  Then the checked executor runs
 * it one instruction at a time while the verifier applies the same
 * instruction to a copy of the REPL's simulated stack; each step prints the
 * position (name@vN:index), the instruction indented by how deep inside
 * composite operations it is, the real stack and the simulated stack in
 * the same notation, and the facts the step added.  A real value whose
 * type disagrees with its simulated item stops the trace: a verifier bug. */
#include "trace.h"
#include "trust.h"

#include "stepper.h"

#include <stdlib.h>
#include <string.h>

#define TRACE_SHOWN_ITEMS 10

typedef struct Row {
    Buf line;
    bool table;
} Row;

static void cell(Row *r, const char *text, int width)
{
    if (r->table)
        buf_printf(&r->line, "%-*s", width, text);
    else
        buf_puts(&r->line, text);
}

/* "<depth>", and " ..." when only the top TRACE_SHOWN_ITEMS are shown:
 * where the shown items start. */
static uint32_t stack_head(Buf *b, uint32_t depth)
{
    buf_printf(b, "<%u>", depth);
    uint32_t from = depth > TRACE_SHOWN_ITEMS ? depth - TRACE_SHOWN_ITEMS : 0;
    if (from)
        buf_puts(b, " ...");
    return from;
}

static const char *real_stack(const Stepper *st)
{
    Buf b = {0};
    for (uint32_t i = stack_head(&b, st->depth); i < st->depth; i++) {
        buf_putc(&b, ' ');
        vm_print_value(&b, st->stack[i].v, st->stack[i].t);
    }
    return buf_str(&b);
}

static const char *sim_stack(const VState *vs)
{
    Buf b = {0};
    for (uint32_t i = stack_head(&b, vs->depth); i < vs->depth; i++)
        buf_printf(&b, " s%u:%s", vs->items[i].id, type_name(vs->items[i].type));
    return buf_str(&b);
}

static bool fact_known(const VState *before, const VFact *f)
{
    const VFact *g = vstate_fact(before, f->key, f->ids, f->arity);
    return g && g->value == f->value;
}

/* +KEY(s3) = ODD for each fact the step added or changed; the tick stack
 * for tick operations, which change nothing at run time. */
static const char *delta(Session *s, const VState *before, const VState *after, const Insn *in, bool entered)
{
    Buf b = {0};
    for (uint32_t i = 0; i < after->nfacts; i++) {
        if (fact_known(before, &after->facts[i]))
            continue;
        VState one = *after;
        one.facts = &after->facts[i];
        one.nfacts = 1;
        buf_puts(&b, b.len ? " +" : "+");
        vstate_print_facts(&b, &one, s->ws);
    }
    if (in->op == P_TICK) {
        buf_puts(&b, b.len ? "  tick stack " : "tick stack ");
        vstate_print_vstack(&b, after, s->ws);
    }
    if (entered)
        buf_puts(&b, b.len ? "  enter" : "enter");
    return b.len ? buf_str(&b) : ".";
}

static bool stacks_agree(const Stepper *st, const VState *vs, uint32_t *slot)
{
    if (st->depth != vs->depth) {
        *slot = UINT32_MAX;
        return false;
    }
    for (uint32_t i = 0; i < st->depth; i++)
        if (st->stack[i].t != vs->items[i].type) {
            *slot = i;
            return false;
        }
    return true;
}

static const char *position(const StepInfo *info)
{
    if (!info->at.version)
        return gc_printf("%s:%u", info->at.name, info->at.pc);
    return gc_printf("%s@v%d:%u", info->at.name, info->at.version, info->at.pc);
}

static void print_row(Session *s, bool table, uint64_t n, const StepInfo *info, const Stepper *st,
                      const VState *vs, const char *facts)
{
    Row r = {.table = table};
    Buf insn = {0};
    for (uint32_t i = 0; i < info->depth; i++)
        buf_puts(&insn, "  ");
    lower_insn_print(&insn, info->insn);
    buf_printf(&r.line, table ? "%5llu  " : "%llu ", (unsigned long long)n);
    cell(&r, position(info), 24);
    buf_putc(&r.line, ' ');
    cell(&r, buf_str(&insn), 26);
    buf_puts(&r.line, " | RT ");
    cell(&r, real_stack(st), 26);
    buf_puts(&r.line, " | VT ");
    cell(&r, sim_stack(vs), 26);
    buf_printf(&r.line, " | %s\n", facts);
    fputs(buf_str(&r.line), s->out);
}

static void print_header(Session *s, bool table, const Body *code)
{
    fprintf(s->out, "trace on %s: verified, %u instruction%s\n", s->machine->name, code->n, code->n == 1 ? "" : "s");
    if (table)
        fprintf(s->out, "%5s  %-24s %-26s | RT %-26s | VT %-26s | FACTS (+added)\n", "STEP", "AT", "INSN", "(real)",
                "(simulated)");
}

static Error *lower_code(Session *s, const Source *src, Body **out)
{
    Node *unit;
    Error *e = parse_unit(src, &unit);
    if (e)
        return e;
    for (uint32_t i = 0; i < unit->nkids; i++)
        if (unit->kids[i]->kind == N_STMT && unit->kids[i]->head == HEAD_DIRECTIVE)
            return err_hint(err_new(E_USAGE, unit->kids[i]->span, ":trace runs code, not definitions"),
                            "define things first, then :trace the code that uses them");
    Body *b = lower_body_new("<input>");
    b->end_span = (Span){.src = src, .off = (uint32_t)src->len, .line = (uint32_t)src->first_line, .col = 1};
    *out = b;
    return session_lower_code(s, s->principal, (Node *const *)unit->kids, unit->nkids, b);
}

/* Apply the step's verification-time effect to the simulated stack:
 * calls are entered, not summarised, so they change nothing here. */
/* Whose keys tick code of a frame may 'define: an operation's module, a
 * procedure's principal, or the principal who started the run. */
static const char *frame_owner(Session *s, const SFrame *f, Principal runner)
{
    if (f->module)
        return f->module->name;
    const Proc *p = f->proc ? workspace_find_proc(s->ws, f->name) : NULL;
    return trust_owner(p ? proc_current(p)->principal : runner);
}

static Error *simulate(Session *s, VState *sim, const StepInfo *info, Principal runner)
{
    const Insn *in = info->insn;
    if (info->entered || in->op == P_RETURN || in->op == P_CALL || in->op == P_OPCALL || in->op == P_OWNCALL ||
        in->op == P_PORTCALL)
        return NULL;
    VerifyOpts o = trust_verify_opts(s, s->principal, NULL);
    o.comp = (Component *)info->at.comp;
    o.module = info->at.module;
    o.owner = frame_owner(s, &info->at, runner);
    Insn copy = *in;
    return verify_step(&o, sim, &copy);
}

static Error *divergence(uint64_t n, const Stepper *st, const VState *sim, uint32_t slot, const Insn *in)
{
    Error *e = slot == UINT32_MAX
                   ? err_new(E_TRAP, in->span, "DIVERGENCE at step %llu: the real stack has %u items, the simulated one %u",
                             (unsigned long long)n, st->depth, sim->depth)
                   : err_new(E_TRAP, in->span, "DIVERGENCE at step %llu: item %u is %s in fact but %s in the simulation",
                             (unsigned long long)n, slot, type_name(st->stack[slot].t), type_name(sim->items[slot].type));
    return err_hint(e, "the verifier accepted code that does not do what it predicted: please report this bug");
}

struct Trace {
    Session *s;
    Stepper *st;
    VState *sim, *exit;
    Principal principal; /* who ran it: its code is simulated as theirs */
    uint64_t n;     /* steps taken */
    bool table;
    FILE *captured; /* program output, shown after the row that made it */
    char *outbuf;
    size_t outlen, shown;
};

static void close_run(Trace *t)
{
    if (t->captured)
        fclose(t->captured);
    free(t->outbuf);
    t->captured = NULL;
    t->outbuf = NULL;
    if (t->s->active == t)
        t->s->active = NULL;
}

static Error *begin_run(Session *s, const Source *src, bool table, Trace **out)
{
    Body *code = NULL;
    Error *e = lower_code(s, src, &code);
    VState *exit = NULL;
    Body *verified = NULL;
    if (!e) {
        VerifyOpts o = trust_verify_opts(s, s->principal, NULL);
        o.verified = &verified;
        e = verify_body(code, s->vs, NULL, &o, &exit);
    }
    if (!e) { /* the same static check as a plain input: the code's deepest stack must fit */
        Code *c = flatten_compile(verified, NULL, false, 0, 0, &e);
        if (!e)
            e = vm_check_stack(s->vm, c);
    }
    if (e)
        return e;
    TypeId *types = gc_alloc_atomic(s->vs->depth + 1);
    for (uint32_t i = 0; i < s->vs->depth; i++)
        types[i] = s->vs->items[i].type;
    Trace *t = gc_alloc(sizeof *t);
    *t = (Trace){.s = s, .st = stepper_new(s->vm, types, code), .sim = vstate_copy(s->vs), .exit = exit, .table = table,
                 .principal = s->principal};
    t->captured = open_memstream(&t->outbuf, &t->outlen);
    if (t->captured)
        t->st->out = t->captured;
    print_header(s, table, code);
    *out = t;
    return NULL;
}

static void show_output(Trace *t)
{
    if (!t->captured || (fflush(t->captured), t->outlen <= t->shown))
        return;
    fprintf(t->s->out, "      output: %.*s%s", (int)(t->outlen - t->shown), t->outbuf + t->shown,
            t->outbuf[t->outlen - 1] == '\n' ? "" : "\n");
    t->shown = t->outlen;
}

/* One step: run it, simulate it, print it, compare the stacks. */
static Error *step_once(Trace *t, bool *done)
{
    Session *s = t->s;
    if (s->trace_limit && t->n >= s->trace_limit) {
        const Insn *next = NULL;
        if (t->st->nframes) {
            const SFrame *f = &t->st->frames[t->st->nframes - 1];
            next = f->pc < f->body->n ? &f->body->insns[f->pc] : NULL;
        }
        if (next) /* more to run than the limit allows */
            return err_hint(err_new(E_LIMIT, next->span, "trace stopped after %llu steps; the stack is as it was before the run",
                                    (unsigned long long)t->n),
                            "raise the limit with :set trace-limit N (0 = unlimited); output and heap changes stay");
    }
    StepInfo info;
    StepStatus status = stepper_step(t->st, &info);
    if (status == STEP_DONE) {
        *done = true;
        return NULL;
    }
    if (status != STEP_OK)
        return t->st->error;
    uint64_t n = ++t->n;
    VState *before = vstate_copy(t->sim);
    Error *e = simulate(s, t->sim, &info, t->principal);
    if (e)
        return err_hint(err_new(E_TRAP, info.insn->span, "the simulation rejects step %llu: %s", (unsigned long long)n,
                                e->msg),
                        "a verifier bug: the code verified as a whole");
    print_row(s, t->table, n, &info, t->st, t->sim, delta(s, before, t->sim, info.insn, info.entered));
    show_output(t);
    uint32_t slot;
    if (!stacks_agree(t->st, t->sim, &slot))
        return divergence(n, t->st, t->sim, slot, info.insn);
    if (s->vm->interrupt)
        return err_new(E_TRAP, info.insn->span, "trace interrupted (Ctrl-C) at step %llu; the stack is as it was before the run",
                       (unsigned long long)n);
    return NULL;
}

/* A commit made the suspended run unsafe to go on (Session.drop_active). */
static void drop_run(Session *s, const char *why)
{
    if (!s->active)
        return;
    fprintf(s->out, "abandoned the stepped run after %llu step%s: %s; the stack is as it was before the run\n",
            (unsigned long long)s->active->n, s->active->n == 1 ? "" : "s", why);
    close_run(s->active);
}

static void finish_run(Trace *t)
{
    Session *s = t->s;
    s->vs = t->exit;
    show_output(t);
    close_run(t);
    fprintf(s->out, "done: %llu step%s; the real and simulated stacks agreed at every step\n", (unsigned long long)t->n,
            t->n == 1 ? "" : "s");
    fflush(s->out);
}

/* Run up to max steps (0: to the end).  On an error the run is dropped
 * and the stack is as it was before it started. */
static Error *run_steps(Trace *t, uint64_t max)
{
    t->s->vm->interrupt = 0;
    for (uint64_t k = 0; !max || k < max; k++) {
        bool done = false;
        Error *e = step_once(t, &done);
        if (e) {
            close_run(t);
            return e;
        }
        if (done)
            break;
    }
    /* A step that ends a body leaves nothing more to run: finish now. */
    if (t->st->nframes == 0 || (t->st->nframes == 1 && t->st->frames[0].pc >= t->st->frames[0].body->n)) {
        Error *e = stepper_finish(t->st, t->s->vm); /* refused if the stack was made too small meanwhile */
        if (e) {
            close_run(t);
            return e;
        }
        finish_run(t);
        return NULL;
    }
    t->s->active = t;
    t->s->drop_active = drop_run;
    return NULL;
}

static Error *busy(Session *s, Span at)
{
    return err_hint(err_new(E_USAGE, at, "a stepped run is in progress"),
                    ":step runs one more step, :continue runs to the end, :abandon drops it");
}

Error *trace_run(Session *s, const Source *src, bool table)
{
    if (s->active)
        return busy(s, (Span){.src = src, .line = (uint32_t)src->first_line, .col = 1});
    Trace *t;
    Error *e = begin_run(s, src, table, &t);
    return e ? e : run_steps(t, 0);
}

Error *trace_step(Session *s, const Source *src, bool table)
{
    if (src) {
        if (s->active)
            return busy(s, (Span){.src = src, .line = (uint32_t)src->first_line, .col = 1});
        Trace *t;
        Error *e = begin_run(s, src, table, &t);
        return e ? e : run_steps(t, 1);
    }
    if (!s->active)
        return err_hint(err_new(E_USAGE, (Span){0}, "no stepped run to continue"), "start one with :step CODE");
    return run_steps(s->active, 1);
}

Error *trace_continue(Session *s)
{
    if (!s->active)
        return err_hint(err_new(E_USAGE, (Span){0}, "no stepped run to continue"), "start one with :step CODE");
    return run_steps(s->active, 0);
}

Error *trace_abandon(Session *s)
{
    if (!s->active)
        return err_hint(err_new(E_USAGE, (Span){0}, "no stepped run to abandon"), "start one with :step CODE");
    fprintf(s->out, "abandoned after %llu step%s; the stack is as it was before the run\n",
            (unsigned long long)s->active->n, s->active->n == 1 ? "" : "s");
    close_run(s->active);
    return NULL;
}

/* ---- the suspended run's state (:stack, :facts) ------------------------------------------------ */

static void suspended_note(const Trace *t, Buf *out)
{
    if (out->len && out->s[out->len - 1] != '\n')
        buf_putc(out, '\n');
    buf_printf(out, "(the stepped run after %llu step%s; :abandon goes back to the stack before it)\n",
               (unsigned long long)t->n, t->n == 1 ? "" : "s");
}

bool trace_print_stack(Session *s, Buf *out)
{
    const Trace *t = s->active;
    if (!t)
        return false;
    buf_printf(out, "<%u>", t->st->depth);
    for (uint32_t i = 0; i < t->st->depth; i++) {
        buf_putc(out, ' ');
        vm_print_value(out, t->st->stack[i].v, t->st->stack[i].t);
    }
    suspended_note(t, out);
    return true;
}

bool trace_print_facts(Session *s, Buf *out)
{
    const Trace *t = s->active;
    if (!t)
        return false;
    VState *before = s->vs; /* the simulated stack of the run, printed as the session's is */
    s->vs = t->sim;
    session_print_facts(s, out);
    s->vs = before;
    suspended_note(t, out);
    return true;
}
