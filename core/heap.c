/* heap.c - the core machine's checked heap: blocks of words, each tagged
 * int or ref, on libgc.  Every access is checked, so no program can crash
 * the process: a failed check becomes a trap with a message. */
#include "exec.h"

#include <gc.h>
#include <inttypes.h>
#include <string.h>

HeapBlock *heap_alloc(int64_t n)
{
    size_t bytes = sizeof(HeapBlock) + (size_t)n * (sizeof(Value) + 1);
    HeapBlock *b = GC_MALLOC(bytes);
    if (!b)
        return NULL;
    b->size = n;
    b->tags = (uint8_t *)&b->words[n];
    memset(b->tags, TY_INT, (size_t)n);
    return b;
}

const char *heap_problem(const HeapBlock *b, int64_t i, TypeId want, bool reading)
{
    if (i < 0 || i >= b->size)
        return gc_printf("index %" PRId64 " is outside the block of %" PRId64 " word%s", i, b->size,
                         b->size == 1 ? "" : "s");
    if (reading && b->tags[i] != want)
        return gc_printf("word %" PRId64 " holds %s %s, not %s %s", i, b->tags[i] == TY_REF ? "a" : "an",
                         type_name(b->tags[i]), want == TY_REF ? "a" : "an", type_name(want));
    return NULL;
}
