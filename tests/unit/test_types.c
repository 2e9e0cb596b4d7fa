/* test_types.c - the verifier's rules for declared types (issue 16): how a
 * viewer sees a type (type_seen), the linear rule of the primitive table
 * for each stack primitive, print and arithmetic on abstract values, the
 * linear-slot mask at joins, what a type's id carries across versions, and
 * how shallow code takes the stack (what a stopped run may have popped). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gc.h>

#include "defs.h"
#include "verify.h"

/* ---- types made by hand: a TypeDef registered as type.c's carry would ---- */

static TypeId declare(const char *name, TypeId repr, bool linear, const char *owner, Def *handle)
{
    TypeDef *v = gc_alloc(sizeof *v);
    v->name = name;
    v->kind = DEF_TYPE;
    v->version = handle && handle->cur ? ((DefHead *)handle->cur)->version + 1 : 1;
    v->repr = repr;
    v->linear = linear;
    v->owner = owner;
    v->handle = handle;
    v->before = handle ? handle->cur : NULL;
    v->id = type_register(v);
    if (handle)
        handle->cur = v;
    return v->id;
}

static TypeId tok, blk; /* tok: int, owned by "m"; blk: ref, linear, owned by "m" */

static int setup(void **state)
{
    (void)state;
    tok = declare("tok", TY_INT, false, "m", NULL);
    blk = declare("blk", TY_REF, true, "m", NULL);
    return 0;
}

/* ---- verifying REPL code from a given stack, as a given owner ------------ */

static Error *verify_as(const char *viewer, const TypeId *stack, uint32_t depth, const char *text, VState **exit)
{
    Node *unit = NULL;
    Error *e = parse_unit(source_new("<test>", text, strlen(text), 1), &unit);
    if (e)
        fail_msg("parse of \"%s\" failed: %s", text, e->msg);
    Body *b = lower_body_new("<input>");
    b->end_span = (Span){.src = unit->span.src, .off = (uint32_t)strlen(text), .line = 1, .col = 1};
    Workspace *ws = workspace_new();
    e = lower_stmts(&(Scope){.ws = ws}, b, (Node *const *)unit->kids, unit->nkids);
    if (!e)
        e = lower_finish(b);
    if (e)
        fail_msg("lowering \"%s\" failed: %s", text, e->msg);
    VState *entry = vstate_new();
    for (uint32_t i = 0; i < depth; i++)
        vstate_push(entry, stack[i]);
    VerifyOpts o = {.ws = ws, .owner = viewer};
    return verify_body(b, entry, NULL, &o, exit);
}

/* The text must be rejected with E_TYPE and a message holding `words`. */
static void rejected(const char *viewer, const TypeId *stack, uint32_t depth, const char *text, const char *words)
{
    Error *e = verify_as(viewer, stack, depth, text, NULL);
    if (!e)
        fail_msg("\"%s\" seen by %s was accepted", text, viewer);
    assert_int_equal(e->code, E_TYPE);
    if (!strstr(e->msg, words))
        fail_msg("\"%s\": expected '%s' in \"%s\"", text, words, e->msg);
}

static void accepted(const char *viewer, const TypeId *stack, uint32_t depth, const char *text)
{
    Error *e = verify_as(viewer, stack, depth, text, NULL);
    if (e)
        fail_msg("\"%s\" seen by %s was rejected: %s", text, viewer, e->msg);
}

/* ---- type_seen and the table's accessors --------------------------------- */

static void test_type_seen(void **state)
{
    (void)state;
    assert_int_equal(type_seen(tok, "m"), TY_INT);
    assert_int_equal(type_seen(blk, "m"), TY_REF);
    assert_int_equal(type_seen(tok, "n"), tok);
    assert_int_equal(type_seen(tok, "<session>"), tok);
    assert_int_equal(type_seen(tok, NULL), tok);
    assert_int_equal(type_seen(tok, "M"), tok); /* owners are names, compared exactly */
    assert_int_equal(type_seen(TY_INT, "m"), TY_INT);
    assert_int_equal(type_seen(TY_REF, "n"), TY_REF);
    assert_int_equal(type_repr(tok), TY_INT);
    assert_int_equal(type_repr(blk), TY_REF);
    assert_int_equal(type_repr(TY_REF), TY_REF);
    assert_false(type_linear(tok));
    assert_true(type_linear(blk));
    assert_false(type_linear(TY_REF));
    assert_string_equal(type_owner(blk), "m");
    assert_null(type_owner(TY_INT));
    assert_string_equal(type_name(tok), "tok");
    assert_string_equal(type_name(TY_REF), "ref");
    assert_null(type_version(TY_INT));
    assert_string_equal(type_name((TypeId)(blk + 100)), "?"); /* never registered */
}

