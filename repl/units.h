/* units.h - private to repl/: units loaded by name from the search path,
 * and reading a source file whole. */
#ifndef XVM_UNITS_H
#define XVM_UNITS_H

#include "session.h"

/* Load unit U into the open transaction txn (the DefCtx.load_unit callback). */
Error *units_load(void *txn, const char *unit, Span at);
/* A whole file, refusing what is too large, not text, or unreadable. */
/* A file's bytes, whatever they are (a .wast script's strings may hold
 * NUL), up to the size any file may have. */
Error *units_read_bytes(const char *path, Span at, char **text, size_t *len);
Error *units_read_file(const char *path, Span at, char **text, size_t *len);
/* The units on the search path (NAME for each NAME.xvm), sorted. */
const char **units_on_path(const Session *s, uint32_t *n);
/* e, a failed :load of path, with a hint if path looks like a unit's name. */
Error *units_suggest(const Session *s, const char *path, Error *e);

#endif
