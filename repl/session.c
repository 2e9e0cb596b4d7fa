/* session.c - one input as one transaction.
 *
 * Definitions are staged (a procedure's new version is `pending`, visible to
 * lookups but not to running code), everything is verified against the
 * staged world, and only then is it committed, compiled and run.  Any
 * failure unstages everything, so a rejected input changes nothing. */
#include "session.h"

#include <string.h>
#include <time.h>

typedef struct Txn {
    Vec staged;  /* Proc* whose pending version this input made */
    Vec created; /* Proc* that did not exist before this input */
    Vec notes;   /* const char*: lines for the report */
} Txn;

double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

Session *session_new(FILE *out)
{
    Session *s = gc_alloc(sizeof *s);
    s->ws = workspace_new();
    s->vm = vm_new((VmLimits){.fuel = VM_DEFAULT_FUEL}, out);
    s->vs = vs_new();
    s->out = out;
    s->verify_budget = VERIFY_DEFAULT_BUDGET;
    return s;
}

static VerifyOpts verify_opts(const Session *s, Buf *log) { return (VerifyOpts){s->verify_budget, log}; }

/* ---- staging procedures ----------------------------------------------------------- */

/* The closing brace of a block: where falling off the end returns. */
static Span block_end_span(const Node *block)
{
    Span sp = block->span;
    if (!sp.src || !sp.len)
        return sp;
    sp.off += sp.len - 1;
    sp.len = 1;
    uint32_t line = (uint32_t)sp.src->first_line, col = 1;
    for (uint32_t i = 0; i < sp.off && i < sp.src->len; i++) {
        bool nl = sp.src->text[i] == '\n';
        line += nl;
        col = nl ? 1 : col + 1;
    }
    sp.line = line;
    sp.col = col;
    return sp;
}

static Error *build_body(Session *s, ProcVersion *v, const char *name, const Node *block)
{
    Body *b = body_new(name);
    b->end_span = block_end_span(block);
    Error *e = lower_stmts(s->ws, b, (Node *const *)block->kids, block->nkids);
    if (!e)
        e = lower_finish(b);
    if (!e) {
        VerifyOpts o = verify_opts(s, NULL);
        e = verify_body(b, vs_from_inputs(&v->eff), &v->eff, &o, NULL);
    }
    v->body = b;
    return e;
}

static Error *stage_procedure(Session *s, Txn *t, const Node *stmt)
{
    const char *name;
    const Node *block;
    Effect eff;
    Error *e = procedure_parse(stmt, &name, &eff, &block);
    if (e)
        return e;
    Proc *p = workspace_find_proc(s->ws, name);
    if (p && p->pending)
        return err_hint(err_new(E_DEFINE, stmt->kids[0]->span, "procedure '%s' is defined twice in one input",
                                name),
                        "keep one of the two definitions");
    if (!p) {
        p = gc_alloc(sizeof *p);
        p->name = name;
        vec_push(&s->ws->procs, p);
        vec_push(&t->created, p);
    }
    ProcVersion *v = gc_alloc(sizeof *v);
    v->version = p->cur ? p->cur->version + 1 : 1;
    v->eff = eff;
    v->def = stmt;
    p->pending = v; /* visible now, so the body may call itself */
    vec_push(&t->staged, p);
    return build_body(s, v, name, block);
}

/* ---- dependants ----------------------------------------------------------------------- */

static bool body_calls(const Body *b, const Proc *callee)
{
    for (uint32_t i = 0; i < b->n; i++)
        if (b->insns[i].op == P_CALL && b->insns[i].ref == callee)
            return true;
    return false;
}

/* Re-verify installed procedures that call a procedure whose effect this
 * input changed; they get a fresh copy of their body so the installed
 * version is never touched by a failed check. */
