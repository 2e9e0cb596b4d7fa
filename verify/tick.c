/* tick.c - tick operations: the verification-time language (DESIGN §3.6).
 *
 * Tick code runs on the verification-time stack of the body being verified
 * and reads or records facts in its state.  It has no loops; its
 * conditionals are decided here, so only one branch is ever simulated. */
#include "args.h"
#include "tick.h"
#include "suggest.h"

#include <string.h>

typedef struct TickCtx {
    const TickEnv *env;
    VState *vs;
    const Node *st; /* the statement being run */
} TickCtx;

/* ---- messages and the tick stack ------------------------------------------------------- */

static Error *tick_error(const TickCtx *t, const char *fmt, const char *what)
{
    return err_new(E_TYPE, t->st->span, fmt, t->st->name, what);
}

static const char *vval_kind_name(uint8_t k)
{
    static const char *const names[] = {"a key constructor", "an item identity", "a key", "a lattice element",
                                        "a fact value"};
    return k < countof(names) ? names[k] : "?";
}

static Error *vpush(TickCtx *t, VVal v)
{
    VState *vs = t->vs;
    if (vs->vdepth >= config_limits.tick_stack || vs->vdepth >= VSTACK_MAX)
        return err_hint(err_new(E_LIMIT, t->st->span, "verification-time stack overflow: the limit is %u value%s",
                                config_limits.tick_stack, config_limits.tick_stack == 1 ? "" : "s"),
                        ":set tick-stack N raises the limit");
    VEC_PUSH(vs->vstack, vs->vdepth, vs->vcap, v);
    return NULL;
}

static Error *vneed(TickCtx *t, uint32_t n)
{
    if (t->vs->vdepth >= n)
        return NULL;
    return err_hint(err_new(E_STACK, t->st->span, "verification-time stack underflow: '%s needs %u value%s, it has %u",
                            t->st->name, n, n == 1 ? "" : "s", t->vs->vdepth),
                    "push the values first ('push_key, 'push_id, 'push_val, 'lookup)");
}

static Error *vpop_kind(TickCtx *t, VValKind kind, VVal *out)
{
    Error *e = vneed(t, 1);
    if (e)
        return e;
    *out = t->vs->vstack[--t->vs->vdepth];
    if (out->kind != kind)
        return err_hint(err_new(E_TYPE, t->st->span, "'%s expects %s on the verification-time stack, found %s",
                                t->st->name, vval_kind_name(kind), vval_kind_name(out->kind)),
                        "check the order of the tick operations before it");
    return NULL;
}

/* ---- argument shapes ------------------------------------------------------------------------ */

static Error *args(TickCtx *t, uint32_t n, const char *usage)
{
    return args_check(t->st, "'%s", t->st->name, n, n, usage);
}

static Error *int_arg(TickCtx *t, uint32_t i, int64_t lo, int64_t hi, int64_t *out, const char *usage)
{
    const Node *a = t->st->kids[i];
    if (a->kind != N_INT || a->ival < lo || a->ival > hi)
        return err_hint(err_new(E_ARGS, a->span, "'%s needs an integer %lld..%lld here", t->st->name, (long long)lo,
                                (long long)hi),
                        "write: %s", usage);
    *out = a->ival;
    return NULL;
}

static Error *key_arg(TickCtx *t, const Node *a, Key **out)
{
    if (a->kind != N_NAME)
        return err_new(E_ARGS, a->span, "'%s needs a key name", t->st->name);
    *out = t->env->ws ? define_find_key(t->env->ws, a->name) : NULL;
    uint32_t n = 0;
    const char **keys = *out || !t->env->ws ? NULL : workspace_names(t->env->ws, DEF_KEY, &n);
    if (!*out)
        return suggest_unknown(err_new(E_UNKNOWN, a->span, "unknown key '%s'", a->name), a->name, keys, n,
                               "declare it with .define_key %s, LATTICE;", a->name);
    return NULL;
}

static Error *elem_arg(TickCtx *t, const Node *lat, const Node *el, const Lattice **l, uint32_t *e)
{
    if (lat->kind != N_NAME || el->kind != N_NAME)
        return err_new(E_ARGS, t->st->span, "'%s needs a lattice and an element: LATTICE, ELEMENT", t->st->name);
    *l = t->env->ws ? define_find_lattice(t->env->ws, lat->name) : NULL;
    uint32_t n = 0;
    const char **lats = *l || !t->env->ws ? NULL : workspace_names(t->env->ws, DEF_LATTICE, &n);
    if (!*l)
        return suggest_unknown(err_new(E_UNKNOWN, lat->span, "unknown lattice '%s'", lat->name), lat->name, lats, n,
                               "declare it with .define_lattice");
    if (!lookup_lattice_elem(*l, el->name, e))
        return suggest_unknown(err_new(E_UNKNOWN, el->span, "lattice '%s' has no element '%s'", lat->name, el->name),
                               el->name, (*l)->elems, (*l)->nelems, "its elements are declared in .define_lattice %s",
                               lat->name);
    return NULL;
}

