/* vec.h - growable arrays, the one way an array grows.
 *
 * A typed array is a pointer, a length and a uint32_t capacity in its
 * owner; VEC_PUSH appends, growing it by doubling.  Vec is such an array
 * of pointers.  Memory is libgc's: VEC_PUSH's items may hold pointers,
 * VEC_PUSH_ATOMIC's must not (the collector does not scan them, which is
 * what keeps large plain-data arrays cheap). */
#ifndef XVM_VEC_H
#define XVM_VEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { VEC_FIRST = 16 }; /* items allocated the first time */

/* The capacity to grow to from cap so need items fit: doubled, at least
 * VEC_FIRST and need, at most max (which wins over need). */
uint32_t vec_room(uint32_t cap, uint64_t need, uint32_t max);

/* A new zeroed array of cap items of elem bytes holding items' first len
 * (a size past size_t is out of memory). */
void *vec_moved(const void *items, uint32_t len, uint64_t cap, size_t elem, bool atomic);

/* items (len used, *cap allocated) with room for need: itself if it has the
 * room, else a grown copy (*cap updated).  Past 2^32 items: out of memory. */
void *vec_grow(void *items, uint32_t len, uint32_t *cap, uint64_t need, size_t elem, bool atomic);

/* Append the item (the last argument, which may hold commas) to arr, with
 * n items and room for cap.  arr, n and cap are evaluated more than once. */
#define VEC_PUSH_IN(atomic, arr, n, cap, ...)                                                  \
    do {                                                                                       \
        if ((n) >= (cap))                                                                      \
            (arr) = vec_grow((arr), (n), &(cap), (uint64_t)(n) + 1, sizeof *(arr), (atomic)); \
        (arr)[(n)] = (__VA_ARGS__);                                                            \
        (n)++;                                                                                 \
    } while (0)
#define VEC_PUSH(arr, n, cap, ...) VEC_PUSH_IN(false, arr, n, cap, __VA_ARGS__)
#define VEC_PUSH_ATOMIC(arr, n, cap, ...) VEC_PUSH_IN(true, arr, n, cap, __VA_ARGS__)

/* A growable array of pointers. */
typedef struct Vec {
    void **items;
    uint32_t len, cap;
} Vec;
void vec_push(Vec *v, void *item);
/* Where item is in v, or -1. */
int vec_index(const Vec *v, const void *item);

#endif
