/* query.h - private to repl/: what the session's definitions are. */
#ifndef XVM_QUERY_H
#define XVM_QUERY_H

#include "session.h"

/* "nothing named NAME" (kind DEF__COUNT) or "no KIND named NAME", with the
 * nearest name that exists or where to look. */
Error *query_unknown(Session *s, const char *name, Span at, DefKind kind);
/* :show NAME - the definition printed back in the language. */
Error *query_show(Session *s, const char *name, Span at, Buf *out);
/* :graph NAME - Graphviz DOT of a machine's components, ports and links. */
Error *query_graph(Session *s, const char *name, Span at, Buf *out);
/* :graph NAME FILE - the DOT written to FILE (.dot, .gv), or drawn into it by
 * Graphviz's dot (.svg, .png, .pdf); path_at is FILE's span. */
Error *query_graph_file(Session *s, const char *name, Span at, const char *path, Span path_at);
/* :verify NAME - per-block verification states of a procedure or operation. */
Error *query_verify_log(Session *s, const char *name, Span at, Buf *out);
/* :deps NAME */
Error *query_deps(Session *s, const char *name, Span at, Buf *out);
/* :apropos REGEX: definitions whose name or text matches (TRE). */
Error *query_apropos(Session *s, const char *pattern, Span at, Buf *out);
/* The names of live definitions of a kind (DEF__COUNT: all). */
void query_list(Session *s, DefKind kind, Buf *out);

#endif
