/* define.c - lattices, keys, interfaces and modules from their statements.
 *
 * Each directive checks its own argument shapes (the parser knows none) and
 * every error names the definition at fault and what to write instead. */
#include "args.h"
#include "define.h"
#include "suggest.h"
#include "cycle.h"

#include <string.h>

/* ---- argument shapes ------------------------------------------------------------- */

static Error *arg_count(const Node *st, uint32_t lo, uint32_t hi, const char *usage)
{
    return args_check(st, "'.%s'", st->name, lo, hi, usage);
}

Key *define_find_key(Workspace *ws, const char *name)
{
    Def *d = workspace_find_kind(ws, name, DEF_KEY);
    return d ? def_current(d) : NULL;
}

Lattice *define_find_lattice(Workspace *ws, const char *name)
{
    Def *d = workspace_find_kind(ws, name, DEF_LATTICE);
    return d ? def_current(d) : NULL;
}

static Error *unknown_def(Workspace *ws, Span at, const char *name, DefKind kind, const char *fix)
{
    Def *other = workspace_find(ws, name);
    if (other)
        return err_hint(err_new(E_UNKNOWN, at, "'%s' is a %s, not a %s", name, workspace_kind_name(other->kind),
                                workspace_kind_name(kind)),
                        "%s", fix);
    Error *e = err_new(E_UNKNOWN, at, "unknown %s '%s'", workspace_kind_name(kind), name);
    uint32_t n;
    const char **names = workspace_names(ws, kind, &n);
    return suggest_unknown(e, name, names, n, "%s", fix);
}

/* ---- lattices ---------------------------------------------------------------------- */

static int elem_index(Vec *elems, const char *name)
{
    for (uint32_t i = 0; i < elems->len; i++)
        if (strcmp(elems->items[i], name) == 0)
            return (int)i;
    return -1;
}

static Error *add_elem(Vec *elems, const Node *n, int *idx)
{
    *idx = elem_index(elems, n->name);
    if (*idx >= 0)
        return NULL;
    if (elems->len >= LATTICE_MAX_ELEMS)
        return err_new(E_LIMIT, n->span, "a lattice may have at most %d elements", LATTICE_MAX_ELEMS);
    vec_push(elems, (void *)n->name);
    *idx = (int)elems->len - 1;
    return NULL;
}

/* Elements and the direct order A < B from the block's statements. */
static Error *lattice_orders(const Node *block, Vec *elems, uint8_t *lt, Vec *spans)
{
    for (uint32_t i = 0; i < block->nkids; i++) {
        const Node *s = block->kids[i];
        if (s->kind == N_STMT && s->head == HEAD_OP && s->nkids == 0) { /* a lone element: TOP; */
            int idx;
            Error *e = add_elem(elems, s, &idx);
            if (e)
                return e;
            continue;
        }
        if (s->kind != N_ORDER)
            return err_hint(err_new(E_ARGS, s->span, "a lattice block holds orders like 'A < B;'"),
                            "write: .define_lattice PARITY, { ODD < UNKNOWN; EVEN < UNKNOWN; };");
        for (uint32_t k = 0; k + 1 < s->nkids; k++) {
            int a, b;
            Error *e = add_elem(elems, s->kids[k], &a);
            if (!e)
                e = add_elem(elems, s->kids[k + 1], &b);
            if (e)
                return e;
            if (a == b)
                return err_hint(err_new(E_DEFINE, s->span, "lattice order '%s < %s' puts an element below itself",
                                        s->kids[k]->name, s->kids[k]->name),
                                "an order relates two different elements");
            lt[a * LATTICE_MAX_ELEMS + b] = 1;
            (void)spans;
        }
    }
    return NULL;
}

static Error *lattice_close(Lattice *l, const uint8_t *lt, Span at)
{
    uint32_t n = l->nelems;
    l->leq = gc_alloc_atomic((size_t)n * n);
    for (uint32_t a = 0; a < n; a++)
        for (uint32_t b = 0; b < n; b++)
            l->leq[a * n + b] = a == b || lt[a * LATTICE_MAX_ELEMS + b];
    for (uint32_t k = 0; k < n; k++) /* transitive closure */
        for (uint32_t a = 0; a < n; a++)
            if (l->leq[a * n + k])
                for (uint32_t b = 0; b < n; b++)
                    l->leq[a * n + b] |= l->leq[k * n + b];
    for (uint32_t a = 0; a < n; a++)
        for (uint32_t b = a + 1; b < n; b++)
            if (l->leq[a * n + b] && l->leq[b * n + a])
                return err_hint(err_new(E_DEFINE, at, "lattice '%s' has a cycle: %s < ... < %s < ... < %s",
                                        l->name, l->elems[a], l->elems[b], l->elems[a]),
                                "an order must never lead back to where it started");
    return NULL;
}

