/* session.c - one input as one transaction.
 *
 * Definitions are staged (a definition's new version is `pending`: visible
 * to lookups, invisible to running code), everything is verified against
 * the staged world, and only then is it committed, compiled and run.  Any
 * failure unstages everything, so a rejected input changes nothing. */
#include "session.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define UNIT_NEST_MAX 32
#define UNIT_MAX_BYTES (16u << 20)

typedef struct Txn {
    Session *s;
    Principal principal;
    Vec staged;      /* Def* whose pending version this input made, in order */
    Vec created;     /* Def* that did not exist before this input */
    uint32_t keys_before;
    Vec units;       /* unit names loaded by this input */
    Vec notes;       /* report lines after the definitions */
    int unit_depth;
} Txn;

double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void add_search_dirs(Session *s, const char *list)
{
    while (list && *list) {
        const char *colon = strchr(list, ':');
        size_t n = colon ? (size_t)(colon - list) : strlen(list);
        if (n)
            vec_push(&s->search_path, gc_strndup(list, n));
        list = colon ? colon + 1 : NULL;
    }
}

Session *session_new(FILE *out, const char *stdlib_dir)
{
    Session *s = gc_alloc(sizeof *s);
    s->ws = workspace_new();
    s->vm = vm_new((VmLimits){.fuel = VM_DEFAULT_FUEL}, out);
    s->vs = vs_new();
    s->machine = core_machine();
    s->out = out;
    s->verify_budget = VERIFY_DEFAULT_BUDGET;
    s->stdlib_dir = stdlib_dir;
    vec_push(&s->search_path, ".");
    add_search_dirs(s, getenv("XVM_PATH"));
    if (stdlib_dir)
        vec_push(&s->search_path, (void *)stdlib_dir);
    vs_set_names(s->ws);
    return s;
}

static VerifyOpts verify_opts(const Session *s, Buf *log)
{
    return (VerifyOpts){.budget = s->verify_budget, .log = log, .ws = s->ws, .owner = "<session>"};
}

static Scope session_scope(Session *s) { return (Scope){.ws = s->ws, .machine = s->machine}; }

/* ---- staging ---------------------------------------------------------------------------------- */

static Def *find_any(Workspace *ws, const char *name)
{
    for (uint32_t i = 0; i < ws->defs.len; i++) {
        Def *d = ws->defs.items[i];
        if (strcmp(d->name, name) == 0)
            return d;
    }
    return NULL;
}

static Error *stage_cb(void *ctx, DefKind kind, const char *name, void *version, Span at)
{
    Txn *t = ctx;
    Workspace *ws = t->s->ws;
    if (strcmp(name, "core-machine") == 0)
        return err_hint(err_new(E_DEFINE, at, "'core-machine' is built in"), "choose another name");
    Def *d = find_any(ws, name);
    if (d && def_current(d) && d->kind != kind)
        return err_hint(err_new(E_DEFINE, at, "'%s' is already a %s; it cannot also name a %s", name,
                                def_kind_name(d->kind), def_kind_name(kind)),
                        "all definitions share one namespace: choose another name");
    if (d && d->pending)
        return err_hint(err_new(E_DEFINE, at, "%s '%s' is defined twice in one input", def_kind_name(kind), name),
                        "keep one of the two definitions");
    if (!d) {
        d = gc_alloc(sizeof *d);
        d->name = name;
        vec_push(&ws->defs, d);
        vec_push(&t->created, d);
    }
    d->kind = kind;
    DefHead *h = version;
    h->version = d->cur ? ((DefHead *)d->cur)->version + 1 : 1;
    d->pending = version;
    vec_push(&t->staged, d);
    if (kind == DEF_KEY) {
        Key *k = version;
        k->id = ws->keys.len;
        vec_push(&ws->keys, k);
    }
    return NULL;
}

static Error *load_unit_cb(void *ctx, const char *unit, Span at);

static DefCtx def_ctx(Txn *t, Principal p)
{
    return (DefCtx){.ws = t->s->ws, .principal = p, .owner = "<session>", .stage = stage_cb,
                    .load_unit = load_unit_cb, .cb = t};
}

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

