/* stage.c - the definition transaction (DESIGN §5).
 *
 * Staging makes a definition's new version `pending`: visible to every
 * lookup the transaction makes, invisible to running code.  When a
 * definition that others use changes, those dependants are built again
 * from their own text against the staged world, in dependency order, and
 * keep their version numbers.  Commit swaps everything at once; abort drops
 * everything, so a rejected input changes nothing. */
#include "txn.h"

#include <string.h>

Txn txn_begin(Session *s, Principal p)
{
    return (Txn){.s = s, .principal = p, .keys_before = s->ws->keys.len};
}

/* Keys declared at top level belong to the session's principal: trusted
 * input and untrusted input are different owners. */
const char *session_owner(Principal p) { return p == PRINCIPAL_UNTRUSTED ? "<untrusted session>" : "<session>"; }

VerifyOpts session_verify_opts(const Session *s, Buf *log)
{
    return (VerifyOpts){.budget = s->verify_budget, .log = log, .ws = s->ws, .owner = session_owner(s->principal)};
}

/* The closing brace of a block: where falling off the end returns. */
Span block_end_span(const Node *block)
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

/* ---- staging one version ---------------------------------------------------------------------- */

static Def *find_any(Workspace *ws, const char *name)
{
    for (uint32_t i = 0; i < ws->defs.len; i++) {
        Def *d = ws->defs.items[i];
        if (strcmp(d->name, name) == 0)
            return d;
    }
    return NULL;
}

/* A key given again with the same lattice and arity keeps its id, so facts
 * already on the REPL stack keep their meaning. */
static bool same_lattice(const Lattice *a, const Lattice *b)
{
    if (a == b)
        return true;
    if (a->nelems != b->nelems || memcmp(a->leq, b->leq, (size_t)a->nelems * a->nelems))
        return false;
    for (uint32_t i = 0; i < a->nelems; i++)
        if (strcmp(a->elems[i], b->elems[i]))
            return false;
    return true;
}

static bool same_text(const Node *a, const Node *b)
{
    Buf x = {0}, y = {0};
    node_print(&x, a, 0);
    node_print(&y, b, 0);
    return !strcmp(buf_str(&x), buf_str(&y));
}

static const Node *version_node(DefKind kind, const void *v);

/* Ownership is by identity: the owner's name and its principal.  An
 * untrusted module that took a stdlib module's name first owns nothing
 * the stdlib module declares later. */
static bool same_owner_kind(DefKind kind, const void *a, const void *b)
{
    if (kind == DEF_KEY)
        return !strcmp(((const Key *)a)->owner, ((const Key *)b)->owner) &&
               ((const Key *)a)->principal == ((const Key *)b)->principal;
    return !strcmp(((const Lattice *)a)->owner, ((const Lattice *)b)->owner) &&
           ((const Lattice *)a)->principal == ((const Lattice *)b)->principal;
}

/* Declared again word for word and built on the same versions: nothing
 * changes (a module given again keeps its keys and their facts). */
static bool same_declaration(DefKind kind, const void *old, const void *neu)
{
    if (!same_owner_kind(kind, old, neu) || !same_text(version_node(kind, old), version_node(kind, neu)))
        return false;
    return kind != DEF_KEY || ((const Key *)old)->lat == ((const Key *)neu)->lat;
}

static void stage_key_id(Txn *t, Def *d, Key *k)
{
    Workspace *ws = t->s->ws;
    const Key *old = d->cur;
    /* Facts store element numbers: only an identical lattice keeps them meaningful. */
    if (old && old->arity == k->arity && same_lattice(old->lat, k->lat) && same_owner_kind(d->kind, d->cur, k)) {
        KeySlot *slot = gc_alloc(sizeof *slot);
        *slot = (KeySlot){old->id, ws->keys.items[old->id]};
        vec_push(&t->key_slots, slot);
        k->id = old->id;
        ws->keys.items[k->id] = k;
        return;
    }
    k->id = ws->keys.len;
    vec_push(&ws->keys, k);
}

static Principal principal_of_version(DefKind kind, const void *v)
{
    switch (kind) {
    case DEF_PROC: return ((const ProcVersion *)v)->principal;
    case DEF_INTERFACE: return ((const Interface *)v)->principal;
    case DEF_MODULE: return ((const Module *)v)->principal;
    case DEF_MACHINE: return ((const Machine *)v)->principal;
    case DEF_LATTICE: return ((const Lattice *)v)->principal;
    case DEF_KEY: return ((const Key *)v)->principal;
    default: return PRINCIPAL_TRUSTED;
    }
}



static const char *article(const char *word) { return strchr("aeiou", word[0]) ? "an" : "a"; }