static Error *lattice_find_top(Lattice *l, Span at)
{
    uint32_t n = l->nelems, tops = 0;
    Buf names = {0};
    for (uint32_t a = 0; a < n; a++) {
        bool maximal = true;
        for (uint32_t b = 0; b < n && maximal; b++)
            maximal = b == a || !l->leq[a * n + b];
        if (maximal) {
            buf_printf(&names, "%s%s", tops ? ", " : "", l->elems[a]);
            l->top = a;
            tops++;
        }
    }
    if (tops != 1)
        return err_hint(err_new(E_DEFINE, at, "lattice '%s' must have exactly one top element; it has %u: %s",
                                l->name, tops, buf_str(&names)),
                        "add an element above all the others, e.g. X < UNKNOWN for each X");
    return NULL;
}

static Error *lattice_lubs(Lattice *l, Span at)
{
    uint32_t n = l->nelems;
    l->lub = gc_alloc_atomic((size_t)n * n * sizeof(uint32_t));
    for (uint32_t a = 0; a < n; a++)
        for (uint32_t b = 0; b < n; b++) {
            int least = -1;
            for (uint32_t u = 0; u < n; u++) {
                if (!l->leq[a * n + u] || !l->leq[b * n + u])
                    continue;
                if (least < 0 || l->leq[u * n + (uint32_t)least])
                    least = (int)u;
            }
            for (uint32_t u = 0; u < n; u++) /* least must be below every upper bound */
                if (l->leq[a * n + u] && l->leq[b * n + u] && !l->leq[(uint32_t)least * n + u])
                    return err_hint(err_new(E_DEFINE, at,
                                            "lattice '%s': %s and %s have no least upper bound (%s and %s are both minimal)",
                                            l->name, l->elems[a], l->elems[b], l->elems[least], l->elems[u]),
                                    "order the upper bounds, or add an element between");
            l->lub[a * n + b] = (uint32_t)least;
        }
    return NULL;
}

Error *define_check_lattice_laws(const Lattice *l, Span at)
{
    uint32_t n = l->nelems;
    for (uint32_t a = 0; a < n; a++)
        for (uint32_t b = 0; b < n; b++) {
            uint32_t j = lattice_lub(l, a, b);
            if (!lattice_leq(l, a, j) || !lattice_leq(l, b, j))
                return err_new(E_DEFINE, at, "%s: lub(%s, %s) = %s is not an upper bound", l->name, l->elems[a],
                               l->elems[b], l->elems[j]);
            if (j != lattice_lub(l, b, a))
                return err_new(E_DEFINE, at, "%s: lub is not commutative at %s, %s", l->name, l->elems[a], l->elems[b]);
            if (lattice_lub(l, a, a) != a)
                return err_new(E_DEFINE, at, "%s: lub is not idempotent at %s", l->name, l->elems[a]);
            for (uint32_t c = 0; c < n; c++) {
                if (lattice_lub(l, lattice_lub(l, a, b), c) != lattice_lub(l, a, lattice_lub(l, b, c)))
                    return err_new(E_DEFINE, at, "%s: lub is not associative at %s, %s, %s", l->name,
                                   l->elems[a], l->elems[b], l->elems[c]);
                if (lattice_leq(l, a, b) && !lattice_leq(l, lattice_lub(l, a, c), lattice_lub(l, b, c)))
                    return err_new(E_DEFINE, at, "%s: lub is not monotone at %s <= %s with %s", l->name,
                                   l->elems[a], l->elems[b], l->elems[c]);
            }
        }
    return NULL;
}

Error *define_lattice(DefCtx *c, const Node *st)
{
    static const char usage[] = ".define_lattice NAME, { A < B; C < B; };";
    static const ArgSpec shape[] = {{N_NAME, "the name"}, {N_BLOCK, "the order"}};
    Error *e = ARGS_SHAPE(st, shape, 2, 2, usage);
    if (e)
        return e;
    Lattice *l = gc_alloc(sizeof *l);
    l->name = st->kids[0]->name;
    l->owner = c->owner;
    l->principal = c->principal;
    l->def = st;
    Vec elems = {0};
    uint8_t *lt = gc_alloc_atomic((size_t)LATTICE_MAX_ELEMS * LATTICE_MAX_ELEMS);
    if ((e = lattice_orders(st->kids[1], &elems, lt, NULL)))
        return e;
    if (!elems.len)
        return err_hint(err_new(E_DEFINE, st->span, "lattice '%s' has no elements", l->name), "write: %s", usage);
    l->elems = (const char **)elems.items;
    l->nelems = elems.len;
    if ((e = lattice_close(l, lt, st->span)) || (e = lattice_find_top(l, st->span)) ||
        (e = lattice_lubs(l, st->span)))
        return e;
    return c->stage(c->cb, DEF_LATTICE, l->name, l, st->kids[0]->span);
}