static Error *untrusted_over(const Txn *t, const Machine *m, Span at, const char *what)
{
    if (t->principal != PRINCIPAL_UNTRUSTED || m->open_to_untrusted)
        return NULL;
    return err_hint(err_new(E_TRUST, at, "untrusted %s cannot run over '%s': the machine is trusted-only", what,
                            m->name),
                    "switch with :use to a machine that declares .access untrusted, or :trust trusted");
}

static Error *build_proc_body(Txn *t, ProcVersion *v, const Node *block)
{
    Session *s = t->s;
    Body *b = body_new(v->name);
    b->end_span = block_end_span(block);
    Scope sc = session_scope(s);
    Error *e = lower_stmts(&sc, b, (Node *const *)block->kids, block->nkids);
    if (!e)
        e = lower_finish(b);
    if (!e) {
        VerifyOpts o = verify_opts(s, NULL);
        e = verify_body(b, vs_from_inputs(&v->eff), &v->eff, &o, NULL);
    }
    v->body = b;
    return e;
}

static Error *stage_procedure(Txn *t, const Node *stmt)
{
    const char *name;
    const Node *block;
    Effect eff;
    Error *e = procedure_parse(stmt, &name, &eff, &block);
    if (!e)
        e = untrusted_over(t, t->s->machine, stmt->span, "procedure");
    if (e)
        return e;
    ProcVersion *v = gc_alloc(sizeof *v);
    v->name = name;
    v->eff = eff;
    v->def = stmt;
    if ((e = stage_cb(t, DEF_PROC, name, v, stmt->kids[0]->span))) /* visible now: it may call itself */
        return e;
    return build_proc_body(t, v, block);
}

static Error *stage_module(Txn *t, DefCtx *c, const Node *st)
{
    Module *m;
    Error *e = module_build(c, st, &m);
    return e ? e : verify_module(t->s->ws, m, t->s->verify_budget);
}

static Error *stage_machine(DefCtx *c, const Node *st)
{
    Machine *m;
    return machine_build(c, st, &m);
}

/* .load_interfaces U, ...; and .load_modules U, ...; at top level or in a
 * unit: the same as inside a machine, for units that build on others. */
static Error *load_units_stmt(DefCtx *c, const Node *st)
{
    if (!st->nkids)
        return err_hint(err_new(E_ARGS, st->span, "'.%s' needs at least one unit name", st->name),
                        "write: .%s UNIT, ...;", st->name);
    for (uint32_t i = 0; i < st->nkids; i++) {
        if (st->kids[i]->kind != N_NAME)
            return err_hint(err_new(E_ARGS, st->kids[i]->span, "a unit is named by a name, found %s",
                                    node_kind_name(st->kids[i]->kind)),
                            "write: .%s UNIT, ...;", st->name);
        Error *e = c->load_unit(c->cb, st->kids[i]->name, st->kids[i]->span);
        if (e)
            return e;
    }
    return NULL;
}

static Error *stage_definition(Txn *t, DefCtx *c, const Node *st)
{
    const char *d = st->name;
    if (!strcmp(d, "define_procedure"))
        return stage_procedure(t, st);
    if (!strcmp(d, "define_interface"))
        return interface_build(c, st);
    if (!strcmp(d, "define_module"))
        return stage_module(t, c, st);
    if (!strcmp(d, "define_machine"))
        return stage_machine(c, st);
    if (!strcmp(d, "define_lattice"))
        return lattice_build(c, st);
    if (!strcmp(d, "define_key"))
        return key_build(c, st);
    if (!strcmp(d, "load_interfaces") || !strcmp(d, "load_modules"))
        return load_units_stmt(c, st);
    if (!strcmp(d, "define_operation"))
        return err_hint(err_new(E_DEFINE, st->head_span, "'.define_operation' at top level needs a module selected with :module"),
                        "define operations inside .define_module, or select one with :module NAME");
    static const char *const known[] = {"define_procedure", "define_interface", "define_module", "define_machine",
                                        "define_lattice",   "define_key",       "define_operation", "load_interfaces",
                                        "load_modules"};
    Error *e = err_new(E_UNKNOWN, st->head_span, "unknown directive '.%s'", d);
    const char *near = suggest_name(d, known, countof(known));
    return near ? err_hint(e, "did you mean '.%s'?", near)
                : err_hint(e, "top-level directives: .define_interface, .define_module, .define_machine, "
                              ".define_procedure, .define_lattice, .define_key, .load_interfaces, .load_modules");
}

