/* test_prims.c - the primitive table as decoded (core/prims.def, model.c):
 * every row's fields agree with its letters, and the flags mark exactly the
 * rows they name, so no reader needs to know the rows' order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flatten.h"
#include "vm.h"
#include "vm_ops.h"

/* The rows as prims.def writes them. */
static const struct {
    Prim p;
    const char *in, *out;
} rows[] = {
#define X(e, name, imm, in, out, flags, c, expr) {P_##e, in, out},
#include "prims.def"
#undef X
};

static TypeId letter_type(char c) { return c == 'i' ? TY_INT : c == 'r' ? TY_REF : TY_ANY; }

static void test_effect_agrees_with_letters(void **state)
{
    (void)state;
    assert_int_equal(countof(rows), P__COUNT);
    for (size_t r = 0; r < countof(rows); r++) {
        const PrimInfo *pi = &prim_info[rows[r].p];
        const char *in = rows[r].in, *out = rows[r].out;
        assert_int_equal(rows[r].p, r);
        assert_int_equal(pi->nin, strlen(in));
        assert_int_equal(pi->nout, strlen(out));
        for (uint32_t k = 0; k < pi->nin; k++) {
            assert_non_null(strchr("ir*", in[k]));
            assert_int_equal(pi->in[k], letter_type(in[k]));
        }
        for (uint32_t k = 0; k < pi->nout; k++) {
            const PrimOut *o = &pi->out[k];
            char c = out[k];
            if (c >= '0' && c <= '9') {
                assert_true((uint32_t)(c - '0') < pi->nin);
                assert_int_equal(o->kind, PO_INPUT);
                assert_int_equal(o->input, c - '0');
            } else if (c == '=') {
                assert_int_equal(o->kind, PO_IMM);
            } else {
                assert_non_null(strchr("ir", c));
                assert_int_equal(o->kind, PO_NEW);
                assert_int_equal(o->type, letter_type(c));
            }
        }
    }
}

/* Whether op is among the n ops given. */
static bool among(int op, const Prim *ops, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((int)ops[i] == op)
            return true;
    return false;
}

static void test_compare_flags(void **state)
{
    (void)state;
    static const Prim cmp[] = {P_EQ, P_NE, P_LT, P_LE, P_GT, P_GE, P_LTU, P_LEU, P_GTU, P_GEU};
    for (int op = 0; op < P__IR_COUNT; op++) {
        assert_int_equal(!!(op_flags(op) & PF_COMPARE), among(op, cmp, countof(cmp)));
        if (op < P__COUNT)
            assert_int_equal(prim_info[op].c == PC_CMP, among(op, cmp, countof(cmp)));
    }
}

static void test_jump_flags(void **state)
{
    (void)state;
    static const Prim jumps[] = {P_JUMP, P_JUMP_IF, P_JUMP_UNLESS};
    static const Prim cond[] = {P_JUMP_IF, P_JUMP_UNLESS};
    static const Prim end[] = {P_JUMP, P_RETURN, P_TRAP};
    for (int op = 0; op < P__IR_COUNT; op++) {
        assert_int_equal(prim_is_jump(op), among(op, jumps, countof(jumps)));
        assert_int_equal(prim_is_cond_jump(op), among(op, cond, countof(cond)));
        assert_int_equal(!!(op_flags(op) & PF_END), among(op, end, countof(end)));
    }
}

static void test_control_and_special(void **state)
{
    (void)state;
    static const Prim control[] = {P_LABEL, P_IF, P_WHILE, P_CALL, P_RETURN, P_JUMP, P_JUMP_IF, P_JUMP_UNLESS};
    for (int op = 0; op < P__IR_COUNT; op++)
        assert_int_equal(prim_is_control(op), among(op, control, countof(control)));
    /* Ops past the table have no row: every reader handles them by hand. */
    for (int op = P__COUNT; op < P__IR_COUNT; op++)
        assert_true(op_flags(op) & PF_SPECIAL);
    /* A special row's effect is given by hand, so its letters must not
     * claim outputs a reader of the letters would push. */
    for (int op = 0; op < P__COUNT; op++)
        if ((prim_info[op].flags & PF_SPECIAL) && op != P_STATE_GET)
            assert_int_equal(prim_info[op].nout, 0);
}

/* Every row with a C operator has its executor forms, and every opcode
 * (generated from the table or not) has an implementation. */