Error *define_key(DefCtx *c, const Node *st)
{
    static const char usage[] = ".define_key NAME, LATTICE [, ARITY];";
    static const ArgSpec shape[] = {{N_NAME, "the name"}, {N_NAME, "the lattice"}, {N_INT, "the arity"}};
    Error *e = ARGS_SHAPE(st, shape, 2, 3, usage);
    if (e)
        return e;
    Key *k = gc_alloc(sizeof *k);
    k->name = st->kids[0]->name;
    k->arity = st->nkids == 3 ? (uint32_t)st->kids[2]->ival : 1;
    if (st->nkids == 3 && (st->kids[2]->ival < 0 || st->kids[2]->ival > KEY_MAX_ARITY))
        return err_hint(err_new(E_ARGS, st->kids[2]->span, "a key's arity must be 0..%u", KEY_MAX_ARITY),
                        "the arity is how many stack items a fact is about");
    k->lat = define_find_lattice(c->ws, st->kids[1]->name);
    if (!k->lat)
        return unknown_def(c->ws, st->kids[1]->span, st->kids[1]->name, DEF_LATTICE,
                           "define the lattice first with .define_lattice");
    k->owner = c->owner;
    k->principal = c->principal;
    k->def = st;
    return c->stage(c->cb, DEF_KEY, k->name, k, st->kids[0]->span);
}

/* ---- types ------------------------------------------------------------------------- */

/* Given once more in the same input (a unit's types are declared before
 * anything else in it, so an interface may name its module's types): the
 * version staged then is this one. */
static bool type_staged_from(Workspace *ws, const char *name, const Node *st)
{
    Def *d = workspace_find_kind(ws, name, DEF_TYPE);
    const TypeDef *v = d ? d->pending : NULL;
    return v && v->def == st;
}

Error *define_type(DefCtx *c, const Node *st)
{
    static const char usage[] = ".define_type NAME, int;  or  .define_type NAME, ref, linear;";
    static const ArgSpec shape[] = {{N_NAME, "the name"}, {N_NAME, "the representation (int or ref)"}, {N_NAME, "linear"}};
    Error *e = ARGS_SHAPE(st, shape, 2, 3, usage);
    if (e)
        return e;
    const char *name = st->kids[0]->name;
    if (type_by_name(name, &(TypeId){0}) || !strcmp(name, "any"))
        return err_hint(err_new(E_DEFINE, st->kids[0]->span, "'%s' is a core type", name), "choose another name");
    TypeDef *t = gc_alloc(sizeof *t);
    t->name = name;
    if (!type_by_name(st->kids[1]->name, &t->repr))
        return err_hint(err_new(E_ARGS, st->kids[1]->span, "a type is represented as int or ref, not '%s'",
                                st->kids[1]->name),
                        "write: %s", usage);
    if (st->nkids == 3 && strcmp(st->kids[2]->name, "linear") != 0)
        return err_hint(err_new(E_ARGS, st->kids[2]->span, "expected 'linear', found '%s'", st->kids[2]->name),
                        "write: %s", usage);
    t->linear = st->nkids == 3;
    t->owner = c->owner;
    t->principal = c->principal;
    t->def = st;
    if (type_staged_from(c->ws, name, st))
        return NULL;
    Error *e2 = c->stage(c->cb, DEF_TYPE, name, t, st->kids[0]->span);
    if (!e2 && t->handle && t->id == TY_ANY) /* staged, but no id was left for it */
        return err_hint(err_new(E_LIMIT, st->kids[0]->span, "too many types: this process has declared %d already",
                                TY_MAX - TY__COUNT),
                        "types are never freed while the process runs; start a new one");
    return e2;
}

/* ---- interfaces -------------------------------------------------------------------- */

static int param_position(const Effect *eff, const char *name)
{
    for (uint32_t i = 0; i < eff->nin; i++)
        if (eff->in[i].name && strcmp(eff->in[i].name, name) == 0)
            return (int)i;
    for (uint32_t i = 0; i < eff->nout; i++)
        if (eff->out[i].name && strcmp(eff->out[i].name, name) == 0)
            return (int)(eff->nin + i);
    return -1;
}

static const char **param_names(const Effect *eff)
{
    const char **names = gc_calloc(eff->nin + eff->nout + 1, sizeof *names);
    for (uint32_t i = 0; i < eff->nin + eff->nout; i++)
        names[i] = i < eff->nin ? eff->in[i].name : eff->out[i - eff->nin].name;
    return names;
}