static Error *stage_cb(void *ctx, DefKind kind, const char *name, void *version, Span at)
{
    Txn *t = ctx;
    Workspace *ws = t->s->ws;
    if (strcmp(name, "core-machine") == 0)
        return err_hint(err_new(E_DEFINE, at, "'core-machine' is built in"), "choose another name");
    Def *d = find_any(ws, name);
    if (d && def_current(d) && d->kind != kind)
        return err_hint(err_new(E_DEFINE, at, "'%s' is already %s %s; it cannot also name %s %s", name,
                                article(def_kind_name(d->kind)), def_kind_name(d->kind), article(def_kind_name(kind)),
                                def_kind_name(kind)),
                        "all definitions share one namespace: choose another name");
    if (d && d->pending)
        return err_hint(err_new(E_DEFINE, at, "%s '%s' is defined twice in one input", def_kind_name(kind), name),
                        "keep one of the two definitions");
    if (d && d->cur && (kind == DEF_KEY || kind == DEF_LATTICE)) {
        const char *old = kind == DEF_KEY ? ((Key *)d->cur)->owner : ((Lattice *)d->cur)->owner;
        const char *neu = kind == DEF_KEY ? ((Key *)version)->owner : ((Lattice *)version)->owner;
        if (strcmp(old, neu))
            return err_hint(err_new(E_TRUST, at, "%s '%s' is owned by %s; %s cannot declare it again",
                                    def_kind_name(kind), name, owner_words(old), owner_words(neu)),
                            "only its owner may redefine a %s; choose another name", def_kind_name(kind));
        if (!d->pending && same_declaration(kind, d->cur, version))
            return NULL;
    }
    if (d && d->cur && principal_of_version(d->kind, d->cur) == PRINCIPAL_TRUSTED &&
        principal_of_version(kind, version) == PRINCIPAL_UNTRUSTED)
        return err_hint(err_new(E_TRUST, at, "untrusted input cannot replace trusted %s '%s'", def_kind_name(kind), name),
                        "choose another name for your own %s", def_kind_name(kind));
    /* A stdlib unit is trusted, but an untrusted input that loads it must
     * not use it to replace what the session already has. */
    if (d && d->cur && !t->rebuilding && t->principal == PRINCIPAL_UNTRUSTED &&
        principal_of_version(kind, version) == PRINCIPAL_TRUSTED)
        return err_hint(err_new(E_TRUST, at, "untrusted input cannot replace %s '%s', not even with a stdlib unit",
                                def_kind_name(kind), name),
                        "load the unit as trusted input (:trust trusted), or rename the existing %s",
                        def_kind_name(kind));
    if (!d) {
        d = gc_alloc(sizeof *d);
        d->name = name;
        vec_push(&ws->defs, d);
        vec_push(&t->created, d);
    }
    d->kind = kind;
    DefHead *h = version;
    h->version = !d->cur ? 1 : ((DefHead *)d->cur)->version + (t->rebuilding ? 0 : 1);
    d->pending = version;
    vec_push(t->rebuilding ? &t->rebuilt : &t->staged, d);
    if (kind == DEF_KEY)
        stage_key_id(t, d, version);
    return NULL;
}

static DefCtx def_ctx(Txn *t, Principal p)
{
    return (DefCtx){.ws = t->s->ws, .principal = p, .owner = session_owner(p), .stage = stage_cb,
                    .load_unit = txn_load_unit, .cb = t};
}

static Error *untrusted_over(Principal p, const Machine *m, Span at, const char *what)
{
    if (p != PRINCIPAL_UNTRUSTED || m->open_to_untrusted)
        return NULL;
    return err_hint(err_new(E_TRUST, at, "untrusted %s cannot run over '%s': the machine is trusted-only", what,
                            m->name),
                    "switch with :use to a machine that declares .access untrusted, or :trust trusted");
}

static Machine *machine_named(Workspace *ws, const char *name)
{
    if (!name)
        return core_machine();
    Def *d = workspace_find_kind(ws, name, DEF_MACHINE);
    return d ? def_current(d) : NULL;
}


static Error *build_proc_body(Txn *t, ProcVersion *v, const Node *block)
{
    Session *s = t->s;
    Body *b = body_new(v->name);
    b->end_span = block_end_span(block);
    Machine *m = machine_named(s->ws, v->over);
    if (!m)
        return err_new(E_UNKNOWN, v->def->span, "procedure '%s' runs over machine '%s', which no longer exists",
                       v->name, v->over);
    Scope sc = {.ws = s->ws, .machine = m};
    Error *e = lower_stmts(&sc, b, (Node *const *)block->kids, block->nkids);
    if (!e)
        e = lower_finish(b);
    if (!e) {
        VerifyOpts o = session_verify_opts(s, NULL);
        o.owner = session_owner(v->principal); /* whoever wrote it, not whoever is at the prompt */
        o.verified = &v->verified;
        e = verify_body(b, vs_from_inputs(&v->eff), &v->eff, &o, NULL);
    }
    v->body = b;
    return e;
}