/* ---- units ---------------------------------------------------------------------------------------- */

static bool unit_known(const Txn *t, const char *unit)
{
    for (uint32_t i = 0; i < t->s->loaded_units.len; i++)
        if (strcmp(t->s->loaded_units.items[i], unit) == 0)
            return true;
    for (uint32_t i = 0; i < t->units.len; i++)
        if (strcmp(t->units.items[i], unit) == 0)
            return true;
    return false;
}

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static Error *read_text(const char *path, Span at, char **text, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_new(E_IO, at, "cannot open '%s': %s", path, strerror(errno));
    Buf b = {0};
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len <= UNIT_MAX_BYTES) {
        for (size_t i = 0; i < n; i++)
            buf_putc(&b, chunk[i]);
    }
    bool bad = ferror(f);
    fclose(f);
    if (bad)
        return err_new(E_IO, at, "cannot read '%s'", path);
    if (b.len > UNIT_MAX_BYTES)
        return err_new(E_LIMIT, at, "'%s' is larger than %u bytes", path, UNIT_MAX_BYTES);
    if (b.s && memchr(b.s, 0, b.len))
        return err_new(E_IO, at, "'%s' contains a NUL byte; is it a text file?", path);
    *text = b.s ? b.s : gc_strdup("");
    *len = b.len;
    return NULL;
}

static bool valid_unit_name(const char *unit)
{
    return *unit && !strchr(unit, '/') && strcmp(unit, ".") && strcmp(unit, "..");
}

static Error *stage_unit_text(Txn *t, const Source *src, Principal p)
{
    Node *unit;
    Error *e = parse_unit(src, &unit);
    if (e)
        return e;
    DefCtx c = def_ctx(t, p);
    for (uint32_t i = 0; i < unit->nkids; i++) {
        const Node *st = unit->kids[i];
        if (st->kind != N_STMT || st->head != HEAD_DIRECTIVE)
            return err_hint(err_new(E_DEFINE, st->span, "a unit holds definitions only, not code"),
                            "run code at the prompt or with :load");
        if ((e = stage_definition(t, &c, st)))
            return e;
    }
    return NULL;
}

static Error *load_unit_cb(void *ctx, const char *unit, Span at)
{
    Txn *t = ctx;
    Session *s = t->s;
    if (unit_known(t, unit))
        return NULL; /* loading a unit twice is a no-op */
    if (!valid_unit_name(unit))
        return err_hint(err_new(E_ARGS, at, "'%s' is not a unit name", unit), "a unit is a file name without .xvm or a folder");
    if (t->unit_depth >= UNIT_NEST_MAX)
        return err_new(E_LIMIT, at, "units load each other more than %d deep", UNIT_NEST_MAX);
    Buf tried = {0};
    for (uint32_t i = 0; i < s->search_path.len; i++) {
        const char *dir = s->search_path.items[i];
        const char *path = gc_printf("%s/%s.xvm", dir, unit);
        if (!is_file(path)) {
            buf_printf(&tried, "  %s\n", path);
            continue;
        }
        char *text;
        size_t len;
        Error *e = read_text(path, at, &text, &len);
        if (e)
            return e;
        vec_push(&t->units, (void *)unit);
        bool from_stdlib = s->stdlib_dir && strcmp(dir, s->stdlib_dir) == 0;
        /* Name stdlib files the same wherever it is installed. */
        const char *shown = from_stdlib ? gc_printf("stdlib/%s.xvm", unit) : path;
        t->unit_depth++;
        e = stage_unit_text(t, source_new(shown, text, len, 1), from_stdlib ? PRINCIPAL_TRUSTED : t->principal);
        t->unit_depth--;
        if (e)
            return err_note(e, at, "while loading unit '%s' from %s", unit, shown);
        vec_push(&t->notes, gc_printf("loaded unit %s from %s", unit, shown));
        return NULL;
    }
    return err_detail(err_hint(err_new(E_IO, at, "cannot find unit '%s'", unit),
                               "put %s.xvm in the current folder, a folder on XVM_PATH, or the stdlib", unit),
                      gc_printf("  looked for:\n%s", buf_str(&tried)));
}

