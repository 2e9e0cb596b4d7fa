/* trace.c - :trace CODE: real execution beside the verifier's simulation.
 *
 * The code is verified first, as always.  Then the checked executor runs
 * it one instruction at a time while the verifier applies the same
 * instruction to a copy of the REPL's simulated stack; each step prints the
 * position (name@vN:index), the instruction indented by how deep inside
 * composite operations it is, the real stack and the simulated stack in
 * the same notation, and the facts the step added.  A real value whose
 * type disagrees with its simulated item stops the trace: a verifier bug. */
#include "txn.h"

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

static const char *real_stack(const Stepper *st)
{
    Buf b = {0};
    buf_printf(&b, "<%u>", st->depth);
    uint32_t from = st->depth > TRACE_SHOWN_ITEMS ? st->depth - TRACE_SHOWN_ITEMS : 0;
    if (from)
        buf_puts(&b, " ...");
    for (uint32_t i = from; i < st->depth; i++) {
        buf_putc(&b, ' ');
        value_print(&b, st->stack[i].v, st->stack[i].t);
    }
    return buf_str(&b);
}

static const char *sim_stack(const VState *vs)
{
    Buf b = {0};
    buf_printf(&b, "<%u>", vs->depth);
    uint32_t from = vs->depth > TRACE_SHOWN_ITEMS ? vs->depth - TRACE_SHOWN_ITEMS : 0;
    if (from)
        buf_puts(&b, " ...");
    for (uint32_t i = from; i < vs->depth; i++)
        buf_printf(&b, " s%u", vs->items[i].id);
    return buf_str(&b);
}

static bool fact_known(const VState *before, const VFact *f)
{
    const VFact *g = vs_fact(before, f->key, f->ids, f->arity);
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
        vs_print_facts(&b, &one, s->ws);
    }
    if (in->op == P_TICK) {
        buf_puts(&b, b.len ? "  tick stack " : "tick stack ");
        vs_print_vstack(&b, after, s->ws);
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
    insn_print(&insn, info->insn);
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
    Body *b = body_new("<input>");
    b->end_span = (Span){.src = src, .off = (uint32_t)src->len, .line = (uint32_t)src->first_line, .col = 1};
    Scope sc = {.ws = s->ws, .machine = s->machine};
    e = lower_stmts(&sc, b, (Node *const *)unit->kids, unit->nkids);
    if (!e)
        e = lower_finish(b);
    *out = b;
    return e;
}

/* Apply the step's verification-time effect to the simulated stack:
 * calls are entered, not summarised, so they change nothing here. */
static Error *simulate(Session *s, VState *sim, const StepInfo *info)
{
    const Insn *in = info->insn;
    if (info->entered || in->op == P_RETURN || in->op == P_CALL || in->op == P_OPCALL || in->op == P_OWNCALL ||
        in->op == P_PORTCALL)
        return NULL;
    VerifyOpts o = session_verify_opts(s, NULL);
    o.comp = (Component *)info->at.comp;
    o.module = info->at.module;
    o.owner = info->at.module ? info->at.module->name : session_owner(s->principal);
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

Error *session_trace(Session *s, const Source *src, bool table)
{
    Body *code = NULL;
    Error *e = lower_code(s, src, &code);
    VState *exit = NULL;
    if (!e) {
        VerifyOpts o = session_verify_opts(s, NULL);
        e = verify_body(code, s->vs, NULL, &o, &exit);
    }
    if (e)
        return e;
    TypeId *types = gc_alloc_atomic(s->vs->depth + 1);
    for (uint32_t i = 0; i < s->vs->depth; i++)
        types[i] = s->vs->items[i].type;
    Stepper *st = stepper_new(s->vm, types, code);
    /* Program output is shown after the row of the step that made it. */
    char *outbuf = NULL;
    size_t outlen = 0, shown = 0;
    FILE *captured = open_memstream(&outbuf, &outlen);
    if (captured)
        st->out = captured;
    VState *sim = vs_copy(s->vs);
    print_header(s, table, code);
    s->vm->interrupt = 0;
    uint64_t n = 1;
    for (;; n++) {
        StepInfo info;
        StepStatus status = stepper_step(st, &info);
        if (status == STEP_DONE)
            break;
        if (status != STEP_OK)
            return st->error;
        VState *before = vs_copy(sim);
        if ((e = simulate(s, sim, &info)))
            return err_hint(err_new(E_TRAP, info.insn->span, "the simulation rejects step %llu: %s",
                                    (unsigned long long)n, e->msg),
                            "a verifier bug: the code verified as a whole");
        print_row(s, table, n, &info, st, sim, delta(s, before, sim, info.insn, info.entered));
        if (captured && (fflush(captured), outlen > shown)) {
            fprintf(s->out, "      output: %.*s%s", (int)(outlen - shown), outbuf + shown,
                    outbuf[outlen - 1] == '\n' ? "" : "\n");
            shown = outlen;
        }
        uint32_t slot;
        if (!stacks_agree(st, sim, &slot))
            return divergence(n, st, sim, slot, info.insn);
        if (n >= s->trace_limit)
            return err_hint(err_new(E_LIMIT, info.insn->span, "trace stopped after %llu steps; nothing changed",
                                    (unsigned long long)n),
                            "raise the limit with :set trace-limit N");
        if (s->vm->interrupt)
            return err_new(E_TRAP, info.insn->span, "trace interrupted (Ctrl-C) at step %llu; nothing changed",
                           (unsigned long long)n);
    }
    stepper_finish(st, s->vm);
    s->vs = exit;
    if (captured)
        fclose(captured);
    free(outbuf);
    fprintf(s->out, "done: %llu steps; the real and simulated stacks agreed at every step\n",
            (unsigned long long)(n - 1));
    fflush(s->out);
    return NULL;
}