/* Untrusted code may call only procedures that run over machines open to
 * it: a trusted procedure over core-machine would hand it the core. */
Error *untrusted_calls(Workspace *ws, Principal p, const Body *b)
{
    for (uint32_t i = 0; p == PRINCIPAL_UNTRUSTED && i < b->n; i++) {
        const Insn *in = &b->insns[i];
        if (in->op != P_CALL)
            continue;
        const ProcVersion *v = def_current(in->ref.proc);
        const Machine *over = machine_named(ws, v->over); /* NULL: gone, so not open either */
        if (v->principal == PRINCIPAL_TRUSTED && !(over && over->open_to_untrusted))
            return err_hint(err_new(E_TRUST, in->span, "untrusted code cannot call '%s': it runs over trusted-only '%s'",
                                    v->name, v->over ? v->over : "core-machine"),
                            "call procedures defined over a machine that declares .access untrusted");
    }
    return NULL;
}

/* over: the machine the procedure runs over (the session's now, or the
 * one it was first defined over when it is rebuilt). */
/* Stage a procedure's name and effect, without its body yet. */
static Error *declare_procedure(Txn *t, const Node *stmt, const char *over, Principal p, ProcVersion **out)
{
    const char *name;
    const Node *block;
    Effect eff;
    Error *e = procedure_parse(stmt, &name, &eff, &block);
    Machine *m = machine_named(t->s->ws, over);
    if (!e && m)
        e = untrusted_over(p, m, stmt->span, "procedure");
    if (e)
        return e;
    ProcVersion *v = gc_alloc(sizeof *v);
    v->name = name;
    v->eff = eff;
    v->def = stmt;
    v->over = over;
    v->principal = p;
    *out = v;
    return stage_cb(t, DEF_PROC, name, v, stmt->kids[0]->span); /* visible now: it may call itself */
}

static ProcVersion *declared(const Txn *t, const Node *stmt)
{
    for (uint32_t i = 0; i < t->declared.len; i++) {
        ProcVersion *v = t->declared.items[i];
        if (v->def == stmt)
            return v;
    }
    return NULL;
}

/* Procedures of one input are declared before any body is built, so they
 * may call each other whatever their order. */
Error *txn_declare_procedures(Txn *t, const Node *unit)
{
    const char *over = t->s->machine == core_machine() ? NULL : t->s->machine->name;
    for (uint32_t i = 0; i < unit->nkids; i++) {
        const Node *st = unit->kids[i];
        if (st->kind != N_STMT || st->head != HEAD_DIRECTIVE || strcmp(st->name, "define_procedure"))
            continue;
        ProcVersion *v;
        Error *e = declare_procedure(t, st, over, t->principal, &v);
        if (e)
            return e;
        vec_push(&t->declared, v);
    }
    return NULL;
}

static Error *stage_procedure(Txn *t, const Node *stmt, const char *over, Principal p)
{
    ProcVersion *v = declared(t, stmt);
    Error *e = v ? NULL : declare_procedure(t, stmt, over, p, &v);
    if (e)
        return e;
    /* Report definitions in the order they are written, not declared. */
    for (uint32_t i = 0; i < t->staged.len; i++) {
        Def *d = t->staged.items[i];
        if (d->pending == v) {
            memmove(&t->staged.items[i], &t->staged.items[i + 1], (t->staged.len - i - 1) * sizeof(void *));
            t->staged.items[t->staged.len - 1] = d;
            break;
        }
    }
    e = build_proc_body(t, v, stmt->kids[2]);
    return e ? e : untrusted_calls(t->s->ws, p, v->body);
}

static Error *stage_module(Txn *t, DefCtx *c, const Node *st)
{
    Module *m;
    Error *e = module_build(c, st, &m);
    for (uint32_t i = 0; !e && i < m->nops; i++)
        e = untrusted_calls(t->s->ws, m->principal, m->ops[i]->body);
    return e ? e : verify_module(t->s->ws, m, t->s->verify_budget);
}

static bool same_state_layout(const Module *a, const Module *b)
{
    if (a->nstate != b->nstate)
        return false;
    for (uint32_t i = 0; i < a->nstate; i++)
        if (strcmp(a->state[i].name, b->state[i].name) || a->state[i].type != b->state[i].type)
            return false;
    return true;
}

/* A machine built again keeps its components' state: the same slots when
 * the layout is unchanged (so code still running shares them), else a copy
 * of every slot whose name and type survive. */
