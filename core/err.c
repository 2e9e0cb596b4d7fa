/* err.c - errors as values: made with a span, a message, a hint and notes.  Rendering them for
 * people is repl's (render.c, from the embedding API's values): only repl prints. */
#include "base.h"

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
