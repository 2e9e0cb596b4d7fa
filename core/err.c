/* err.c - errors as values: made with a span, a message, a hint and notes; rendered for people (only repl prints them). */
#include "base.h"

#include <stdio.h>
#include <string.h>

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