static void carry_state(Machine *neu, const Machine *old)
{
    for (uint32_t i = 0; old && i < neu->ncomps; i++) {
        Component *c = neu->comps[i];
        const Component *o = machine_component(old, c->name);
        if (!o || strcmp(o->module->name, c->module->name))
            continue;
        if (same_state_layout(o->module, c->module)) {
            c->state = o->state;
            continue;
        }
        for (uint32_t k = 0; k < c->module->nstate; k++) {
            int j = module_state_slot(o->module, c->module->state[k].name);
            if (j >= 0 && o->module->state[j].type == c->module->state[k].type)
                c->state[k] = o->state[j];
        }
    }
}

static Error *stage_machine(Txn *t, DefCtx *c, const Node *st)
{
    Machine *m;
    Error *e = machine_build(c, st, &m);
    if (!e) {
        Def *d = workspace_find_kind(t->s->ws, m->name, DEF_MACHINE);
        carry_state(m, d ? d->cur : NULL);
    }
    return e;
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
                                    node_kind_article(st->kids[i]->kind)),
                            "write: .%s UNIT, ...;", st->name);
        Error *e = c->load_unit(c->cb, st->kids[i]->name, st->kids[i]->span);
        if (e)
            return e;
    }
    return NULL;
}

static Error *unknown_directive(const Node *st)
{
    static const char *const known[] = {"define_procedure", "define_interface", "define_module", "define_machine",
                                        "define_lattice",   "define_key",       "define_operation", "load_interfaces",
                                        "load_modules"};
    Error *e = err_new(E_UNKNOWN, st->head_span, "unknown directive '.%s'", st->name);
    const char *near = suggest_name(st->name, known, countof(known));
    return near ? err_hint(e, "did you mean '.%s'?", near)
                : err_hint(e, "top-level directives: .define_interface, .define_module, .define_machine, "
                              ".define_procedure, .define_lattice, .define_key, .load_interfaces, .load_modules");
}

static Error *stage_with(Txn *t, DefCtx *c, const Node *st, const char *over)
{
    const char *d = st->name;
    if (!strcmp(d, "define_procedure"))
        return stage_procedure(t, st, over, c->principal);
    if (!strcmp(d, "define_interface"))
        return interface_build(c, st);
    if (!strcmp(d, "define_module"))
        return stage_module(t, c, st);
    if (!strcmp(d, "define_machine"))
        return stage_machine(t, c, st);
    if (!strcmp(d, "define_lattice"))
        return lattice_build(c, st);
    if (!strcmp(d, "define_key"))
        return key_build(c, st);
    if (!strcmp(d, "load_interfaces") || !strcmp(d, "load_modules"))
        return load_units_stmt(c, st);
    if (!strcmp(d, "define_operation")) {
        Error *e;
        Node *module = session_module_with_op(t->s, st, &e);
        return e ? e : stage_module(t, c, module);
    }
    return unknown_directive(st);
}

static const char *session_machine_name(const Session *s)
{
    return s->machine == core_machine() ? NULL : s->machine->name;
}

Error *txn_stage_definition(Txn *t, const Node *st)
{
    DefCtx c = def_ctx(t, t->principal);
    return stage_with(t, &c, st, session_machine_name(t->s));
}

Error *txn_stage_unit_text(Txn *t, const Source *src, Principal p, bool defs_only)
{
    Node *unit;
    Error *e = parse_unit(src, &unit);
    if (e)
        return e;
    DefCtx c = def_ctx(t, p);
    for (uint32_t i = 0; i < unit->nkids; i++) {
        const Node *st = unit->kids[i];
        if (st->kind != N_STMT || st->head != HEAD_DIRECTIVE) {
            if (defs_only)
                return err_hint(err_new(E_DEFINE, st->span, "a unit holds definitions only, not code"),
                                "run code at the prompt or with :load");
            continue;
        }
        if ((e = stage_with(t, &c, st, session_machine_name(t->s))))
            return e;
    }
    return NULL;
}

/* ---- dependants ------------------------------------------------------------------------------------ */

static int index_in(const Vec *v, const void *x)
{
    for (uint32_t i = 0; i < v->len; i++)
        if (v->items[i] == x)
            return (int)i;
    return -1;
}

static bool in_vec(const Vec *v, const void *x) { return index_in(v, x) >= 0; }

/* The dependency graph of the installed definitions, built once per
 * transaction: for each definition, what it uses and what uses it (as
 * indices into ws->defs), so finding and ordering dependants is linear. */
typedef struct Graph {
    uint32_t n;
    uint32_t **uses, **users;
    uint32_t *nuses, *nusers;
} Graph;

