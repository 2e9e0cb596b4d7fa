/* session.h - the live session: workspace, the current machine, the REPL's
 * stack and its verification state, and the transaction that takes one
 * input from text to a verified, compiled, running result.  Knows nothing
 * of readline. */
#ifndef XVM_SESSION_H
#define XVM_SESSION_H

#include "define.h"
#include "flatten.h"
#include "inputlog.h"
#include "vm.h"
#include "verify.h"

#include <stdio.h>

typedef struct LoadedFile {
    const char *path;
    const char *text;    /* as last loaded, to see what :reload must take again */
    Principal principal; /* who loaded it: :reload takes it again as them */
    const char *machine; /* the machine in use when it was loaded (NULL: core) */
} LoadedFile;

typedef struct Trace Trace; /* a stepped run (trace.c) */
struct Policy;              /* the compile policy (policy.c) */

typedef struct Session {
    Workspace *ws;
    Vm *vm;
    VState *vs;          /* simulated REPL stack, in step with vm's stack */
    Machine *machine;    /* what REPL code and new procedures run over */
    Def *machine_def;    /* its handle (NULL: core-machine) */
    Principal principal; /* whose input this is (:trust) */
    FILE *out;           /* results and program output */
    CONFIG_SETTINGS(CONFIG_MEMBER_SESSION) /* verify_budget, trace_limit, history, compile ... */
    struct Policy *policy; /* asked when code has run a while: compile it to native code? */
    Vec loaded_units;    /* unit names already loaded */
    Vec search_path;     /* directories for units, in order */
    const char *stdlib_dir;
    Vec files;           /* LoadedFile*: what :load read, for :reload */
    const char *module_sel; /* :module NAME: where top-level .define_operation goes */
    Trace *active;       /* a :step run suspended between steps, or NULL */
    /* Ends the active run when a commit makes it unsafe to go on; set with
     * it by trace.c, so the transaction need not know how runs are kept. */
    void (*drop_active)(struct Session *s, const char *why);
    bool checked;        /* run on the checked stepper, every check on */
    bool quiet;          /* --quiet: no informational messages (loaded, defined, using ...) on out */
    bool verify_only;    /* --verify-only: commit definitions, verify code, run nothing; the
                          * simulated stack goes on as if each input had run (vm's stays) */
    VState *vs_real;     /* while verify_only: vs as it was in step with vm's stack (session_real_vs) */
    uint64_t violations; /* checks in checked mode that verification should have made impossible */
    double last_verify_ms, last_run_ms;
    InputLog inputs;     /* the inputs submitted, as typed: the last `history` of them (:history) */
    bool forth;          /* :forth, --forth: code inputs are Forth until :xvm (forth.c) */
    bool interactive;    /* a person watches out: :trace and :step may draw a table on it */
    bool quit;           /* :quit was given: the front end should end the session */
    int quit_status;     /* its N, or -1 */
} Session;

/* stdlib_dir: where the installed (or uninstalled) stdlib lives, or NULL. */
Session *session_new(FILE *out, const char *stdlib_dir);

/* Evaluate one input (definitions and code): parse, stage definitions,
 * verify everything against the current state, then commit and run.  If
 * anything fails nothing changes: not the definitions, not the stack. */
Error *session_eval(Session *s, const Source *src);
/* The same, with the principal given (for :load --untrusted). */
Error *session_eval_as(Session *s, const Source *src, Principal p);
/* The same for a unit already parsed (a front end's, spans into its own
 * source: repl/forth.c); src ends the input. */
Error *session_eval_unit(Session *s, const Node *unit, const Source *src, Principal p);
/* The same up to the commit, which it leaves out: nothing changes, and the
 * error is what running the unit would have found before it ran. */
Error *session_check_unit(Session *s, const Node *unit, const Source *src, Principal p);

/* A definition given again (typed, :link, :module): one transaction with
 * its dependants; dry_run reports the plan and changes nothing. */
Error *session_redefine(Session *s, const Node *stmt, bool dry_run);
/* Several files as one transaction (:load of several files, :reload);
 * defs_only skips their code. */
Error *session_eval_files(Session *s, const Source *const *srcs, uint32_t n, Principal p, bool defs_only);
/* The one way code gets ready to run, whatever runs it (an input, a file,
 * :trace, :step, :time): lowered over the machine in use as the open
 * transaction leaves it, and held to p's trust rules. */
Error *session_lower_code(Session *s, Principal p, Node *const *stmts, uint32_t n, Body *code);

/* A run that stops early (a trap, :abandon) puts the stack back as it was
 * before it; but a linear value it may have popped (at or above low, the
 * shallowest its code takes the stack) may be consumed already, and so may
 * the value of a linear state slot its code takes from (a slot is empty
 * from state_get to state_set).  Putting them back would let them be used
 * twice: those values are left out of the stack and those slots start
 * again from the zero of their representation, as new slots do (leaked,
 * never doubled).  Returns what was done, for a message, or NULL. */
const char *session_forget_taken(Session *s, const struct Code *code, uint32_t low);
/* The same for a run that stopped with error e, which then says so. */
Error *session_stopped_run(Session *s, const struct Code *code, uint32_t low, Error *e);

/* :use NAME */
Error *session_use(Session *s, const char *name, Span at);

/* Print the REPL stack: "<2> 3 <ref 2 words>". */
void session_print_stack(Session *s, Buf *out);
/* Print the simulated stack with identities, types and named facts. */
void session_print_facts(Session *s, Buf *out);

/* A setting's value (config.h's table), and storing one already checked
 * against its bounds (the stack and call depth reallocate what they bound). */
uint64_t session_setting(Session *s, const ConfigSetting *st);
Error *session_set(Session *s, const ConfigSetting *st, uint64_t v);

double session_now_ms(void);

/* The simulated state in step with vm's stack: vs, or under verify_only
 * (where vs goes on as if inputs had run) the one from before. */
const VState *session_real_vs(const Session *s);
/* Enter or leave verify-only mode: leaving it takes the state in step with
 * vm's stack back, so no code is ever run against a stack it was not
 * verified on. */
void session_set_verify_only(Session *s, bool on);

/* Keep an input's text for :history (scripts and the terminal alike). */
void session_record_input(Session *s, const char *text);

#endif