static void test_c_operator_forms(void **state)
{
    (void)state;
    static const Prim arith[] = {P_ADD, P_SUB, P_MUL, P_DIV, P_MOD, P_NEG, P_AND, P_OR, P_XOR,
                                 P_NOT, P_SHL, P_SHR, P_EQ,  P_NE,  P_LT,  P_LE,  P_GT, P_GE,
                                 P_LTU, P_LEU, P_GTU, P_GEU, P_SHRU, P_DIVU, P_MODU, P_CLZ, P_CTZ, P_POPCNT};
    for (int op = 0; op < P__COUNT; op++) {
        assert_int_equal(prim_info[op].c != PC_NONE, among(op, arith, countof(arith)));
        if (prim_info[op].c == PC_UN)
            assert_int_equal(prim_info[op].nin, 1);
        else if (prim_info[op].c != PC_NONE)
            assert_int_equal(prim_info[op].nin, 2);
    }
    assert_int_equal(prim_info[P_DIV].c, PC_DIV);
    assert_int_equal(prim_info[P_MOD].c, PC_DIV);
    assert_int_equal(prim_info[P_DIVU].c, PC_DIVU);
    assert_int_equal(prim_info[P_MODU].c, PC_DIVU);
    int imm_forms = 0, cmp_forms = 0;
#define OPS(e, expr) imm_forms++;
#define X(e, name, imm, in, out, flags, c, expr) XVM_IMM_##c(OPS, e, expr)
#include "prims.def"
#undef X
#undef OPS
#define OPS(e, expr) cmp_forms++;
#define X(e, name, imm, in, out, flags, c, expr) XVM_CMP_##c(OPS, e, expr)
#include "prims.def"
#undef X
#undef OPS
    assert_int_equal(imm_forms, countof(arith) - 5); /* all but neg, not, clz, ctz and popcnt */
    assert_int_equal(cmp_forms, 10);
    const void *const *table = vm_dispatch_table();
    for (int op = 0; op < OP__COUNT; op++)
        assert_non_null(table[op]);
}

/* The C expressions of prims.def, evaluated as the executor does. */
static void test_c_operator_values(void **state)
{
    (void)state;
    static const struct {
        Prim p;
        Value a, b, want;
    } cases[] = {
        {P_ADD, INT64_MAX, 1, INT64_MIN}, {P_SUB, 3, 5, -2},  {P_MUL, 6, 7, 42},   {P_DIV, -7, 2, -3},
        {P_MOD, -7, 2, -1},               {P_NEG, 5, 0, -5},  {P_AND, 12, 10, 8},  {P_OR, 12, 10, 14},
        {P_XOR, 12, 10, 6},               {P_NOT, 0, 0, -1},  {P_SHL, 1, 65, 2},   {P_SHR, -8, 1, -4},
        {P_EQ, 2, 2, 1},                  {P_NE, 2, 2, 0},    {P_LT, -1, 0, 1},    {P_LE, 1, 0, 0},
        {P_GT, 1, 0, 1},                  {P_GE, 0, 0, 1},
        {P_LTU, -1, 0, 0},                {P_LEU, 0, -1, 1},  {P_GTU, -1, 1, 1},   {P_GEU, 1, -1, 0},
        {P_SHRU, -8, 61, 7},              {P_DIVU, -2, 2, INT64_MAX}, {P_MODU, -1, 10, 5},
        {P_CLZ, 1, 0, 63},                {P_CLZ, 0, 0, 64},  {P_CTZ, 0, 0, 64},   {P_CTZ, 8, 0, 3},
        {P_POPCNT, -1, 0, 64},
    };
    for (size_t i = 0; i < countof(cases); i++) {
        Value a = cases[i].a, b = cases[i].b, r = 0;
        (void)b;
        switch (cases[i].p) {
#define X(e, name, imm, in, out, flags, c, expr) X_##c(e, expr)
#define X_NONE(e, expr)
#define X_UN(e, expr) case P_##e: r = (expr); break;
#define X_BIN(e, expr) case P_##e: r = (expr); break;
#define X_DIV(e, expr) case P_##e: r = (expr); break;
#define X_DIVU(e, expr) case P_##e: r = (expr); break;
#define X_CMP(e, expr) case P_##e: r = (expr); break;
#include "prims.def"
#undef X
#undef X_NONE
#undef X_UN
#undef X_BIN
#undef X_DIV
#undef X_DIVU
#undef X_CMP
        default: fail_msg("%s has no C operator", prim_name(cases[i].p));
        }
        if (r != cases[i].want)
            fail_msg("%s(%lld, %lld) = %lld, expected %lld", prim_name(cases[i].p), (long long)a, (long long)b,
                     (long long)r, (long long)cases[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_effect_agrees_with_letters),
        cmocka_unit_test(test_compare_flags),
        cmocka_unit_test(test_jump_flags),
        cmocka_unit_test(test_control_and_special),
        cmocka_unit_test(test_c_operator_forms),
        cmocka_unit_test(test_c_operator_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
