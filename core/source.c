/* source.c - source texts and the spans that point into them. */
#include "base.h"

#include <string.h>

Source *source_new(const char *name, const char *text, size_t len, int first_line)
{
    Source *s = gc_alloc(sizeof *s);
    s->name = gc_strdup(name);
    s->text = gc_strndup(text, len);
    s->len = len;
    s->first_line = first_line > 0 ? first_line : 1;
    return s;
}

Span source_span_join(Span a, Span b)
{
    if (!a.src)
        return b;
    if (!b.src || a.src != b.src)
        return a;
    Span r = a.off <= b.off ? a : b;
    uint32_t end_a = a.off + a.len, end_b = b.off + b.len;
    uint32_t end = end_a > end_b ? end_a : end_b;
    r.len = end - r.off;
    return r;
}