static Error *reverify_callers(Session *s, Txn *t, const Proc *changed)
{
    Error *errs = NULL;
    for (uint32_t i = 0; i < s->ws->procs.len; i++) {
        Proc *q = s->ws->procs.items[i];
        if (q->pending || !q->cur || !body_calls(q->cur->body, changed))
            continue;
        ProcVersion *v = gc_alloc(sizeof *v);
        *v = *q->cur;
        Body *b = gc_alloc(sizeof *b);
        *b = *q->cur->body;
        b->insns = gc_calloc(b->n + 1, sizeof(Insn));
        memcpy(b->insns, q->cur->body->insns, b->n * sizeof(Insn));
        v->body = b;
        VerifyOpts o = verify_opts(s, NULL);
        Error *e = verify_body(b, vs_from_inputs(&v->eff), &v->eff, &o, NULL);
        if (e) {
            Error *why = err_new(e->code, e->span, "redefining '%s' breaks '%s', which calls it: %s",
                                 changed->name, q->name, e->msg);
            why->detail = e->detail;
            err_hint(why, "change '%s' too in the same input, or keep the old effect of '%s'", q->name,
                     changed->name);
            errs = err_append(errs, why);
            continue;
        }
        q->pending = v;
        vec_push(&t->staged, q);
        vec_push(&t->notes, gc_printf("  re-verified %s@v%d: ok", q->name, v->version));
    }
    return errs;
}

static Error *check_dependants(Session *s, Txn *t)
{
    Error *errs = NULL;
    uint32_t n = t->staged.len; /* callers staged below are not re-checked */
    for (uint32_t i = 0; i < n; i++) {
        Proc *p = t->staged.items[i];
        if (p->cur && !effect_equal(&p->cur->eff, &p->pending->eff))
            errs = err_append(errs, reverify_callers(s, t, p));
    }
    return errs;
}

/* ---- commit and abort ------------------------------------------------------------------ */

static void abort_txn(Session *s, Txn *t)
{
    for (uint32_t i = 0; i < t->staged.len; i++)
        ((Proc *)t->staged.items[i])->pending = NULL;
    for (uint32_t i = 0; i < t->created.len; i++) {
        Vec *procs = &s->ws->procs;
        for (uint32_t k = 0; k < procs->len; k++)
            if (procs->items[k] == t->created.items[i]) {
                memmove(&procs->items[k], &procs->items[k + 1], (procs->len - k - 1) * sizeof(void *));
                procs->len--;
                break;
            }
    }
}

static void report_definition(Session *s, const Proc *p, const ProcVersion *v)
{
    Buf eff = {0};
    effect_print(&eff, &v->eff);
    if (v->version == 1)
        fprintf(s->out, "defined procedure %s@v%d %s\n", p->name, v->version, buf_str(&eff));
    else
        fprintf(s->out, "redefined procedure %s@v%d %s (was v%d; running calls finish on v%d)\n", p->name,
                v->version, buf_str(&eff), v->version - 1, v->version - 1);
}

static void commit_txn(Session *s, Txn *t)
{
    for (uint32_t i = 0; i < t->staged.len; i++) {
        Proc *p = t->staged.items[i];
        ProcVersion *v = p->pending;
        bool reverified = p->cur && v->def == p->cur->def;
        v->code = compile_body(v->body, true, v->eff.nin, v->version);
        p->cur = v;
        p->pending = NULL;
        if (!reverified)
            report_definition(s, p, v);
    }
    for (uint32_t i = 0; i < t->notes.len; i++)
        fprintf(s->out, "%s\n", (const char *)t->notes.items[i]);
}

/* ---- one input --------------------------------------------------------------------------- */

static Error *unsupported_directive(const Node *stmt)
{
    static const char *const planned[] = {"define_interface", "define_module", "define_machine",
                                          "define_lattice", "define_key", "define_operation"};
    for (size_t i = 0; i < countof(planned); i++)
        if (strcmp(stmt->name, planned[i]) == 0)
            return err_hint(err_new(E_DEFINE, stmt->head_span, "'.%s' is not supported yet", stmt->name),
                            "this version has the core machine and procedures only");
    return err_hint(err_new(E_UNKNOWN, stmt->head_span, "unknown directive '.%s'", stmt->name),
                    "top-level directives: .define_procedure (see :help)");
}