/* ---- dependants ----------------------------------------------------------------------------------- */

static bool body_calls(const Body *b, const Proc *callee)
{
    for (uint32_t i = 0; i < b->n; i++)
        if (b->insns[i].op == P_CALL && b->insns[i].ref == callee)
            return true;
    return false;
}

/* Re-verify installed procedures that call a procedure whose effect this
 * input changed; each gets a fresh copy of its body so the installed
 * version is never touched by a failed check. */
static Error *reverify_callers(Txn *t, const Proc *changed)
{
    Session *s = t->s;
    Error *errs = NULL;
    for (uint32_t i = 0; i < s->ws->defs.len; i++) {
        Def *q = s->ws->defs.items[i];
        ProcVersion *cur = q->cur;
        if (q->kind != DEF_PROC || q->pending || !cur || !body_calls(cur->body, changed))
            continue;
        ProcVersion *v = gc_alloc(sizeof *v);
        *v = *cur;
        Body *b = gc_alloc(sizeof *b);
        *b = *cur->body;
        b->insns = gc_calloc(b->n + 1, sizeof(Insn));
        memcpy(b->insns, cur->body->insns, b->n * sizeof(Insn));
        v->body = b;
        VerifyOpts o = verify_opts(s, NULL);
        Error *e = verify_body(b, vs_from_inputs(&v->eff), &v->eff, &o, NULL);
        if (e) {
            Error *why = err_new(e->code, e->span, "redefining '%s' breaks '%s', which calls it: %s", changed->name,
                                 q->name, e->msg);
            why->detail = e->detail;
            err_hint(why, "change '%s' too in the same input, or keep the old effect of '%s'", q->name, changed->name);
            errs = err_append(errs, why);
            continue;
        }
        q->pending = v;
        vec_push(&t->staged, q);
        vec_push(&t->notes, gc_printf("  re-verified %s@v%d: ok", q->name, v->version));
    }
    return errs;
}

static Error *check_dependants(Txn *t)
{
    Error *errs = NULL;
    uint32_t n = t->staged.len; /* callers staged below are not re-checked */
    for (uint32_t i = 0; i < n; i++) {
        Def *p = t->staged.items[i];
        ProcVersion *old = p->cur, *neu = p->pending;
        if (p->kind == DEF_PROC && old && !effect_equal(&old->eff, &neu->eff))
            errs = err_append(errs, reverify_callers(t, p));
    }
    return errs;
}

/* ---- commit and abort ----------------------------------------------------------------------------- */

static void abort_txn(Txn *t)
{
    Workspace *ws = t->s->ws;
    for (uint32_t i = 0; i < t->staged.len; i++)
        ((Def *)t->staged.items[i])->pending = NULL;
    for (uint32_t i = 0; i < t->created.len; i++)
        for (uint32_t k = 0; k < ws->defs.len; k++)
            if (ws->defs.items[k] == t->created.items[i]) {
                memmove(&ws->defs.items[k], &ws->defs.items[k + 1], (ws->defs.len - k - 1) * sizeof(void *));
                ws->defs.len--;
                break;
            }
    ws->keys.len = t->keys_before;
}

