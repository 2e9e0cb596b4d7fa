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

/* A fresh block rather than GC_REALLOC: that frees the old block, which a
 * copy of the array's owner (a copied state, say) may still point into. */
void *vec_moved(const void *items, uint32_t len, uint32_t cap, size_t elem, bool atomic)
{
    size_t bytes;
    /* gc_calloc checks cap * elem, reporting a size past size_t as out of
     * memory, so only a size known to fit takes the atomic path. */
    void *p = atomic && !__builtin_mul_overflow((size_t)cap, elem, &bytes) ? gc_alloc_atomic(bytes)
                                                                             : gc_calloc(cap, elem);
    if (len)
        memcpy(p, items, (size_t)len * elem);
    return p;
}

void *vec_grow(void *items, uint32_t len, uint32_t *cap, uint64_t need, size_t elem, bool atomic)
{
    if (need <= *cap)
        return items;
    if (need > UINT32_MAX)
        return gc_calloc(SIZE_MAX, 2); /* not representable: out of memory (aborts) */
    *cap = vec_room(*cap, need, UINT32_MAX);
    return vec_moved(items, len, *cap, elem, atomic);
}

void vec_push(Vec *v, void *item) { VEC_PUSH(v->items, v->len, v->cap, item); }