static Error *contract_from_node(const Node *n, const Effect *eff, Contract *out)
{
    const Node *app = n->kids[0];
    out->ensures = strcmp(n->name, "ensures") == 0;
    out->key_name = app->name;
    out->elem_name = n->kids[1]->name;
    out->span = n->span;
    if (app->nkids < 1 || app->nkids > KEY_MAX_ARITY)
        return err_new(E_ARGS, app->span, "a contract's key takes 1 to %u parameters", KEY_MAX_ARITY);
    out->nparams = app->nkids;
    Buf names = {0};
    for (uint32_t i = 0; i < app->nkids; i++)
        if (app->kids[i]->kind == N_NAME)
            buf_printf(&names, "%s%s", i ? ", " : "", app->kids[i]->name);
    out->param_text = gc_strdup(buf_str(&names));
    for (uint32_t i = 0; i < app->nkids; i++) {
        if (app->kids[i]->kind != N_NAME)
            return err_new(E_ARGS, app->kids[i]->span, "a contract names parameters of the effect");
        int pos = param_position(eff, app->kids[i]->name);
        if (pos < 0)
            return suggest_unknown(err_new(E_UNKNOWN, app->kids[i]->span, "the effect has no parameter '%s'",
                                           app->kids[i]->name),
                                   app->kids[i]->name, param_names(eff), eff->nin + eff->nout,
                                   "name the effect's parameters, e.g. (x: int -> y: int), and use those names");
        if (!out->ensures && (uint32_t)pos >= eff->nin)
            return err_hint(err_new(E_ARGS, app->kids[i]->span, "'requires' can only speak of inputs; '%s' is an output",
                                    app->kids[i]->name),
                            "use 'ensures' for facts about outputs");
        out->params[i] = (uint32_t)pos;
    }
    return NULL;
}

static Error *interface_op_build(Workspace *ws, const Node *s, OpSig *op)
{
    static const char usage[] = ".operation NAME, (inputs -> outputs) [, requires K(x) <= E]...;";
    if (s->kind != N_STMT || s->head != HEAD_DIRECTIVE || strcmp(s->name, "operation") != 0)
        return err_hint(err_new(E_ARGS, s->span, "an interface holds only .operation statements"), "write: %s", usage);
    static const ArgSpec shape[] = {{N_NAME, "the operation's name"}};
    Error *e = ARGS_SHAPE(s, shape, 2, UINT32_MAX, usage);
    if (!e)
        e = effect_from_node(ws, s->kids[1], &op->eff);
    if (e)
        return e;
    op->name = s->kids[0]->name;
    op->span = s->span;
    op->ncontracts = s->nkids - 2;
    op->contracts = gc_calloc(op->ncontracts + 1, sizeof(Contract));
    for (uint32_t i = 2; i < s->nkids; i++) {
        if (s->kids[i]->kind != N_CONTRACT)
            return err_hint(err_new(E_ARGS, s->kids[i]->span, "expected a contract, found %s",
                                    node_kind_name(s->kids[i]->kind)),
                            "write: requires KEY(x) <= ELEMENT or ensures KEY(y) <= ELEMENT");
        if ((e = contract_from_node(s->kids[i], &op->eff, &op->contracts[i - 2])))
            return e;
    }
    return NULL;
}

/* A contract's key and element must exist when the interface is defined,
 * so a misspelt contract is an error now, not a surprise at a call site. */
static Error *contract_check_names(Workspace *ws, const Contract *ct, bool key_must_exist)
{
    Key *k = define_find_key(ws, ct->key_name);
    if (!k && !key_must_exist) /* a module may declare it later: checked when a module uses the interface */
        return NULL;
    uint32_t el, n;
    if (!k) {
        const char **keys = workspace_names(ws, DEF_KEY, &n);
        return suggest_unknown(err_new(E_UNKNOWN, ct->span, "contract names unknown key '%s'", ct->key_name),
                               ct->key_name, keys, n, "declare the key before the module that uses the interface (or in it)");
    }
    if (!lookup_lattice_elem(k->lat, ct->elem_name, &el))
        return suggest_unknown(err_new(E_UNKNOWN, ct->span, "lattice '%s' has no element '%s'", k->lat->name, ct->elem_name),
                               ct->elem_name, k->lat->elems, k->lat->nelems, "use an element of %s", k->lat->name);
    if (k->arity != ct->nparams)
        return err_hint(err_new(E_ARGS, ct->span, "key '%s' is about %u item%s, the contract names %u", k->name,
                                k->arity, k->arity == 1 ? "" : "s", ct->nparams),
                        "name one parameter per item the key is about");
    return NULL;
}