static void graph_add(uint32_t ***lists, uint32_t **lens, uint32_t i, uint32_t value, uint32_t *caps)
{
    if ((*lens)[i] == caps[i]) {
        caps[i] = caps[i] ? caps[i] * 2 : 4;
        uint32_t *grown = gc_alloc_atomic(caps[i] * sizeof(uint32_t));
        if ((*lens)[i])
            memcpy(grown, (*lists)[i], (*lens)[i] * sizeof(uint32_t));
        (*lists)[i] = grown;
    }
    (*lists)[i][(*lens)[i]++] = value;
}

static Graph graph_build(Workspace *ws)
{
    Graph g = {.n = ws->defs.len};
    g.uses = gc_calloc(g.n + 1, sizeof(uint32_t *));
    g.users = gc_calloc(g.n + 1, sizeof(uint32_t *));
    g.nuses = gc_calloc(g.n + 1, sizeof(uint32_t));
    g.nusers = gc_calloc(g.n + 1, sizeof(uint32_t));
    uint32_t *cap_uses = gc_calloc(g.n + 1, sizeof(uint32_t)), *cap_users = gc_calloc(g.n + 1, sizeof(uint32_t));
    for (uint32_t i = 0; i < g.n; i++)
        ((Def *)ws->defs.items[i])->index = i;
    for (uint32_t i = 0; i < g.n; i++) {
        Def *d = ws->defs.items[i];
        if (!d->cur)
            continue;
        Vec deps = {0};
        def_deps(ws, d, d->cur, &deps);
        for (uint32_t k = 0; k < deps.len; k++) {
            uint32_t j = ((DepEdge *)deps.items[k])->to->index;
            graph_add(&g.uses, &g.nuses, i, j, cap_uses);
            graph_add(&g.users, &g.nusers, j, i, cap_users);
        }
    }
    return g;
}

static const char *same_or(const char *a) { return a ? a : "core-machine"; }

/* What a caller of a procedure relies on: its effect, and (for the trust
 * rules) who wrote it and which machine it runs over.  NULL: nothing. */
static const char *proc_change(const ProcVersion *old, const ProcVersion *neu)
{
    if (!effect_equal(&old->eff, &neu->eff))
        return "its effect";
    if (old->principal != neu->principal)
        return "its principal";
    if (strcmp(same_or(old->over), same_or(neu->over)))
        return "the machine it runs over";
    return NULL;
}

/* A change others must see: calls of a procedure are verified against what
 * proc_change names only, so when none of that changed its callers need no
 * second look. */
static bool change_matters(const Def *d)
{
    return d->cur && !(d->kind == DEF_PROC && !proc_change(d->cur, d->pending));
}

/* The installed definitions that use, directly or not, something this
 * transaction redefined, in dependency order (Kahn's algorithm over the
 * graph restricted to them). */
static Vec ordered_dependants(Txn *t)
{
    Workspace *ws = t->s->ws;
    Graph g = graph_build(ws);
    bool *in = gc_alloc_atomic(g.n + 1);
    uint32_t *queue = gc_alloc_atomic((g.n + 1) * sizeof(uint32_t)), head = 0, tail = 0;
    Vec set = {0};
    for (uint32_t i = 0; i < t->staged.len; i++)
        if (change_matters(t->staged.items[i]))
            queue[tail++] = ((Def *)t->staged.items[i])->index;
    while (head < tail) { /* breadth first along "used by" */
        uint32_t i = queue[head++];
        for (uint32_t k = 0; k < g.nusers[i]; k++) {
            uint32_t u = g.users[i][k];
            Def *d = ws->defs.items[u];
            if (in[u] || !d->cur || d->pending)
                continue;
            in[u] = true;
            vec_push(&set, d);
            queue[tail++] = u;
        }
    }
    uint32_t *waiting = gc_alloc_atomic((g.n + 1) * sizeof(uint32_t));
    head = tail = 0;
    for (uint32_t k = 0; k < set.len; k++) {
        uint32_t i = ((Def *)set.items[k])->index;
        waiting[i] = 0;
        for (uint32_t j = 0; j < g.nuses[i]; j++)
            waiting[i] += in[g.uses[i][j]];
        if (!waiting[i])
            queue[tail++] = i;
    }
    Vec out = {0};
    while (head < tail) {
        uint32_t i = queue[head++];
        vec_push(&out, ws->defs.items[i]);
        for (uint32_t k = 0; k < g.nusers[i]; k++) {
            uint32_t u = g.users[i][k];
            if (in[u] && --waiting[u] == 0)
                queue[tail++] = u;
        }
    }
    for (uint32_t k = 0; k < set.len && out.len < set.len; k++) /* a cycle cannot be; keep everything anyway */
        if (!in_vec(&out, set.items[k]))
            vec_push(&out, set.items[k]);
    return out;
}

