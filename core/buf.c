/* buf.c - growable strings. */
#include "base.h"

#include <stdio.h>
#include <string.h>

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