/* ---- the operations ----------------------------------------------------------------------------- */

static Error *t_push_key(TickCtx *t)
{
    Key *k;
    Error *e = args(t, 1, "'push_key KEY;");
    if (!e)
        e = key_arg(t, t->st->kids[0], &k);
    return e ? e : vpush(t, (VVal){.kind = VV_KEYCTOR, .key = k->id});
}

static Error *t_push_id(TickCtx *t)
{
    int64_t n;
    Error *e = args(t, 1, "'push_id N;   (0 = top item)");
    if (!e)
        e = int_arg(t, 0, 0, 1 << 20, &n, "'push_id N;");
    if (e)
        return e;
    if ((uint64_t)n >= t->vs->depth)
        return err_hint(err_new(E_STACK, t->st->span, "'push_id %lld refers beyond the stack: it has %u item%s",
                                (long long)n, t->vs->depth, t->vs->depth == 1 ? "" : "s"),
                        "'push_id 0 is the top item; an operation sees only its inputs");
    return vpush(t, (VVal){.kind = VV_ID, .x = {t->vs->items[t->vs->depth - 1 - (uint32_t)n].id}});
}

static Error *t_make_key(TickCtx *t)
{
    int64_t n;
    Error *e = args(t, 1, "'make_key N;   (constructor and N-1 identities)");
    if (!e)
        e = int_arg(t, 0, 1, KEY_MAX_ARITY + 1, &n, "'make_key N;");
    if (!e)
        e = vneed(t, (uint32_t)n);
    if (e)
        return e;
    VVal *base = &t->vs->vstack[t->vs->vdepth - (uint32_t)n];
    if (base->kind != VV_KEYCTOR)
        return tick_error(t, "'%s needs a key constructor under the identities ('push_key first)%s", "");
    const Key *k = t->env->ws->keys.items[base->key];
    if (k->arity != (uint32_t)n - 1)
        return err_hint(err_new(E_ARGS, t->st->span, "key '%s' is about %u item%s but 'make_key %lld gives it %lld",
                                k->name, k->arity, k->arity == 1 ? "" : "s", (long long)n, (long long)n - 1),
                        "write 'make_key %u", k->arity + 1);
    VVal key = {.kind = VV_KEY, .key = base->key, .n = (uint8_t)(n - 1)};
    for (uint32_t i = 1; i < (uint32_t)n; i++) {
        if (base[i].kind != VV_ID)
            return tick_error(t, "'%s needs item identities after the constructor ('push_id)%s", "");
        key.x[i - 1] = base[i].x[0];
    }
    t->vs->vdepth -= (uint32_t)n;
    return vpush(t, key);
}

static const Key *key_of(const TickCtx *t, const VVal *k) { return t->env->ws->keys.items[k->key]; }

/* The fact a key names: its value, or the lattice's top when absent. */
static VVal fact_or_top(const TickCtx *t, const VVal *key)
{
    const Key *k = key_of(t, key);
    const VFact *f = vstate_fact(t->vs, key->key, key->x, key->n);
    VVal v = {.kind = VV_VALUE, .lat = k->lat, .n = 1, .x = {k->lat->top}};
    if (f) {
        v.n = (uint8_t)fact_value_len(f->value);
        for (uint32_t i = 0; i < v.n; i++)
            v.x[i] = fact_value_elem(f->value, i);
    }
    return v;
}

static Error *t_lookup(TickCtx *t)
{
    VVal key;
    Error *e = args(t, 0, "'lookup;");
    if (!e)
        e = vpop_kind(t, VV_KEY, &key);
    return e ? e : vpush(t, fact_or_top(t, &key));
}

static Error *t_expand_val(TickCtx *t)
{
    VVal v;
    Error *e = args(t, 0, "'expand_val;");
    if (!e)
        e = vpop_kind(t, VV_VALUE, &v);
    for (uint32_t i = 0; !e && i < v.n; i++)
        e = vpush(t, (VVal){.kind = VV_ELEM, .lat = v.lat, .x = {v.x[i]}});
    return e;
}