static Error *stage_input(Session *s, Txn *t, const Node *unit, Body *code)
{
    for (uint32_t i = 0; i < unit->nkids; i++) {
        const Node *st = unit->kids[i];
        Error *e;
        if (st->kind == N_STMT && st->head == HEAD_DIRECTIVE)
            e = strcmp(st->name, "define_procedure") == 0 ? stage_procedure(s, t, st)
                                                            : unsupported_directive(st);
        else
            e = lower_stmts(s->ws, code, (Node *const *)&unit->kids[i], 1);
        if (e)
            return e;
    }
    Error *e = lower_finish(code);
    return e ? e : check_dependants(s, t);
}

Error *session_eval(Session *s, const Source *src)
{
    Node *unit;
    Error *e = parse_unit(src, &unit);
    if (e)
        return e;
    double t0 = now_ms();
    Txn t = {0};
    Body *code = body_new("<input>");
    code->end_span = (Span){.src = src, .off = (uint32_t)src->len, .line = (uint32_t)src->first_line, .col = 1};
    VState *exit = NULL;
    e = stage_input(s, &t, unit, code);
    if (!e) {
        VerifyOpts o = verify_opts(s, NULL);
        e = verify_body(code, s->vs, NULL, &o, &exit);
    }
    s->last_verify_ms = now_ms() - t0;
    if (e) {
        abort_txn(s, &t);
        return e;
    }
    commit_txn(s, &t);
    s->last_run_ms = 0;
    if (!code->n)
        return NULL;
    Code *c = compile_body(code, false, 0, 0);
    double t1 = now_ms();
    e = vm_run(s->vm, c);
    s->last_run_ms = now_ms() - t1;
    if (!e)
        s->vs = exit;
    return e;
}

/* ---- inspection ---------------------------------------------------------------------------- */

void session_print_stack(Session *s, Buf *out)
{
    buf_printf(out, "<%u>", s->vm->depth);
    for (uint32_t i = 0; i < s->vm->depth; i++) {
        buf_putc(out, ' ');
        value_print(out, s->vm->stack[i], s->vs->items[i].type);
    }
}

static Error *unknown_definition(Session *s, const char *name, Span at)
{
    Error *e = err_new(E_UNKNOWN, at, "nothing named '%s' is defined", name);
    const char **names = gc_calloc(s->ws->procs.len + 1, sizeof(char *));
    for (uint32_t i = 0; i < s->ws->procs.len; i++)
        names[i] = ((Proc *)s->ws->procs.items[i])->name;
    const char *near = suggest_name(name, names, s->ws->procs.len);
    return near ? err_hint(e, "did you mean '%s'?", near) : err_hint(e, "define it with .define_procedure");
}

Error *session_verify_log(Session *s, const char *name, Span at, Buf *out)
{
    Proc *p = workspace_find_proc(s->ws, name);
    if (!p || !p->cur)
        return unknown_definition(s, name, at);
    Body copy = *p->cur->body;
    copy.insns = gc_calloc(copy.n + 1, sizeof(Insn));
    memcpy(copy.insns, p->cur->body->insns, copy.n * sizeof(Insn));
    buf_printf(out, "procedure %s@v%d ", name, p->cur->version);
    effect_print(out, &p->cur->eff);
    buf_putc(out, '\n');
    VerifyOpts o = verify_opts(s, out);
    Error *e = verify_body(&copy, vs_from_inputs(&p->cur->eff), &p->cur->eff, &o, NULL);
    if (!e)
        buf_puts(out, "verified: ok\n");
    return e;
}

Error *session_show(Session *s, const char *name, Span at, Buf *out)
{
    Proc *p = workspace_find_proc(s->ws, name);
    if (!p || !p->cur)
        return unknown_definition(s, name, at);
    buf_printf(out, "// procedure %s@v%d, effect ", name, p->cur->version);
    effect_print(out, &p->cur->eff);
    buf_putc(out, '\n');
    node_print(out, p->cur->def, 0);
    return NULL;
}
