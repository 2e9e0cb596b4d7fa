/* suggest.c - "did you mean ...?": the nearest known name to an unknown
 * one, and the hint every unknown-name error gives with it. */
#include "suggest.h"

#include <string.h>
#include <tre/tre.h>

/* TRE's approximate matching: the unknown name, as an anchored literal
 * pattern, against each candidate; the cheapest match within the allowed
 * number of edits wins (ties: the first candidate, so output is stable).
 * TRE charges two edits for a letter added right before '$' ("hid" is not
 * near "hide"), so both sides end in a sentinel that no name contains. */
#define SENTINEL '\x01'

static regex_t *literal_pattern(const char *name)
{
    Buf pat = {0};
    buf_putc(&pat, '^');
    for (const char *p = name; *p; p++) {
        if (strchr("\\^$.|?*+()[]{}", *p))
            buf_putc(&pat, '\\');
        buf_putc(&pat, *p);
    }
    buf_putc(&pat, SENTINEL);
    buf_putc(&pat, '$');
    regex_t *re = gc_alloc(sizeof *re);
    return tre_regcomp(re, buf_str(&pat), REG_EXTENDED | REG_NOSUB) == 0 ? re : NULL;
}

const char *suggest_name(const char *name, const char *const *candidates, uint32_t n)
{
    if (strlen(name) > 64)
        return NULL;
    regex_t *re = literal_pattern(name);
    if (!re)
        return NULL;
    regaparams_t params;
    tre_regaparams_default(&params);
    params.max_cost = strlen(name) <= 3 ? 1 : 2;
    const char *best = NULL;
    int best_cost = INT32_MAX;
    for (uint32_t i = 0; i < n; i++) {
        regamatch_t m = {0};
        if (candidates[i] && tre_regaexec(re, gc_printf("%s%c", candidates[i], SENTINEL), &m, params, 0) == 0 &&
            m.cost < best_cost) {
            best_cost = m.cost;
            best = candidates[i];
        }
    }
    tre_regfree(re);
    return best;
}

Error *suggest_unknown(Error *e, const char *name, const char *const *candidates, uint32_t n,
                       const char *fallback_fmt, ...)
{
    const char *near = suggest_name(name, candidates, n);
    if (near)
        return err_hint(e, "did you mean '%s'?", near);
    va_list ap;
    va_start(ap, fallback_fmt);
    e->hint = gc_vprintf(fallback_fmt, ap);
    va_end(ap);
    return e;
}

Error *suggest_unknown_as(Error *e, const char *shown, const char *name, const char *const *candidates, uint32_t n,
                          const char *fallback)
{
    const char *near = suggest_name(name, candidates, n);
    if (near)
        return err_hint(e, "did you mean %s?", gc_printf(shown, near));
    return fallback ? err_hint(e, "%s", fallback) : e;
}

const char **suggest_names(const void *records, uint32_t n, size_t stride, size_t at)
{
    const char **names = gc_calloc(n + 1, sizeof *names);
    for (uint32_t i = 0; i < n; i++)
        memcpy(&names[i], (const char *)records + i * stride + at, sizeof *names);
    return names;
}

const char **suggest_names_at(const void *const *records, uint32_t n, size_t at)
{
    const char **names = gc_calloc(n + 1, sizeof *names);
    for (uint32_t i = 0; i < n; i++)
        memcpy(&names[i], (const char *)records[i] + at, sizeof *names);
    return names;
}
