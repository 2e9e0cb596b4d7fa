/* policy.h - when code becomes native code: the compile policy, a port the
 * session asks (policy.c, DESIGN §8 "compilation").
 *
 * A policy is a component whose module exports interface compile-policy
 * (stdlib/compile-policies.xvm): the stdlib's eager, after-n (the default),
 * never and background, or any component of the session's own.  The
 * executor calls the VM's hot hook when a procedure or subroutine has been
 * entered or has looped as often as it was told to wait; the hook asks the
 * policy, on a VM of its own, and compiles now, hands the code to a helper
 * thread, or leaves it threaded.  A policy only answers: whatever it does
 * (loop, trap, allocate) the code it was asked about just stays threaded. */
#ifndef XVM_POLICY_H
#define XVM_POLICY_H

#include "session.h"

typedef struct Policy Policy;

/* The session's policy, after-n, its hook installed on s->vm. */
Policy *policy_new(Session *s);
/* :set compile NAME: a stdlib policy or a component of the session's that
 * implements compile-policy.  On an error nothing changes. */
Error *policy_choose(Session *s, const char *name, Span at);
/* The name of the policy in use. */
const char *policy_name(const Session *s);
/* :compile NAME: compile procedure NAME's version in use now, whatever the
 * policy says; what happened, or why it cannot. */
Error *policy_compile(Session *s, const char *name, Span at, Buf *out);
/* :compile alone: the policy, what it was asked and what was compiled. */
void policy_report(Session *s, Buf *out);
/* :show NAME: a line "// vN runs ..." per version of procedure d the
 * session knows a tier of (the one in use always). */
void policy_show_tiers(Session *s, const Def *d, Buf *out);
/* Wait until the helper thread has compiled what it was given (for tests). */
void policy_drain(Session *s);

#endif
