/* test_vec.c - unit tests for the growable arrays (core/vec.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <gc.h>

#include "base.h"

typedef struct Pair {
    uint32_t a, b;
} Pair;

static void test_push_keeps_items(void **state)
{
    Pair *items = NULL;
    uint32_t n = 0, cap = 0;
    for (uint32_t i = 0; i < 100000; i++)
        VEC_PUSH_ATOMIC(items, n, cap, (Pair){i, 2 * i}); /* a compound literal: commas in the item */
    assert_int_equal(n, 100000);
    assert_true(cap >= n && cap < 2 * n + VEC_FIRST);
    for (uint32_t i = 0; i < n; i++)
        assert_true(items[i].a == i && items[i].b == 2 * i);
}

static void test_grow_only_when_needed(void **state)
{
    uint32_t cap = 0;
    uint32_t *a = vec_grow(NULL, 0, &cap, 3, sizeof(uint32_t), true);
    assert_int_equal(cap, VEC_FIRST);
    a[0] = 7;
    assert_ptr_equal(vec_grow(a, 1, &cap, VEC_FIRST, sizeof(uint32_t), true), a);
    uint32_t *b = vec_grow(a, 1, &cap, 1000, sizeof(uint32_t), true); /* more than doubling: exactly need */
    assert_int_equal(cap, 1000);
    assert_int_equal(b[0], 7);
    assert_int_equal(b[999], 0); /* zeroed */
    assert_int_equal(a[0], 7);   /* the old block stays valid for whoever still holds it */
}

static void test_room(void **state)
{
    assert_int_equal(vec_room(0, 1, UINT32_MAX), VEC_FIRST);
    assert_int_equal(vec_room(100, 101, UINT32_MAX), 200);
    assert_int_equal(vec_room(100, 101, 150), 150);
    assert_int_equal(vec_room(0, 1, 0), 0); /* the limit wins */
    assert_int_equal(vec_room(UINT32_MAX / 2 + 1, UINT32_MAX, UINT32_MAX), UINT32_MAX);
}

static void test_pointer_vec(void **state)
{
    Vec v = {0};
    int x[50];
    for (int i = 0; i < 50; i++)
        vec_push(&v, &x[i]);
    assert_int_equal(v.len, 50);
    for (int i = 0; i < 50; i++)
        assert_ptr_equal(v.items[i], &x[i]);
}

int main(void)
{
    GC_INIT();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_push_keeps_items),
        cmocka_unit_test(test_grow_only_when_needed),
        cmocka_unit_test(test_room),
        cmocka_unit_test(test_pointer_vec),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
