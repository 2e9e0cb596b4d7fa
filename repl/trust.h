/* trust.h - private to repl/: the trust rules of DESIGN §4.4 that depend
 * on the session (who may replace what, whose code may call or run over
 * what).  Each rule is written here once; core and verify hold the rules
 * that need no session (ownership of keys, .access of machines). */
#ifndef XVM_TRUST_H
#define XVM_TRUST_H

#include "session.h"

/* Keys declared at top level belong to the session's principal: trusted
 * input and untrusted input are different owners. */
const char *trust_owner(Principal p);
/* May a version written by `by` (staged by input from `input`) replace d's
 * installed version?  rebuilding: d is a dependant built again. */
/* Whether a session's declaration (old) passes to the module that declares
 * it again (neu): same principal, from a session to a module. */
bool trust_hands_over(const DefHead *old, const DefHead *neu);
Error *trust_check_replace(const Def *d, const DefHead *neu, Principal input, bool rebuilding, Span at);
/* Untrusted code may call only procedures over machines open to it. */
Error *trust_check_calls(Workspace *ws, Principal p, const Body *b);
/* May p's `what` (procedure, code) run over m? */
Error *trust_check_over(Principal p, const struct Machine *m, Span at, const char *what);

/* Verification options for code p wrote, in this session. */
VerifyOpts trust_verify_opts(const Session *s, Principal p, Buf *log);

#endif
