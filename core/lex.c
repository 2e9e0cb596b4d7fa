/* lex.c - the tokenizer for XVM source (DESIGN §3.1).
 *
 * The whole source is lexed up front into an array ending in T_EOF, so the
 * parser can look ahead freely.  Every token carries a 1-based line/col
 * span; the first error stops lexing and is returned as a value. */
#include "syntax.h"

#include <inttypes.h>
#include <string.h>

typedef struct Lexer {
    const Source *src;
    size_t pos;        /* next byte to read */
    size_t line_start; /* offset of the first byte of the current line */
    uint32_t line;
    /* where the token being lexed began */
    size_t tstart;
    uint32_t tline, tcol;
    Token *toks;
    uint32_t ntok, cap;
} Lexer;

static const char *const tok_names[T__COUNT] = {
    [T_EOF] = "end of input",     [T_NAME] = "name",
    [T_QNAME] = "qualified name", [T_DIRECTIVE] = "directive",
    [T_TICK] = "tick name",       [T_INT] = "integer",
    [T_STRING] = "string",        [T_COMMA] = "','",
    [T_SEMI] = "';'",             [T_LBRACE] = "'{'",
    [T_RBRACE] = "'}'",           [T_LPAREN] = "'('",
    [T_RPAREN] = "')'",           [T_DOT] = "'.'",
    [T_COLON] = "':'",            [T_ARROW] = "'->'",
    [T_LT] = "'<'",               [T_LE] = "'<='",
};

const char *lex_tok_kind_name(TokKind k)
{
    return (unsigned)k < T__COUNT && tok_names[k] ? tok_names[k] : "token";
}

/* ---- character classes ------------------------------------------------- */

