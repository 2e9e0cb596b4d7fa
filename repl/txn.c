/* txn.c - the definition transaction (DESIGN §5).
 *
 * Staging makes a definition's new version `pending`: visible to every
 * lookup the transaction makes, invisible to running code.  When a
 * definition that others use changes, those dependants are built again
 * from their own text against the staged world, in dependency order, and
 * keep their version numbers.  Commit swaps everything at once; abort drops
 * everything, so a rejected input changes nothing.  What depends on a
 * definition's kind is in its row (kinds.h); the graph is graph.c's. */
#include "directive.h"
#include "graph.h"
#include "kinds.h"
#include "trust.h"

#include <string.h>

Txn txn_begin(Session *s, Principal p, Error *(*load_unit)(void *txn, const char *unit, Span at))
{
    return (Txn){.s = s, .principal = p, .keys_before = s->ws->keys.len, .load_unit = load_unit};
}

static Def *find_any(Workspace *ws, const char *name)
{
    for (uint32_t i = 0; i < ws->defs.len; i++) {
        Def *d = ws->defs.items[i];
        if (strcmp(d->name, name) == 0)
            return d;
    }
    return NULL;
}

static bool same_text(const Node *a, const Node *b)
{
    Buf x = {0}, y = {0};
    node_print(&x, a, 0);
    node_print(&y, b, 0);
    return !strcmp(buf_str(&x), buf_str(&y));
}

static const char *article(const char *word) { return strchr("aeiou", word[0]) ? "an" : "a"; }

/* All definitions share one namespace, and one input defines a name once. */
static Error *check_name_free(const Def *d, DefKind kind, const char *name, Span at)
{
    if (def_current(d) && d->kind != kind)
        return err_hint(err_new(E_DEFINE, at, "'%s' is already %s %s; it cannot also name %s %s", name,
                                article(workspace_kind_name(d->kind)), workspace_kind_name(d->kind), article(workspace_kind_name(kind)),
                                workspace_kind_name(kind)),
                        "all definitions share one namespace: choose another name");
    if (d->pending)
        return err_hint(err_new(E_DEFINE, at, "%s '%s' is defined twice in one input", workspace_kind_name(kind), name),
                        "keep one of the two definitions");
    return NULL;
}

/* Declared again word for word by the same owner and built on the same
 * versions: nothing changes (a module given again keeps its keys and their
 * facts).  Ownership is by identity, the owner's name and its principal:
 * an untrusted module that took a stdlib module's name first owns nothing
 * the stdlib module declares later. */
static bool same_declaration(const KindOps *ops, const DefHead *old, const DefHead *neu)
{
    if (old->principal != neu->principal || !same_text(old->def, neu->def))
        return false;
    return !ops->same || ops->same(old, neu);
}

/* The staging callback of every builder: checks that name may take this
 * version (one namespace, once per input, ownership, trust), then makes it
 * the pending version.  An owner's word-for-word declaration again is no
 * change and stages nothing. */
