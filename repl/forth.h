/* forth.h - the Forth front end (forth.c): a Forth program becomes XVM
 * definitions and code over forth-machine, run through the session. */
#ifndef XVM_FORTH_H
#define XVM_FORTH_H

#include "session.h"

#include <stdio.h>

/* path names a Forth source: it ends in .fs, .fth or .4th. */
bool forth_is_source(const char *path);

/* Run the Forth program in src over forth-machine: definitions become
 * procedures (their stack comments the verified effects), interpreted
 * words run as they come, as gforth runs them.  Stops at BYE or at the
 * first error, which points into src. */
Error *forth_eval(Session *s, const Source *src);

/* The same, as principal as's input (:load --untrusted FILE.fs).  The
 * words it defines stay in the session's Forth dictionary for later
 * Forth input; each colon definition is a procedure of forth-machine,
 * named as the word (docs/forth.md, "Calling Forth from XVM"). */
Error *forth_eval_as(Session *s, const Source *src, Principal as);

/* :forth, --forth: select forth-machine (as the first Forth input does)
 * and take what is typed next as Forth, until :xvm. */
Error *forth_mode_start(Session *s);

/* In Forth mode: text is a Forth input still waiting for the ; of a colon
 * definition (false for a command line). */
bool forth_is_open(const char *text);

#endif