static Error *t_make_val(TickCtx *t)
{
    int64_t n;
    Error *e = args(t, 1, "'make_val N;");
    if (!e)
        e = int_arg(t, 0, 1, FACT_VALUE_MAX, &n, "'make_val N;");
    if (!e)
        e = vneed(t, (uint32_t)n);
    if (e)
        return e;
    VVal *base = &t->vs->vstack[t->vs->vdepth - (uint32_t)n];
    VVal v = {.kind = VV_VALUE, .lat = base->lat, .n = (uint8_t)n};
    for (uint32_t i = 0; i < (uint32_t)n; i++) {
        if (base[i].kind != VV_ELEM)
            return tick_error(t, "'%s needs lattice elements ('push_val)%s", "");
        if (base[i].lat != v.lat)
            return tick_error(t, "'%s needs elements of one lattice%s", "");
        v.x[i] = base[i].x[0];
    }
    t->vs->vdepth -= (uint32_t)n;
    return vpush(t, v);
}

static Error *t_push_val(TickCtx *t)
{
    const Lattice *l;
    uint32_t el;
    Error *e = args(t, 2, "'push_val LATTICE, ELEMENT;");
    if (!e)
        e = elem_arg(t, t->st->kids[0], t->st->kids[1], &l, &el);
    return e ? e : vpush(t, (VVal){.kind = VV_ELEM, .lat = l, .x = {el}});
}

static Error *t_dup(TickCtx *t)
{
    Error *e = args(t, 0, "'dup;");
    if (!e)
        e = vneed(t, 1);
    return e ? e : vpush(t, t->vs->vstack[t->vs->vdepth - 1]);
}

static Error *t_pop(TickCtx *t)
{
    Error *e = args(t, 0, "'pop;");
    if (!e)
        e = vneed(t, 1);
    if (!e)
        t->vs->vdepth--;
    return e;
}

static Error *t_swap(TickCtx *t)
{
    Error *e = args(t, 0, "'swap;");
    if (!e)
        e = vneed(t, 2);
    if (e)
        return e;
    VVal *s = t->vs->vstack + t->vs->vdepth;
    VVal tmp = s[-1];
    s[-1] = s[-2];
    s[-2] = tmp;
    return NULL;
}

/* 'roll N, K: rotate the top N values by K toward the top (PostScript's
 * roll): a b c with 'roll 3, 1 becomes c a b. */
static Error *t_roll(TickCtx *t)
{
    int64_t n, k;
    Error *e = args(t, 2, "'roll N, K;");
    if (!e)
        e = int_arg(t, 0, 0, VSTACK_MAX, &n, "'roll N, K;");
    if (!e)
        e = int_arg(t, 1, -VSTACK_MAX, VSTACK_MAX, &k, "'roll N, K;");
    if (!e)
        e = vneed(t, (uint32_t)n);
    if (e || n == 0)
        return e;
    VVal *base = &t->vs->vstack[t->vs->vdepth - (uint32_t)n], tmp[VSTACK_MAX];
    int64_t shift = ((k % n) + n) % n;
    for (int64_t i = 0; i < n; i++)
        tmp[(i + shift) % n] = base[i];
    memcpy(base, tmp, (size_t)n * sizeof(VVal));
    return NULL;
}

static Error *run_block(TickCtx *t, const Node *blk);
static bool known_tick(const char *name);

/* Both branches of a tick conditional are checked before one is chosen:
 * tick operations only, known names, declared keys, lattices and elements.
 * Otherwise the same code would verify at one call site and not another. */
static Error *check_branch(TickCtx *t, const Node *blk)
{
    for (uint32_t i = 0; i < blk->nkids; i++) {
        const Node *st = blk->kids[i];
        if (st->kind != N_STMT || st->head != HEAD_TICK)
            return err_hint(err_new(E_DEFINE, st->span, "only tick operations may appear inside a tick conditional"),
                            "run-time operations cannot depend on a verification-time decision");
        if (!known_tick(st->name)) {
            uint32_t n;
            const char *const *ops = tick_op_names(&n);
            return suggest_unknown_as(err_new(E_UNKNOWN, st->head_span, "unknown tick operation '%s", st->name), "'%s",
                                      st->name, ops, n, "see the tick operations in docs/reference.md");
        }
        TickCtx inner = {t->env, t->vs, st};
        Key *k;
        const Lattice *l;
        uint32_t el;
        Error *e = NULL;
        if (!strcmp(st->name, "push_key") && st->nkids == 1)
            e = key_arg(&inner, st->kids[0], &k);
        else if ((!strcmp(st->name, "push_val") || !strncmp(st->name, "if_", 3)) && st->nkids >= 2)
            e = elem_arg(&inner, st->kids[0], st->kids[1], &l, &el);
        for (uint32_t b = 2; !e && b < st->nkids; b++)
            if (st->kids[b]->kind == N_BLOCK)
                e = check_branch(t, st->kids[b]);
        if (e)
            return e;
    }
    return NULL;
}

