/* heap.h - the checked heap, shared by the fast executor and the stepper (heap.c). */
#ifndef XVM_HEAP_H
#define XVM_HEAP_H

#include "model.h"

/* A heap block: n words, each tagged int or ref. */
typedef struct HeapBlock {
    int64_t size;
    uint8_t *tags; /* size bytes, TY_INT or TY_REF */
    Value words[];
} HeapBlock;

/* The checked heap, shared by the fast executor and the stepper (heap.c). */
/* n zeroed int words; NULL when out of heap or when live heap data would
 * pass limit_bytes (0 = no limit of our own). */
HeapBlock *heap_alloc(int64_t n, uint64_t limit_bytes);
/* The fast path of every heap access: one compare for the bounds (a
 * negative index wraps to a huge one), one for the tag. */
static inline bool heap_word_ok(const HeapBlock *b, int64_t i, TypeId want)
{
    return (uint64_t)i < (uint64_t)b->size && b->tags[i] == want;
}
/* The slow path: what exactly is wrong, for the trap message. */
const char *heap_problem(const HeapBlock *b, int64_t i, TypeId want, bool reading);

#endif