static const Node *version_node(DefKind kind, const void *v)
{
    switch (kind) {
    case DEF_PROC: return ((const ProcVersion *)v)->def;
    case DEF_INTERFACE: return ((const Interface *)v)->def;
    case DEF_MODULE: return ((const Module *)v)->def;
    case DEF_MACHINE: return ((const Machine *)v)->def;
    case DEF_LATTICE: return ((const Lattice *)v)->def;
    case DEF_KEY: return ((const Key *)v)->def;
    default: return NULL;
    }
}

static const Node *def_node(const Def *d) { return version_node(d->kind, d->cur); }

static Principal principal_of(const Def *d) { return principal_of_version(d->kind, d->cur); }

static Span def_node_span(const Def *d)
{
    const Node *n = version_node(d->kind, def_current(d));
    return n && n->nkids ? n->kids[0]->span : (Span){0};
}



static const char *owner_of(const Def *d)
{
    if (d->kind == DEF_LATTICE)
        return ((Lattice *)d->cur)->owner;
    if (d->kind == DEF_KEY)
        return ((Key *)d->cur)->owner;
    return session_owner(principal_of(d));
}

static Error *rebuild(Txn *t, Def *d)
{
    if (d->pending) /* built again already, e.g. a key inside a rebuilt module */
        return NULL;
    DefCtx c = def_ctx(t, principal_of(d));
    c.owner = owner_of(d);
    const char *over = d->kind == DEF_PROC ? ((ProcVersion *)d->cur)->over : NULL;
    t->rebuilding = true;
    Error *e = stage_with(t, &c, def_node(d), over);
    t->rebuilding = false;
    return e;
}

static const char *rebuilt_note(const Def *d)
{
    const DefHead *h = d->pending;
    const char *what = d->kind == DEF_MACHINE ? "relinked in place, component state carried over"
                       : d->kind == DEF_PROC  ? "recompiled"
                                              : "verified again";
    return gc_printf("  %s %s@v%d: ok, %s", def_kind_name(d->kind), d->name, h->version, what);
}

/* Which of the definitions this input changed d depends on, directly or
 * through others, for the message: the user's change, not a consequence. */
static const Def *cause(const Txn *t, const Def *d)
{
    Workspace *ws = t->s->ws;
    Vec seen = {0}, todo = {0};
    vec_push(&todo, (void *)d);
    while (todo.len) {
        const Def *x = todo.items[--todo.len];
        if (in_vec(&seen, x))
            continue;
        vec_push(&seen, (void *)x);
        for (uint32_t i = 0; i < t->staged.len; i++)
            if (def_depends_on(ws, x, t->staged.items[i]))
                return t->staged.items[i];
        Vec deps = {0};
        def_deps(ws, x, x->cur, &deps);
        for (uint32_t i = 0; i < deps.len; i++)
            vec_push(&todo, ((DepEdge *)deps.items[i])->to);
    }
    return t->staged.len ? t->staged.items[0] : d;
}

static Error *check_def_cycles(Txn *t);


static bool declared_here(const Txn *t, const Def *d)
{
    return d->kind == DEF_PROC && index_in(&t->declared, d->pending) >= 0;
}

static bool calls_old_components(Workspace *ws, const Body *b)
{
    for (uint32_t i = 0; b && i < b->n; i++) {
        if (b->insns[i].op != P_OPCALL)
            continue;
        const Machine *m = b->insns[i].ref.target->comp->machine;
        Def *md = workspace_find_kind(ws, m->name, DEF_MACHINE);
        if (md && def_current(md) != m)
            return true;
    }
    return false;
}

/* Did d, staged i-th, use a version of x that this input replaces after it
 * was built?  Then d holds a stale version (two versions of one interface
 * live at once, a machine over a machine that is about to change). */
static bool built_on_stale(const Txn *t, const Def *d, int i, const DepEdge *e)
{
    const Def *x = e->to;
    if (!x->pending || !x->cur)
        return false; /* unchanged, or new: d saw the only version */
    int j = index_in(&t->staged, x);
    bool later = j > i || index_in(&t->rebuilt, x) >= 0;
    if (!later)
        return false;
    /* Procedures are called through their handle and checked by effect;
     * those of one input are declared before any body is built. */
    if (!strcmp(e->why, "calls-procedure"))
        return !declared_here(t, x) && proc_change(x->cur, x->pending);
    /* A procedure holds the components of its machine only where it calls
     * their operations. */
    if (!strcmp(e->why, "calls-operation"))
        return calls_old_components(t->s->ws, ((const ProcVersion *)d->pending)->body);
    return true;
}