static Error *t_if(TickCtx *t, bool precisely)
{
    const char *usage = precisely ? "'if_precisely LATTICE, ELEMENT, { then }, { else };"
                                  : "'if_at_most LATTICE, ELEMENT, { then }, { else };";
    Error *e = args_check(t->st, "'%s", t->st->name, 3, 4, usage);
    if (e)
        return e;
    for (uint32_t i = 2; i < t->st->nkids; i++)
        if (t->st->kids[i]->kind != N_BLOCK)
            return err_hint(err_new(E_ARGS, t->st->kids[i]->span, "'%s needs blocks for its branches", t->st->name),
                            "write: %s", usage);
    const Lattice *l;
    uint32_t want;
    VVal v;
    e = elem_arg(t, t->st->kids[0], t->st->kids[1], &l, &want);
    for (uint32_t i = 2; !e && i < t->st->nkids; i++)
        e = check_branch(t, t->st->kids[i]);
    if (!e)
        e = vpop_kind(t, VV_ELEM, &v);
    if (e)
        return e;
    if (v.lat != l)
        return err_hint(err_new(E_TYPE, t->st->span, "'%s compares an element of '%s' with one of '%s'", t->st->name,
                                v.lat->name, l->name),
                        "compare elements of the same lattice");
    bool taken = precisely ? v.x[0] == want : lattice_leq(l, v.x[0], want);
    if (taken)
        return run_block(t, t->st->kids[2]);
    return t->st->nkids == 4 ? run_block(t, t->st->kids[3]) : NULL;
}

static Error *t_if_precisely(TickCtx *t) { return t_if(t, true); }
static Error *t_if_at_most(TickCtx *t) { return t_if(t, false); }

static Error *pop_key_and_value(TickCtx *t, VVal *key, VVal *val)
{
    Error *e = vpop_kind(t, VV_VALUE, val);
    if (!e)
        e = vpop_kind(t, VV_KEY, key);
    if (e)
        return e;
    const Key *k = key_of(t, key);
    if (val->lat != k->lat)
        return err_hint(err_new(E_TYPE, t->st->span, "key '%s' takes values of lattice '%s', not '%s'", k->name,
                                k->lat->name, val->lat->name),
                        "build the value from elements of %s", k->lat->name);
    return NULL;
}

static const char *owner_text(const char *owner)
{
    if (strcmp(owner, "<session>") == 0)
        return "the session";
    if (strcmp(owner, "<untrusted session>") == 0)
        return "untrusted input";
    return gc_printf("'%s'", owner);
}

static Error *t_define(TickCtx *t)
{
    VVal key, val;
    Error *e = args(t, 0, "'define;");
    if (!e)
        e = pop_key_and_value(t, &key, &val);
    if (e)
        return e;
    const Key *k = key_of(t, &key);
    const char *owner = t->env->owner ? t->env->owner : "<session>";
    if (strcmp(k->owner, owner) != 0)
        return err_hint(err_new(E_TRUST, t->st->span, "'define of key '%s' by %s: the key is owned by %s", k->name,
                                owner_text(owner), owner_text(k->owner)),
                        "only the module or machine that declares a key may define facts with it");
    uint32_t elems[FACT_VALUE_MAX];
    const VFact *old = vstate_fact(t->vs, key.key, key.x, key.n);
    if (old && fact_value_len(old->value) != val.n)
        return err_new(E_TYPE, t->st->span, "fact %s already has %u elements; this value has %u", k->name,
                       fact_value_len(old->value), val.n);
    for (uint32_t i = 0; i < val.n; i++) /* absent counts as bottom: lub(bottom, v) = v */
        elems[i] = old ? lattice_lub(k->lat, fact_value_elem(old->value, i), val.x[i]) : val.x[i];
    VFact f = {.key = key.key, .arity = key.n, .value = vstate_fact_value(elems, val.n)};
    memcpy(f.ids, key.x, sizeof f.ids);
    vstate_set_fact(t->vs, f);
    return NULL;
}