/* ---- the linear rule of the primitive table, primitive by primitive ----- */

static void test_linear_stack_primitives(void **state)
{
    (void)state;
    const TypeId lin[] = {blk}, lin_int[] = {blk, TY_INT}, int_lin[] = {TY_INT, blk};
    const TypeId three[] = {blk, TY_INT, TY_INT}, three_top[] = {TY_INT, TY_INT, blk};
    rejected("n", lin, 1, "pop;", "is dropped by 'pop'");
    rejected("n", lin, 1, "dup;", "is copied by 'dup'");
    rejected("n", lin_int, 2, "over;", "is copied by 'over'"); /* over copies the lower input */
    accepted("n", int_lin, 2, "over; pop;");                     /* ... not the top one */
    accepted("n", lin_int, 2, "swap;");
    accepted("n", int_lin, 2, "swap;");
    accepted("n", three, 3, "rot;");
    accepted("n", three_top, 3, "rot; rot;");
    rejected("n", lin, 1, "pick 0;", "is copied by 'pick 0'");
    rejected("n", lin_int, 2, "pick 1;", "is copied by 'pick 1'");
    accepted("n", int_lin, 2, "pick 1; pop;"); /* pick copies the int under the block */
    /* the message names the item and its type */
    rejected("n", lin_int, 2, "swap; pop;", ":blk is dropped by 'pop'");
    /* its owner sees a ref: nothing is linear to it */
    accepted("m", lin, 1, "dup; pop; pop;");
    accepted("m", lin_int, 2, "over; pick 0; pop; pop; pop; pop;");
    /* a value that is not linear may be copied and dropped by anyone */
    const TypeId t[] = {tok};
    accepted("n", t, 1, "dup; over; pick 1; pop; pop; pop; pop;");
    /* code at the prompt may leave a linear value on the stack */
    VState *x = NULL;
    assert_null(verify_as("n", lin, 1, "push int(1); pop;", &x));
    assert_int_equal(x->depth, 1);
    assert_int_equal(x->items[0].type, blk);
}

/* ---- abstract values: no core primitive sees the representation ---------- */

static void test_abstract_values(void **state)
{
    (void)state;
    const TypeId t[] = {tok}, tt[] = {tok, tok}, b[] = {blk};
    rejected("n", t, 1, "print;", "'print' cannot show s0:tok, a type of m");
    rejected("n", t, 1, "emit;", "type mismatch");
    rejected("n", tt, 2, "add;", "found (tok, tok)");
    rejected("n", tt, 2, "eq;", "type mismatch");
    rejected("n", b, 1, "size;", "found (blk)");
    rejected("n", b, 1, "push int(0); load;", "type mismatch");
    rejected("n", t, 1, "if { }, { };", "type mismatch");
    accepted("m", t, 1, "print;");
    accepted("m", tt, 2, "add; print;");
    accepted("m", b, 1, "size; print;");
    /* what the owner's code leaves is its representation */
    VState *x = NULL;
    assert_null(verify_as("m", t, 1, "push int(1); add;", &x));
    assert_int_equal(x->items[0].type, TY_INT);
}

/* ---- linear state slots: the mask of empty ones at joins ----------------- */

static void test_slot_mask_join(void **state)
{
    (void)state;
    VState *a = vstate_new(), *b = vstate_new(), *out = NULL;
    vstate_push(a, blk);
    vstate_push(b, blk);
    a->taken = 1;
    b->taken = 1;
    vstate_canon(a);
    vstate_canon(b);
    uint32_t slot = 0;
    assert_true(vstate_equal(a, b));
    assert_int_equal(vstate_join(a, b, NULL, NULL, &out, &slot), JOIN_OK);
    assert_int_equal(out->taken, 1);
    b->taken = 2; /* another slot empty on the other path */
    assert_false(vstate_equal(a, b));
    assert_int_equal(vstate_join(a, b, NULL, NULL, &out, &slot), JOIN_TAKEN);
    b->taken = 0;
    assert_int_equal(vstate_join(a, b, NULL, NULL, &out, &slot), JOIN_TAKEN);
    /* the types are compared first: a type clash is told as one */
    VState *c = vstate_new();
    vstate_push(c, TY_REF);
    vstate_canon(c);
    assert_int_equal(vstate_join(a, c, NULL, NULL, &out, &slot), JOIN_TYPE);
    assert_int_equal(slot, 0);
    /* a copy keeps the mask */
    assert_int_equal(vstate_copy(a)->taken, 1);
}

