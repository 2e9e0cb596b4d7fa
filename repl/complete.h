/* complete.h - completion candidates for an input being typed (complete.c). */
#ifndef XVM_COMPLETE_H
#define XVM_COMPLETE_H

#include "session.h"

/* The words that complete line[start..] (line ends at the cursor), given
 * line[0, start) before it: NULL-terminated, each beginning with that
 * word.  *files: the word is a file name (after :load), and the list is
 * empty. */
const char *const *complete_words(Session *s, const char *line, int start, bool *files);

#endif
