/* heap.c - the core machine's checked heap: blocks of words, each tagged
 * int or ref, on libgc.  Every access is checked, so no program can crash
 * the process: a failed check becomes a trap with a message. */
#include "flatten.h"
#include "vm.h"

#include <gc.h>
#include <inttypes.h>
#include <string.h>

/* Live data is what the collector's heap holds less what it knows is free;
 * collect first when the cheap estimate says the limit is near. */
static bool over_limit(size_t bytes, uint64_t limit)
{
    if (!limit)
        return false;
    size_t live = GC_get_heap_size() - GC_get_free_bytes();
    if (live + bytes <= limit)
        return false;
    GC_gcollect();
    live = GC_get_heap_size() - GC_get_free_bytes();
    return live + bytes > limit;
}

/* libgc warns about repeated allocations of very large blocks: programs
 * may make them on purpose (block-words and heap-limit bound them), so that
 * warning is dropped; others go where they went. */
static GC_warn_proc gc_warn_before;
static bool gc_warn_set;

static void GC_CALLBACK heap_warn(char *msg, GC_word arg)
{
    if (!strstr(msg, "very large block") && gc_warn_before)
        gc_warn_before(msg, arg);
}

HeapBlock *heap_alloc(int64_t n, uint64_t limit_bytes)
{
    if (unlikely(!gc_warn_set)) {
        gc_warn_set = true;
        gc_warn_before = GC_get_warn_proc();
        GC_set_warn_proc(heap_warn);
    }
    size_t bytes = sizeof(HeapBlock) + (size_t)n * (sizeof(Value) + 1);
    if (over_limit(bytes, limit_bytes))
        return NULL;
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