static bool value_leq(const Lattice *l, const VVal *a, const VVal *b)
{
    if (a->n != b->n)
        return false;
    for (uint32_t i = 0; i < a->n; i++)
        if (!lattice_leq(l, a->x[i], b->x[i]))
            return false;
    return true;
}

static void value_text(Buf *out, const VVal *v)
{
    for (uint32_t i = 0; i < v->n; i++)
        buf_printf(out, "%s%s", i ? ", " : "", v->lat->elems[v->x[i]]);
}

static Error *t_require(TickCtx *t)
{
    VVal key, val;
    Error *e = args(t, 1, "'require \"message\";");
    if (!e && t->st->kids[0]->kind != N_STRING)
        e = err_hint(err_new(E_ARGS, t->st->kids[0]->span, "'require takes a message string"),
                     "write: 'require \"the input must be EVEN\";");
    if (!e)
        e = pop_key_and_value(t, &key, &val);
    if (e)
        return e;
    VVal have = fact_or_top(t, &key);
    if (value_leq(val.lat, &have, &val))
        return NULL;
    Buf h = {0}, w = {0};
    value_text(&h, &have);
    value_text(&w, &val);
    return err_detail(err_new(E_FACT, t->st->span, "%s", t->st->kids[0]->name),
                      gc_printf("  fact %s is %s, needed at most %s\n  stack here: %s", key_of(t, &key)->name,
                                buf_str(&h), buf_str(&w), vstate_text(t->vs)));
}

typedef struct TickOp {
    const char *name;
    Error *(*run)(TickCtx *);
} TickOp;

static const TickOp tick_ops[] = {
    {"push_key", t_push_key},     {"push_id", t_push_id},     {"make_key", t_make_key},
    {"lookup", t_lookup},         {"expand_val", t_expand_val}, {"make_val", t_make_val},
    {"push_val", t_push_val},     {"dup", t_dup},             {"pop", t_pop},
    {"swap", t_swap},             {"roll", t_roll},           {"if_precisely", t_if_precisely},
    {"if_at_most", t_if_at_most}, {"define", t_define},       {"require", t_require},
};

static bool known_tick(const char *name)
{
    for (size_t i = 0; i < countof(tick_ops); i++)
        if (!strcmp(tick_ops[i].name, name))
            return true;
    return false;
}

const char *const *tick_op_names(uint32_t *n)
{
    static const char *names[countof(tick_ops)];
    for (size_t i = 0; i < countof(tick_ops); i++)
        names[i] = tick_ops[i].name;
    *n = countof(tick_ops);
    return names;
}

static Error *run_stmt(const TickEnv *env, VState *vs, const Node *st)
{
    if (st->kind != N_STMT || st->head != HEAD_TICK)
        return err_hint(err_new(E_DEFINE, st->span, "only tick operations may appear inside a tick conditional"),
                        "run-time operations cannot depend on a verification-time decision");
    for (size_t i = 0; i < countof(tick_ops); i++)
        if (strcmp(st->name, tick_ops[i].name) == 0) {
            TickCtx t = {env, vs, st};
            return tick_ops[i].run(&t);
        }
    uint32_t n;
    const char *const *names = tick_op_names(&n);
    Error *e = err_new(E_UNKNOWN, st->head_span, "unknown tick operation '%s", st->name);
    return suggest_unknown_as(e, "'%s", st->name, names, n, "see :help for the tick operations");
}

static Error *run_block(TickCtx *t, const Node *blk)
{
    for (uint32_t i = 0; i < blk->nkids; i++) {
        Error *e = run_stmt(t->env, t->vs, blk->kids[i]);
        if (e)
            return e;
    }
    return NULL;
}

Error *tick_step(const TickEnv *env, VState *vs, const Node *st) { return run_stmt(env, vs, st); }

bool tick_fact_lub(void *ctx, uint32_t key, uint32_t a, uint32_t b, uint32_t *out)
{
    const Workspace *ws = ctx;
    if (!ws || key >= ws->keys.len || fact_value_len(a) != fact_value_len(b))
        return false;
    const Key *k = ws->keys.items[key];
    uint32_t n = fact_value_len(a), elems[FACT_VALUE_MAX];
    for (uint32_t i = 0; i < n; i++)
        elems[i] = lattice_lub(k->lat, fact_value_elem(a, i), fact_value_elem(b, i));
    *out = vstate_fact_value(elems, n);
    return true;
}
