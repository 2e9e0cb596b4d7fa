/* live.h - private to repl/: changing a running machine. */
#ifndef XVM_LIVE_H
#define XVM_LIVE_H

#include "session.h"

/* :link [--dry-run] (P, PORT), (C, PORT): src holds the two pairs. */
Error *live_link(Session *s, const Source *src, bool dry_run);
/* :module NAME: where a top-level .define_operation then goes. */
Error *live_select_module(Session *s, const char *name, Span at);
/* :reload, and the record of loaded files it works from. */
void live_remember_file(Session *s, const char *path, const char *text, Principal p);
Error *live_reload(Session *s, Span at);

#endif
