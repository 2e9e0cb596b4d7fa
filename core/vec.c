/* vec.c - growing arrays (see vec.h). */
#include "base.h"

#include <string.h>

uint32_t vec_room(uint32_t cap, uint64_t need, uint32_t max)
{
    uint64_t want = (uint64_t)cap * 2;
    if (want < VEC_FIRST)
        want = VEC_FIRST;
    if (want < need)
        want = need;
    return want < max ? (uint32_t)want : max;
}

/* gc_calloc reports a size past size_t as out of memory, and aborts. */
static void *too_big(void) { return gc_calloc(SIZE_MAX, 2); }

/* A fresh block rather than GC_REALLOC: that frees the old block, which a
 * copy of the array's owner (a copied state, say) may still point into. */
void *vec_moved(const void *items, uint32_t len, uint64_t cap, size_t elem, bool atomic)
{
    size_t bytes;
    if (__builtin_mul_overflow(cap, elem, &bytes))
        return too_big();
    void *p = atomic ? gc_alloc_atomic(bytes) : gc_alloc(bytes);
    if (len)
        memcpy(p, items, (size_t)len * elem);
    return p;
}

void *vec_grow(void *items, uint32_t len, uint32_t *cap, uint64_t need, size_t elem, bool atomic)
{
    if (need <= *cap)
        return items;
    if (need > UINT32_MAX)
        return too_big();
    *cap = vec_room(*cap, need, UINT32_MAX);
    return vec_moved(items, len, *cap, elem, atomic);
}

void vec_push(Vec *v, void *item) { VEC_PUSH(v->items, v->len, v->cap, item); }

int vec_index(const Vec *v, const void *item)
{
    for (uint32_t i = 0; i < v->len; i++)
        if (v->items[i] == item)
            return (int)i;
    return -1;
}