static const char *summary(const Def *d)
{
    Buf b = {0};
    switch (d->kind) {
    case DEF_PROC: effect_print(&b, &((ProcVersion *)d->pending)->eff); break;
    case DEF_INTERFACE: {
        const Interface *i = d->pending;
        for (uint32_t k = 0; k < i->nops; k++) {
            buf_printf(&b, "%s%s ", k ? ", " : "", i->ops[k].name);
            effect_print(&b, &i->ops[k].eff);
        }
        break;
    }
    case DEF_MODULE: {
        const Module *m = d->pending;
        buf_printf(&b, "over %s", m->impl->name);
        for (int exported = 1; exported >= 0; exported--) {
            bool first = true;
            for (uint32_t k = 0; k < m->nports; k++)
                if (m->ports[k]->exported == exported) {
                    buf_printf(&b, "%s%s", first ? (exported ? "; exports " : "; imports ") : ", ", m->ports[k]->name);
                    first = false;
                }
        }
        break;
    }
    case DEF_MACHINE: {
        const Machine *m = d->pending;
        buf_printf(&b, "over %s, %u component%s", m->base->name, m->ncomps, m->ncomps == 1 ? "" : "s");
        bool first = true;
        for (uint32_t k = 0; k < m->nops; k++)
            if (m->ops[k].kind == MOP_ALIAS) {
                buf_printf(&b, "%s%s", first ? ", adds " : ", ", m->ops[k].name);
                first = false;
            }
        break;
    }
    case DEF_LATTICE: {
        const Lattice *l = d->pending;
        buf_printf(&b, "with %u elements, top %s", l->nelems, l->elems[l->top]);
        break;
    }
    case DEF_KEY: {
        const Key *k = d->pending;
        buf_printf(&b, "over %s, about %u item%s, owned by %s", k->lat->name, k->arity, k->arity == 1 ? "" : "s",
                   strcmp(k->owner, "<session>") ? k->owner : "the session");
        break;
    }
    default: break;
    }
    return buf_str(&b);
}

static void report(Txn *t, const Def *d)
{
    const DefHead *h = d->pending;
    if (h->version == 1)
        fprintf(t->s->out, "defined %s %s@v%d %s\n", def_kind_name(d->kind), d->name, h->version, summary(d));
    else if (d->kind == DEF_PROC)
        fprintf(t->s->out, "redefined procedure %s@v%d %s (was v%d; running calls finish on v%d)\n", d->name,
                h->version, summary(d), h->version - 1, h->version - 1);
    else
        fprintf(t->s->out, "redefined %s %s@v%d %s (was v%d; definitions made before keep using v%d)\n",
                def_kind_name(d->kind), d->name, h->version, summary(d), h->version - 1, h->version - 1);
}

static Error *compile_procs(Txn *t)
{
    for (uint32_t i = 0; i < t->staged.len; i++) {
        Def *d = t->staged.items[i];
        if (d->kind != DEF_PROC)
            continue;
        ProcVersion *v = d->pending;
        Error *e = NULL;
        v->code = compile_code(v->body, NULL, true, v->eff.nin, v->version, &e);
        if (e)
            return e;
    }
    return NULL;
}

static void commit_txn(Txn *t)
{
    for (uint32_t i = 0; i < t->units.len; i++)
        vec_push(&t->s->loaded_units, t->units.items[i]);
    for (uint32_t i = 0; i < t->notes.len; i++) /* units first: what they defined follows */
        if (!strncmp(t->notes.items[i], "loaded", 6))
            fprintf(t->s->out, "%s\n", (const char *)t->notes.items[i]);
    for (uint32_t i = 0; i < t->staged.len; i++) {
        Def *d = t->staged.items[i];
        bool reverified = d->kind == DEF_PROC && d->cur && ((ProcVersion *)d->pending)->def == ((ProcVersion *)d->cur)->def;
        if (!reverified)
            report(t, d);
        d->cur = d->pending;
        d->pending = NULL;
        if (t->s->machine_def == d) /* the current machine was redefined */
            t->s->machine = d->cur;
    }
    for (uint32_t i = 0; i < t->notes.len; i++)
        if (strncmp(t->notes.items[i], "loaded", 6))
            fprintf(t->s->out, "%s\n", (const char *)t->notes.items[i]);
}

/* ---- one input ------------------------------------------------------------------------------------- */