Error *define_interface(DefCtx *c, const Node *st)
{
    static const char usage[] = ".define_interface NAME, { .operation OP, (a: int -> b: int); };";
    static const ArgSpec shape[] = {{N_NAME, "the name"}, {N_BLOCK, "the body"}};
    Error *e = ARGS_SHAPE(st, shape, 2, 2, usage);
    if (e)
        return e;
    const Node *blk = st->kids[1];
    Interface *itf = gc_alloc(sizeof *itf);
    itf->name = st->kids[0]->name;
    itf->principal = c->principal;
    itf->def = st;
    itf->ops = gc_calloc(blk->nkids + 1, sizeof(OpSig));
    for (uint32_t i = 0; i < blk->nkids; i++) {
        if ((e = interface_op_build(c->ws, blk->kids[i], &itf->ops[itf->nops])))
            return e;
        for (uint32_t k = 0; k < itf->ops[itf->nops].ncontracts; k++)
            if ((e = contract_check_names(c->ws, &itf->ops[itf->nops].contracts[k], false)))
                return e;
        if (lookup_interface_op(itf, itf->ops[itf->nops].name))
            return err_hint(err_new(E_DEFINE, blk->kids[i]->span, "interface '%s' declares operation '%s' twice",
                                    itf->name, itf->ops[itf->nops].name),
                            "keep one of them");
        itf->nops++;
    }
    return c->stage(c->cb, DEF_INTERFACE, itf->name, itf, st->kids[0]->span);
}

/* ---- modules --------------------------------------------------------------------------- */

typedef struct ModCtx {
    DefCtx *c;
    Module *m;
    Vec ports, ops;
    Vec state;
} ModCtx;

static Error *module_port_decl(ModCtx *mc, const Node *s, bool exported)
{
    const char *usage = exported ? ".exports PORT, INTERFACE;" : ".imports PORT, INTERFACE;";
    static const ArgSpec shape[] = {{N_NAME, "the port"}, {N_NAME, "the interface"}};
    Error *e = ARGS_SHAPE(s, shape, 2, 2, usage);
    if (e)
        return e;
    for (uint32_t i = 0; i < mc->ports.len; i++)
        if (strcmp(((Port *)mc->ports.items[i])->name, s->kids[0]->name) == 0)
            return err_hint(err_new(E_DEFINE, s->kids[0]->span, "module '%s' declares port '%s' twice",
                                    mc->m->name, s->kids[0]->name),
                            "give each port its own name");
    Def *d = workspace_find_kind(mc->c->ws, s->kids[1]->name, DEF_INTERFACE);
    if (!d)
        return unknown_def(mc->c->ws, s->kids[1]->span, s->kids[1]->name, DEF_INTERFACE,
                           "define it with .define_interface, or load its unit first");
    Port *p = gc_alloc(sizeof *p);
    p->name = s->kids[0]->name;
    p->iface = def_current(d);
    p->exported = exported;
    p->span = s->span;
    vec_push(&mc->ports, p);
    return NULL;
}

static Error *module_state_decl(ModCtx *mc, const Node *s)
{
    static const char usage[] = ".state NAME, TYPE;";
    static const ArgSpec shape[] = {{N_NAME, "the slot's name"}, {N_NAME, "the type"}};
    Error *e = ARGS_SHAPE(s, shape, 2, 2, usage);
    if (e)
        return e;
    StateSlot *slot = gc_alloc(sizeof *slot);
    slot->name = s->kids[0]->name;
    slot->span = s->span;
    if ((e = type_resolve(mc->c->ws, s->kids[1]->name, s->kids[1]->span, &slot->type)))
        return e;
    for (uint32_t i = 0; i < mc->state.len; i++)
        if (strcmp(((StateSlot *)mc->state.items[i])->name, slot->name) == 0)
            return err_new(E_DEFINE, s->kids[0]->span, "state slot '%s' is declared twice", slot->name);
    vec_push(&mc->state, slot);
    return NULL;
}

static Port *port_named(ModCtx *mc, const char *name)
{
    for (uint32_t i = 0; i < mc->ports.len; i++)
        if (strcmp(((Port *)mc->ports.items[i])->name, name) == 0)
            return mc->ports.items[i];
    return NULL;
}

