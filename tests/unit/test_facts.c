/* test_facts.c - lattices, tick operations and verification facts
 * (DESIGN §3.4 lattices and keys, §3.6 tick operations, §4 joins), and the
 * paper's Figure 2 end to end at the verifier level.
 *
 * Definitions are driven through core's builders (define_lattice, define_key,
 * define_interface, define_module, link_machine) with this file's own `stage`
 * callback, which installs each new version straight into a Workspace (no
 * transactions: every test starts from a fresh workspace), and a
 * `load_unit` callback that reads stdlib/U.xvm (tests run from the repo
 * root, as tests/run.sh does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <gc.h>

#include "define.h"
#include "flatten.h"
#include "vm.h"
#include "tick.h"
#include "verify.h"

#include "world.h"

/* ---- lattice laws, checked by hand ------------------------------------------------------------ */

/* Every law over all pairs and triples, independently of define_check_lattice_laws:
 * <= is a partial order, top is above everything, lub is an upper bound,
 * the least one, commutative, associative, idempotent, agrees with <=, and
 * monotone. */
static void check_laws_by_hand(const Lattice *l)
{
    uint32_t n = l->nelems;
    assert_true(n >= 1);
    assert_true(l->top < n);
    for (uint32_t a = 0; a < n; a++) {
        assert_true(lattice_leq(l, a, a));
        assert_true(lattice_leq(l, a, l->top));
        assert_int_equal(lattice_lub(l, a, l->top), l->top);
        for (uint32_t b = 0; b < n; b++) {
            if (a != b && lattice_leq(l, a, b) && lattice_leq(l, b, a))
                fail_msg("%s: %s and %s are <= each other", l->name, l->elems[a], l->elems[b]);
            uint32_t j = lattice_lub(l, a, b);
            assert_true(j < n);
            if (!lattice_leq(l, a, j) || !lattice_leq(l, b, j))
                fail_msg("%s: lub(%s, %s) = %s is no upper bound", l->name, l->elems[a], l->elems[b], l->elems[j]);
            assert_int_equal(j, lattice_lub(l, b, a));
            assert_int_equal(lattice_leq(l, a, b), j == b);
            for (uint32_t c = 0; c < n; c++) {
                if (lattice_leq(l, a, b) && lattice_leq(l, b, c))
                    assert_true(lattice_leq(l, a, c));
                if (lattice_leq(l, a, c) && lattice_leq(l, b, c) && !lattice_leq(l, j, c))
                    fail_msg("%s: lub(%s, %s) = %s is not below upper bound %s", l->name, l->elems[a],
                             l->elems[b], l->elems[j], l->elems[c]);
                assert_int_equal(lattice_lub(l, j, c), lattice_lub(l, a, lattice_lub(l, b, c)));
                if (lattice_leq(l, a, b))
                    assert_true(lattice_leq(l, lattice_lub(l, a, c), lattice_lub(l, b, c)));
            }
        }
        assert_int_equal(lattice_lub(l, a, a), a);
    }
}

/* Walk a unit's statements for .define_lattice, at top level or inside
 * module and machine bodies. */
static void find_lattice_stmts(const Node *n, Vec *out)
{
    for (uint32_t i = 0; i < n->nkids; i++) {
        const Node *k = n->kids[i];
        if (k->kind == N_STMT && k->head == HEAD_DIRECTIVE && strcmp(k->name, "define_lattice") == 0) {
            vec_push(out, (void *)k);
            continue;
        }
        if (k->kind == N_STMT || k->kind == N_BLOCK)
            find_lattice_stmts(k, out);
    }
}

static void test_stdlib_lattice_laws(void **state)
{
    (void)state;
    DIR *dir = opendir("stdlib");
    assert_non_null(dir);
    struct dirent *de;
    uint32_t files = 0, checked = 0;
    bool saw_parity = false;
    while ((de = readdir(dir))) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 4, ".xvm") != 0)
            continue;
        const char *path = gc_printf("stdlib/%s", de->d_name);
        char *text = read_file(path);
        assert_non_null(text);
        files++;
        Node *unit;
        assert_ok(parse_unit(source_new(path, text, strlen(text), 1), &unit));
        Vec stmts = {0};
        find_lattice_stmts(unit, &stmts);
        for (uint32_t i = 0; i < stmts.len; i++) {
            World *w = world_new();
            DefCtx c = def_ctx(w);
            const Node *st = stmts.items[i];
            Error *e = define_lattice(&c, st);
            if (e)
                fail_msg("%s: lattice rejected: %s", path, err_text(e));
            assert_int_equal(w->lattices.len, 1);
            const Lattice *l = w->lattices.items[0];
            assert_string_equal(l->name, st->kids[0]->name);
            assert_ok(define_check_lattice_laws(l, st->span));
            check_laws_by_hand(l);
            if (strcmp(l->name, "PARITY") == 0)
                saw_parity = true;
            checked++;
        }
    }
    closedir(dir);
    assert_true(files >= 7);
    assert_true(checked >= 1);
    assert_true(saw_parity);
}

/* ---- define_lattice: acceptances and rejections ------------------------------------------------ */

static Error *build_lattice(World *w, const char *text, const Lattice **out)
{
    Node *unit;
    Error *e = parse_unit(src_of(text), &unit);
    if (e)
        return e;
    assert_int_equal(unit->nkids, 1);
    DefCtx c = def_ctx(w);
    uint32_t before = w->lattices.len;
    e = define_lattice(&c, unit->kids[0]);
    if (!e && out) {
        assert_int_equal(w->lattices.len, before + 1);
        *out = w->lattices.items[before];
    }
    if (e)
        assert_int_equal(w->lattices.len, before); /* nothing staged on failure */
    return e;
}

static const Lattice *lattice_ok(World *w, const char *text)
{
    const Lattice *l = NULL;
    Error *e = build_lattice(w, text, &l);
    if (e)
        fail_msg("lattice rejected: %s", err_text(e));
    assert_ok(define_check_lattice_laws(l, (Span){0}));
    check_laws_by_hand(l);
    return l;
}

static void test_lattice_rejects_cycle(void **state)
{
    (void)state;
    World *w = world_new();
    Error *e = build_lattice(w, ".define_lattice CYC, { A < B; B < A; B < T; };", NULL);
    assert_err(e, E_DEFINE);
    assert_true(contains(e->msg, "cycle"));
    e = build_lattice(w, ".define_lattice CYC3, { A < B < C; C < A; };", NULL);
    assert_err(e, E_DEFINE);
    assert_true(contains(e->msg, "cycle"));
}

static void test_lattice_rejects_two_tops(void **state)
{
    (void)state;
    World *w = world_new();
    Error *e = build_lattice(w, ".define_lattice TWO, { A < T1; A < T2; };", NULL);
    assert_err(e, E_DEFINE);
    assert_true(contains(e->msg, "exactly one top"));
    assert_true(contains(e->msg, "T1"));
    assert_true(contains(e->msg, "T2"));
    /* Two unrelated elements: both maximal. */
    e = build_lattice(w, ".define_lattice LONE, { A; B; };", NULL);
    assert_err(e, E_DEFINE);
    assert_true(contains(e->msg, "exactly one top"));
}

static void test_lattice_rejects_no_lub(void **state)
{
    (void)state;
    World *w = world_new();
    Error *e = build_lattice(w, ".define_lattice NOLUB, { A < C; A < D; B < C; B < D; C < T; D < T; };", NULL);
    assert_err(e, E_DEFINE);
    assert_true(contains(e->msg, "no least upper bound"));
    /* The pair at fault is A, B (or B, A). */
    assert_true(contains(e->msg, "A and B") || contains(e->msg, "B and A"));
}

static void test_lattice_rejects_empty(void **state)
{
    (void)state;
    World *w = world_new();
    Error *e = build_lattice(w, ".define_lattice EMPTY, { };", NULL);
    assert_err(e, E_DEFINE);
    assert_true(contains(e->msg, "no elements"));
    /* Not a block at all. */
    e = build_lattice(w, ".define_lattice BAD, A;", NULL);
    assert_err(e, E_ARGS);
    /* Code in the block. */
    e = build_lattice(w, ".define_lattice BAD, { push int(1); };", NULL);
    assert_err(e, E_ARGS);
}