Error *txn_stage(void *ctx, DefKind kind, const char *name, void *version, Span at)
{
    Txn *t = ctx;
    Workspace *ws = t->s->ws;
    const KindOps *ops = kinds_of(kind);
    DefHead *h = version;
    h->kind = kind;
    if (!h->owner)
        h->owner = trust_owner(h->principal);
    if (strcmp(name, "core-machine") == 0)
        return err_hint(err_new(E_DEFINE, at, "'core-machine' is built in"), "choose another name");
    Def *d = find_any(ws, name);
    Error *e = d ? check_name_free(d, kind, name, at) : NULL;
    if (e)
        return e;
    if (d && d->cur && ops->owned) {
        const DefHead *old = d->cur;
        const char *why = !strcmp(old->owner, h->owner)  ? NULL
                          : ops->takeover_refused ? ops->takeover_refused(old, h)
                                                  : gc_printf("only its owner may redefine a %s; choose another name",
                                                              workspace_kind_name(kind));
        if (why)
            return err_hint(err_new(E_TRUST, at, "%s '%s' is owned by %s; %s cannot declare it again",
                                    workspace_kind_name(kind), name, show_owner_words(old->owner), show_owner_words(h->owner)),
                            "%s", why);
        if (!strcmp(old->owner, h->owner) && same_declaration(ops, old, h))
            return NULL;
    }
    if (d && (e = trust_check_replace(d, h, t->principal, t->rebuilding, at)))
        return e;
    if (!d) {
        d = gc_alloc(sizeof *d);
        d->name = name;
        vec_push(&ws->defs, d);
        vec_push(&t->created, d);
    }
    d->kind = kind;
    h->version = !d->cur ? 1 : ((DefHead *)d->cur)->version + (t->rebuilding ? 0 : 1);
    d->pending = version;
    vec_push(t->rebuilding ? &t->rebuilt : &t->staged, d);
    if (ops->carry)
        ops->carry(t, d, version);
    return NULL;
}

DefCtx txn_ctx(Txn *t, Principal p)
{
    return (DefCtx){.ws = t->s->ws, .principal = p, .owner = trust_owner(p), .stage = txn_stage,
                    .load_unit = t->load_unit, .cb = t};
}

Error *txn_stage_definition(Txn *t, const Node *st)
{
    DefCtx c = txn_ctx(t, t->principal);
    return directive_stage(t, &c, st);
}

Error *txn_stage_unit_text(Txn *t, const Source *src, Principal p, bool defs_only)
{
    Node *unit;
    Error *e = parse_unit(src, &unit);
    if (e)
        return e;
    DefCtx c = txn_ctx(t, p);
    if ((e = kind_type_declare_all(&c, unit)))
        return e;
    for (uint32_t i = 0; i < unit->nkids; i++) {
        const Node *st = unit->kids[i];
        if (st->kind != N_STMT || st->head != HEAD_DIRECTIVE) {
            if (defs_only)
                return err_hint(err_new(E_DEFINE, st->span, "a unit holds definitions only, not code"),
                                "run code at the prompt or with :load");
            continue;
        }
        if ((e = directive_stage(t, &c, st)))
            return e;
    }
    return NULL;
}

/* ---- dependants ------------------------------------------------------------------------------------ */

static Error *rebuild(Txn *t, Def *d)
{
    if (d->pending) /* built again already, e.g. a key inside a rebuilt module */
        return NULL;
    const DefHead *h = d->cur;
    DefCtx c = txn_ctx(t, h->principal);
    c.owner = h->owner;
    t->rebuilding = true;
    Error *e = kinds_of(d->kind)->stage(t, &c, h->def);
    t->rebuilding = false;
    return e;
}

static const char *rebuilt_note(const Def *d)
{
    const DefHead *h = d->pending;
    return gc_printf("  %s %s@v%d: ok, %s", workspace_kind_name(d->kind), d->name, h->version, kinds_of(d->kind)->rebuilt);
}

static bool declared_here(const Txn *t, const Def *d)
{
    return d->kind == DEF_PROC && vec_index(&t->declared, d->pending) >= 0;
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
    int j = vec_index(&t->staged, x);
    bool later = j > i || vec_index(&t->rebuilt, x) >= 0;
    if (!later)
        return false;
    /* Procedures are called through their handle and checked by effect;
     * those of one input are declared before any body is built. */
    if (!strcmp(e->why, "calls-procedure"))
        return !declared_here(t, x) && kind_proc.change(x->cur, x->pending);
    /* A procedure holds the components of its machine only where it calls
     * their operations. */
    if (!strcmp(e->why, "calls-operation") && d->kind == DEF_PROC)
        return calls_old_components(t->s->ws, ((const ProcVersion *)d->pending)->body);
    return true;
}