static Error *check_stale_versions(Txn *t)
{
    for (uint32_t i = 0; i < t->staged.len; i++) {
        Def *d = t->staged.items[i];
        Vec deps = {0};
        def_deps(t->s->ws, d, d->pending, &deps);
        for (uint32_t k = 0; k < deps.len; k++) {
            const DepEdge *e = deps.items[k];
            if (!built_on_stale(t, d, (int)i, e))
                continue;
            const char *how = index_in(&t->rebuilt, e->to) >= 0 ? "rebuilds" : "redefines";
            return err_hint(err_new(E_DEFINE, def_node_span(d),
                                    "%s '%s' was built against %s '%s', which this input %s after it",
                                    def_kind_name(d->kind), d->name, def_kind_name(e->to->kind), e->to->name, how),
                            "define '%s' before '%s', or give '%s' in a later input", e->to->name, d->name, d->name);
        }
    }
    return NULL;
}

Error *txn_rebuild_dependants(Txn *t)
{
    Error *errs = check_def_cycles(t);
    if (errs)
        return errs;
    Vec todo = ordered_dependants(t);
    for (uint32_t k = 0; k < todo.len; k++) {
        Def *d = todo.items[k];
        Error *e = rebuild(t, d);
        if (e) {
            const Def *c = cause(t, d);
            Error *why = err_new(e->code, e->span, "redefining '%s' breaks %s '%s', which uses it: %s", c->name,
                                 def_kind_name(d->kind), d->name, e->msg);
            why->detail = e->detail;
            why->notes = e->notes;
            err_hint(why, "change '%s' too in the same input, or keep '%s' as it was", d->name, c->name);
            errs = err_append(errs, why);
            continue;
        }
        if (d->pending)
            vec_push(&t->rebuilt_notes, (void *)rebuilt_note(d));
    }
    return errs ? errs : check_stale_versions(t);
}

/* Definitions may not be built over themselves (a machine over a machine
 * over it; a module over the machine that instantiates it).  Procedures
 * may call each other: those edges do not count. */
static Error *def_cycle_from(Txn *t, Def *start)
{
    enum { MAX = 4096 };
    Def **path = gc_calloc(MAX, sizeof(Def *));
    Vec *edges = gc_calloc(MAX, sizeof(Vec));
    uint32_t *next = gc_calloc(MAX, sizeof(uint32_t));
    /* Each definition is explored once per start: layers reach the same
     * lower layers by many paths (a machine over a machine its module is
     * implemented over), and following every path is exponential. */
    Workspace *ws = t->s->ws;
    bool *seen = gc_alloc_atomic(ws->defs.len + 1);
    for (uint32_t i = 0; i < ws->defs.len; i++)
        ((Def *)ws->defs.items[i])->index = i;
    uint32_t depth = 1;
    path[0] = start;
    seen[start->index] = true;
    def_deps(t->s->ws, start, def_current(start), &edges[0]);
    while (depth) {
        uint32_t top = depth - 1;
        if (next[top] >= edges[top].len) {
            depth--;
            continue;
        }
        DepEdge *e = edges[top].items[next[top]++];
        if (!strcmp(e->why, "calls-procedure"))
            continue;
        if (e->to == start) {
            Buf cyc = {0};
            for (uint32_t k = 0; k < depth; k++)
                buf_printf(&cyc, "%s -> ", path[k]->name);
            buf_puts(&cyc, start->name);
            return err_hint(err_new(E_DEFINE, def_node_span(start), "definitions would be built over themselves: %s",
                                    buf_str(&cyc)),
                            "a machine or module can only build on what exists without it");
        }
        if (depth == MAX || seen[e->to->index])
            continue;
        seen[e->to->index] = true;
        path[depth] = e->to;
        next[depth] = 0;
        edges[depth] = (Vec){0};
        def_deps(t->s->ws, e->to, def_current(e->to), &edges[depth]);
        depth++;
    }
    return NULL;
}

/* Only a redefinition can close a cycle: a new definition can use only
 * what exists already, and nothing existing uses it yet. */
static Error *check_def_cycles(Txn *t)
{
    for (uint32_t i = 0; i < t->staged.len; i++) {
        Def *d = t->staged.items[i];
        if (d->kind != DEF_PROC && d->cur) {
            Error *e = def_cycle_from(t, d);
            if (e)
                return e;
        }
    }
    return NULL;
}

/* ---- compile, commit, abort ------------------------------------------------------------------------ */

static Error *compile_proc(Def *d)
{
    if (d->kind != DEF_PROC)
        return NULL;
    ProcVersion *v = d->pending;
    Error *e = NULL;
    v->code = compile_code(v->verified, NULL, true, v->eff.nin, v->version, &e);
    return e;
}

