/* suggest.h - the hint of every "unknown NAME" error: "did you mean 'X'?"
 * when a known name is a few edits away, else the error's own advice. */
#ifndef XVM_SUGGEST_H
#define XVM_SUGGEST_H

#include "base.h"

/* Closest known name to `name` among candidates (edit distance), or NULL.
 * NULL candidates are skipped. */
const char *suggest_name(const char *name, const char *const *candidates, uint32_t n);

/* Hint "did you mean 'NEAR'?" on e, else the fallback hint (a format). */
Error *suggest_unknown(Error *e, const char *name, const char *const *candidates, uint32_t n,
                       const char *fallback_fmt, ...) __attribute__((format(printf, 5, 6)));

/* The same for names written with a sigil: `shown` is a format for the
 * near name as the user writes it, "':%s'" for a command, "'.%s'" for a
 * directive.  A NULL fallback leaves e without a hint if nothing is near. */
Error *suggest_unknown_as(Error *e, const char *shown, const char *name, const char *const *candidates, uint32_t n,
                          const char *fallback);

/* The names of n records `stride` bytes apart, each with its name at
 * offset `at`; of n pointers to such records with suggest_names_at. */
const char **suggest_names(const void *records, uint32_t n, size_t stride, size_t at);
const char **suggest_names_at(const void *const *records, uint32_t n, size_t at);

/* The names of an array of n structs, or of n pointers to structs, with a
 * field `name`: SUGGEST_NAMES(iface->ops, iface->nops). */
#define SUGGEST_NAMES(arr, n) suggest_names((arr), (n), sizeof *(arr), offsetof(__typeof__(*(arr)), name))
#define SUGGEST_NAMES_AT(arr, n) \
    suggest_names_at((const void *const *)(arr), (n), offsetof(__typeof__(**(arr)), name))

#endif