static const char *chain_text(const char *name, uint32_t below_top)
{
    Buf b = {0};
    buf_printf(&b, ".define_lattice %s, {", name);
    for (uint32_t i = 0; i < below_top; i++)
        buf_printf(&b, " E%u < T;", i);
    buf_puts(&b, " };");
    return buf_str(&b);
}

static void test_lattice_limit(void **state)
{
    (void)state;
    World *w = world_new();
    /* 256 elements (255 below T) is the most a lattice may have... */
    const Lattice *l = lattice_ok(w, chain_text("BIG", 255));
    assert_int_equal(l->nelems, 256);
    assert_string_equal(l->elems[l->top], "T");
    assert_int_equal(lattice_lub(l, elem_of(l, "E0"), elem_of(l, "E254")), l->top);
    /* ... and the last element still round-trips through a packed fact value. */
    uint32_t last = l->nelems - 1;
    uint32_t v = vstate_fact_value(&last, 1);
    assert_int_equal(fact_value_len(v), 1);
    assert_int_equal(fact_value_elem(v, 0), last);
    /* 257 is one too many. */
    Error *e = build_lattice(w, chain_text("HUGE", 256), NULL);
    assert_err(e, E_LIMIT);
    assert_true(contains(e->msg, "256"));
}

static void test_lattice_single_and_chains(void **state)
{
    (void)state;
    World *w = world_new();
    const Lattice *one = lattice_ok(w, ".define_lattice ONE, { TOP; };");
    assert_int_equal(one->nelems, 1);
    assert_int_equal(one->top, 0);
    assert_string_equal(one->elems[0], "TOP");
    assert_int_equal(lattice_lub(one, 0, 0), 0);
    assert_true(lattice_leq(one, 0, 0));

    const Lattice *ch = lattice_ok(w, ".define_lattice CHAIN, { A < B < C < D; };");
    uint32_t a = elem_of(ch, "A"), b = elem_of(ch, "B"), c = elem_of(ch, "C"), d = elem_of(ch, "D");
    assert_int_equal(ch->nelems, 4);
    assert_int_equal(ch->top, d);
    /* A chain's <= is total and lub is max. */
    uint32_t order[4] = {a, b, c, d};
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            assert_int_equal(lattice_leq(ch, order[i], order[j]), i <= j);
            assert_int_equal(lattice_lub(ch, order[i], order[j]), order[i > j ? i : j]);
        }
    /* The same chain written as separate steps, in any order. */
    const Lattice *ch2 = lattice_ok(w, ".define_lattice CHAIN2, { C < D; A < B; B < C; };");
    assert_int_equal(ch2->nelems, 4);
    assert_string_equal(ch2->elems[ch2->top], "D");
    assert_int_equal(lattice_lub(ch2, elem_of(ch2, "A"), elem_of(ch2, "C")), elem_of(ch2, "C"));
    assert_true(lattice_leq(ch2, elem_of(ch2, "A"), elem_of(ch2, "D")));
    assert_false(lattice_leq(ch2, elem_of(ch2, "C"), elem_of(ch2, "B")));
}

/* ---- lub tables ----------------------------------------------------------------------------- */

static void test_lub_parity(void **state)
{
    (void)state;
    World *w = world_new();
    const Lattice *p = lattice_ok(w, ".define_lattice PARITY, { ODD < UNKNOWN; EVEN < UNKNOWN; };");
    uint32_t odd = elem_of(p, "ODD"), even = elem_of(p, "EVEN"), unk = elem_of(p, "UNKNOWN");
    assert_int_equal(p->nelems, 3);
    assert_int_equal(p->top, unk);
    const uint32_t want[3][3] = {
        /*            ODD   EVEN  UNKNOWN */
        /* ODD */ {odd, unk, unk},
        /* EVEN */ {unk, even, unk},
        /* UNKNOWN */ {unk, unk, unk},
    };
    uint32_t el[3] = {odd, even, unk};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            assert_int_equal(lattice_lub(p, el[i], el[j]), want[i][j]);
    assert_false(lattice_leq(p, odd, even));
    assert_false(lattice_leq(p, even, odd));
    assert_true(lattice_leq(p, odd, unk));
    assert_false(lattice_leq(p, unk, even));
}

static void test_lub_diamond(void **state)
{
    (void)state;
    World *w = world_new();
    const Lattice *d = lattice_ok(w, ".define_lattice DIAMOND, { BOT < L; BOT < R; L < TOP; R < TOP; };");
    uint32_t bot = elem_of(d, "BOT"), l = elem_of(d, "L"), r = elem_of(d, "R"), top = elem_of(d, "TOP");
    assert_int_equal(d->top, top);
    uint32_t el[4] = {bot, l, r, top};
    const uint32_t want[4][4] = {
        {bot, l, r, top},
        {l, l, top, top},
        {r, top, r, top},
        {top, top, top, top},
    };
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            assert_int_equal(lattice_lub(d, el[i], el[j]), want[i][j]);
    assert_true(lattice_leq(d, bot, top)); /* by transitivity only */
}

static void test_lub_chain(void **state)
{
    (void)state;
    World *w = world_new();
    const Lattice *c = lattice_ok(w, ".define_lattice LEVEL, { LOW < MID < HIGH; };");
    uint32_t lo = elem_of(c, "LOW"), mid = elem_of(c, "MID"), hi = elem_of(c, "HIGH");
    assert_int_equal(lattice_lub(c, lo, mid), mid);
    assert_int_equal(lattice_lub(c, mid, lo), mid);
    assert_int_equal(lattice_lub(c, lo, hi), hi);
    assert_int_equal(lattice_lub(c, lo, lo), lo);
    assert_int_equal(lattice_lub(c, hi, mid), hi);
    assert_true(lattice_leq(c, lo, hi));
    assert_false(lattice_leq(c, hi, lo));
}

/* define_check_lattice_laws must catch a broken table, not only pass good ones. */
static void test_check_laws_catches_broken_tables(void **state)
{
    (void)state;
    World *w = world_new();
    const Lattice *good = lattice_ok(w, ".define_lattice P, { ODD < UNKNOWN; EVEN < UNKNOWN; };");
    uint32_t odd = elem_of(good, "ODD"), even = elem_of(good, "EVEN"), unk = elem_of(good, "UNKNOWN");
    uint32_t n = good->nelems;
    Lattice bad = *good;
    bad.lub = gc_alloc_atomic(n * n * sizeof(uint32_t));

    /* lub(ODD, EVEN) = ODD: not an upper bound. */
    memcpy(bad.lub, good->lub, n * n * sizeof(uint32_t));
    bad.lub[odd * n + even] = bad.lub[even * n + odd] = odd;
    assert_err(define_check_lattice_laws(&bad, (Span){0}), E_DEFINE);

    /* Not commutative. */
    memcpy(bad.lub, good->lub, n * n * sizeof(uint32_t));
    bad.lub[unk * n + odd] = odd;
    assert_err(define_check_lattice_laws(&bad, (Span){0}), E_DEFINE);

    /* Not idempotent: lub(ODD, ODD) = UNKNOWN. */
    memcpy(bad.lub, good->lub, n * n * sizeof(uint32_t));
    bad.lub[odd * n + odd] = unk;
    assert_err(define_check_lattice_laws(&bad, (Span){0}), E_DEFINE);

    /* An upper bound that is not the least: chain A < B < C with lub(A, B) = C. */
    const Lattice *ch = lattice_ok(w, ".define_lattice ABC, { A < B < C; };");
    uint32_t a = elem_of(ch, "A"), b = elem_of(ch, "B"), c = elem_of(ch, "C"), m = ch->nelems;
    Lattice bad2 = *ch;
    bad2.lub = gc_alloc_atomic(m * m * sizeof(uint32_t));
    memcpy(bad2.lub, ch->lub, m * m * sizeof(uint32_t));
    bad2.lub[a * m + b] = bad2.lub[b * m + a] = c;
    assert_err(define_check_lattice_laws(&bad2, (Span){0}), E_DEFINE);
}

/* ---- tick operations, one at a time ------------------------------------------------------------ */