static Error *stage_input(Txn *t, const Node *unit, Body *code)
{
    Session *s = t->s;
    Scope sc = session_scope(s);
    DefCtx c = def_ctx(t, t->principal);
    for (uint32_t i = 0; i < unit->nkids; i++) {
        const Node *st = unit->kids[i];
        Error *e = st->kind == N_STMT && st->head == HEAD_DIRECTIVE
                       ? stage_definition(t, &c, st)
                       : lower_stmts(&sc, code, (Node *const *)&unit->kids[i], 1);
        if (e)
            return e;
    }
    Error *e = lower_finish(code);
    if (!e && code->n)
        e = untrusted_over(t, s->machine, code->insns[0].span, "code");
    return e ? e : check_dependants(t);
}

Error *session_eval_as(Session *s, const Source *src, Principal p)
{
    Node *unit;
    Error *e = parse_unit(src, &unit);
    if (e)
        return e;
    double t0 = now_ms();
    Txn t = {.s = s, .principal = p, .keys_before = s->ws->keys.len};
    Body *code = body_new("<input>");
    code->end_span = (Span){.src = src, .off = (uint32_t)src->len, .line = (uint32_t)src->first_line, .col = 1};
    VState *exit = NULL;
    e = stage_input(&t, unit, code);
    if (!e) {
        VerifyOpts o = verify_opts(s, NULL);
        e = verify_body(code, s->vs, NULL, &o, &exit);
    }
    if (!e)
        e = compile_procs(&t);
    Code *c = NULL;
    if (!e && code->n)
        c = compile_code(code, NULL, false, 0, 0, &e);
    s->last_verify_ms = now_ms() - t0;
    if (e) {
        abort_txn(&t);
        return e;
    }
    commit_txn(&t);
    s->last_run_ms = 0;
    if (!c)
        return NULL;
    double t1 = now_ms();
    e = vm_run(s->vm, c);
    s->last_run_ms = now_ms() - t1;
    if (!e)
        s->vs = exit;
    return e;
}

Error *session_eval(Session *s, const Source *src) { return session_eval_as(s, src, s->principal); }

/* ---- machines and inspection --------------------------------------------------------------------------- */

static Error *unknown_name(Session *s, const char *name, Span at, DefKind kind)
{
    Error *e = kind == DEF__COUNT ? err_new(E_UNKNOWN, at, "nothing named '%s' is defined", name)
                                  : err_new(E_UNKNOWN, at, "no %s named '%s'", def_kind_name(kind), name);
    uint32_t n;
    const char **names = workspace_names(s->ws, kind, &n);
    if (kind == DEF_MACHINE || kind == DEF__COUNT)
        names[n++] = "core-machine";
    const char *near = suggest_name(name, names, n);
    if (near)
        return err_hint(e, "did you mean '%s'?", near);
    if (kind == DEF__COUNT)
        return err_hint(e, "define it first; :machines, :modules, :interfaces and :procedures list what exists");
    return err_hint(e, "list what exists with :%ss", kind == DEF_MACHINE ? "machine" : kind == DEF_MODULE ? "module" : "interface");
}

Error *session_use(Session *s, const char *name, Span at)
{
    if (strcmp(name, "core-machine") == 0 || strcmp(name, "core") == 0) {
        s->machine = core_machine();
        s->machine_def = NULL;
        return NULL;
    }
    Def *d = workspace_find_kind(s->ws, name, DEF_MACHINE);
    if (!d)
        return unknown_name(s, name, at, DEF_MACHINE);
    s->machine = d->cur;
    s->machine_def = d;
    return NULL;
}

void session_print_stack(Session *s, Buf *out)
{
    buf_printf(out, "<%u>", s->vm->depth);
    for (uint32_t i = 0; i < s->vm->depth; i++) {
        buf_putc(out, ' ');
        value_print(out, s->vm->stack[i], s->vs->items[i].type);
    }
}

void session_print_facts(Session *s, Buf *out)
{
    buf_puts(out, "simulated stack: ");
    vs_print_stack(out, s->vs);
    buf_puts(out, s->vs->nfacts ? "\nfacts:\n" : "\nfacts: none\n");
    for (uint32_t i = 0; i < s->vs->nfacts; i++) {
        VState one = *s->vs;
        one.facts = &s->vs->facts[i];
        one.nfacts = 1;
        buf_puts(out, "  ");
        vs_print_facts(out, &one, s->ws);
        buf_putc(out, '\n');
    }
}

