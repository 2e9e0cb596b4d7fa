/* trace.c - :trace CODE: real execution beside the verifier's simulation.
 *
 * The code is verified first, as always.  Then the checked executor runs
 * it one instruction at a time while the verifier applies the same
 * instruction to a copy of the REPL's simulated stack; each step prints the
 * position (name@vN:index), the instruction indented by how deep inside
 * composite operations it is, the real stack and the simulated stack in
 * the same notation, and the facts the step added.  A real value whose
 * type disagrees with its simulated item stops the trace: a verifier bug. */
#include "print.h"
#include "trace.h"
#include "trust.h"

#include "stepper.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define TRACE_SHOWN_ITEMS 10 /* plain layout: the top items of a stack */
#define TRACE_MIN_WIDTH 60   /* the narrowest table */
#define TRACE_CELL_LINES 6   /* lines one table cell may wrap onto */
#define TRACE_FIXED_COLS 16  /* a table line's step number and separators */

/* A table line: STEP AT INSN | RT | VT | FACTS. */
enum { C_AT, C_INSN, C_RT, C_VT, C_FACTS, C_COUNT };

/* How steps are shown (:set trace-layout, trace-width): plain, one line
 * per step; or a table of cells that fit width columns. */
typedef struct Layout {
    bool table;
    uint32_t width;
    uint32_t w[C_COUNT];
} Layout;

typedef struct TableCell {
    const char *line[TRACE_CELL_LINES];
    uint32_t n;
} TableCell;

/* Columns text takes on a terminal: UTF-8 continuation bytes take none. */
static uint32_t text_width(const char *t)
{
    uint32_t w = 0;
    for (; *t; t++)
        w += ((unsigned char)*t & 0xC0) != 0x80;
    return w;
}

/* The bytes of t that fill at most cols columns, never half a character. */
static size_t text_fit(const char *t, uint32_t cols)
{
    size_t i = 0;
    for (uint32_t w = 0; t[i]; i++)
        if (((unsigned char)t[i] & 0xC0) != 0x80 && w++ == cols)
            break;
    return i;
}

/* t in at most cols columns, ending in "..." if it had to be cut. */
static const char *text_cut(const char *t, uint32_t cols)
{
    if (text_width(t) <= cols)
        return t;
    if (cols <= 3)
        return gc_strndup(t, text_fit(t, cols));
    return gc_printf("%.*s...", (int)text_fit(t, cols - 3), t);
}

/* t in at most cols columns: the middle of a long one gives way to "...",
 * keeping more of its end (the operation) than of its start. */
static const char *text_elide_middle(const char *t, uint32_t cols)
{
    uint32_t w = text_width(t);
    if (w <= cols)
        return t;
    if (cols <= 6)
        return text_cut(t, cols);
    uint32_t head = (cols - 3) / 3, tail = cols - 3 - head;
    return gc_printf("%.*s...%s", (int)text_fit(t, head), t, t + text_fit(t, w - tail));
}

/* Where a line of t that can hold fit bytes ends (lead: its indentation):
 * at its last space, else before its last '(', else, a word longer than
 * the line, at fit. */
static size_t wrap_point(const char *t, size_t fit, size_t lead)
{
    for (size_t i = fit; i > lead; i--)
        if (t[i] == ' ')
            return i;
    for (size_t i = fit; i > lead; i--)
        if (t[i] == '(')
            return i;
    return fit;
}

/* t wrapped onto lines of at most cols columns, at spaces where it can;
 * lines after the first start with hang spaces, and a cell that needs more
 * than TRACE_CELL_LINES lines ends in "...". */
static TableCell cell_wrap(const char *t, uint32_t cols, uint32_t hang)
{
    TableCell c = {0};
    if (hang * 2 > cols)
        hang = 0;
    size_t lead = strspn(t, " ");
    while (c.n < TRACE_CELL_LINES) {
        uint32_t room = c.n ? cols - hang : cols;
        const char *indent = gc_printf("%*s", c.n ? (int)hang : 0, "");
        size_t fit = text_fit(t, room);
        if (!t[fit] || c.n + 1 == TRACE_CELL_LINES) {
            c.line[c.n++] = gc_printf("%s%s", indent, text_cut(t, room));
            break;
        }
        size_t cut = wrap_point(t, fit, lead);
        c.line[c.n++] = gc_printf("%s%.*s", indent, (int)cut, t);
        t += cut + strspn(t + cut, " ");
        lead = 0;
        if (!*t)
            break;
    }
    return c;
}

