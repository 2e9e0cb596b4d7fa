/* xvm.h - the embedding API (xvm.c): XVM as a library, in the manner of
 * Lua's C API.  A host creates a session (xvm_State), loads an input (text
 * or a file: definitions and code, as one input of xvm-repl), verifies it
 * or runs it, reads and pushes stack items, lists the definitions, and gets
 * every error as a structured value.  The library prints nothing but the
 * program's own output (`print`, `emit`), and what colon commands show
 * (xvm_input), on the FILE the session was given.
 *
 * Memory: XVM allocates from libgc (the Boehm collector).  xvm_new calls
 * GC_INIT itself; the host must not free() anything XVM returns.  Strings
 * the API returns (messages, names) stay valid until the next call that
 * loads, verifies or runs on the same state (xvm_input, xvm_complete
 * too), or until xvm_close.  A state
 * belongs to the thread that made it.  The documentation, with a complete
 * example, is docs/embedding.md; link with `pkg-config --libs xvm`. */
#ifndef XVM_H
#define XVM_H

#include <stdint.h>
#include <stdio.h>

#if defined(__GNUC__)
#define XVM_API __attribute__((visibility("default")))
#else
#define XVM_API
#endif

#define XVM_VERSION_STRING "0.1.0"

/* Results of every call that can fail. */
enum {
    XVM_OK = 0,
    XVM_ESYNTAX = 1, /* the input does not parse: nothing changed */
    XVM_EVERIFY = 2, /* rejected before anything ran (unknown name, type, effect, trust, limit): nothing changed */
    XVM_ERUN = 3,    /* a trap while running: the stack is as it was before the run */
    XVM_EIO = 4,     /* a file cannot be read */
    XVM_EUSAGE = 5   /* the API used wrongly: no input loaded, a bad index, an unknown setting */
};

/* Types of stack items. */
enum { XVM_TNONE = -1, XVM_TINT = 1, XVM_TREF = 2 };

/* Principals: whose input is loaded next (DESIGN §4.4). */
enum { XVM_TRUSTED = 0, XVM_UNTRUSTED = 1 };

/* Flags of xvm_open and xvm_setflags. */
enum {
    XVM_QUIET = 1,       /* no informational messages ("defined procedure ...") on the output */
    XVM_CHECKED = 2,     /* run on the checked executor, every run-time check on */
    XVM_VERIFY_ONLY = 4, /* xvm_input and xvm_run verify and install, never run (xvm-repl --verify-only) */
    XVM_INTERACTIVE = 8, /* a person watches the output: :trace and :step may draw a table on it */
    XVM_FORTH = 16       /* xvm_input takes code as Forth over forth-machine (:forth; docs/forth.md) */
};

typedef struct xvm_State xvm_State;

/* ---- the state ---------------------------------------------------------------------------- */

/* A new session over the core machine: output to stdout, quiet, the
 * stdlib from $XVM_STDLIB or the installed PREFIX/share/xvm/stdlib, units
 * also searched in . and $XVM_PATH.  NULL if out of memory. */
XVM_API xvm_State *xvm_new(void);
/* The same with the output (NULL: stdout), the stdlib directory (NULL: as
 * xvm_new) and flags (XVM_QUIET, XVM_CHECKED). */
XVM_API xvm_State *xvm_open(FILE *out, const char *stdlib_dir, unsigned flags);
/* End the session; X must not be used again.  NULL is allowed.  Called
 * from inside a call on X (its output's writer calling back), it ends the
 * session when that call returns. */
XVM_API void xvm_close(xvm_State *X);
XVM_API const char *xvm_version(void);
/* The flags (XVM_QUIET, ...) now, and setting them all at once: turning
 * XVM_FORTH on loads forth-machine (it may fail, leaving the flags as
 * they were); an unknown bit is XVM_EUSAGE. */
XVM_API unsigned xvm_getflags(xvm_State *X);
XVM_API int xvm_setflags(xvm_State *X, unsigned flags);