static Error *verify_op_log(Session *s, const Module *m, OpDef *op, Buf *out)
{
    Body copy = *op->body;
    copy.insns = gc_calloc(copy.n + 1, sizeof(Insn));
    memcpy(copy.insns, op->body->insns, copy.n * sizeof(Insn));
    buf_printf(out, "operation %s of module %s@v%d ", op->body->name, m->name, m->version);
    effect_print(out, &op->eff);
    buf_putc(out, '\n');
    VState *entry = vs_from_inputs(&op->eff);
    Error *e = op->sig ? verify_assume_requires(s->ws, entry, op->sig) : NULL;
    VerifyOpts o = {.budget = s->verify_budget, .log = out, .ws = s->ws, .module = m, .owner = m->name};
    if (!e)
        e = verify_body(&copy, entry, &op->eff, &o, NULL);
    return e;
}

/* NAME is a procedure, a module (all its operations) or MODULE.OP. */
Error *session_verify_log(Session *s, const char *name, Span at, Buf *out)
{
    Def *d = workspace_find(s->ws, name);
    if (d && d->kind == DEF_MODULE) {
        Module *m = d->cur;
        for (uint32_t i = 0; i < m->nops; i++) {
            Error *e = verify_op_log(s, m, m->ops[i], out);
            if (e)
                return e;
        }
        buf_puts(out, "verified: ok\n");
        return NULL;
    }
    if (!d || d->kind != DEF_PROC)
        return d ? err_hint(err_new(E_USAGE, at, "'%s' is a %s; :verify takes a procedure or a module", name,
                                    def_kind_name(d->kind)),
                            "try :show %s", name)
                 : unknown_name(s, name, at, DEF__COUNT);
    ProcVersion *v = d->cur;
    Body copy = *v->body;
    copy.insns = gc_calloc(copy.n + 1, sizeof(Insn));
    memcpy(copy.insns, v->body->insns, copy.n * sizeof(Insn));
    buf_printf(out, "procedure %s@v%d ", name, v->version);
    effect_print(out, &v->eff);
    buf_putc(out, '\n');
    VerifyOpts o = verify_opts(s, out);
    Error *e = verify_body(&copy, vs_from_inputs(&v->eff), &v->eff, &o, NULL);
    if (!e)
        buf_puts(out, "verified: ok\n");
    return e;
}

Error *session_show(Session *s, const char *name, Span at, Buf *out)
{
    if (strcmp(name, "core-machine") == 0) {
        def_show_machine(out, core_machine());
        return NULL;
    }
    Def *d = workspace_find(s->ws, name);
    if (d) {
        def_show(out, d);
        return NULL;
    }
    const MachineOp *op = machine_op(s->machine, name);
    if (!op)
        return unknown_name(s, name, at, DEF__COUNT);
    machine_op_show(out, s->machine, op);
    return NULL;
}

Error *session_graph(Session *s, const char *name, Span at, Buf *out)
{
    if (strcmp(name, "core-machine") == 0) {
        machine_dot(out, core_machine());
        return NULL;
    }
    Def *d = workspace_find_kind(s->ws, name, DEF_MACHINE);
    if (!d)
        return unknown_name(s, name, at, DEF_MACHINE);
    machine_dot(out, d->cur);
    return NULL;
}

void session_list(Session *s, DefKind kind, Buf *out)
{
    if (kind == DEF_MACHINE)
        buf_printf(out, "%score-machine (built in)\n", s->machine == core_machine() ? "* " : "  ");
    for (uint32_t i = 0; i < s->ws->defs.len; i++) {
        Def *d = s->ws->defs.items[i];
        if (d->kind != kind || !d->cur)
            continue;
        const DefHead *h = d->cur;
        if (kind == DEF_MACHINE)
            buf_puts(out, d->cur == s->machine ? "* " : "  ");
        buf_printf(out, "%s@v%d\n", d->name, h->version);
    }
}