/* ---- what an id carries across versions ----------------------------------- */

static void test_id_carry(void **state)
{
    (void)state;
    Def *d = gc_alloc(sizeof *d);
    d->name = "cell";
    d->kind = DEF_TYPE;
    TypeId v1 = declare("cell", TY_REF, false, "m", d);
    assert_string_equal(type_name(v1), "cell");
    assert_false(type_linear(v1));
    /* a version that keeps representation, owner and principal keeps the id
     * (kind_type.c's carry): staged, it is what the id means already */
    TypeDef *v2 = gc_alloc(sizeof *v2);
    *v2 = *(const TypeDef *)d->cur;
    v2->version = 2;
    v2->linear = true;
    v2->before = d->cur;
    d->pending = v2;
    assert_true(type_linear(v1));
    assert_string_equal(type_name(v1), "cell");
    d->pending = NULL; /* aborted: back to what was installed */
    assert_false(type_linear(v1));
    d->pending = v2;   /* installed */
    d->cur = v2;
    d->pending = NULL;
    assert_true(type_linear(v1));
    /* a new representation is a new id: the old one names the old version */
    TypeId v3 = declare("cell", TY_INT, false, "m", d);
    assert_int_not_equal(v3, v1);
    assert_string_equal(type_name(v3), "cell");
    assert_int_equal(type_repr(v3), TY_INT);
    assert_int_equal(type_repr(v1), TY_REF);
    /* ...the last version that had it: v2, linear, not v1 */
    assert_string_equal(type_name(v1), "cell@v2");
    assert_true(type_linear(v1));
    assert_int_equal(type_version(v1)->version, 2);
    /* old values are not the new type, for anyone */
    assert_int_not_equal(type_seen(v1, "m"), type_seen(v3, "m"));
    assert_int_equal(type_seen(v1, "n"), v1);
}

/* ---- how shallow code takes the stack: what a stopped run may have popped -- */

static uint32_t low_of(const char *text, uint32_t depth)
{
    const TypeId ints[] = {TY_INT, TY_INT, TY_INT, TY_INT};
    Node *unit = NULL;
    assert_null(parse_unit(source_new("<test>", text, strlen(text), 1), &unit));
    Body *b = lower_body_new("<input>");
    b->end_span = (Span){.src = unit->span.src, .off = (uint32_t)strlen(text), .line = 1, .col = 1};
    Workspace *ws = workspace_new();
    assert_null(lower_stmts(&(Scope){.ws = ws}, b, (Node *const *)unit->kids, unit->nkids));
    assert_null(lower_finish(b));
    VState *entry = vstate_new();
    for (uint32_t i = 0; i < depth; i++)
        vstate_push(entry, ints[i]);
    Body *verified = NULL;
    VerifyOpts o = {.ws = ws, .verified = &verified};
    Error *e = verify_body(b, entry, NULL, &o, NULL);
    if (e)
        fail_msg("\"%s\" was rejected: %s", text, e->msg);
    return verified->min_depth;
}

static void test_min_depth(void **state)
{
    (void)state;
    assert_int_equal(low_of("push int(1); pop;", 3), 3); /* pops only what it pushed */
    assert_int_equal(low_of("pop;", 3), 2);
    assert_int_equal(low_of("swap; swap;", 3), 1);           /* moved is popped */
    assert_int_equal(low_of("rot;", 4), 1);
    assert_int_equal(low_of("pick 2; pop;", 3), 3);          /* pick pops nothing */
    assert_int_equal(low_of("add; push int(1); add; pop;", 4), 2);
    assert_int_equal(low_of("if { pop; pop; push int(1); push int(2); }, { };", 4), 1); /* the lowest on any path */
    assert_int_equal(low_of("while { dup; }, { pop; push int(0); };", 2), 1);
    assert_int_equal(low_of("", 2), 2);
}

int main(void)
{
    GC_INIT();
#define T(f) cmocka_unit_test(f)
    const struct CMUnitTest tests[] = {
        T(test_type_seen), T(test_linear_stack_primitives), T(test_abstract_values), T(test_slot_mask_join),
        T(test_id_carry), T(test_min_depth),
    };
#undef T
    return cmocka_run_group_tests(tests, setup, NULL);
}
