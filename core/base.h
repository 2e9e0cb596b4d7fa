/* base.h - memory, strings, source spans and error values shared by every
 * layer; each section names the file that defines it.
 *
 * All long-lived memory comes from libgc.  Errors are values: a function
 * that can fail returns an Error* (NULL on success) carrying a source span,
 * a message, an optional hint ("what to do") and notes; only repl prints. */
#ifndef XVM_BASE_H
#define XVM_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vec.h"

#define XVM_VERSION "0.1.0"

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define countof(a)  (sizeof(a) / sizeof((a)[0]))

/* ---- memory (libgc; gc.c) ---------------------------------------------- */

/* Not named xmalloc & co.: readline exports those names, and ours would
 * interpose them, handing readline GC memory that it then free()s. */

/* Start the collector from main(), on the main thread: GC_INIT with the
 * stack's base taken from the C library. */
void gc_start_main(void);
void *gc_alloc(size_t n);              /* scanned, zeroed; aborts only on OOM */
void *gc_alloc_atomic(size_t n);       /* not scanned (bytes), zeroed */
void *gc_realloc(void *p, size_t n);
void *gc_calloc(size_t n, size_t size); /* overflow-checked n*size, scanned */
char *gc_strdup(const char *s);
char *gc_strndup(const char *s, size_t n);
char *gc_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *gc_vprintf(const char *fmt, va_list ap);

/* A growable string (buf.c). */
typedef struct Buf {
    char *s;
    size_t len, cap;
} Buf;
void buf_putc(Buf *b, char c);
void buf_puts(Buf *b, const char *s);
void buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *buf_str(Buf *b); /* never NULL */

/* ---- limits ------------------------------------------------------------- */

/* Every layer checks limits (config_limits and the fixed ones): config.h. */
#include "config.h"

/* ---- sources and spans (source.c) --------------------------------------- */

typedef struct Source {
    const char *name; /* file name, or "<input>" for typed text */
    const char *text; /* NUL-terminated */
    size_t len;
    int first_line;   /* line number of text[0] (REPL inputs count on) */
    const char *display; /* if set: what error lines show instead of text
                          * (same length; e.g. a command line before its
                          * command word was blanked out for parsing) */
} Source;

typedef struct Span {
    const Source *src;
    uint32_t off, len;  /* byte range in src->text */
    uint32_t line, col; /* 1-based */
} Span;

Source *source_new(const char *name, const char *text, size_t len, int first_line);
Span source_span_join(Span a, Span b); /* smallest span covering both (same source) */

/* ---- errors (err.c) ------------------------------------------------------ */

/* Stable diagnostic codes: tests assert these, messages may be reworded. */
#define XVM_ERROR_CODES(X)                                                   \
    X(E_SYNTAX,   "syntax")                                                  \
    X(E_LIMIT,    "limit")                                                   \
    X(E_UNKNOWN,  "unknown name")                                            \
    X(E_DEFINE,   "bad definition")                                          \
    X(E_ARGS,     "bad arguments")                                           \
    X(E_STACK,    "stack")                                                   \
    X(E_TYPE,     "type")                                                    \
    X(E_JOIN,     "join")                                                    \
    X(E_CFG,      "control flow")                                            \
    X(E_EFFECT,   "effect")                                                  \
    X(E_BUDGET,   "verification budget")                                     \
    X(E_TRAP,     "trap")                                                    \
    X(E_TRUST,    "trust")                                                   \
    X(E_FACT,     "fact")                                                    \
    X(E_CONTRACT, "contract")                                                \
    X(E_IO,       "input/output")                                            \
    X(E_USAGE,    "usage")

typedef enum {
#define X(c, s) c,
    XVM_ERROR_CODES(X)
#undef X
    E__COUNT
} ErrorCode;

typedef struct Note {
    Span span;          /* span.src may be NULL: a note with no location */
    const char *msg;
    struct Note *next;
} Note;

typedef struct Error {
    ErrorCode code;
    Span span;
    const char *msg;    /* what was wrong */
    const char *hint;   /* what to do (may be NULL) */
    const char *detail; /* multi-line block, e.g. a verification state */
    Note *notes;
    struct Error *next; /* further errors of the same transaction */
} Error;

Error *err_new(ErrorCode code, Span span, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
Error *err_hint(Error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
Error *err_note(Error *e, Span span, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
Error *err_detail(Error *e, const char *text);
Error *err_append(Error *list, Error *e); /* chain e after list; returns head */
const char *err_code_name(ErrorCode c);

/* How an error is shown to people (its source line, the caret, notes,
 * detail, hint) is repl/render.c's, from the API's values (repl/xvm.h). */

#endif
