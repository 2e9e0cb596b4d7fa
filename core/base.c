/* base.c - libgc-backed memory, growable buffers, spans and error values. */
#include "base.h"

#include <gc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *oom(size_t n)
{
    /* Out of memory is the one failure no layer can turn into a value. */
    fprintf(stderr, "xvm: out of memory allocating %zu bytes\n", n);
    abort();
}

void *gc_alloc(size_t n)
{
    void *p = GC_MALLOC(n ? n : 1);
    return p ? p : oom(n);
}

void *gc_alloc_atomic(size_t n)
{
    void *p = GC_MALLOC_ATOMIC(n ? n : 1);
    if (!p)
        return oom(n);
    memset(p, 0, n ? n : 1);
    return p;
}

void *gc_realloc(void *p, size_t n)
{
    void *q = GC_REALLOC(p, n ? n : 1);
    return q ? q : oom(n);
}

void *gc_calloc(size_t n, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(n, size, &total))
        return oom(SIZE_MAX);
    return gc_alloc(total);
}

char *gc_strndup(const char *s, size_t n)
{
    char *d = gc_alloc_atomic(n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

char *gc_strdup(const char *s) { return gc_strndup(s, strlen(s)); }

char *gc_vprintf(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        n = 0;
    char *s = gc_alloc_atomic((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

char *gc_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = gc_vprintf(fmt, ap);
    va_end(ap);
    return s;
}

static void buf_reserve(Buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *s = gc_alloc_atomic(cap);
    if (b->len)
        memcpy(s, b->s, b->len);
    b->s = s;
    b->cap = cap;
}

void buf_putc(Buf *b, char c)
{
    buf_reserve(b, 1);
    b->s[b->len++] = c;
    b->s[b->len] = 0;
}

void buf_puts(Buf *b, const char *s)
{
    size_t n = strlen(s);
    buf_reserve(b, n);
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

void buf_printf(Buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = gc_vprintf(fmt, ap);
    va_end(ap);
    buf_puts(b, s);
}

const char *buf_str(Buf *b) { return b->s ? b->s : ""; }

/* ---- sources and spans ------------------------------------------------- */

Source *source_new(const char *name, const char *text, size_t len, int first_line)
{
    Source *s = gc_alloc(sizeof *s);
    s->name = gc_strdup(name);
    s->text = gc_strndup(text, len);
    s->len = len;
    s->first_line = first_line > 0 ? first_line : 1;
    return s;
}

Span span_join(Span a, Span b)
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

/* ---- errors ------------------------------------------------------------ */

static const char *const code_names[] = {
#define X(c, s) #c,
    XVM_ERROR_CODES(X)
#undef X
};

const char *err_code_name(ErrorCode c)
{
    return (unsigned)c < E__COUNT ? code_names[c] : "E_?";
}

Error *err_new(ErrorCode code, Span span, const char *fmt, ...)
{
    Error *e = gc_alloc(sizeof *e);
    va_list ap;
    va_start(ap, fmt);
    e->msg = gc_vprintf(fmt, ap);
    va_end(ap);
    e->code = code;
    e->span = span;
    return e;
}

Error *err_hint(Error *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    e->hint = gc_vprintf(fmt, ap);
    va_end(ap);
    return e;
}

Error *err_note(Error *e, Span span, const char *fmt, ...)
{
    Note *n = gc_alloc(sizeof *n);
    va_list ap;
    va_start(ap, fmt);
    n->msg = gc_vprintf(fmt, ap);
    va_end(ap);
    n->span = span;
    Note **p = &e->notes;
    while (*p)
        p = &(*p)->next;
    *p = n;
    return e;
}

Error *err_detail(Error *e, const char *text)
{
    e->detail = text;
    return e;
}

Error *err_append(Error *list, Error *e)
{
    if (!list)
        return e;
    Error *p = list;
    while (p->next)
        p = p->next;
    p->next = e;
    return list;
}

/* The source line containing span, and the caret under it. */
static void render_source_line(Buf *out, Span sp)
{
    const char *text = sp.src->display ? sp.src->display : sp.src->text;
    size_t tlen = sp.src->display ? strlen(sp.src->display) : sp.src->len;
    size_t off = sp.off <= tlen ? sp.off : tlen;
    size_t start = off, end = off;
    while (start > 0 && text[start - 1] != '\n')
        start--;
    while (end < tlen && text[end] != '\n')
        end++;
    char num[16];
    snprintf(num, sizeof num, "%u", sp.line);
    size_t w = strlen(num);
    buf_printf(out, " %s | ", num);
    for (size_t i = start; i < end; i++)
        buf_putc(out, text[i] == '\t' ? ' ' : text[i]);
    buf_putc(out, '\n');
    buf_printf(out, " %*s | ", (int)w, "");
    for (size_t i = start; i < off; i++)
        buf_putc(out, ' ');
    buf_putc(out, '^');
    size_t len = sp.len;
    if (off + len > end)
        len = end > off ? end - off : 0;
    for (size_t i = 1; i < len; i++)
        buf_putc(out, '~');
    buf_putc(out, '\n');
}

static void render_location(Buf *out, Span sp)
{
    if (sp.src)
        buf_printf(out, "%s:%u:%u: ", sp.src->name, sp.line, sp.col);
}

void err_render(Buf *out, const Error *e)
{
    render_location(out, e->span);
    buf_printf(out, "error: %s\n", e->msg);
    if (e->span.src)
        render_source_line(out, e->span);
    for (const Note *n = e->notes; n; n = n->next) {
        render_location(out, n->span);
        buf_printf(out, "note: %s\n", n->msg);
        if (n->span.src)
            render_source_line(out, n->span);
    }
    if (e->detail) {
        buf_puts(out, e->detail);
        if (e->detail[0] && e->detail[strlen(e->detail) - 1] != '\n')
            buf_putc(out, '\n');
    }
    if (e->hint)
        buf_printf(out, "hint: %s\n", e->hint);
}
