/* inputlog.c - the inputs of a session for :history, bounded by :set
 * history: each kept input stays in memory, so a long session must not
 * keep them all.  The oldest go first; their numbers stay counted, so
 * :history numbers an input the same however many were dropped. */
#include "inputlog.h"

#include <string.h>

void inputlog_trim(InputLog *l, uint64_t most)
{
    while (inputlog_count(l) > most) {
        l->kept.items[l->first++] = NULL; /* the collector may take it */
        l->dropped++;
    }
    /* Move the kept ones down once the dropped slots are half: appending
     * and dropping stay amortised O(1), and the array within twice most. */
    if (l->first > VEC_FIRST && l->first >= l->kept.len / 2) {
        uint32_t n = inputlog_count(l);
        memmove(l->kept.items, l->kept.items + l->first, n * sizeof *l->kept.items);
        memset(l->kept.items + n, 0, l->first * sizeof *l->kept.items);
        l->kept.len = n;
        l->first = 0;
    }
}

void inputlog_record(InputLog *l, const char *text, uint64_t most)
{
    if (!most) { /* :set history 0: keep nothing, count it */
        l->dropped++;
        return;
    }
    vec_push(&l->kept, gc_strdup(text));
    inputlog_trim(l, most);
}

uint32_t inputlog_count(const InputLog *l) { return l->kept.len - l->first; }

const char *inputlog_get(const InputLog *l, uint32_t i)
{
    return i < inputlog_count(l) ? l->kept.items[l->first + i] : NULL;
}
