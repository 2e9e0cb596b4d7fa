/* fuzz.h - shared by the fuzz targets: a quiet session with small limits
 * fed a script line by line, as xvm-repl would be.  Commands that touch
 * files or lift limits are skipped: the targets explore the language. */
#ifndef XVM_FUZZ_H
#define XVM_FUZZ_H

#include "commands.h"
#include "input.h"
#include "interactive.h"
#include "print.h"
#include "trace.h"

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

static inline Repl *fuzz_repl(FILE *out, bool checked)
{
    Repl *r = gc_alloc(sizeof *r);
    r->s = session_new(out, "stdlib");
    r->s->vm = vm_new((VmLimits){.fuel = 20000, .stack_slots = 4096, .call_depth = 512, .max_block_words = 1 << 16},
                      out);
    r->s->verify_budget = 200000;
    r->s->trace_limit = 2000;
    r->s->checked = checked;
    r->quiet = true;
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