static TableCell cell_one(const char *t)
{
    return (TableCell){.line = {t}, .n = 1};
}

/* Item i of the real stack (st) or of the simulated one (vs). */
static const char *stack_item(const Stepper *st, const VState *vs, uint32_t i)
{
    if (vs)
        return gc_printf("s%u:%s", vs->items[i].id, type_name(vs->items[i].type));
    Buf b = {0};
    vm_print_value(&b, st->stack[i].v, st->stack[i].t);
    return buf_str(&b);
}

/* Plain layout: "<depth>" and the top TRACE_SHOWN_ITEMS items, after
 * " ..." when there are more. */
static const char *stack_plain(const Stepper *st, const VState *vs)
{
    uint32_t depth = vs ? vs->depth : st->depth;
    uint32_t from = depth > TRACE_SHOWN_ITEMS ? depth - TRACE_SHOWN_ITEMS : 0;
    Buf b = {0};
    buf_printf(&b, "<%u>%s", depth, from ? " ..." : "");
    for (uint32_t i = from; i < depth; i++)
        buf_printf(&b, " %s", stack_item(st, vs, i));
    return buf_str(&b);
}

/* Table layout: "<depth>" and as many of the top items as fit in cols
 * columns, after " .." when the bottom ones do not. */
static const char *stack_fit(const Stepper *st, const VState *vs, uint32_t cols)
{
    uint32_t depth = vs ? vs->depth : st->depth;
    const char *head = gc_printf("<%u>", depth);
    uint32_t used = text_width(head), k = 0, most = cols / 2 + 1, all = used;
    const char **shown = gc_alloc(most * sizeof *shown);
    for (; k < depth && k < most; k++) { /* from the top down, while the whole stack might fit */
        shown[k] = stack_item(st, vs, depth - 1 - k);
        all += 1 + text_width(shown[k]);
    }
    if (k < depth || all > cols) /* it does not: the top ones that fit beside " .." */
        for (k = 0; k < depth && k < most; k++) {
            uint32_t need = 1 + text_width(shown[k]);
            if (used + need + 3 > cols)
                break;
            used += need;
        }
    if (k == 0 && depth) { /* not even the top item fits: cut it */
        int room = (int)cols - (int)used - 1 - (depth > 1 ? 3 : 0);
        if (room >= 4)
            shown[k++] = text_cut(stack_item(st, vs, depth - 1), (uint32_t)room);
    }
    Buf b = {0};
    buf_printf(&b, "%s%s", head, k < depth ? " .." : "");
    while (k)
        buf_printf(&b, " %s", shown[--k]);
    return buf_str(&b);
}

/* A frame's position, shortened to cols: the name gives way in the middle,
 * "@vN:PC" stays whole. */