/* .define_operation port(P), OP, { body }   or   .define_operation NAME, EFFECT, { body } */
static Error *module_op_decl(ModCtx *mc, const Node *s)
{
    static const char usage[] = ".define_operation port(PORT), OP, { body };  or  .define_operation NAME, (effect), { body };";
    Error *e = arg_count(s, 3, 3, usage);
    if (!e)
        e = args_kind(s, 2, N_BLOCK, "the body", usage);
    if (e)
        return e;
    OpDef *op = gc_alloc(sizeof *op);
    op->def = s;
    op->block = s->kids[2];
    op->module = mc->m;
    const Node *a0 = s->kids[0];
    if (a0->kind == N_APPLY && strcmp(a0->name, "port") == 0) {
        if (a0->nkids != 1 || a0->kids[0]->kind != N_NAME)
            return err_hint(err_new(E_ARGS, a0->span, "port(...) takes one port name"), "write: %s", usage);
        if ((e = args_kind(s, 1, N_NAME, "the operation", usage)))
            return e;
        op->port = port_named(mc, a0->kids[0]->name);
        if (!op->port)
            return suggest_unknown(err_new(E_UNKNOWN, a0->kids[0]->span, "module '%s' has no port '%s'", mc->m->name,
                                           a0->kids[0]->name),
                                   a0->kids[0]->name, SUGGEST_NAMES_AT((Port **)mc->ports.items, mc->ports.len),
                                   mc->ports.len, "declare it first: .exports %s, INTERFACE;", a0->kids[0]->name);
        if (!op->port->exported)
            return err_hint(err_new(E_DEFINE, a0->span, "port '%s' is imported; only exported ports get operations here",
                                    op->port->name),
                            "an imported port's operations come from the component it is linked to");
        op->name = s->kids[1]->name;
        op->sig = lookup_interface_op(op->port->iface, op->name);
        if (!op->sig)
            return suggest_unknown(err_new(E_UNKNOWN, s->kids[1]->span, "interface '%s' (port '%s') has no operation '%s'",
                                           op->port->iface->name, op->port->name, op->name),
                                   op->name, SUGGEST_NAMES(op->port->iface->ops, op->port->iface->nops),
                                   op->port->iface->nops, "its operations: :show %s", op->port->iface->name);
        op->eff = op->sig->eff;
    } else {
        if ((e = args_kind(s, 0, N_NAME, "the operation's name (or port(PORT))", usage)))
            return e;
        op->name = a0->name;
        if ((e = effect_from_node(mc->c->ws, s->kids[1], &op->eff)))
            return e;
    }
    for (uint32_t i = 0; i < mc->ops.len; i++) {
        OpDef *o = mc->ops.items[i];
        if (o->port == op->port && strcmp(o->name, op->name) == 0)
            return err_hint(err_new(E_DEFINE, s->span, "module '%s' defines operation '%s%s%s' twice", mc->m->name,
                                    op->port ? op->port->name : "", op->port ? "." : "", op->name),
                            "keep one definition");
    }
    vec_push(&mc->ops, op);
    return NULL;
}

static Error *module_stmt(ModCtx *mc, const Node *s)
{
    if (s->kind != N_STMT || s->head != HEAD_DIRECTIVE)
        return err_hint(err_new(E_DEFINE, s->span, "a module body holds directives, not code"),
                        "put code inside .define_operation bodies");
    const char *d = s->name;
    if (!strcmp(d, "exports") || !strcmp(d, "imports"))
        return module_port_decl(mc, s, d[0] == 'e');
    if (!strcmp(d, "state"))
        return module_state_decl(mc, s);
    if (!strcmp(d, "define_operation"))
        return module_op_decl(mc, s);
    if (!strcmp(d, "define_lattice"))
        return define_lattice(mc->c, s);
    if (!strcmp(d, "define_key"))
        return define_key(mc->c, s);
    if (!strcmp(d, "define_type"))
        return define_type(mc->c, s);
    static const char *const known[] = {"exports", "imports", "state", "define_lattice", "define_key", "define_type",
                                        "define_operation"};
    return suggest_unknown_as(err_new(E_UNKNOWN, s->head_span, "'.%s' does not belong in a module", d), "'.%s'", d,
                              known, countof(known),
                              "a module holds .exports, .imports, .state, .define_lattice, .define_key, .define_type "
                              "and .define_operation");
}

/* Every contract of every port's interface names a key that exists by now
 * (the module may have declared it itself). */
static Error *module_check_contracts(ModCtx *mc)
{
    for (uint32_t i = 0; i < mc->m->nports; i++) {
        const Interface *itf = mc->m->ports[i]->iface;
        for (uint32_t k = 0; k < itf->nops; k++)
            for (uint32_t j = 0; j < itf->ops[k].ncontracts; j++) {
                Error *e = contract_check_names(mc->c->ws, &itf->ops[k].contracts[j], true);
                if (e)
                    return err_note(e, mc->m->ports[i]->span, "used by port '%s' of module '%s'", mc->m->ports[i]->name,
                                    mc->m->name);
            }
    }
    return NULL;
}