static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_hex_digit(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
static bool is_name_start(char c) { return is_alpha(c) || c == '_'; }
static bool is_word_char(char c) { return is_name_start(c) || is_digit(c); }
static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static int hex_value(char c)
{
    if (is_digit(c))
        return c - '0';
    return (c | 0x20) - 'a' + 10;
}

/* ---- reading ----------------------------------------------------------- */

static bool at_end(const Lexer *L) { return L->pos >= L->src->len; }

/* The byte k ahead of pos; NUL past the end, which no class accepts. */
static char peek(const Lexer *L, size_t k)
{
    size_t i = L->pos + k;
    return i < L->src->len ? L->src->text[i] : '\0';
}

static void take_newline(Lexer *L)
{
    L->pos++;
    L->line++;
    L->line_start = L->pos;
}

static uint32_t col_of(const Lexer *L, size_t off)
{
    return (uint32_t)(off - L->line_start + 1);
}

static void begin_token(Lexer *L)
{
    L->tstart = L->pos;
    L->tline = L->line;
    L->tcol = col_of(L, L->pos);
}

/* The span of the current token so far (tokens never cross lines). */
static Span token_span(const Lexer *L)
{
    return (Span){.src = L->src,
                  .off = (uint32_t)L->tstart,
                  .len = (uint32_t)(L->pos - L->tstart),
                  .line = L->tline,
                  .col = L->tcol};
}

/* A span of len bytes at off on the current line. */
static Span span_here(const Lexer *L, size_t off, size_t len)
{
    return (Span){.src = L->src,
                  .off = (uint32_t)off,
                  .len = (uint32_t)len,
                  .line = L->line,
                  .col = col_of(L, off)};
}

static void push_token(Lexer *L, TokKind kind, const char *text, const char *text2,
                       int64_t ival)
{
    VEC_PUSH(L->toks, L->ntok, L->cap,
             (Token){.kind = kind, .span = token_span(L), .text = text, .text2 = text2, .ival = ival});
}

/* ---- blanks and comments ----------------------------------------------- */

static Error *skip_block_comment(Lexer *L)
{
    Span open = span_here(L, L->pos, 2);
    L->pos += 2;
    while (!at_end(L)) {
        if (peek(L, 0) == '*' && peek(L, 1) == '/') {
            L->pos += 2;
            return NULL;
        }
        if (peek(L, 0) == '\n')
            take_newline(L);
        else
            L->pos++;
    }
    return err_hint(err_new(E_SYNTAX, open, "unterminated comment"),
                    "close the comment with */");
}

static void skip_line_comment(Lexer *L)
{
    while (!at_end(L) && peek(L, 0) != '\n')
        L->pos++;
}

static Error *skip_blanks(Lexer *L)
{
    while (!at_end(L)) {
        char c = peek(L, 0);
        if (c == '\n') {
            take_newline(L);
        } else if (is_blank(c)) {
            L->pos++;
        } else if (c == '/' && peek(L, 1) == '/') {
            skip_line_comment(L);
        } else if (c == '/' && peek(L, 1) == '*') {
            Error *e = skip_block_comment(L);
            if (e)
                return e;
        } else {
            return NULL;
        }
    }
    return NULL;
}

/* ---- names, directives, ticks ------------------------------------------ */

/* Reads [A-Za-z_][A-Za-z0-9_-]* from pos; a '-' just before '>' is left
 * for the arrow, so (a: int->r: int) lexes the way it reads. */
static const char *read_name(Lexer *L)
{
    size_t start = L->pos;
    L->pos++;
    for (;;) {
        char c = peek(L, 0);
        if (is_word_char(c) || (c == '-' && peek(L, 1) != '>'))
            L->pos++;
        else
            break;
    }
    return gc_strndup(L->src->text + start, L->pos - start);
}

/* name, or name.name written without spaces (a port's operation). */
static Error *lex_name(Lexer *L)
{
    const char *left = read_name(L);
    if (peek(L, 0) == '.' && is_name_start(peek(L, 1))) {
        L->pos++;
        const char *right = read_name(L);
        push_token(L, T_QNAME, left, right, 0);
        return NULL;
    }
    push_token(L, T_NAME, left, NULL, 0);
    return NULL;
}

/* '.name' is a directive; a '.' on its own is punctuation. */
static Error *lex_dot(Lexer *L)
{
    L->pos++;
    if (!is_name_start(peek(L, 0))) {
        push_token(L, T_DOT, NULL, NULL, 0);
        return NULL;
    }
    push_token(L, T_DIRECTIVE, read_name(L), NULL, 0);
    return NULL;
}

static Error *lex_tick(Lexer *L)
{
    L->pos++;
    if (!is_name_start(peek(L, 0)))
        return err_hint(err_new(E_SYNTAX, token_span(L),
                                "expected a name after \"'\""),
                        "tick operations are written 'name, e.g. 'push_key");
    push_token(L, T_TICK, read_name(L), NULL, 0);
    return NULL;
}

/* ---- integers ---------------------------------------------------------- */

/* Reads digits of the given base into *mag; *overflow is set if the
 * magnitude does not fit in 64 bits.  Returns the number of digits. */
static size_t read_digits(Lexer *L, unsigned base, uint64_t *mag, bool *overflow)
{
    size_t n = 0;
    for (;; n++) {
        char c = peek(L, 0);
        if (base == 16 ? !is_hex_digit(c) : !is_digit(c))
            return n;
        uint64_t d = (uint64_t)hex_value(c);
        if (__builtin_mul_overflow(*mag, (uint64_t)base, mag) ||
            __builtin_add_overflow(*mag, d, mag))
            *overflow = true;
        L->pos++;
    }
}

/* An error about the number token just read: fmt takes its text. */
static Error *bad_number(Lexer *L, const char *fmt, const char *hint)
{
    Span sp = token_span(L);
    return err_hint(err_new(E_SYNTAX, sp, fmt, (int)sp.len, L->src->text + sp.off), "%s", hint);
}

static Error *malformed_number(Lexer *L)
{
    while (is_word_char(peek(L, 0)))
        L->pos++;
    return bad_number(L, "malformed number '%.*s'",
                      "integers are decimal (42, -7) or hex (0x1F); names start with a letter or '_'");
}

static Error *number_out_of_range(Lexer *L)
{
    return bad_number(L, "integer %.*s is out of range",
                      "integers are 64-bit signed: -9223372036854775808 to 9223372036854775807");
}

static Error *lex_number(Lexer *L)
{
    bool neg = peek(L, 0) == '-';
    if (neg)
        L->pos++;
    unsigned base = 10;
    if (peek(L, 0) == '0' && peek(L, 1) == 'x') {
        base = 16;
        L->pos += 2;
    }
    uint64_t mag = 0;
    bool overflow = false;
    size_t ndigits = read_digits(L, base, &mag, &overflow);
    if (ndigits == 0 || is_word_char(peek(L, 0)))
        return malformed_number(L);
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    if (overflow || mag > limit)
        return number_out_of_range(L);
    /* Negate in unsigned arithmetic: -(2^63) has no positive int64. */
    int64_t v = neg ? (int64_t)(~mag + 1) : (int64_t)mag;
    push_token(L, T_INT, NULL, NULL, v);
    return NULL;
}

/* ---- strings ----------------------------------------------------------- */

static Error *unterminated_string(Lexer *L)
{
    return err_hint(err_new(E_SYNTAX, token_span(L), "unterminated string"),
                    "close the string with \"; strings cannot span lines, "
                    "write \\n for a newline");
}

/* Decodes the escape at pos (just after the backslash) into b. */
static Error *read_escape(Lexer *L, Buf *b)
{
    char c = peek(L, 0);
    char out = c == 'n' ? '\n' : c == 't' ? '\t' : c == '\\' ? '\\' : c == '"' ? '"' : 0;
    if (!out) {
        if (at_end(L) || c == '\n')
            return unterminated_string(L);
        Span sp = span_here(L, L->pos - 1, 2);
        Error *e = (unsigned char)c >= 0x21 && (unsigned char)c < 0x7f
                       ? err_new(E_SYNTAX, sp, "unknown escape '\\%c' in string", c)
                       : err_new(E_SYNTAX, sp, "unknown escape (byte 0x%02x) in string",
                                 (unsigned char)c);
        return err_hint(e, "the escapes are \\n \\t \\\\ and \\\"");
    }
    buf_putc(b, out);
    L->pos++;
    return NULL;
}

static Error *lex_string(Lexer *L)
{
    Buf b = {0};
    L->pos++;
    for (;;) {
        char c = peek(L, 0);
        if (at_end(L) || c == '\n')
            return unterminated_string(L);
        L->pos++;
        if (c == '"')
            break;
        if (c == '\0')
            return err_new(E_SYNTAX, span_here(L, L->pos - 1, 1),
                           "NUL byte inside string");
        if (c != '\\') {
            buf_putc(&b, c);
            continue;
        }
        Error *e = read_escape(L, &b);
        if (e)
            return e;
    }
    push_token(L, T_STRING, b.s ? b.s : gc_strdup(""), NULL, (int64_t)b.len);
    return NULL;
}

/* ---- punctuation ------------------------------------------------------- */

static Error *unexpected_char(Lexer *L)
{
    unsigned char c = (unsigned char)peek(L, 0);
    Span sp = span_here(L, L->pos, 1);
    Error *e = c >= 0x21 && c < 0x7f
                   ? err_new(E_SYNTAX, sp, "unexpected character '%c'", c)
                   : err_new(E_SYNTAX, sp, "unexpected byte 0x%02x", c);
    if (c == '/')
        err_hint(e, "comments are written /* ... */ or // ...");
    else if (c == '-')
        err_hint(e, "'-' starts a negative number (-7) or an arrow (->)");
    return e;
}

static TokKind single_punct(char c)
{
    switch (c) {
    case ',': return T_COMMA;
    case ';': return T_SEMI;
    case '{': return T_LBRACE;
    case '}': return T_RBRACE;
    case '(': return T_LPAREN;
    case ')': return T_RPAREN;
    case ':': return T_COLON;
    default: return T_EOF; /* not punctuation */
    }
}

static Error *lex_punct(Lexer *L)
{
    char c = peek(L, 0), d = peek(L, 1);
    TokKind k = single_punct(c);
    size_t width = 1;
    if (c == '<' && d == '=') {
        k = T_LE;
        width = 2;
    } else if (c == '<') {
        k = T_LT;
    } else if (c == '-' && d == '>') {
        k = T_ARROW;
        width = 2;
    }
    if (k == T_EOF)
        return unexpected_char(L);
    L->pos += width;
    push_token(L, k, NULL, NULL, 0);
    return NULL;
}

/* ---- driver ------------------------------------------------------------ */

static Error *lex_token(Lexer *L)
{
    char c = peek(L, 0);
    begin_token(L);
    if (is_name_start(c))
        return lex_name(L);
    if (is_digit(c) || (c == '-' && is_digit(peek(L, 1))))
        return lex_number(L);
    if (c == '.')
        return lex_dot(L);
    if (c == '\'')
        return lex_tick(L);
    if (c == '"')
        return lex_string(L);
    return lex_punct(L);
}

Error *lex(const Source *src, Token **out, uint32_t *ntok)
{
    *out = NULL;
    *ntok = 0;
    Lexer L = {.src = src, .line = (uint32_t)(src->first_line > 0 ? src->first_line : 1)};
    if (src->len >= UINT32_MAX)
        return err_new(E_LIMIT, (Span){.src = src, .line = L.line, .col = 1},
                       "source is too large (%zu bytes)", src->len);
    for (;;) {
        Error *e = skip_blanks(&L);
        if (!e && at_end(&L))
            break;
        if (!e)
            e = lex_token(&L);
        if (e)
            return e;
    }
    begin_token(&L);
    push_token(&L, T_EOF, NULL, NULL, 0);
    *out = L.toks;
    *ntok = L.ntok;
    return NULL;
}

/* ---- continuation lines ------------------------------------------------ */

/* Skips a string starting at the quote; NULL if the text ends inside it.
 * A newline ends the scan: the string is an error the parser will report,
 * so there is no point asking for more lines. */
static const char *skip_string_text(const char *p)
{
    for (p++; *p && *p != '"' && *p != '\n'; p++)
        if (*p == '\\' && p[1] && p[1] != '\n')
            p++;
    if (!*p)
        return NULL;
    return p + 1;
}

/* The kinds of the open brackets, one bit each: a closing bracket must
 * match the last one opened. */
static void scan_set_kind(SyntaxScan *st, uint32_t level, bool brace)
{
    uint32_t w = level / 64;
    if (w >= st->nwords)
        st->braces = vec_grow(st->braces, st->nwords, &st->nwords, (uint64_t)w + 1, sizeof(uint64_t), true);
    uint64_t bit = 1ull << (level % 64);
    st->braces[w] = brace ? st->braces[w] | bit : st->braces[w] & ~bit;
}

static bool scan_kind(const SyntaxScan *st, uint32_t level)
{
    return level / 64 < st->nwords && (st->braces[level / 64] >> (level % 64) & 1);
}

/* Scan more text from where an earlier chunk left off: the REPL feeds one
 * line at a time, so a long multi-line input costs linear time. */
void lex_scan(SyntaxScan *st, const char *text)
{
    const char *p = text ? text : "";
    if (st->unmatched)
        return;
    while (*p) {
        if (st->in_comment) {
            const char *close = strstr(p, "*/");
            if (!close)
                return;
            st->in_comment = false;
            p = close + 2;
        } else if (p[0] == '/' && p[1] == '/') {
            const char *nl = strchr(p, '\n');
            p = nl ? nl : p + strlen(p);
        } else if (p[0] == '/' && p[1] == '*') {
            st->in_comment = true;
            p += 2;
        } else if (*p == '"') {
            /* Strings cannot span lines: an unterminated one is complete
             * input (with an error), never a reason to read more lines. */
            p = skip_string_text(p);
            if (!p) {
                st->broken_string = true;
                return;
            }
        } else {
            if ((*p == '(' || *p == '{') && st->depth < INT32_MAX - 1) {
                scan_set_kind(st, (uint32_t)st->depth, *p == '{');
                st->depth++;
            } else if (*p == ')' || *p == '}') {
                if (st->depth == 0 || scan_kind(st, (uint32_t)st->depth - 1) != (*p == '}')) {
                    st->unmatched = true; /* closes nothing it could: the input ends here */
                    return;
                }
                st->depth--;
            }
            p++;
        }
    }
}

int lex_scan_open(const SyntaxScan *st)
{
    if (st->broken_string || st->unmatched)
        return 0;
    return st->in_comment ? st->depth + 1 : st->depth;
}

int lex_open_depth(const char *text)
{
    SyntaxScan st = {0};
    lex_scan(&st, text);
    return lex_scan_open(&st);
}