static Error *check_stale_versions(Txn *t)
{
    for (uint32_t i = 0; i < t->staged.len; i++) {
        Def *d = t->staged.items[i];
        Vec deps = {0};
        graph_deps(t->s->ws, d, d->pending, &deps);
        for (uint32_t k = 0; k < deps.len; k++) {
            const DepEdge *e = deps.items[k];
            if (!built_on_stale(t, d, (int)i, e))
                continue;
            const char *how = vec_index(&t->rebuilt, e->to) >= 0 ? "rebuilds" : "redefines";
            return err_hint(err_new(E_DEFINE, graph_def_span(d),
                                    "%s '%s' was built against %s '%s', which this input %s after it",
                                    workspace_kind_name(d->kind), d->name, workspace_kind_name(e->to->kind), e->to->name, how),
                            "define '%s' before '%s', or give '%s' in a later input", e->to->name, d->name, d->name);
        }
    }
    return NULL;
}

Error *txn_rebuild_dependants(Txn *t)
{
    Error *errs = graph_check_cycles(t->s->ws, &t->staged);
    if (errs)
        return errs;
    Vec todo = graph_dependants(t->s->ws, &t->staged);
    for (uint32_t k = 0; k < todo.len; k++) {
        Def *d = todo.items[k];
        Error *e = rebuild(t, d);
        if (e) {
            const Def *c = graph_cause(t->s->ws, &t->staged, d);
            Error *why = err_new(e->code, e->span, "redefining '%s' breaks %s '%s', which uses it: %s", c->name,
                                 workspace_kind_name(d->kind), d->name, e->msg);
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

/* ---- compile, commit, abort ------------------------------------------------------------------------ */

static Error *compile_all(const Vec *defs)
{
    for (uint32_t i = 0; i < defs->len; i++) {
        Def *d = defs->items[i];
        const KindOps *ops = kinds_of(d->kind);
        Error *e = ops->compile ? ops->compile(d->pending) : NULL;
        if (e)
            return e;
    }
    return NULL;
}

Error *txn_compile(Txn *t)
{
    Error *e = compile_all(&t->staged);
    return e ? e : compile_all(&t->rebuilt);
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

static void report_line(Buf *out, const Def *d)
{
    const DefHead *h = d->pending;
    const KindOps *ops = kinds_of(d->kind);
    Buf summary = {0};
    ops->summary(&summary, h);
    if (h->version == 1) {
        buf_printf(out, "defined %s %s@v%d %s\n", workspace_kind_name(d->kind), d->name, h->version, buf_str(&summary));
        return;
    }
    buf_printf(out, "redefined %s %s@v%d %s (was v%d", workspace_kind_name(d->kind), d->name, h->version, buf_str(&summary),
               h->version - 1);
    buf_printf(out, ops->redefined, h->version - 1);
    buf_puts(out, ")\n");
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
        const char *what = d->kind == DEF_PROC && d->cur ? kind_proc.change(d->cur, d->pending) : NULL;
        if (what)
            t->s->drop_active(t->s, gc_printf("procedure '%s' changed %s, and the run was verified against the old one",
                                       d->name, what));
        /* Tick code names lattices and keys: the run's facts were computed
         * with the old ones, and its simulation would read the new. */
        else if ((d->kind == DEF_LATTICE || d->kind == DEF_KEY) && d->cur)
            t->s->drop_active(t->s, gc_printf("%s '%s' changed, and the run's facts were computed with the old one",
                                       workspace_kind_name(d->kind), d->name));
        /* Who sees a type as what, and whether it is linear, is what the
         * run was verified with. */
        else if (d->kind == DEF_TYPE && d->cur && kind_type.change(d->cur, d->pending))
            t->s->drop_active(t->s, gc_printf("type '%s' changed, and the run was verified with the old one", d->name));
    }
}

void txn_commit(Txn *t)
{
    Buf out = {0};
    txn_plan(t, &out);
    if (!t->s->quiet)
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