/* Every call on a NULL state fails (XVM_EUSAGE, or 0, NULL, XVM_TNONE),
 * and so does every call but xvm_interrupt and xvm_close made from inside
 * a call on the same state (a FILE whose writer calls back into X). */

/* ---- inputs ------------------------------------------------------------------------------- */

/* Load text as the next input, named name in messages (NULL: "<input>"),
 * its first line numbered 1.  Only parses: XVM_ESYNTAX if it does not.
 * The input stays loaded until xvm_verify or xvm_run takes it. */
XVM_API int xvm_load(xvm_State *X, const char *text, const char *name);
/* Load a file's text as the next input (XVM_EIO if it cannot be read).
 * A file named *.fs, *.fth or *.4th is Forth: xvm_run runs it over
 * forth-machine word by word, as gforth would (docs/forth.md). */
XVM_API int xvm_loadfile(xvm_State *X, const char *path);
/* Take the loaded input and verify it, running nothing: its definitions
 * are verified and installed (so later inputs may use them, as xvm-repl
 * --verify-only does), its code is verified against the stack and not
 * run; the stack does not change. */
XVM_API int xvm_verify(xvm_State *X);
/* Take the loaded input as one transaction: verify everything, then
 * install its definitions and run its code on the stack.  On any error
 * nothing changes (a trap puts the stack back as it was). */
XVM_API int xvm_run(xvm_State *X);
/* xvm_load and xvm_run; xvm_loadfile and xvm_run. */
XVM_API int xvm_dostring(xvm_State *X, const char *text, const char *name);
XVM_API int xvm_dofile(xvm_State *X, const char *path);
/* What code of later inputs runs over, as :use does: a machine's name, or
 * "core-machine" (the start). */
XVM_API int xvm_use(xvm_State *X, const char *machine);
/* Ask a run or verification under way to stop (safe from a signal
 * handler): it fails with XVM_ERUN or XVM_EVERIFY, changing nothing. */
XVM_API void xvm_interrupt(xvm_State *X);

/* ---- inputs as xvm-repl takes them ------------------------------------------------------ */

/* One complete input as typed at xvm-repl: a colon command (":show f",
 * ":set fuel 10", ":history"), or definitions and code as xvm_dostring
 * (Forth under XVM_FORTH), its first line numbered first_line (1 or
 * more) in errors.  Blank text does nothing; other text is kept for
 * :history.  A command writes what it shows on the state's output.
 * Commands are the user's, as at the keyboard: :load reads any file,
 * :save writes one, :trust trusted lifts XVM_UNTRUSTED.  So this is for
 * text the host's user typed; other code goes through xvm_dostring. */
XVM_API int xvm_input(xvm_State *X, const char *text, const char *name, int first_line);
/* 1 once an input gave :quit, with *status (may be NULL) its N, or -1;
 * the state still works. */
XVM_API int xvm_quitasked(xvm_State *X, int *status);
/* The machine code runs over ("core-machine" at the start), and whether a
 * :step run is suspended (then code inputs are refused until :continue or
 * :abandon). */
XVM_API const char *xvm_machine(xvm_State *X);
XVM_API int xvm_stepping(xvm_State *X);
/* Completions of the word line[start, end) of an input being typed, from
 * what comes before it: commands after ':', settings after ":set",
 * components and ports after ":link", a lattice's elements in a tick
 * operation, units after .load_modules, else operations, definitions and
 * directives.  A NULL-terminated list of whole words, each beginning with
 * the word; *files (may be NULL) is 1 if the word is a file name instead
 * (after :load: the host completes it).  NULL for a bad range. */
XVM_API const char *const *xvm_complete(xvm_State *X, const char *line, int start, int end, int *files);

/* ---- the stack ---------------------------------------------------------------------------- */
/* Index 1 is the bottom item, gettop the top one; -1 is the top, -2 the
 * one below it.  Items are ints or refs (heap blocks); a ref is opaque: it
 * can be inspected and copied, never made from a number. */

