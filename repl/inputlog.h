/* inputlog.h - the inputs of a session, for :history (inputlog.c): at most
 * `:set history` of them, the oldest dropped first. */
#ifndef XVM_INPUTLOG_H
#define XVM_INPUTLOG_H

#include "base.h"

typedef struct InputLog {
    Vec kept;         /* const char*: items[first..len) are the inputs kept, oldest first */
    uint32_t first;
    uint64_t dropped; /* inputs no longer kept: the first kept one is number dropped + 1 */
} InputLog;

/* Keep text (copied), then drop the oldest while more than most are kept. */
void inputlog_record(InputLog *l, const char *text, uint64_t most);
/* Drop the oldest while more than most are kept (:set history lowered). */
void inputlog_trim(InputLog *l, uint64_t most);
/* How many are kept, and the i-th of them (0: the oldest kept). */
uint32_t inputlog_count(const InputLog *l);
const char *inputlog_get(const InputLog *l, uint32_t i);

#endif
