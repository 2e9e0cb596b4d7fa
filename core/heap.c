/* heap.c - the core machine's checked heap: blocks of words, each tagged
 * int or ref, on libgc.  Every access is checked, so no program can crash
 * the process: a failed check becomes a trap with a message. */
#include "flatten.h"
#include "vm.h"

#include <gc.h>
#include <inttypes.h>
#include <string.h>

/* Live data is what the collector's heap holds less what it knows is free;
 * collect first when the cheap estimate says the limit is near.  Measuring
 * takes the collector's lock, so it is done once per `budget` bytes: what
 * was allocated since is counted as live until the next measure (at most
 * BUDGET_MAX of other allocations go unseen in between). */
#define BUDGET_MAX (1u << 20)
static uint64_t budget, budget_limit; /* bytes that fit under budget_limit, last measured */

static bool over_limit(size_t bytes, uint64_t limit)
{
    if (!limit)
        return false;
    if (limit == budget_limit && bytes <= budget) {
        budget -= bytes;
        return false;
    }
    size_t live = GC_get_heap_size() - GC_get_free_bytes();
    if (live + bytes > limit) {
        GC_gcollect();
        live = GC_get_heap_size() - GC_get_free_bytes();
    }
    budget_limit = limit;
    budget = 0;
    if (live + bytes > limit)
        return true;
    budget = limit - live - bytes < BUDGET_MAX ? limit - live - bytes : BUDGET_MAX;
    return false;
}

/* Small blocks come from per-size lists that the collector fills many at a
 * time (GC_malloc_many: one lock and no thread-local lookup per block).
 * The lists are static, so the collector sees the blocks on them as live;
 * the executors run on one thread. */
#define HEAP_START ((size_t)8 << 20)
#define SMALL_GRANULE 16
#define SMALL_MAX 256
static void *small_free[SMALL_MAX / SMALL_GRANULE + 1];

static void *block_alloc(size_t bytes)
{
    if (bytes > SMALL_MAX)
        return GC_MALLOC(bytes);
    size_t g = (bytes + SMALL_GRANULE - 1) / SMALL_GRANULE;
    if (unlikely(!small_free[g]))
        small_free[g] = GC_malloc_many(g * SMALL_GRANULE);
    void *p = small_free[g];
    if (!p)
        return NULL;
    small_free[g] = GC_NEXT(p);
    GC_NEXT(p) = NULL;
    return p;
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
        /* A program that allocates starts with a heap of some size, not
         * from libgc's 64 KB through a collection at every doubling (a
         * quarter of alloc.xvm's instructions at a small size). */
        if (GC_get_heap_size() < HEAP_START)
            GC_expand_hp(HEAP_START - GC_get_heap_size());
        /* Let the heap grow to twice the live data between collections
         * (libgc's default: 4/3): a third less time in alloc.xvm for 60%
         * more memory; heap-limit still bounds it. */
        GC_set_free_space_divisor(1);
    }
    size_t bytes = sizeof(HeapBlock) + (size_t)n * (sizeof(Value) + 1);
    if (over_limit(bytes, limit_bytes))
        return NULL;
    HeapBlock *b = block_alloc(bytes);
    if (!b)
        return NULL;
    b->size = n;
    b->tags = (uint8_t *)&b->words[n];
    if (bytes <= SMALL_MAX) { /* words zeroed here too: not left to the list */
        for (int64_t i = 0; i < n; i++) {
            b->words[i] = 0;
            b->tags[i] = TY_INT;
        }
    } else {
        memset(b->tags, TY_INT, (size_t)n);
    }
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

const char *heap_byte_problem(const HeapBlock *b, int64_t i)
{
    if (!heap_byte_in_range(b, i))
        return gc_printf("byte %" PRId64 " is outside the block of %" PRId64 " word%s (bytes 0..%" PRId64 ")", i,
                         b->size, b->size == 1 ? "" : "s", b->size * 8 - 1);
    return gc_printf("byte %" PRId64 " is in word %" PRId64 ", which holds a ref, not an int", i, i >> 3);
}