typedef struct TickFix {
    World *w;
    TickEnv env;
    const Lattice *par;
    const Key *hp, *rel;
    uint32_t odd, even, unk;
    VState *vs;
    uint32_t id[3]; /* the three items on vs, bottom first */
} TickFix;

static TickFix *tick_fix(void)
{
    TickFix *f = gc_alloc(sizeof *f);
    f->w = world_new();
    f->w->owner = "m";
    define_ok(f->w, ".define_lattice PARITY, { ODD < UNKNOWN; EVEN < UNKNOWN; };"
                    ".define_key HAS_PARITY, PARITY;"
                    ".define_key SAME_PARITY, PARITY, 2;"
                    ".define_lattice LEVEL, { LOW < HIGH; };");
    f->env = (TickEnv){.ws = f->w->ws, .owner = "m"};
    f->par = define_find_lattice(f->w->ws, "PARITY");
    f->hp = define_find_key(f->w->ws, "HAS_PARITY");
    f->rel = define_find_key(f->w->ws, "SAME_PARITY");
    assert_non_null(f->par);
    assert_non_null(f->hp);
    assert_non_null(f->rel);
    assert_string_equal(f->hp->owner, "m");
    assert_int_equal(f->hp->arity, 1);
    assert_int_equal(f->rel->arity, 2);
    assert_ptr_equal(f->w->ws->keys.items[f->hp->id], f->hp);
    f->odd = elem_of(f->par, "ODD");
    f->even = elem_of(f->par, "EVEN");
    f->unk = elem_of(f->par, "UNKNOWN");
    f->vs = vstate_new();
    for (int i = 0; i < 3; i++)
        f->id[i] = vstate_push(f->vs, TY_INT);
    return f;
}

/* Run tick statements; stop at the first error. */
static Error *ticks(TickFix *f, const char *text)
{
    Node *unit;
    Error *e = parse_unit(src_of(text), &unit);
    if (e)
        fail_msg("tick text does not parse: %s", err_text(e));
    for (uint32_t i = 0; i < unit->nkids; i++)
        if ((e = tick_step(&f->env, f->vs, unit->kids[i])))
            return e;
    return NULL;
}

static void ticks_ok(TickFix *f, const char *text) { assert_ok(ticks(f, text)); }

static const VVal *vtop(TickFix *f, uint32_t n) /* n = 0: top */
{
    assert_true(f->vs->vdepth > n);
    return &f->vs->vstack[f->vs->vdepth - 1 - n];
}

static void assert_elem(const VVal *v, const Lattice *l, uint32_t e)
{
    assert_int_equal(v->kind, VV_ELEM);
    assert_ptr_equal(v->lat, l);
    assert_int_equal(v->x[0], e);
}

static void set_parity(TickFix *f, uint32_t id, uint32_t elem)
{
    VFact fact = {.key = f->hp->id, .arity = 1, .ids = {id}, .value = vstate_fact_value(&elem, 1)};
    vstate_set_fact(f->vs, fact);
}

/* The element of HAS_PARITY(id), or UINT32_MAX when absent. */
static uint32_t parity_of(const VState *vs, const Key *k, uint32_t id)
{
    const VFact *fact = vstate_fact(vs, k->id, &id, 1);
    if (!fact)
        return UINT32_MAX;
    assert_int_equal(fact_value_len(fact->value), 1);
    return fact_value_elem(fact->value, 0);
}

static void test_tick_push_key(void **state)
{
    (void)state;
    TickFix *f = tick_fix();
    ticks_ok(f, "'push_key HAS_PARITY;");
    assert_int_equal(f->vs->vdepth, 1);
    assert_int_equal(vtop(f, 0)->kind, VV_KEYCTOR);
    assert_int_equal(vtop(f, 0)->key, f->hp->id);
    ticks_ok(f, "'push_key SAME_PARITY;");
    assert_int_equal(vtop(f, 0)->key, f->rel->id);
    assert_err(ticks(f, "'push_key NO_SUCH_KEY;"), E_UNKNOWN);
    assert_err(ticks(f, "'push_key;"), E_ARGS);
    assert_int_equal(f->vs->vdepth, 2);
    /* The simulated stack is never touched by tick code. */
    assert_int_equal(f->vs->depth, 3);
}

static void test_tick_push_id(void **state)
{
    (void)state;
    TickFix *f = tick_fix();
    ticks_ok(f, "'push_id 0; 'push_id 1; 'push_id 2;");
    assert_int_equal(f->vs->vdepth, 3);
    assert_int_equal(vtop(f, 2)->kind, VV_ID);
    assert_int_equal(vtop(f, 2)->x[0], f->id[2]); /* 0 = top item */
    assert_int_equal(vtop(f, 1)->x[0], f->id[1]);
    assert_int_equal(vtop(f, 0)->x[0], f->id[0]);
    Error *e = ticks(f, "'push_id 3;");
    assert_err(e, E_STACK);
    assert_true(contains(e->msg, "beyond the stack"));
    assert_err(ticks(f, "'push_id -1;"), E_ARGS);
    assert_err(ticks(f, "'push_id HAS_PARITY;"), E_ARGS);
    assert_int_equal(f->vs->vdepth, 3);
    /* An empty stack has no item 0. */
    f->vs->depth = 0;
    assert_err(ticks(f, "'push_id 0;"), E_STACK);
}

static void test_tick_make_key(void **state)
{
    (void)state;
    TickFix *f = tick_fix();
    ticks_ok(f, "'push_key HAS_PARITY; 'push_id 1; 'make_key 2;");
    assert_int_equal(f->vs->vdepth, 1);
    const VVal *k = vtop(f, 0);
    assert_int_equal(k->kind, VV_KEY);
    assert_int_equal(k->key, f->hp->id);
    assert_int_equal(k->n, 1);
    assert_int_equal(k->x[0], f->id[1]);
    /* Arity 2: the constructor and two identities, in order. */
    ticks_ok(f, "'pop; 'push_key SAME_PARITY; 'push_id 0; 'push_id 2; 'make_key 3;");
    k = vtop(f, 0);
    assert_int_equal(k->kind, VV_KEY);
    assert_int_equal(k->key, f->rel->id);
    assert_int_equal(k->n, 2);
    assert_int_equal(k->x[0], f->id[2]);
    assert_int_equal(k->x[1], f->id[0]);
    ticks_ok(f, "'pop;");
    /* Arity checks. */
    Error *e = ticks(f, "'push_key HAS_PARITY; 'push_id 0; 'push_id 1; 'make_key 3;");
    assert_err(e, E_ARGS);
    assert_true(contains(e->msg, "HAS_PARITY"));
    f->vs->vdepth = 0;
    assert_err(ticks(f, "'push_key SAME_PARITY; 'push_id 0; 'make_key 2;"), E_ARGS);
    f->vs->vdepth = 0;
    assert_err(ticks(f, "'push_key HAS_PARITY; 'make_key 1;"), E_ARGS);
    f->vs->vdepth = 0;
    /* No constructor under the identities; too few values. */
    assert_err(ticks(f, "'push_id 0; 'push_id 1; 'make_key 2;"), E_TYPE);
    f->vs->vdepth = 0;
    assert_err(ticks(f, "'push_id 0; 'make_key 2;"), E_STACK);
    f->vs->vdepth = 0;
    assert_err(ticks(f, "'push_key HAS_PARITY; 'push_val PARITY, ODD; 'make_key 2;"), E_TYPE);
}

