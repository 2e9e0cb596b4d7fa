/* diag.c - diagnostics for programs: an error as one line of JSON, in the
 * shape of GCC's -fdiagnostics-format=json (decision 48), for editors, CI
 * and a verification service.
 *
 * The writer is this file rather than a JSON library: only strings,
 * numbers and fixed keys are written, and the one subtle part, turning
 * arbitrary bytes (a message quotes names and source text as given) into
 * valid UTF-8 JSON, is what the libraries leave to their callers. */
#include "diag.h"

#include <string.h>

/* The length of the well-formed UTF-8 sequence at s (Unicode table 3-7:
 * no overlong forms, no surrogates, nothing above U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF; /* the range of the second byte */
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return len;
}

void diag_json_string(Buf *out, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    buf_putc(out, '"');
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        size_t len = utf8_len(p + i, n - i);
        const char *esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n" : c == '\t' ? "\\t"
                        : c == '\r' ? "\\r" : c == '\b' ? "\\b" : c == '\f' ? "\\f" : NULL;
        if (esc)
            buf_puts(out, esc);
        else if (c < 0x20)
            buf_printf(out, "\\u%04x", c);
        else if (!len)
            buf_puts(out, "\\ufffd");
        else
            buf_printf(out, "%.*s", (int)len, s + i);
        i += len ? len : 1;
    }
    buf_putc(out, '"');
}

static void key_string(Buf *out, const char *key, const char *value)
{
    buf_printf(out, ", \"%s\": ", key);
    diag_json_string(out, value, strlen(value));
}

static void position(Buf *out, const Span *sp, uint32_t line, uint32_t col)
{
    buf_puts(out, "{\"file\": ");
    diag_json_string(out, sp->src->name, strlen(sp->src->name));
    buf_printf(out, ", \"line\": %u, \"column\": %u, \"byte-column\": %u}", line, col, col);
}

/* [{"caret": ..., "finish": ...}] for a span, [] for none.  The finish is
 * the span's last byte, found by walking the text from its start. */
static void locations(Buf *out, Span sp)
{
    if (!sp.src) {
        buf_puts(out, "[]");
        return;
    }
    uint32_t line = sp.line, col = sp.col;
    size_t end = (size_t)sp.off + sp.len;
    if (end > sp.src->len)
        end = sp.src->len;
    for (size_t i = sp.off; i + 1 < end; i++) {
        bool nl = sp.src->text[i] == '\n';
        line += nl;
        col = nl ? 1 : col + 1;
    }
    buf_puts(out, "[{\"caret\": ");
    position(out, &sp, sp.line, sp.col);
    buf_puts(out, ", \"finish\": ");
    position(out, &sp, line, col);
    buf_puts(out, "}]");
}

void diag_json(Buf *out, const Error *e)
{
    buf_printf(out, "{\"kind\": \"error\", \"code\": \"%s\"", err_code_name(e->code));
    key_string(out, "message", e->msg);
    buf_puts(out, ", \"locations\": ");
    locations(out, e->span);
    buf_puts(out, ", \"children\": [");
    for (const Note *n = e->notes; n; n = n->next) {
        buf_puts(out, n == e->notes ? "{\"kind\": \"note\"" : ", {\"kind\": \"note\"");
        key_string(out, "message", n->msg);
        buf_puts(out, ", \"locations\": ");
        locations(out, n->span);
        buf_putc(out, '}');
    }
    buf_putc(out, ']');
    if (e->hint)
        key_string(out, "hint", e->hint);
    if (e->detail)
        key_string(out, "detail", e->detail);
    buf_puts(out, ", \"column-origin\": 1}\n");
}
