/* trace.h - private to repl/: stepping through real execution beside the
 * verifier's simulation (trace.c). */
#ifndef XVM_TRACE_H
#define XVM_TRACE_H

#include "session.h"

/* :trace CODE: verify, then run one step at a time beside the simulation;
 * terminal: the output is an interactive terminal, where trace-layout auto
 * is a table fitted to its width (else one plain line per step). */
Error *trace_run(Session *s, const Source *src, bool terminal);
/* :step CODE starts a run suspended after one step (src NULL: one more
 * step); :continue runs it to the end; :abandon drops it.  While it is
 * suspended, definitions may change: frames already running keep the
 * version they started with, new calls take the new one. */
Error *trace_step(Session *s, const Source *src, bool terminal);
Error *trace_continue(Session *s);
Error *trace_abandon(Session *s);
/* While a :step run is suspended, its real stack (as session_print_stack)
 * or its simulated stack and facts (as session_print_facts), with a line
 * saying so; false (and nothing printed) when no run is suspended. */
bool trace_print_stack(Session *s, Buf *out);
bool trace_print_facts(Session *s, Buf *out);

#endif
