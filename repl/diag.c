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

static void position(Buf *out, const char *file, int line, int col)
{
    buf_puts(out, "{\"file\": ");
    diag_json_string(out, file, strlen(file));
    buf_printf(out, ", \"line\": %d, \"column\": %d, \"byte-column\": %d}", line, col, col);
}

/* [{"caret": ..., "finish": ...}] for a place, [] for none.  The finish is
 * the span's last byte: the byte before its end, or the caret for a span
 * of one byte or none.  A span whose last byte is a line's newline ends
 * at column 1 of the next line; its finish is that newline, after the
 * source line when that is the line before (else column 1 of it). */
static void locations(Buf *out, const char *file, int line, int col, int end_line, int end_col,
                      const char *source_line, int caret)
{
    if (!file) {
        buf_puts(out, "[]");
        return;
    }
    int fline = line, fcol = col;
    if (end_line != line || end_col > col + 1) {
        fline = end_col > 1 ? end_line : end_line - 1;
        fcol = end_col > 1                                 ? end_col - 1
               : fline == line && source_line              ? col + (int)strlen(source_line) - caret
                                                           : 1;
    }
    buf_puts(out, "[{\"caret\": ");
    position(out, file, line, col);
    buf_puts(out, ", \"finish\": ");
    position(out, file, fline, fcol);
    buf_puts(out, "}]");
}

void diag_json(Buf *out, const xvm_Error *e, const xvm_Note *notes)
{
    buf_printf(out, "{\"kind\": \"error\", \"code\": \"%s\"", e->code);
    key_string(out, "message", e->message);
    buf_puts(out, ", \"locations\": ");
    locations(out, e->file, e->line, e->column, e->end_line, e->end_column, e->source_line, e->caret_offset);
    buf_puts(out, ", \"children\": [");
    for (int i = 0; notes && i < e->nnotes; i++) {
        const xvm_Note *n = &notes[i];
        buf_puts(out, i == 0 ? "{\"kind\": \"note\"" : ", {\"kind\": \"note\"");
        key_string(out, "message", n->message);
        buf_puts(out, ", \"locations\": ");
        locations(out, n->file, n->line, n->column, n->end_line, n->end_column, n->source_line, n->caret_offset);
        buf_putc(out, '}');
    }
    buf_putc(out, ']');
    if (e->hint)
        key_string(out, "hint", e->hint);
    if (e->detail)
        key_string(out, "detail", e->detail);
    buf_puts(out, ", \"column-origin\": 1}\n");
}