static Error *module_check_complete(ModCtx *mc)
{
    Module *m = mc->m;
    for (uint32_t i = 0; i < m->nports; i++) {
        const Port *p = m->ports[i];
        if (!p->exported)
            continue;
        for (uint32_t k = 0; k < p->iface->nops; k++)
            if (!lookup_module_op(m, p, p->iface->ops[k].name)) {
                Buf eff = {0};
                effect_print(&eff, &p->iface->ops[k].eff);
                return err_hint(err_new(E_DEFINE, p->span,
                                        "module '%s' exports '%s' (%s) but does not define its operation '%s' %s",
                                        m->name, p->name, p->iface->name, p->iface->ops[k].name, buf_str(&eff)),
                                "add: .define_operation port(%s), %s, { ... };", p->name, p->iface->ops[k].name);
            }
    }
    return NULL;
}

static Error *module_lower_ops(ModCtx *mc)
{
    Scope sc = {.ws = mc->c->ws, .machine = mc->m->impl, .module = mc->m};
    for (uint32_t i = 0; i < mc->m->nops; i++) {
        OpDef *op = mc->m->ops[i];
        op->body = lower_body_new(op->port ? gc_printf("%s.%s", op->port->name, op->name) : op->name);
        op->body->end_span = op->block->span;
        Error *e = lower_stmts(&sc, op->body, (Node *const *)op->block->kids, op->block->nkids);
        if (!e)
            e = lower_finish(op->body);
        if (e)
            return err_note(e, op->def->span, "in operation '%s' of module '%s'", op->body->name, mc->m->name);
    }
    return NULL;
}

/* A module's own operations calling each other by name must form a DAG
 * (recursion belongs to procedures), and no chain of them may be longer
 * than OWN_NEST_MAX operations.  One search over the call graph
 * (cycle_find: no C recursion, however many operations, each call looked
 * at once) finds the first cycle, printed from the operation it closes on;
 * without one, the heights (the longest chain from each operation) follow
 * in the order it finished them. */

/* OpDef -> its index in m->ops (open addressing on the pointer). */
typedef struct OwnIndex {
    const OpDef **keys;
    uint32_t *vals;
    uint32_t mask;
} OwnIndex;

static uint32_t own_slot(const OwnIndex *x, const OpDef *op)
{
    uintptr_t h = (uintptr_t)op;
    h ^= h >> 17;
    h *= (uintptr_t)0x9e3779b97f4a7c15ull;
    h ^= h >> 29;
    uint32_t i = (uint32_t)h & x->mask;
    while (x->keys[i] && x->keys[i] != op)
        i = (i + 1) & x->mask;
    return i;
}

static uint32_t own_index(const OwnIndex *x, const OpDef *op)
{
    uint32_t i = own_slot(x, op);
    return x->keys[i] ? x->vals[i] : UINT32_MAX;
}

static OwnIndex own_index_of(const Module *m)
{
    uint32_t n = m->nops;
    OwnIndex x;
    uint32_t cap = 16;
    while (cap < 2 * n + 2)
        cap *= 2;
    x.keys = gc_calloc(cap, sizeof(OpDef *));
    x.vals = gc_alloc_atomic((size_t)cap * sizeof(uint32_t));
    x.mask = cap - 1;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t slot = own_slot(&x, m->ops[i]);
        if (!x.keys[slot]) {
            x.keys[slot] = m->ops[i];
            x.vals[slot] = i;
        }
    }
    return x;
}

/* The callee of the next own call at or after *pc in op's body, or UINT32_MAX. */
static uint32_t own_next_call(const OwnIndex *x, const OpDef *op, uint32_t *pc)
{
    for (; *pc < op->body->n; (*pc)++)
        if (op->body->insns[*pc].op == P_OWNCALL) {
            uint32_t k = own_index(x, op->body->insns[*pc].ref.own);
            if (k != UINT32_MAX)
                return k;
        }
    return UINT32_MAX;
}

/* The call graph for cycle_find: an edge per instruction, own calls only. */
typedef struct OwnGraph {
    const Module *m;
    OwnIndex x;
} OwnGraph;

static uint32_t own_nsucc(void *g, uint32_t op) { return ((const OwnGraph *)g)->m->ops[op]->body->n; }

static uint32_t own_succ(void *g, uint32_t op, uint32_t k)
{
    const OwnGraph *o = g;
    const Insn *in = &o->m->ops[op]->body->insns[k];
    return in->op == P_OWNCALL ? own_index(&o->x, in->ref.own) : CYCLE_NONE;
}

static Error *own_cycle_error(const Module *m, const CyclePath *p)
{
    Buf cyc = {0};
    for (uint32_t k = 0; k < p->len; k++)
        buf_printf(&cyc, "%s -> ", m->ops[p->path[k]]->name);
    const OpDef *again = m->ops[p->path[0]];
    buf_puts(&cyc, again->name);
    return err_hint(err_new(E_DEFINE, again->def->span, "operations of module '%s' call each other in a cycle: %s",
                            m->name, buf_str(&cyc)),
                    "operations must form a DAG; use a procedure for recursion");
}