static const char *position_fit(const char *pos, uint32_t cols)
{
    const char *at = strrchr(pos, '@');
    if (!at)
        at = strrchr(pos, ':');
    uint32_t tail = at ? text_width(at) : 0;
    if (!at || text_width(pos) <= cols || tail + 7 > cols)
        return text_elide_middle(pos, cols);
    return gc_printf("%s%s", text_elide_middle(gc_strndup(pos, (size_t)(at - pos)), cols - tail), at);
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
    for (uint32_t i = 0; i < st->depth; i++) /* the executor tags values by representation */
        if (st->stack[i].t != type_repr(vs->items[i].type)) {
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

/* The columns of standard output's terminal (its window size, else
 * $COLUMNS); 80 when it is not a terminal. */
static uint32_t terminal_width(FILE *out)
{
    int fd = fileno(out);
    if (fd < 0 || !isatty(fd))
        return 80;
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    const char *env = getenv("COLUMNS");
    long n = env ? strtol(env, NULL, 10) : 0;
    return n > 0 && n <= 1000 ? (uint32_t)n : 80;
}

/* The cells' widths at 80 columns, and the share of each column beyond
 * 80 (in percent; AT and INSN stop growing at their caps). */
static const uint32_t cell_base[C_COUNT] = {12, 13, 12, 16, 11};
static const uint32_t cell_grow[C_COUNT] = {30, 20, 12, 15, 23};
static const uint32_t cell_cap[C_COUNT] = {48, 48, UINT32_MAX, UINT32_MAX, UINT32_MAX};

/* trace-layout auto is a table on a terminal (terminal), plain elsewhere;
 * the table's cells share the width (trace-width, else the terminal's):
 * narrower than 80 they shrink alike, wider they grow by cell_grow, and
 * FACTS, the last, takes what is left. */
static Layout layout_for(const Session *s, bool terminal)
{
    Layout l = {.table = s->trace_layout == CONFIG_LAYOUT_TABLE ||
                         (s->trace_layout == CONFIG_LAYOUT_AUTO && terminal)};
    if (!l.table)
        return l;
    l.width = s->trace_width ? s->trace_width : terminal_width(s->out);
    l.width = l.width < TRACE_MIN_WIDTH ? TRACE_MIN_WIDTH : l.width;
    uint32_t free = l.width - TRACE_FIXED_COLS, base = 80 - TRACE_FIXED_COLS, used = 0;
    for (int k = 0; k < C_FACTS; k++) {
        uint32_t w = free <= base ? cell_base[k] * free / base : cell_base[k] + (free - base) * cell_grow[k] / 100;
        l.w[k] = w > cell_cap[k] ? cell_cap[k] : w;
        used += l.w[k];
    }
    l.w[C_FACTS] = free - used;
    return l;
}

/* Print one table row: a line per wrapped line of its tallest cell, each
 * cell padded to its width so that the separators line up. */
static void table_lines(Session *s, const Layout *l, const char *step, const TableCell *c)
{
    static const char *const sep[C_COUNT] = {" ", " ", " | ", " | ", " | "};
    uint32_t rows = 1;
    for (int k = 0; k < C_COUNT; k++)
        rows = c[k].n > rows ? c[k].n : rows;
    for (uint32_t r = 0; r < rows; r++) {
        Buf b = {0};
        buf_printf(&b, "%5s", r ? "" : step);
        for (int k = 0; k < C_COUNT; k++) {
            const char *t = r < c[k].n ? text_cut(c[k].line[r], l->w[k]) : "";
            int pad = (int)(l->w[k] - text_width(t)); /* measured before colour codes go in */
            buf_printf(&b, "%s%s%*s", sep[k], k == C_FACTS ? print_changes(t) : t, pad, "");
        }
        while (b.len && b.s[b.len - 1] == ' ')
            b.s[--b.len] = 0;
        buf_putc(&b, '\n');
        fputs(buf_str(&b), s->out);
    }
}

static void print_row(Session *s, const Layout *l, uint64_t n, const StepInfo *info, const Stepper *st,
                      const VState *vs, const char *facts)
{
    Buf insn = {0};
    for (uint32_t i = 0; i < info->depth; i++)
        buf_puts(&insn, "  ");
    lower_insn_print(&insn, info->insn);
    if (!l->table) {
        fprintf(s->out, "%llu %s %s | RT %s | VT %s | %s\n", (unsigned long long)n, position(info), buf_str(&insn),
                stack_plain(st, NULL), stack_plain(NULL, vs), print_changes(facts));
        return;
    }
    TableCell c[C_COUNT] = {
        [C_AT] = cell_one(position_fit(position(info), l->w[C_AT])),
        [C_INSN] = cell_wrap(buf_str(&insn), l->w[C_INSN], 2 * info->depth + 1),
        [C_RT] = cell_one(stack_fit(st, NULL, l->w[C_RT])),
        [C_VT] = cell_one(stack_fit(NULL, vs, l->w[C_VT])),
        [C_FACTS] = cell_wrap(facts, l->w[C_FACTS], 0),
    };
    table_lines(s, l, gc_printf("%llu", (unsigned long long)n), c);
}

/* A column's title, or its short form where the long one does not fit. */
static TableCell title(const char *full, const char *brief, uint32_t cols)
{
    return cell_one(text_width(full) <= cols ? full : brief);
}

static void print_header(Session *s, const Layout *l, const Body *code)
{
    fprintf(s->out, "trace on %s: verified, %u instruction%s\n", s->machine->name, code->n, code->n == 1 ? "" : "s");
    if (!l->table)
        return;
    TableCell c[C_COUNT] = {
        [C_AT] = cell_one("AT"),
        [C_INSN] = cell_one("INSN"),
        [C_RT] = title("RT (real)", "RT", l->w[C_RT]),
        [C_VT] = title("VT (simulated)", "VT", l->w[C_VT]),
        [C_FACTS] = title("FACTS (+added)", "FACTS", l->w[C_FACTS]),
    };
    table_lines(s, l, "STEP", c);
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

/* A frame the run entered: its callee's effect and whose eyes its caller
 * sees types through, to retype the simulated stack at its return. */
typedef struct TraceFrame {
    const Effect *eff;
    const char *caller;
} TraceFrame;

struct Trace {
    Session *s;
    Stepper *st;
    VState *sim, *exit;
    Vec frames; /* TraceFrame*, one per frame above the first */
    Principal principal; /* who ran it: its code is simulated as theirs */
    uint32_t low;        /* the verified code's shallowest stack: what it may pop from below */
    const Code *code;    /* the same code flat: the state slots it may take from */
    uint64_t n;     /* steps taken */
    Layout layout;  /* fixed when the run starts */
    FILE *captured; /* program output, shown after the row that made it */
    char *outbuf;
    size_t outlen, shown;
};

/* The effect of what a call instruction entered (NULL: none known). */
static const Effect *entered_effect(const Insn *in, const Stepper *st)
{
    switch (in->op) {
    case P_CALL: return &((const ProcVersion *)in->ref.proc->cur)->eff;
    case P_OPCALL: return &in->ref.target->op->eff;
    case P_OWNCALL: return &in->ref.own->eff;
    case P_PORTCALL: { /* the provider's operation, on top now */
        const SFrame *f = &st->frames[st->nframes - 1];
        for (uint32_t i = 0; f->module && i < f->module->nops; i++)
            if (f->module->ops[i]->body == f->body)
                return &f->module->ops[i]->eff;
        return &in->ref.sig->eff;
    }
    default: return NULL;
    }
}

/* The top n items of the simulation as the types of ps seen by viewer. */
static void retype(VState *sim, const Param *ps, uint32_t n, const char *viewer)
{
    for (uint32_t k = 0; k < n && n <= sim->depth; k++)
        sim->items[sim->depth - n + k].type = type_seen(ps[k].type, viewer);
}

/* The simulation does not run calls as a whole, so where a frame starts or
 * ends it sees the items through the eyes of the code on top (a type's
 * owner sees its representation; verify.c does the same at each call). */
static void cross_frames(Trace *t, const StepInfo *info)
{
    while (t->frames.len > info->depth) {
        const TraceFrame *f = t->frames.items[--t->frames.len];
        if (f->eff)
            retype(t->sim, f->eff->out, f->eff->nout, f->caller);
    }
    if (!info->entered)
        return;
    const Effect *eff = entered_effect(info->insn, t->st);
    TraceFrame *f = gc_alloc(sizeof *f);
    f->eff = eff;
    f->caller = frame_owner(t->s, &info->at, t->principal);
    vec_push(&t->frames, f);
    if (eff)
        retype(t->sim, eff->in, eff->nin, frame_owner(t->s, &t->st->frames[t->st->nframes - 1], t->principal));
}

/* A run dropped before its end: the stack is as it was before it, but
 * for the linear values it may have consumed (session.c). */
static const char *drop_popped(Trace *t)
{
    const char *what = session_forget_taken(t->s, t->code, t->low);
    return what ? gc_printf("; but %s", what) : "";
}

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

static Error *begin_run(Session *s, const Source *src, bool terminal, Trace **out)
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
    Code *c = NULL;
    if (!e) { /* the same static check as a plain input: the code's deepest stack must fit */
        c = flatten_compile(verified, NULL, false, 0, 0, &e);
        if (!e)
            e = vm_check_stack(s->vm, c);
    }
    if (e)
        return e;
    if (s->verify_only) { /* --verify-only: verified like an input, and nothing runs */
        s->vs = exit;
        *out = NULL;
        return NULL;
    }
    TypeId *types = gc_alloc_atomic((s->vs->depth + 1) * sizeof *types);
    for (uint32_t i = 0; i < s->vs->depth; i++)
        types[i] = s->vs->items[i].type;
    Trace *t = gc_alloc(sizeof *t);
    *t = (Trace){.s = s, .st = stepper_new(s->vm, types, code), .sim = vstate_copy(s->vs), .exit = exit,
                 .layout = layout_for(s, terminal),
                 .principal = s->principal, .low = verified->min_depth, .code = c};
    t->captured = open_memstream(&t->outbuf, &t->outlen);
    if (t->captured)
        t->st->out = t->captured;
    print_header(s, &t->layout, code);
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
    cross_frames(t, &info);
    VState *before = vstate_copy(t->sim);
    Error *e = simulate(s, t->sim, &info, t->principal);
    if (e)
        return err_hint(err_new(E_TRAP, info.insn->span, "the simulation rejects step %llu: %s", (unsigned long long)n,
                                e->msg),
                        "a verifier bug: the code verified as a whole");
    print_row(s, &t->layout, n, &info, t->st, t->sim, delta(s, before, t->sim, info.insn, info.entered));
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
    const char *gone = drop_popped(s->active);
    fprintf(s->out, "abandoned the stepped run after %llu step%s: %s; the stack is as it was before the run%s\n",
            (unsigned long long)s->active->n, s->active->n == 1 ? "" : "s", why, gone);
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
            e = session_stopped_run(t->s, t->code, t->low, e);
            close_run(t);
            return e;
        }
        if (done)
            break;
        print_progress_beside("tracing", t->n, 0); /* steps so far, when the rows go to a file */
    }
    print_progress_end();
    /* A step that ends a body leaves nothing more to run: finish now. */
    if (t->st->nframes == 0 || (t->st->nframes == 1 && t->st->frames[0].pc >= t->st->frames[0].body->n)) {
        Error *e = stepper_finish(t->st, t->s->vm); /* refused if the stack was made too small meanwhile */
        if (e) {
            e = session_stopped_run(t->s, t->code, t->low, e);
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

Error *trace_run(Session *s, const Source *src, bool terminal)
{
    if (s->active)
        return busy(s, (Span){.src = src, .line = (uint32_t)src->first_line, .col = 1});
    Trace *t;
    Error *e = begin_run(s, src, terminal, &t);
    return e || !t ? e : run_steps(t, 0);
}

Error *trace_step(Session *s, const Source *src, bool terminal)
{
    if (src) {
        if (s->active)
            return busy(s, (Span){.src = src, .line = (uint32_t)src->first_line, .col = 1});
        Trace *t;
        Error *e = begin_run(s, src, terminal, &t);
        return e || !t ? e : run_steps(t, 1);
    }
    if (!s->active && s->verify_only) /* --verify-only: the :step run never started */
        return NULL;
    if (!s->active)
        return err_hint(err_new(E_USAGE, (Span){0}, "no stepped run to continue"), "start one with :step CODE");
    return run_steps(s->active, 1);
}

Error *trace_continue(Session *s)
{
    if (s->verify_only && !s->active) /* --verify-only: the :step run never started */
        return NULL;
    if (!s->active)
        return err_hint(err_new(E_USAGE, (Span){0}, "no stepped run to continue"), "start one with :step CODE");
    return run_steps(s->active, 0);
}

Error *trace_abandon(Session *s)
{
    if (s->verify_only && !s->active) /* --verify-only: the :step run never started */
        return NULL;
    if (!s->active)
        return err_hint(err_new(E_USAGE, (Span){0}, "no stepped run to abandon"), "start one with :step CODE");
    const char *gone = drop_popped(s->active);
    fprintf(s->out, "abandoned after %llu step%s; the stack is as it was before the run%s\n",
            (unsigned long long)s->active->n, s->active->n == 1 ? "" : "s", gone);
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