XVM_API int xvm_gettop(xvm_State *X);
/* XVM_TINT, XVM_TREF, or XVM_TNONE if there is no item idx. */
XVM_API int xvm_type(xvm_State *X, int idx);
/* The int at idx; *isint (may be NULL) says whether it is one (else 0). */
XVM_API int64_t xvm_toint(xvm_State *X, int idx, int *isint);
/* Words in the block the ref at idx refers to; -1 if it is not a ref. */
XVM_API int64_t xvm_refwords(xvm_State *X, int idx);
/* Push an int; push a copy of the item at idx (the same item: what
 * verification knows of it, e.g. its parity, holds for the copy). */
XVM_API int xvm_pushint(xvm_State *X, int64_t v);
XVM_API int xvm_pushvalue(xvm_State *X, int idx);
/* Remove the top n items. */
XVM_API int xvm_pop(xvm_State *X, int n);

/* ---- definitions -------------------------------------------------------------------------- */

typedef struct xvm_Def {
    const char *name;
    const char *kind;      /* "procedure", "interface", "module", "machine", "lattice", "key" */
    int version;           /* 1, 2, ... */
    const char *principal; /* "trusted" or "untrusted": who wrote it */
} xvm_Def;

/* Installed definitions, in the order they were first defined. */
XVM_API int xvm_defcount(xvm_State *X);
/* The i-th (0-based) into *d; 0 if there is none. */
XVM_API int xvm_getdef(xvm_State *X, int i, xvm_Def *d);

/* ---- errors ------------------------------------------------------------------------------- */
/* The last call that failed leaves its errors (one input may have
 * several); any later call that can fail clears them first. */

typedef struct xvm_Error {
    const char *code;     /* stable: "E_TYPE", "E_SYNTAX", ... (docs/reference.md) */
    const char *message;  /* what was wrong */
    const char *hint;     /* what to do, or NULL */
    const char *detail;   /* a multi-line block (e.g. a verification state), or NULL */
    const char *file;     /* the input's name or file, or NULL: no place */
    int line, column;     /* 1-based; 0 with no place */
    int end_line, end_column; /* where the span ends (the column after its last byte) */
    int nnotes;
    /* For showing the place, as xvm_errtext does: the text of the line the
     * span is on (NULL with no place), the byte in it where the span
     * starts (0-based) and how many of its bytes the span covers (0: a
     * point).  The caret goes there, which for a span at the end of an
     * input is the line's end, whatever column says. */
    const char *source_line;
    int caret_offset, caret_length;
} xvm_Error;

typedef struct xvm_Note {
    const char *message;
    const char *file; /* NULL: the note has no place */
    int line, column;
    int end_line, end_column;        /* as xvm_Error's */
    const char *source_line;         /* as xvm_Error's */
    int caret_offset, caret_length;
} xvm_Note;

XVM_API int xvm_errcount(xvm_State *X);
/* The i-th error (0-based) into *e; 0 if there is none. */
XVM_API int xvm_geterror(xvm_State *X, int i, xvm_Error *e);
/* Note j of error i into *n; 0 if there is none. */
XVM_API int xvm_getnote(xvm_State *X, int i, int j, xvm_Note *n);
/* Error i as xvm-repl prints it (with the source line and caret), or NULL. */
XVM_API const char *xvm_errtext(xvm_State *X, int i);

/* ---- limits and the principal --------------------------------------------------------------- */
/* Settings are those of :set (docs/reference.md), by name: "fuel",
 * "verify-budget", "stack", "heap-limit", ...; a choice by its number.
 * The parsing and verification limits (body-insns, nesting, op-nesting,
 * tick-stack, line-bytes, input-bytes) are shared by every state of the
 * process. */
XVM_API int xvm_setlimit(xvm_State *X, const char *name, uint64_t value);
XVM_API int xvm_getlimit(xvm_State *X, const char *name, uint64_t *value);
/* Whose inputs are loaded next: XVM_TRUSTED (the default) or XVM_UNTRUSTED. */
XVM_API int xvm_setprincipal(xvm_State *X, int principal);
XVM_API int xvm_getprincipal(xvm_State *X);

#endif
