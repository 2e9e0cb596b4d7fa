/* wasm_sexpr.c - the reader of WebAssembly's text format (see wasm_sexpr.h). */
#include "wasm_sexpr.h"

#include <ctype.h>
#include <string.h>

typedef struct Reader {
    const Source *src;
    uint32_t pos, line, line_start;
} Reader;

enum { SEXPR_MAX_DEPTH = 1000 };

static Span here(const Reader *r, uint32_t off)
{
    return (Span){.src = r->src, .off = off, .len = 1, .line = r->line, .col = off - r->line_start + 1};
}

static char peek(const Reader *r, uint32_t k)
{
    return r->pos + k < r->src->len ? r->src->text[r->pos + k] : 0;
}

static void advance(Reader *r)
{
    if (r->src->text[r->pos] == '\n') {
        r->line++;
        r->line_start = r->pos + 1;
    }
    r->pos++;
}

static Error *block_comment(Reader *r)
{
    Span at = here(r, r->pos);
    int depth = 0;
    while (r->pos < r->src->len) {
        if (peek(r, 0) == '(' && peek(r, 1) == ';') {
            depth++;
            r->pos += 2;
        } else if (peek(r, 0) == ';' && peek(r, 1) == ')') {
            r->pos += 2;
            if (--depth == 0)
                return NULL;
        } else
            advance(r);
    }
    return err_hint(err_new(E_SYNTAX, at, "unclosed block comment"), "close it with ;)");
}

static Error *skip_blank(Reader *r)
{
    for (;;) {
        char c = peek(r, 0);
        if (c && isspace((unsigned char)c))
            advance(r);
        else if (c == ';' && peek(r, 1) == ';')
            while (r->pos < r->src->len && peek(r, 0) != '\n')
                r->pos++;
        else if (c == '(' && peek(r, 1) == ';') {
            Error *e = block_comment(r);
            if (e)
                return e;
        } else
            return NULL;
    }
}

static int hexval(char c)
{
    return isdigit((unsigned char)c) ? c - '0' : isxdigit((unsigned char)c) ? (tolower((unsigned char)c) - 'a' + 10) : -1;
}

/* One escape after the backslash: \n \t \\ \' \" \hh \u{...}. */
static Error *escape(Reader *r, Buf *b, Span at)
{
    static const char simple[] = "n\nt\tr\r\\\\''\"\"";
    char c = peek(r, 0);
    for (size_t i = 0; i + 1 < sizeof simple; i += 2)
        if (c == simple[i]) {
            buf_putc(b, simple[i + 1]);
            r->pos++;
            return NULL;
        }
    if (hexval(c) >= 0 && hexval(peek(r, 1)) >= 0) {
        buf_putc(b, (char)(hexval(c) * 16 + hexval(peek(r, 1))));
        r->pos += 2;
        return NULL;
    }
    if (c == 'u' && peek(r, 1) == '{') {
        uint32_t cp = 0;
        r->pos += 2;
        while (hexval(peek(r, 0)) >= 0 && cp < 0x110000)
            cp = cp * 16 + (uint32_t)hexval(peek(r, 0)), r->pos++;
        if (peek(r, 0) == '}' && cp < 0x110000) {
            r->pos++;
            if (cp < 0x80)
                buf_putc(b, (char)cp);
            else if (cp < 0x800)
                buf_putc(b, (char)(0xC0 | cp >> 6)), buf_putc(b, (char)(0x80 | (cp & 63)));
            else if (cp < 0x10000)
                buf_putc(b, (char)(0xE0 | cp >> 12)), buf_putc(b, (char)(0x80 | (cp >> 6 & 63))),
                    buf_putc(b, (char)(0x80 | (cp & 63)));
            else
                buf_putc(b, (char)(0xF0 | cp >> 18)), buf_putc(b, (char)(0x80 | (cp >> 12 & 63))),
                    buf_putc(b, (char)(0x80 | (cp >> 6 & 63))), buf_putc(b, (char)(0x80 | (cp & 63)));
            return NULL;
        }
    }
    return err_hint(err_new(E_SYNTAX, at, "unknown escape in a string"), "escapes are \\n \\t \\\\ \\' \\\" \\hh \\u{h...}");
}