static void test_tick_lookup(void **state)
{
    (void)state;
    TickFix *f = tick_fix();
    /* Absent: the lattice's top. */
    ticks_ok(f, "'push_key HAS_PARITY; 'push_id 0; 'make_key 2; 'lookup;");
    const VVal *v = vtop(f, 0);
    assert_int_equal(f->vs->vdepth, 1);
    assert_int_equal(v->kind, VV_VALUE);
    assert_ptr_equal(v->lat, f->par);
    assert_int_equal(v->n, 1);
    assert_int_equal(v->x[0], f->unk);
    /* Present: its value, for the right item only. */
    set_parity(f, f->id[2], f->even);
    set_parity(f, f->id[1], f->odd);
    ticks_ok(f, "'pop; 'push_key HAS_PARITY; 'push_id 0; 'make_key 2; 'lookup;"
                "'push_key HAS_PARITY; 'push_id 1; 'make_key 2; 'lookup;"
                "'push_key HAS_PARITY; 'push_id 2; 'make_key 2; 'lookup;");
    assert_int_equal(f->vs->vdepth, 3);
    assert_int_equal(vtop(f, 2)->x[0], f->even);
    assert_int_equal(vtop(f, 1)->x[0], f->odd);
    assert_int_equal(vtop(f, 0)->x[0], f->unk);
    /* lookup needs a key, not a constructor. */
    f->vs->vdepth = 0;
    assert_err(ticks(f, "'push_key HAS_PARITY; 'lookup;"), E_TYPE);
    f->vs->vdepth = 0;
    assert_err(ticks(f, "'lookup;"), E_STACK);
    /* Lookup does not change facts. */
    assert_int_equal(f->vs->nfacts, 2);
}

static void test_tick_vals(void **state)
{
    (void)state;
    TickFix *f = tick_fix();
    /* push_val, make_val, expand_val round-trip. */
    ticks_ok(f, "'push_val PARITY, EVEN;");
    assert_elem(vtop(f, 0), f->par, f->even);
    ticks_ok(f, "'make_val 1;");
    assert_int_equal(f->vs->vdepth, 1);
    assert_int_equal(vtop(f, 0)->kind, VV_VALUE);
    assert_int_equal(vtop(f, 0)->n, 1);
    assert_int_equal(vtop(f, 0)->x[0], f->even);
    ticks_ok(f, "'expand_val;");
    assert_int_equal(f->vs->vdepth, 1);
    assert_elem(vtop(f, 0), f->par, f->even);
    /* Three elements keep their order. */
    ticks_ok(f, "'pop; 'push_val PARITY, ODD; 'push_val PARITY, EVEN; 'push_val PARITY, UNKNOWN; 'make_val 3;");
    assert_int_equal(f->vs->vdepth, 1);
    assert_int_equal(vtop(f, 0)->n, 3);
    assert_int_equal(vtop(f, 0)->x[0], f->odd);
    assert_int_equal(vtop(f, 0)->x[1], f->even);
    assert_int_equal(vtop(f, 0)->x[2], f->unk);
    ticks_ok(f, "'expand_val;");
    assert_int_equal(f->vs->vdepth, 3);
    assert_elem(vtop(f, 2), f->par, f->odd);
    assert_elem(vtop(f, 1), f->par, f->even);
    assert_elem(vtop(f, 0), f->par, f->unk);
    f->vs->vdepth = 0;
    /* Errors. */
    assert_err(ticks(f, "'push_val PARITY, PURPLE;"), E_UNKNOWN);
    assert_err(ticks(f, "'push_val COLOUR, RED;"), E_UNKNOWN);
    assert_err(ticks(f, "'push_val PARITY;"), E_ARGS);
    assert_int_equal(f->vs->vdepth, 0);
    assert_err(ticks(f, "'push_val PARITY, ODD; 'push_val LEVEL, LOW; 'make_val 2;"), E_TYPE);
    f->vs->vdepth = 0;
    assert_err(ticks(f, "'push_val PARITY, ODD; 'make_val 0;"), E_ARGS);
    assert_err(ticks(f, "'make_val 4;"), E_ARGS); /* at most 3 elements */
    f->vs->vdepth = 0;
    assert_err(ticks(f, "'push_val PARITY, ODD; 'make_val 2;"), E_STACK);
    f->vs->vdepth = 0;
    assert_err(ticks(f, "'push_key HAS_PARITY; 'make_val 1;"), E_TYPE);
    f->vs->vdepth = 0;
    assert_err(ticks(f, "'push_val PARITY, ODD; 'expand_val;"), E_TYPE);
}

static void test_tick_dup_pop_swap(void **state)
{
    (void)state;
    TickFix *f = tick_fix();
    ticks_ok(f, "'push_val PARITY, ODD; 'push_val PARITY, EVEN; 'dup;");
    assert_int_equal(f->vs->vdepth, 3);
    assert_elem(vtop(f, 0), f->par, f->even);
    assert_elem(vtop(f, 1), f->par, f->even);
    assert_elem(vtop(f, 2), f->par, f->odd);
    ticks_ok(f, "'pop;");
    assert_int_equal(f->vs->vdepth, 2);
    ticks_ok(f, "'swap;");
    assert_elem(vtop(f, 0), f->par, f->odd);
    assert_elem(vtop(f, 1), f->par, f->even);
    ticks_ok(f, "'pop; 'pop;");
    assert_int_equal(f->vs->vdepth, 0);
    assert_err(ticks(f, "'pop;"), E_STACK);
    assert_err(ticks(f, "'dup;"), E_STACK);
    assert_err(ticks(f, "'push_val PARITY, ODD; 'swap;"), E_STACK);
    assert_err(ticks(f, "'dup 1;"), E_ARGS);
}

static void roll_case(TickFix *f, const char *roll, const char *want)
{
    f->vs->vdepth = 0;
    ticks_ok(f, "'push_val PARITY, ODD; 'push_val PARITY, EVEN; 'push_val PARITY, UNKNOWN;"); /* a b c */
    ticks_ok(f, roll);
    assert_int_equal(f->vs->vdepth, 3);
    char got[4] = {0};
    for (int i = 0; i < 3; i++) {
        const VVal *v = &f->vs->vstack[i];
        assert_int_equal(v->kind, VV_ELEM);
        got[i] = v->x[0] == f->odd ? 'a' : v->x[0] == f->even ? 'b' : 'c';
    }
    if (strcmp(got, want) != 0)
        fail_msg("%s on a b c gave %c %c %c, expected %c %c %c", roll, got[0], got[1], got[2], want[0], want[1],
                 want[2]);
}

static void test_tick_roll(void **state)
{
    (void)state;
    TickFix *f = tick_fix();
    roll_case(f, "'roll 3, 1;", "cab");  /* PostScript: a b c 3 1 roll -> c a b */
    roll_case(f, "'roll 3, 2;", "bca");
    roll_case(f, "'roll 3, 3;", "abc");
    roll_case(f, "'roll 3, 4;", "cab");
    roll_case(f, "'roll 3, -1;", "bca"); /* a b c 3 -1 roll -> b c a */
    roll_case(f, "'roll 3, -2;", "cab");
    roll_case(f, "'roll 3, 0;", "abc");
    roll_case(f, "'roll 2, 1;", "acb");  /* swaps the top two */
    roll_case(f, "'roll 2, -1;", "acb");
    roll_case(f, "'roll 1, 5;", "abc");
    roll_case(f, "'roll 0, 1;", "abc");
    /* Figure 2 uses 'roll 2,1 to put the key under the element. */
    f->vs->vdepth = 0;
    ticks_ok(f, "'push_val PARITY, EVEN; 'push_key HAS_PARITY; 'push_id 0; 'make_key 2; 'roll 2,1;");
    assert_int_equal(vtop(f, 0)->kind, VV_ELEM);
    assert_int_equal(vtop(f, 1)->kind, VV_KEY);
    /* Errors. */
    f->vs->vdepth = 0;
    ticks_ok(f, "'push_val PARITY, ODD; 'push_val PARITY, EVEN; 'push_val PARITY, UNKNOWN;");
    assert_err(ticks(f, "'roll 4, 1;"), E_STACK);
    assert_err(ticks(f, "'roll 3;"), E_ARGS);
    assert_err(ticks(f, "'roll -1, 1;"), E_ARGS);
    assert_int_equal(f->vs->vdepth, 3);
}

