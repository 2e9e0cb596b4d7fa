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
/* Byte i of a block (load8, store8): in range (a negative index wraps to a
 * huge one) and inside an int word, so no byte of a ref is ever seen or
 * forged. */
static inline bool heap_byte_in_range(const HeapBlock *b, int64_t i)
{
    return ((uint64_t)i >> 3) < (uint64_t)b->size;
}
static inline bool heap_byte_ok(const HeapBlock *b, int64_t i)
{
    return heap_byte_in_range(b, i) && b->tags[(uint64_t)i >> 3] == TY_INT;
}
/* What is wrong with byte i, for the trap message. */
const char *heap_byte_problem(const HeapBlock *b, int64_t i);
/* The byte's value, and the word with byte i replaced by v's low 8 bits. */
static inline int64_t heap_byte_get(const HeapBlock *b, int64_t i)
{
    return (int64_t)(((uint64_t)b->words[i >> 3] >> ((i & 7) * 8)) & 255);
}
static inline void heap_byte_put(HeapBlock *b, int64_t i, int64_t v)
{
    unsigned sh = (unsigned)(i & 7) * 8;
    uint64_t w = (uint64_t)b->words[i >> 3];
    b->words[i >> 3] = (Value)((w & ~((uint64_t)255 << sh)) | (((uint64_t)v & 255) << sh));
}

#endif