static Error *string(Reader *r, WasmSexpr *x)
{
    Buf b = {0};
    r->pos++;
    while (peek(r, 0) != '"') {
        if (r->pos >= r->src->len || peek(r, 0) == '\n')
            return err_hint(err_new(E_SYNTAX, x->span, "unclosed string"), "close it with \" on the same line");
        Span at = here(r, r->pos);
        if (peek(r, 0) == '\\') {
            r->pos++;
            Error *e = escape(r, &b, at);
            if (e)
                return e;
        } else
            buf_putc(&b, r->src->text[r->pos++]);
    }
    r->pos++;
    x->kind = WASM_SEXPR_STRING;
    x->len = (uint32_t)b.len;
    x->text = b.len ? b.s : "";
    return NULL;
}

static Error *item(Reader *r, WasmSexpr **out, int depth);

static Error *list(Reader *r, WasmSexpr *x, int depth)
{
    if (depth > SEXPR_MAX_DEPTH)
        return err_new(E_LIMIT, x->span, "S-expressions nest deeper than %d", SEXPR_MAX_DEPTH);
    Vec kids = {0};
    r->pos++;
    for (;;) {
        Error *e = skip_blank(r);
        if (e)
            return e;
        if (r->pos >= r->src->len)
            return err_hint(err_new(E_SYNTAX, x->span, "unclosed ("), "every ( needs its )");
        if (peek(r, 0) == ')')
            break;
        WasmSexpr *k;
        if ((e = item(r, &k, depth + 1)))
            return e;
        vec_push(&kids, k);
    }
    r->pos++;
    x->kind = WASM_SEXPR_LIST;
    x->kids = (WasmSexpr **)kids.items;
    x->n = kids.len;
    return NULL;
}

static Error *item(Reader *r, WasmSexpr **out, int depth)
{
    WasmSexpr *x = gc_alloc(sizeof *x);
    x->span = here(r, r->pos);
    uint32_t start = r->pos;
    Error *e = NULL;
    char c = peek(r, 0);
    if (c == '(')
        e = list(r, x, depth);
    else if (c == '"')
        e = string(r, x);
    else if (c == ')')
        return err_hint(err_new(E_SYNTAX, x->span, "unexpected )"), "there is no ( for it to close");
    else {
        while (r->pos < r->src->len && !isspace((unsigned char)peek(r, 0)) && peek(r, 0) != '(' &&
               peek(r, 0) != ')' && peek(r, 0) != '"' && !(peek(r, 0) == ';' && peek(r, 1) == ';'))
            r->pos++;
        x->kind = WASM_SEXPR_ATOM;
        x->text = gc_strndup(r->src->text + start, r->pos - start);
        x->len = r->pos - start;
    }
    x->span.len = r->pos - start;
    *out = x;
    return e;
}

Error *wasm_sexpr_parse(const Source *src, Vec *out)
{
    Reader r = {.src = src, .line = (uint32_t)src->first_line};
    for (;;) {
        Error *e = skip_blank(&r);
        if (e || r.pos >= src->len)
            return e;
        WasmSexpr *x;
        if ((e = item(&r, &x, 0)))
            return e;
        vec_push(out, x);
    }
}

bool wasm_sexpr_is(const WasmSexpr *x, const char *a)
{
    return x && x->kind == WASM_SEXPR_ATOM && !strcmp(x->text, a);
}

const char *wasm_sexpr_head(const WasmSexpr *x)
{
    return x && x->kind == WASM_SEXPR_LIST && x->n && x->kids[0]->kind == WASM_SEXPR_ATOM ? x->kids[0]->text : "";
}

bool wasm_sexpr_head_is(const WasmSexpr *x, const char *a) { return !strcmp(wasm_sexpr_head(x), a); }