/* The longest chain from each operation, in operations: order has every
 * operation after its callees. */
static uint32_t *own_heights(const OwnGraph *o, const CyclePath *p)
{
    uint32_t *height = gc_alloc_atomic((size_t)o->m->nops * sizeof(uint32_t));
    for (uint32_t i = 0; i < p->norder; i++) {
        uint32_t op = p->order[i], h = 1, pc = 0, callee;
        for (; (callee = own_next_call(&o->x, o->m->ops[op], &pc)) != UINT32_MAX; pc++)
            if (h < height[callee] + 1)
                h = height[callee] + 1;
        height[op] = h;
    }
    return height;
}

/* A chain longer than the limit is reported where a search in call order
 * first passes it: from the first operation that starts one, through the
 * first callee each time whose chain is long enough. */
static Error *own_too_deep(const OwnGraph *o, const uint32_t *height)
{
    const Module *m = o->m;
    for (uint32_t root = 0; root < m->nops; root++) {
        if (height[root] <= OWN_NEST_MAX)
            continue;
        uint32_t at = root;
        for (uint32_t step = 0; step < OWN_NEST_MAX; step++) {
            uint32_t pc = 0, need = OWN_NEST_MAX - step, callee;
            while ((callee = own_next_call(&o->x, m->ops[at], &pc)) != UINT32_MAX && height[callee] < need)
                pc++;
            at = callee;
        }
        return err_new(E_LIMIT, m->ops[at]->def->span, "operations of module '%s' nest deeper than %u levels",
                       m->name, OWN_NEST_MAX - 1);
    }
    return NULL;
}

static Error *module_check_own_cycles(const Module *m)
{
    if (!m->nops)
        return NULL;
    OwnGraph o = {m, own_index_of(m)};
    CycleGraph gr = {.g = &o, .nsucc = own_nsucc, .succ = own_succ};
    CyclePath p;
    if (cycle_find(&gr, 0, m->nops, &p) == CYCLE_FOUND)
        return own_cycle_error(m, &p);
    return own_too_deep(&o, own_heights(&o, &p));
}

Error *define_module(DefCtx *c, const Node *st, Module **out)
{
    static const char usage[] = ".define_module NAME, IMPLEMENTATION-MACHINE, { ... };";
    static const ArgSpec shape[] = {{N_NAME, "the name"}, {N_NAME, "the implementation machine"}, {N_BLOCK, "the body"}};
    Error *e = ARGS_SHAPE(st, shape, 3, 3, usage);
    if (e)
        return e;
    Module *m = gc_alloc(sizeof *m);
    m->name = st->kids[0]->name;
    m->principal = c->principal;
    m->def = st;
    const char *impl = st->kids[1]->name;
    if (strcmp(impl, "core-machine") == 0) {
        m->impl = lookup_core_machine();
    } else {
        Def *d = workspace_find_kind(c->ws, impl, DEF_MACHINE);
        if (!d)
            return unknown_def(c->ws, st->kids[1]->span, impl, DEF_MACHINE,
                               "define the machine first, or implement the module over core-machine");
        m->impl = def_current(d);
    }
    if (c->principal == PRINCIPAL_UNTRUSTED && !m->impl->open_to_untrusted)
        return err_hint(err_new(E_TRUST, st->kids[1]->span,
                                "untrusted module '%s' cannot be implemented over '%s': the machine is trusted-only",
                                m->name, m->impl->name),
                        "implement it over a machine that declares .access untrusted");
    DefCtx mine = *c;
    mine.owner = m->name;
    ModCtx mc = {.c = &mine, .m = m};
    const Node *blk = st->kids[2];
    for (uint32_t i = 0; i < blk->nkids; i++)
        if ((e = module_stmt(&mc, blk->kids[i])))
            return err_note(e, st->kids[0]->span, "in module '%s'", m->name);
    m->ports = (Port **)mc.ports.items;
    m->nports = mc.ports.len;
    m->ops = (OpDef **)mc.ops.items;
    m->nops = mc.ops.len;
    m->nstate = mc.state.len;
    m->state = gc_calloc(m->nstate + 1, sizeof(StateSlot));
    for (uint32_t i = 0; i < m->nstate; i++)
        m->state[i] = *(StateSlot *)mc.state.items[i];
    if ((e = module_check_complete(&mc)) || (e = module_check_contracts(&mc)) || (e = module_lower_ops(&mc)) ||
        (e = module_check_own_cycles(m)))
        return e;
    *out = m;
    return c->stage(c->cb, DEF_MODULE, m->name, m, st->kids[0]->span);
}