static void test_tick_if_precisely(void **state)
{
    (void)state;
    TickFix *f = tick_fix();
    /* Taken: only the then branch runs; the else branch holds an operation
     * that would fail if it ran. */
    ticks_ok(f, "'push_val PARITY, EVEN;"
                "'if_precisely PARITY, EVEN, { 'push_val PARITY, ODD; }, { 'pop; 'pop; 'push_id 99; };");
    assert_int_equal(f->vs->vdepth, 1);
    assert_elem(vtop(f, 0), f->par, f->odd);
    /* Not taken: only the else branch runs. */
    f->vs->vdepth = 0;
    ticks_ok(f, "'push_val PARITY, ODD;"
                "'if_precisely PARITY, EVEN, { 'pop; 'push_id 99; }, { 'push_val PARITY, UNKNOWN; };");
    assert_int_equal(f->vs->vdepth, 1);
    assert_elem(vtop(f, 0), f->par, f->unk);
    /* Precisely means equal, not below: ODD is not precisely UNKNOWN. */
    f->vs->vdepth = 0;
    ticks_ok(f, "'push_val PARITY, ODD; 'if_precisely PARITY, UNKNOWN, { 'push_val PARITY, EVEN; };");
    assert_int_equal(f->vs->vdepth, 0); /* no else: nothing */
    /* Figure 2's nested decision, for each input. */
    const char *flip = "'dup; 'if_precisely PARITY, EVEN, { 'pop; 'push_val PARITY, ODD; }, {"
                       "  'if_precisely PARITY, ODD, { 'push_val PARITY, EVEN; }, { 'push_val PARITY, UNKNOWN; }; };";
    struct { const char *in; uint32_t out; } cases[] = {
        {"'push_val PARITY, EVEN;", f->odd}, {"'push_val PARITY, ODD;", f->even}, {"'push_val PARITY, UNKNOWN;", f->unk}};
    for (size_t i = 0; i < 3; i++) {
        f->vs->vdepth = 0;
        ticks_ok(f, cases[i].in);
        ticks_ok(f, flip);
        assert_int_equal(f->vs->vdepth, 1);
        assert_elem(vtop(f, 0), f->par, cases[i].out);
    }
    /* A run-time statement inside the branch that runs is refused. */
    f->vs->vdepth = 0;
    Error *e = ticks(f, "'push_val PARITY, EVEN; 'if_precisely PARITY, EVEN, { add; };");
    assert_err(e, E_DEFINE);
    assert_true(contains(e->msg, "only tick operations"));
    f->vs->vdepth = 0;
    assert_err(ticks(f, "'push_val PARITY, ODD; 'if_precisely PARITY, EVEN, { }, { push int(1); };"), E_DEFINE);
    /* Shapes and operands. */
    f->vs->vdepth = 0;
    assert_err(ticks(f, "'push_val LEVEL, LOW; 'if_precisely PARITY, EVEN, { };"), E_TYPE);
    f->vs->vdepth = 0;
    assert_err(ticks(f, "'push_key HAS_PARITY; 'push_id 0; 'make_key 2; 'lookup; 'if_precisely PARITY, EVEN, { };"),
               E_TYPE); /* a fact value must be expanded first */
    f->vs->vdepth = 0;
    assert_err(ticks(f, "'push_val PARITY, EVEN; 'if_precisely PARITY, EVEN;"), E_ARGS);
    f->vs->vdepth = 0;
    assert_err(ticks(f, "'push_val PARITY, EVEN; 'if_precisely PARITY, EVEN, 1, { };"), E_ARGS);
    f->vs->vdepth = 0;
    assert_err(ticks(f, "'if_precisely PARITY, EVEN, { }, { };"), E_STACK);
}

/* BUG: "only tick operations may appear inside a tick conditional" is
 * checked only in the branch the verifier happens to take.  A run-time
 * statement in the other branch is accepted silently (and never runs: the
 * whole tick statement is dropped from run-time code), so whether a body is
 * well formed depends on the facts at each call site. */
static void test_tick_if_rejects_code_in_either_branch(void **state)
{
    (void)state;
    TickFix *f = tick_fix();
    Error *e = ticks(f, "'push_val PARITY, EVEN; 'if_precisely PARITY, ODD, { add; };");
    if (!e)
        fail_msg("BUG: 'add' inside the branch not taken of 'if_precisely was accepted");
    assert_err(e, E_DEFINE);
    f->vs->vdepth = 0;
    e = ticks(f, "'push_val PARITY, EVEN; 'if_at_most PARITY, EVEN, { }, { push int(1); };");
    if (!e)
        fail_msg("BUG: 'push' inside the branch not taken of 'if_at_most was accepted");
    assert_err(e, E_DEFINE);
}

/* The verification-time stack is bounded. */
static void test_tick_stack_limit(void **state)
{
    (void)state;
    TickFix *f = tick_fix();
    Buf b = {0};
    for (int i = 0; i < 64; i++)
        buf_puts(&b, "'push_val PARITY, ODD; ");
    ticks_ok(f, buf_str(&b));
    assert_int_equal(f->vs->vdepth, 64);
    assert_err(ticks(f, "'dup;"), E_LIMIT);
    assert_int_equal(f->vs->vdepth, 64);
    ticks_ok(f, "'roll 64, 1;"); /* the whole stack may be rolled */
    assert_int_equal(f->vs->vdepth, 64);
}

/* Tick conditionals nested as deep as :set nesting allows: the verifier
 * runs them recursively, so this must stay inside the C stack (make asan
 * runs it with ASan's bigger frames). */
static void test_tick_if_nested_at_cap(void **state)
{
    (void)state;
    TickFix *f = tick_fix();
    uint32_t saved = config_limits.nesting, n = SYNTAX_MAX_DEPTH_CAP;
    config_limits.nesting = n;
    Buf b = {0};
    buf_puts(&b, "'push_val PARITY, EVEN; ");
    for (uint32_t i = 0; i < n; i++)
        buf_puts(&b, "'dup; 'if_precisely PARITY, EVEN, { ");
    buf_puts(&b, "'pop; 'push_val PARITY, ODD; ");
    for (uint32_t i = 0; i < n; i++)
        buf_puts(&b, "}; ");
    ticks_ok(f, buf_str(&b));
    assert_int_equal(f->vs->vdepth, 1);
    assert_elem(vtop(f, 0), f->par, f->odd);
    config_limits.nesting = saved;
}

/* A key of arity 0: a fact about no item, e.g. a global mode. */
static void test_tick_nullary_key(void **state)
{
    (void)state;
    TickFix *f = tick_fix();
    define_ok(f->w, ".define_key MODE, PARITY, 0;");
    const Key *mode = define_find_key(f->w->ws, "MODE");
    assert_non_null(mode);
    assert_int_equal(mode->arity, 0);
    ticks_ok(f, "'push_key MODE; 'make_key 1; 'lookup; 'expand_val;");
    assert_elem(vtop(f, 0), f->par, f->unk);
    f->vs->vdepth = 0;
    ticks_ok(f, "'push_key MODE; 'make_key 1; 'push_val PARITY, ODD; 'make_val 1; 'define;");
    const VFact *fact = vstate_fact(f->vs, mode->id, NULL, 0);
    assert_non_null(fact);
    assert_int_equal(fact_value_elem(fact->value, 0), f->odd);
    /* It survives canonicalisation even with no items on the stack. */
    f->vs->depth = 0;
    vstate_canon(f->vs);
    assert_non_null(vstate_fact(f->vs, mode->id, NULL, 0));
    ticks_ok(f, "'push_key MODE; 'make_key 1; 'push_val PARITY, ODD; 'make_val 1; 'require \"odd mode\";");
    assert_err(ticks(f, "'push_key MODE; 'push_id 0; 'make_key 2;"), E_STACK);
}

static void test_tick_if_at_most(void **state)
{
    (void)state;
    TickFix *f = tick_fix();
    struct { const char *val, *bound; bool taken; } cases[] = {
        {"ODD", "UNKNOWN", true},  {"EVEN", "UNKNOWN", true}, {"ODD", "ODD", true},
        {"UNKNOWN", "UNKNOWN", true}, {"UNKNOWN", "ODD", false}, {"ODD", "EVEN", false},
        {"EVEN", "ODD", false},
    };
    for (size_t i = 0; i < countof(cases); i++) {
        f->vs->vdepth = 0;
        ticks_ok(f, gc_printf("'push_val PARITY, %s; 'if_at_most PARITY, %s,"
                              " { 'push_val LEVEL, HIGH; }, { 'push_val LEVEL, LOW; };",
                              cases[i].val, cases[i].bound));
        assert_int_equal(f->vs->vdepth, 1);
        const Lattice *lev = define_find_lattice(f->w->ws, "LEVEL");
        assert_elem(vtop(f, 0), lev, elem_of(lev, cases[i].taken ? "HIGH" : "LOW"));
    }
    /* Only the chosen branch runs. */
    f->vs->vdepth = 0;
    ticks_ok(f, "'push_val PARITY, ODD; 'if_at_most PARITY, UNKNOWN, { }, { 'pop; 'push_id 99; };");
    ticks_ok(f, "'push_val PARITY, UNKNOWN; 'if_at_most PARITY, ODD, { 'pop; 'push_id 99; };");
    assert_int_equal(f->vs->vdepth, 0);
    Error *e = ticks(f, "'push_val PARITY, ODD; 'if_at_most PARITY, UNKNOWN, { dup; };");
    assert_err(e, E_DEFINE);
}