Error *txn_compile(Txn *t)
{
    for (uint32_t i = 0; i < t->staged.len; i++) {
        Error *e = compile_proc(t->staged.items[i]);
        if (e)
            return e;
    }
    for (uint32_t i = 0; i < t->rebuilt.len; i++) {
        Error *e = compile_proc(t->rebuilt.items[i]);
        if (e)
            return e;
    }
    return NULL;
}

void txn_abort(Txn *t)
{
    Workspace *ws = t->s->ws;
    for (uint32_t i = 0; i < t->staged.len; i++)
        ((Def *)t->staged.items[i])->pending = NULL;
    for (uint32_t i = 0; i < t->rebuilt.len; i++)
        ((Def *)t->rebuilt.items[i])->pending = NULL;
    for (uint32_t i = 0; i < t->created.len; i++)
        for (uint32_t k = 0; k < ws->defs.len; k++)
            if (ws->defs.items[k] == t->created.items[i]) {
                memmove(&ws->defs.items[k], &ws->defs.items[k + 1], (ws->defs.len - k - 1) * sizeof(void *));
                ws->defs.len--;
                break;
            }
    for (uint32_t i = t->key_slots.len; i-- > 0;) {
        KeySlot *slot = t->key_slots.items[i];
        ws->keys.items[slot->id] = slot->old;
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
            if (m->ops[k].kind == MOP_ALIAS && m->ops[k].comp->machine == m) {
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
                   owner_words(k->owner));
        break;
    }
    default: break;
    }
    return buf_str(&b);
}

static void report_line(Buf *out, const Def *d)
{
    const DefHead *h = d->pending;
    if (h->version == 1)
        buf_printf(out, "defined %s %s@v%d %s\n", def_kind_name(d->kind), d->name, h->version, summary(d));
    else if (d->kind == DEF_PROC)
        buf_printf(out, "redefined procedure %s@v%d %s (was v%d; running calls finish on v%d)\n", d->name,
                   h->version, summary(d), h->version - 1, h->version - 1);
    else
        buf_printf(out, "redefined %s %s@v%d %s (was v%d%s)\n", def_kind_name(d->kind), d->name, h->version,
                   summary(d), h->version - 1, d->kind == DEF_MACHINE ? "; relinked in place, component state carried over" : "");
}

void txn_plan(Txn *t, Buf *out)
{
    for (uint32_t i = 0; i < t->notes.len; i++)
        buf_printf(out, "%s\n", (const char *)t->notes.items[i]);
    for (uint32_t i = 0; i < t->staged.len; i++)
        report_line(out, t->staged.items[i]);
    if (t->rebuilt_notes.len)
        buf_printf(out, "re-verified %u dependant%s:\n", t->rebuilt_notes.len, t->rebuilt_notes.len == 1 ? "" : "s");
    for (uint32_t i = 0; i < t->rebuilt_notes.len; i++)
        buf_printf(out, "%s\n", (const char *)t->rebuilt_notes.items[i]);
}

static void install(Txn *t, Def *d)
{
    d->cur = d->pending;
    d->pending = NULL;
    if (t->s->machine_def == d) /* the machine in use was rebuilt: use the new one */
        t->s->machine = d->cur;
}

/* A suspended run takes the newest version of a procedure at each new
 * call; it was verified against the old one's effect, so a change of what
 * callers rely on ends it (the exit state it would install is stale). */
static void drop_stale_run(Txn *t, const Vec *defs)
{
    for (uint32_t i = 0; t->s->active && i < defs->len; i++) {
        const Def *d = defs->items[i];
        const char *what = d->kind == DEF_PROC && d->cur ? proc_change(d->cur, d->pending) : NULL;
        if (what)
            trace_drop(t->s, gc_printf("procedure '%s' changed %s, and the run was verified against the old one",
                                       d->name, what));
        /* Tick code names lattices and keys: the run's facts were computed
         * with the old ones, and its simulation would read the new. */
        else if ((d->kind == DEF_LATTICE || d->kind == DEF_KEY) && d->cur)
            trace_drop(t->s, gc_printf("%s '%s' changed, and the run's facts were computed with the old one",
                                       def_kind_name(d->kind), d->name));
    }
}

void txn_commit(Txn *t)
{
    Buf out = {0};
    txn_plan(t, &out);
    fputs(buf_str(&out), t->s->out);
    drop_stale_run(t, &t->staged);
    drop_stale_run(t, &t->rebuilt);
    for (uint32_t i = 0; i < t->units.len; i++)
        vec_push(&t->s->loaded_units, t->units.items[i]);
    for (uint32_t i = 0; i < t->staged.len; i++)
        install(t, t->staged.items[i]);
    for (uint32_t i = 0; i < t->rebuilt.len; i++)
        install(t, t->rebuilt.items[i]);
}
