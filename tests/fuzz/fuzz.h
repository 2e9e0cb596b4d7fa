/* fuzz.h - shared by the fuzz targets: a quiet session with small limits
 * fed a script line by line, as xvm-repl would be.  Commands that touch
 * files or lift limits are skipped: the targets explore the language. */
#ifndef XVM_FUZZ_H
#define XVM_FUZZ_H

#include "input.h"
#include "print.h"
#include "session.h"
#include "trace.h"
#include "xvm_internal.h"

#include <gc.h>
#include <stdlib.h>
#include <string.h>

static inline FILE *fuzz_sink(void)
{
    static FILE *null;
    if (!null)
        null = fopen("/dev/null", "w");
    return null;
}

/* The session beneath a Repl's state, and the errors its last input left
 * (NULL if it succeeded), as the session made them. */
static inline Session *fuzz_s(const Repl *r) { return xvm_session(r->X); }
static inline const Error *fuzz_last_error(const Repl *r) { return r->last_status ? xvm_errors(r->X) : NULL; }

/* A front end over a new state with output out, units from the stdlib. */
static inline Repl *fuzz_front(FILE *out, bool checked)
{
    Repl *r = gc_alloc(sizeof *r);
    r->X = xvm_open(out, "stdlib", checked ? XVM_CHECKED : 0);
    r->out = out;
    r->quit_status = -1;
    r->quiet = true;
    return r;
}

static inline Repl *fuzz_repl(FILE *out, bool checked)
{
    Repl *r = fuzz_front(out, checked);
    Session *s = fuzz_s(r);
    Vm *was = s->vm;
    s->vm = vm_new((VmLimits){.fuel = 20000, .stack_slots = 4096, .call_depth = 512, .max_block_words = 1 << 16},
                   out);
    s->vm->hot = was->hot; /* the compile policy's hook */
    s->vm->hot_ctx = was->hot_ctx;
    s->verify_budget = 200000;
    s->trace_limit = 2000;
    return r;
}

/* Commands allowed in fuzz input: none reads files or lifts a limit. */
static inline bool fuzz_line_ok(const char *line)
{
    static const char *const allowed[] = {":stack", ":facts", ":use ", ":show ", ":deps ", ":verify ", ":link ",
                                          ":module", ":trace ", ":step", ":continue", ":abandon", ":machines",
                                          ":trust "};
    while (*line == ' ' || *line == '\t')
        line++;
    if (*line != ':')
        return true;
    for (size_t i = 0; i < sizeof allowed / sizeof *allowed; i++)
        if (!strncmp(line, allowed[i], strlen(allowed[i])))
            return true;
    return false;
}

/* Split data into lines; call each(ctx, line) for the allowed ones. */
static inline void fuzz_lines(const uint8_t *data, size_t size, void (*each)(void *, const char *), void *ctx)
{
    if (size > 1 << 16 || memchr(data, 0, size))
        return;
    char *text = gc_strndup((const char *)data, size);
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        if (fuzz_line_ok(line))
            each(ctx, line);
}

#endif