static void test_tick_define(void **state)
{
    (void)state;
    TickFix *f = tick_fix();
    const char *def_even = "'push_key HAS_PARITY; 'push_id 0; 'make_key 2; 'push_val PARITY, EVEN; 'make_val 1; 'define;";
    const char *def_odd = "'push_key HAS_PARITY; 'push_id 0; 'make_key 2; 'push_val PARITY, ODD; 'make_val 1; 'define;";
    /* Absent counts as bottom: the fact becomes exactly the value. */
    ticks_ok(f, def_even);
    assert_int_equal(f->vs->vdepth, 0);
    assert_int_equal(f->vs->nfacts, 1);
    assert_int_equal(parity_of(f->vs, f->hp, f->id[2]), f->even);
    assert_int_equal(parity_of(f->vs, f->hp, f->id[1]), UINT32_MAX);
    /* Again with the same value: unchanged. */
    ticks_ok(f, def_even);
    assert_int_equal(f->vs->nfacts, 1);
    assert_int_equal(parity_of(f->vs, f->hp, f->id[2]), f->even);
    /* lub(EVEN, ODD) = UNKNOWN: 'define never lowers a fact. */
    ticks_ok(f, def_odd);
    assert_int_equal(f->vs->nfacts, 1);
    assert_int_equal(parity_of(f->vs, f->hp, f->id[2]), f->unk);
    ticks_ok(f, def_even);
    assert_int_equal(parity_of(f->vs, f->hp, f->id[2]), f->unk);
    /* A binary key. */
    ticks_ok(f, "'push_key SAME_PARITY; 'push_id 2; 'push_id 1; 'make_key 3; 'push_val PARITY, ODD; 'make_val 1; 'define;");
    uint32_t pair[2] = {f->id[0], f->id[1]};
    const VFact *rel = vstate_fact(f->vs, f->rel->id, pair, 2);
    assert_non_null(rel);
    assert_int_equal(fact_value_elem(rel->value, 0), f->odd);
    uint32_t swapped[2] = {f->id[1], f->id[0]};
    assert_null(vstate_fact(f->vs, f->rel->id, swapped, 2));
    /* Owner mismatch: E_TRUST, and no fact changes. */
    uint32_t nfacts = f->vs->nfacts;
    f->env.owner = "intruder";
    Error *e = ticks(f, "'push_key HAS_PARITY; 'push_id 1; 'make_key 2; 'push_val PARITY, EVEN; 'make_val 1; 'define;");
    assert_err(e, E_TRUST);
    assert_true(contains(e->msg, "HAS_PARITY"));
    assert_true(contains(e->msg, "'m'"));
    assert_int_equal(f->vs->nfacts, nfacts);
    assert_int_equal(parity_of(f->vs, f->hp, f->id[1]), UINT32_MAX);
    f->env.owner = NULL; /* the session */
    f->vs->vdepth = 0;
    assert_err(ticks(f, def_even), E_TRUST);
    assert_int_equal(f->vs->nfacts, nfacts);
    f->env.owner = "m";
    /* Wrong lattice, wrong order of operands. */
    f->vs->vdepth = 0;
    assert_err(ticks(f, "'push_key HAS_PARITY; 'push_id 0; 'make_key 2; 'push_val LEVEL, LOW; 'make_val 1; 'define;"),
               E_TYPE);
    f->vs->vdepth = 0;
    assert_err(ticks(f, "'push_val PARITY, ODD; 'make_val 1; 'push_key HAS_PARITY; 'push_id 0; 'make_key 2; 'define;"),
               E_TYPE);
    f->vs->vdepth = 0;
    assert_err(ticks(f, "'define;"), E_STACK);
}

static void test_tick_require(void **state)
{
    (void)state;
    TickFix *f = tick_fix();
    const char *req = "'push_key HAS_PARITY; 'push_id 0; 'make_key 2; 'push_val PARITY, %s; 'make_val 1;"
                      "'require \"the top must be %s\";";
    /* Absent = top: only <= UNKNOWN holds. */
    ticks_ok(f, gc_printf(req, "UNKNOWN", "UNKNOWN"));
    assert_int_equal(f->vs->vdepth, 0);
    Error *e = ticks(f, gc_printf(req, "EVEN", "EVEN"));
    assert_err(e, E_FACT);
    assert_string_equal(e->msg, "the top must be EVEN");
    assert_true(contains(e->detail, "UNKNOWN"));
    /* EVEN: <= EVEN and <= UNKNOWN hold, <= ODD fails. */
    f->vs->vdepth = 0;
    set_parity(f, f->id[2], f->even);
    ticks_ok(f, gc_printf(req, "EVEN", "EVEN"));
    ticks_ok(f, gc_printf(req, "UNKNOWN", "UNKNOWN"));
    e = ticks(f, gc_printf(req, "ODD", "ODD"));
    assert_err(e, E_FACT);
    assert_string_equal(e->msg, "the top must be ODD");
    assert_true(contains(e->detail, "EVEN"));
    /* require never changes facts. */
    assert_int_equal(f->vs->nfacts, 1);
    assert_int_equal(parity_of(f->vs, f->hp, f->id[2]), f->even);
    /* Anyone may require a key it does not own. */
    f->vs->vdepth = 0;
    f->env.owner = "someone-else";
    ticks_ok(f, gc_printf(req, "EVEN", "EVEN"));
    /* Shapes. */
    f->vs->vdepth = 0;
    assert_err(ticks(f, "'push_key HAS_PARITY; 'push_id 0; 'make_key 2; 'push_val PARITY, EVEN; 'make_val 1; 'require;"),
               E_ARGS);
    f->vs->vdepth = 0;
    assert_err(ticks(f, "'push_key HAS_PARITY; 'push_id 0; 'make_key 2; 'push_val PARITY, EVEN; 'make_val 1; 'require 3;"),
               E_ARGS);
}

static void test_tick_unknown_op(void **state)
{
    (void)state;
    TickFix *f = tick_fix();
    Error *e = ticks(f, "'lookupp;");
    assert_err(e, E_UNKNOWN);
    assert_true(contains(e->hint, "lookup"));
    uint32_t n;
    const char *const *names = tick_op_names(&n);
    assert_int_equal(n, 15);
    const char *want[] = {"push_key", "push_id", "make_key", "lookup", "expand_val", "make_val", "push_val", "dup",
                          "pop", "swap", "roll", "if_precisely", "if_at_most", "define", "require"};
    for (uint32_t i = 0; i < n; i++)
        assert_string_equal(names[i], want[i]);
}

/* ---- joins of facts --------------------------------------------------------------------------- */

static void test_join_facts(void **state)
{
    (void)state;
    TickFix *f = tick_fix();
    /* Two paths, each with one int item: EVEN on one, ODD on the other. */
    VState *a = vstate_new(), *b = vstate_new();
    uint32_t ia = vstate_push(a, TY_INT), ib0 = vstate_push(b, TY_INT);
    (void)ib0;
    /* b's item has a different identity: joins go by slot. */
    b->items[0].id = 7;
    b->next_id = 8;
    uint32_t even = f->even, odd = f->odd;
    vstate_set_fact(a, (VFact){.key = f->hp->id, .arity = 1, .ids = {ia}, .value = vstate_fact_value(&even, 1)});
    vstate_set_fact(b, (VFact){.key = f->hp->id, .arity = 1, .ids = {7}, .value = vstate_fact_value(&odd, 1)});
    VState *j = NULL;
    uint32_t slot = 0;
    assert_int_equal(vstate_join(a, b, tick_fact_lub, f->w->ws, &j, &slot), JOIN_OK);
    assert_int_equal(j->depth, 1);
    assert_int_equal(j->nfacts, 1);
    assert_int_equal(parity_of(j, f->hp, j->items[0].id), f->unk);
    /* EVEN with EVEN stays EVEN. */
    VState *a2 = vstate_copy(a);
    assert_int_equal(vstate_join(a, a2, tick_fact_lub, f->w->ws, &j, &slot), JOIN_OK);
    assert_int_equal(parity_of(j, f->hp, j->items[0].id), f->even);
    /* A fact on one path only is dropped (absent = top). */
    VState *c = vstate_new();
    vstate_push(c, TY_INT);
    assert_int_equal(vstate_join(a, c, tick_fact_lub, f->w->ws, &j, &slot), JOIN_OK);
    assert_int_equal(j->nfacts, 0);
    assert_int_equal(vstate_join(c, a, tick_fact_lub, f->w->ws, &j, &slot), JOIN_OK);
    assert_int_equal(j->nfacts, 0);
    /* tick_fact_lub itself: component-wise. */
    uint32_t out = 0;
    assert_true(tick_fact_lub(f->w->ws, f->hp->id, vstate_fact_value(&even, 1), vstate_fact_value(&odd, 1), &out));
    assert_int_equal(fact_value_len(out), 1);
    assert_int_equal(fact_value_elem(out, 0), f->unk);
    uint32_t two_a[2] = {f->even, f->odd}, two_b[2] = {f->even, f->even};
    assert_true(tick_fact_lub(f->w->ws, f->hp->id, vstate_fact_value(two_a, 2), vstate_fact_value(two_b, 2), &out));
    assert_int_equal(fact_value_len(out), 2);
    assert_int_equal(fact_value_elem(out, 0), f->even);
    assert_int_equal(fact_value_elem(out, 1), f->unk);
    /* Values of different lengths, or an unknown key, do not join. */
    assert_false(tick_fact_lub(f->w->ws, f->hp->id, vstate_fact_value(two_a, 2), vstate_fact_value(&even, 1), &out));
    assert_false(tick_fact_lub(f->w->ws, 999, vstate_fact_value(&even, 1), vstate_fact_value(&odd, 1), &out));
}

/* ---- Figure 2 end to end ---------------------------------------------------------------------- */

typedef struct Fig2 {
    World *w;
    Machine *pm;
    const Key *hp;
    const Lattice *par;
    uint32_t odd, even, unk;
} Fig2;

static Fig2 *fig2(void)
{
    Fig2 *f = gc_alloc(sizeof *f);
    f->w = world_new();
    f->w->verify_modules = false; /* verified explicitly below */
    load_ok(f->w, "parity-int-op");
    load_ok(f->w, "parity-module");
    Module *m = module_named(f->w, "parity-module");
    assert_int_equal(m->nops, 2);
    assert_ok(module_verify(f->w->ws, m, 0));
    f->w->verify_modules = true;
    load_ok(f->w, "parity-machine");
    f->pm = machine_named(f->w, "parity-machine");
    assert_non_null(lookup_machine_op(f->pm, "pdouble"));
    assert_non_null(lookup_machine_op(f->pm, "pinc"));
    assert_non_null(lookup_machine_op(f->pm, "add")); /* the base's operations stay */
    f->hp = define_find_key(f->w->ws, "HAS_PARITY");
    f->par = define_find_lattice(f->w->ws, "PARITY");
    assert_non_null(f->hp);
    assert_string_equal(f->hp->owner, "parity-module");
    f->odd = elem_of(f->par, "ODD");
    f->even = elem_of(f->par, "EVEN");
    f->unk = elem_of(f->par, "UNKNOWN");
    return f;
}

/* Lower and verify REPL code over machine m from entry (NULL: empty). */
static Error *verify_code(World *w, const Machine *m, const char *text, const VState *entry, VState **exit,
                          Body **bo)
{
    Node *unit;
    Error *e = parse_unit(src_of(text), &unit);
    if (e)
        return e;
    Body *b = lower_body_new("<input>");
    b->end_span = (Span){.src = unit->span.src, .off = (uint32_t)strlen(text), .line = 1, .col = 1};
    Scope sc = {.ws = w->ws, .machine = m};
    e = lower_stmts(&sc, b, (Node *const *)unit->kids, unit->nkids);
    if (!e)
        e = lower_finish(b);
    if (e)
        return e;
    if (bo)
        *bo = b;
    VerifyOpts o = {.ws = w->ws, .owner = "<session>"};
    return verify_body(b, entry ? entry : vstate_new(), NULL, &o, exit);
}

static VState *code_ok(World *w, const Machine *m, const char *text, const VState *entry)
{
    VState *exit = NULL;
    Error *e = verify_code(w, m, text, entry, &exit, NULL);
    if (e)
        fail_msg("\"%s\" rejected: %s", text, err_text(e));
    assert_non_null(exit);
    return exit;
}

/* HAS_PARITY of the item `pos` from the top, or UINT32_MAX when absent. */
static uint32_t fig2_fact(const Fig2 *f, const VState *vs, uint32_t pos)
{
    assert_true(vs->depth > pos);
    return parity_of(vs, f->hp, vs->items[vs->depth - 1 - pos].id);
}

static void test_figure2_end_to_end(void **state)
{
    (void)state;
    Fig2 *f = fig2();
    /* 5 pdouble pinc -> ODD */
    VState *s = code_ok(f->w, f->pm, "push int(5); pdouble; pinc;", NULL);
    assert_int_equal(s->depth, 1);
    assert_int_equal(s->items[0].type, TY_INT);
    assert_int_equal(fig2_fact(f, s, 0), f->odd);
    /* pinc again -> EVEN (continuing from the REPL's state, as the session does) */
    s = code_ok(f->w, f->pm, "pinc;", s);
    assert_int_equal(s->depth, 1);
    assert_int_equal(fig2_fact(f, s, 0), f->even);
    /* and again -> ODD */
    s = code_ok(f->w, f->pm, "pinc;", s);
    assert_int_equal(fig2_fact(f, s, 0), f->odd);
    /* A join of an EVEN path and an ODD path -> UNKNOWN. */
    s = code_ok(f->w, f->pm, "push int(3); pdouble; push int(1); if { pinc; };", NULL);
    assert_int_equal(s->depth, 1);
    assert_int_equal(fig2_fact(f, s, 0), f->unk);
    s = code_ok(f->w, f->pm, "push int(3); pdouble; push int(0); if { pinc; }, { pinc; pinc; };", NULL);
    assert_int_equal(fig2_fact(f, s, 0), f->unk);
    /* Both branches EVEN -> EVEN. */
    s = code_ok(f->w, f->pm, "push int(3); pdouble; push int(1); if { pinc; pinc; };", NULL);
    assert_int_equal(fig2_fact(f, s, 0), f->even);
    s = code_ok(f->w, f->pm, "push int(3); push int(1); if { pdouble; }, { pdouble; pinc; pinc; };", NULL);
    assert_int_equal(fig2_fact(f, s, 0), f->even);
    /* A value nothing is known about: pinc cannot know either. */
    s = code_ok(f->w, f->pm, "push int(5);", NULL);
    assert_int_equal(fig2_fact(f, s, 0), UINT32_MAX);
    s = code_ok(f->w, f->pm, "push int(5); pinc;", NULL);
    assert_int_equal(fig2_fact(f, s, 0), f->unk);
    /* pdouble on anything is EVEN. */
    s = code_ok(f->w, f->pm, "push int(5); pinc; pdouble;", NULL);
    assert_int_equal(fig2_fact(f, s, 0), f->even);
    /* Plain core operations make new identities: no fact survives add. */
    s = code_ok(f->w, f->pm, "push int(5); pdouble; push int(0); add;", NULL);
    assert_int_equal(fig2_fact(f, s, 0), UINT32_MAX);
    /* dup and swap move identities, with their facts. */
    s = code_ok(f->w, f->pm, "push int(5); pdouble; push int(1); swap; dup;", NULL);
    assert_int_equal(s->depth, 3);
    assert_int_equal(fig2_fact(f, s, 0), f->even);
    assert_int_equal(fig2_fact(f, s, 1), f->even);
    assert_int_equal(fig2_fact(f, s, 2), UINT32_MAX);
    /* A fact on another copy of an item survives a call consuming one copy. */
    s = code_ok(f->w, f->pm, "push int(5); pdouble; dup; pinc; pop;", NULL);
    assert_int_equal(s->depth, 1);
    assert_int_equal(fig2_fact(f, s, 0), f->even);
    /* A fact made on one path only is dropped where the paths meet. */
    s = code_ok(f->w, f->pm, "push int(3); push int(1); if { pdouble; };", NULL);
    assert_int_equal(s->depth, 1);
    assert_int_equal(fig2_fact(f, s, 0), UINT32_MAX);
    assert_int_equal(s->nfacts, 0);
    /* pick copies an identity: pinc of the copy leaves the original EVEN. */
    s = code_ok(f->w, f->pm, "push int(3); pdouble; push int(1); pick 1; pinc;", NULL);
    assert_int_equal(s->depth, 3);
    assert_int_equal(fig2_fact(f, s, 0), f->odd);
    assert_int_equal(fig2_fact(f, s, 1), UINT32_MAX);
    assert_int_equal(fig2_fact(f, s, 2), f->even);
    /* Two items, two facts. */
    s = code_ok(f->w, f->pm, "push int(1); pdouble; push int(2); pdouble; pinc;", NULL);
    assert_int_equal(fig2_fact(f, s, 0), f->odd);
    assert_int_equal(fig2_fact(f, s, 1), f->even);
}

static void test_figure2_loops(void **state)
{
    (void)state;
    Fig2 *f = fig2();
    /* Parity preserved around a loop: EVEN at the head on every iteration. */
    VState *s = code_ok(f->w, f->pm, "push int(2); pdouble; while { dup; push int(100); lt; }, { pinc; pinc; };", NULL);
    assert_int_equal(s->depth, 1);
    assert_int_equal(fig2_fact(f, s, 0), f->even);
    /* Flipped once per iteration: the fixpoint is UNKNOWN. */
    s = code_ok(f->w, f->pm, "push int(2); pdouble; while { dup; push int(100); lt; }, { pinc; };", NULL);
    assert_int_equal(fig2_fact(f, s, 0), f->unk);
}

static void test_figure2_require_and_trust(void **state)
{
    (void)state;
    Fig2 *f = fig2();
    const char *need_even = "'push_key HAS_PARITY; 'push_id 0; 'make_key 2; 'push_val PARITY, EVEN; 'make_val 1;"
                            "'require \"need an even value\";";
    /* Top-level code may require any key. */
    code_ok(f->w, f->pm, gc_printf("push int(7); pdouble; %s", need_even), NULL);
    Error *e = verify_code(f->w, f->pm, gc_printf("push int(7); pdouble; pinc; %s", need_even), NULL, NULL, NULL);
    assert_err(e, E_FACT);
    assert_string_equal(e->msg, "need an even value");
    e = verify_code(f->w, f->pm, gc_printf("push int(7); pdouble; push int(1); if { pinc; }; %s", need_even), NULL,
                    NULL, NULL);
    assert_err(e, E_FACT);
    /* but not define one it does not own: the session does not own HAS_PARITY. */
    e = verify_code(f->w, f->pm,
                    "push int(7); 'push_key HAS_PARITY; 'push_id 0; 'make_key 2; 'push_val PARITY, EVEN; 'make_val 1; 'define;",
                    NULL, NULL, NULL);
    assert_err(e, E_TRUST);
    /* A module that does not own the key cannot define it either. */
    World *w = f->w;
    w->verify_modules = false;
    define_ok(w, ".define_module forger, core-machine, { .exports p, parity-int-op;"
                 ".define_operation port(p), pdouble, { dup; add; 'push_key HAS_PARITY; 'push_id 0; 'make_key 2;"
                 "  'push_val PARITY, EVEN; 'make_val 1; 'define; };"
                 ".define_operation port(p), pinc, { push int(1); add; }; };");
    e = module_verify(w->ws, module_named(w, "forger"), 0);
    assert_err(e, E_TRUST);
    assert_true(contains(e->msg, "parity-module"));
}

/* The parity module on its own: pinc's tick code is checked with nothing
 * known of its input (absent = top), and leaves a value whose fact is set. */
static void test_figure2_module_alone(void **state)
{
    (void)state;
    Fig2 *f = fig2();
    Module *m = module_named(f->w, "parity-module");
    OpDef *pinc = NULL, *pdouble = NULL;
    for (uint32_t i = 0; i < m->nops; i++) {
        if (!strcmp(m->ops[i]->name, "pinc"))
            pinc = m->ops[i];
        if (!strcmp(m->ops[i]->name, "pdouble"))
            pdouble = m->ops[i];
    }
    assert_non_null(pinc);
    assert_non_null(pdouble);
    VerifyOpts o = {.ws = f->w->ws, .module = m, .owner = m->name};
    /* input fact: absent, EVEN, ODD, UNKNOWN -> output fact */
    uint32_t in_el[4] = {UINT32_MAX, f->even, f->odd, f->unk}, out_el[4] = {f->unk, f->odd, f->even, f->unk};
    for (int i = 0; i < 4; i++) {
        VState *entry = vstate_from_inputs(&pinc->eff);
        if (in_el[i] != UINT32_MAX) {
            uint32_t el = in_el[i];
            vstate_set_fact(entry, (VFact){.key = f->hp->id, .arity = 1, .ids = {entry->items[0].id},
                                       .value = vstate_fact_value(&el, 1)});
        }
        VState *exit = NULL;
        assert_ok(verify_body(pinc->body, entry, &pinc->eff, &o, &exit));
        assert_int_equal(exit->depth, 1);
        assert_int_equal(fig2_fact(f, exit, 0), out_el[i]);
    }
    VState *exit = NULL;
    assert_ok(verify_body(pdouble->body, vstate_from_inputs(&pdouble->eff), &pdouble->eff, &o, &exit));
    assert_int_equal(fig2_fact(f, exit, 0), f->even);
}

int main(void)
{
    GC_INIT();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stdlib_lattice_laws),
        cmocka_unit_test(test_lattice_rejects_cycle),
        cmocka_unit_test(test_lattice_rejects_two_tops),
        cmocka_unit_test(test_lattice_rejects_no_lub),
        cmocka_unit_test(test_lattice_rejects_empty),
        cmocka_unit_test(test_lattice_limit),
        cmocka_unit_test(test_lattice_single_and_chains),
        cmocka_unit_test(test_lub_parity),
        cmocka_unit_test(test_lub_diamond),
        cmocka_unit_test(test_lub_chain),
        cmocka_unit_test(test_check_laws_catches_broken_tables),
        cmocka_unit_test(test_tick_push_key),
        cmocka_unit_test(test_tick_push_id),
        cmocka_unit_test(test_tick_make_key),
        cmocka_unit_test(test_tick_lookup),
        cmocka_unit_test(test_tick_vals),
        cmocka_unit_test(test_tick_dup_pop_swap),
        cmocka_unit_test(test_tick_roll),
        cmocka_unit_test(test_tick_if_precisely),
        cmocka_unit_test(test_tick_if_at_most),
        cmocka_unit_test(test_tick_if_rejects_code_in_either_branch),
        cmocka_unit_test(test_tick_stack_limit),
        cmocka_unit_test(test_tick_if_nested_at_cap),
        cmocka_unit_test(test_tick_nullary_key),
        cmocka_unit_test(test_tick_define),
        cmocka_unit_test(test_tick_require),
        cmocka_unit_test(test_tick_unknown_op),
        cmocka_unit_test(test_join_facts),
        cmocka_unit_test(test_figure2_end_to_end),
        cmocka_unit_test(test_figure2_loops),
        cmocka_unit_test(test_figure2_require_and_trust),
        cmocka_unit_test(test_figure2_module_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
