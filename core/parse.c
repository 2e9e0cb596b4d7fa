/* parse.c - recursive-descent parser and printer for the uniform statement
 * syntax (DESIGN §3.2).
 *
 * The parser knows no directive: it builds the same N_STMT shape for all of
 * them and later layers check argument shapes.  Every recursion goes through
 * an opening bracket, and brackets are counted against config_limits.nesting, so
 * hostile input gets E_LIMIT instead of a C stack overflow. */
#include "syntax.h"

#include <inttypes.h>
#include <string.h>

typedef struct Parser {
    const Source *src;
    const Token *toks;
    uint32_t ntok, pos; /* toks[ntok - 1] is T_EOF; pos never passes it */
    int depth;          /* brackets open around the current position */
    uint8_t *effect_paren; /* per token: 1 if this '(' opens an effect */
    uint32_t *bad_close;   /* per token: for a ')' or '}' that closes nothing, 1;
                            * for one that closes the other kind, 2 + the opener */
} Parser;

/* ---- tokens ------------------------------------------------------------ */

static const Token *tok(const Parser *P) { return &P->toks[P->pos]; }

static const Token *peek_tok(const Parser *P, uint32_t k)
{
    uint32_t i = P->pos + k;
    return i < P->ntok ? &P->toks[i] : &P->toks[P->ntok - 1];
}

static bool at(const Parser *P, TokKind k) { return tok(P)->kind == k; }

static const Token *advance(Parser *P)
{
    const Token *t = tok(P);
    if (t->kind != T_EOF)
        P->pos++;
    return t;
}

static bool accept(Parser *P, TokKind k)
{
    if (!at(P, k))
        return false;
    advance(P);
    return true;
}

/* A string literal shown in a message: escaped, and cut if long. */
static const char *describe_string(const Token *t)
{
    Buf b = {0};
    for (int64_t i = 0; i < t->ival && i < 24; i++) {
        char c = t->text[i];
        if (c == '\n')
            buf_puts(&b, "\\n");
        else if (c == '\t')
            buf_puts(&b, "\\t");
        else if (c == '"' || c == '\\')
            buf_printf(&b, "\\%c", c);
        else
            buf_putc(&b, c);
    }
    return gc_printf("string \"%s%s\"", buf_str(&b), t->ival > 24 ? "..." : "");
}

/* What a token is, for "found ..." in messages: name 'foo', ';', ... */
static const char *describe(const Token *t)
{
    switch (t->kind) {
    case T_NAME: return gc_printf("name '%s'", t->text);
    case T_QNAME: return gc_printf("qualified name '%s.%s'", t->text, t->text2);
    case T_DIRECTIVE: return gc_printf("directive '.%s'", t->text);
    case T_TICK: return gc_printf("tick name '%s", t->text);
    case T_INT: return gc_printf("integer %" PRId64, t->ival);
    case T_STRING: return describe_string(t);
    default: return lex_tok_kind_name(t->kind);
    }
}

/* At a closing bracket that matches no opening one, that is the error:
 * the REPL ends an input there, so what follows it is not part of it. */
static Error *bracket_error(const Parser *P)
{
    uint32_t bad = P->bad_close ? P->bad_close[P->pos] : 0;
    if (!bad)
        return NULL;
    char c = tok(P)->kind == T_RBRACE ? '}' : ')';
    if (bad == 1)
        return err_hint(err_new(E_SYNTAX, tok(P)->span, "unmatched '%c': no bracket is open here", c),
                        "remove it: an input ends at a closing bracket that matches nothing");
    const Token *open = &P->toks[bad - 2];
    bool brace = open->kind == T_LBRACE;
    Error *e = err_new(E_SYNTAX, tok(P)->span, "mismatched '%c': the innermost open bracket is '%c'", c,
                       brace ? '{' : '(');
    return err_note(err_hint(e, "close it with '%c' first: an input ends at a closing bracket that matches nothing",
                             brace ? '}' : ')'),
                    open->span, "the '%c' is opened here", brace ? '{' : '(');
}

static Error *syntax_error(const Parser *P, const char *expected, const char *hint)
{
    Error *be = bracket_error(P);
    if (be)
        return be;
    Error *e = err_new(E_SYNTAX, tok(P)->span, "expected %s, found %s", expected,
                       describe(tok(P)));
    return hint ? err_hint(e, "%s", hint) : e;
}

static Error *expect(Parser *P, TokKind k, const char *expected, const char *hint)
{
    return accept(P, k) ? NULL : syntax_error(P, expected, hint);
}

/* ---- effect detection --------------------------------------------------- */

/* A '(' opens an effect iff '->' occurs at its own nesting level.  One pass
 * with an explicit stack marks them all, so the parser needs no unbounded
 * lookahead and brackets may nest arbitrarily (the depth limit comes later). */
static void mark_effect_parens(Parser *P)
{
    uint32_t *stack = gc_alloc_atomic((size_t)P->ntok * sizeof *stack);
    uint32_t sp = 0;
    P->effect_paren = gc_alloc_atomic(P->ntok);
    P->bad_close = NULL;
    for (uint32_t i = 0; i < P->ntok; i++) {
        TokKind k = P->toks[i].kind;
        if (k == T_LPAREN || k == T_LBRACE) {
            stack[sp++] = i;
            continue;
        }
        if (k == T_RPAREN || k == T_RBRACE) {
            uint32_t bad = sp == 0 ? 1
                           : (P->toks[stack[sp - 1]].kind == T_LBRACE) != (k == T_RBRACE) ? 2 + stack[sp - 1]
                                                                                          : 0;
            if (bad && !P->bad_close)
                P->bad_close = gc_alloc_atomic((size_t)P->ntok * sizeof(uint32_t));
            if (bad)
                P->bad_close[i] = bad;
        }
        if ((k == T_RPAREN || k == T_RBRACE) && sp > 0)
            sp--;
        else if (k == T_ARROW && sp > 0 && P->toks[stack[sp - 1]].kind == T_LPAREN)
            P->effect_paren[stack[sp - 1]] = 1;
    }
}

/* ---- nodes ------------------------------------------------------------- */

static Node *new_node(NodeKind kind, Span span)
{
    Node *n = gc_alloc(sizeof *n);
    n->kind = kind;
    n->span = span;
    n->head_span = span;
    return n;
}

static void set_kids(Node *n, Vec *v)
{
    n->kids = (Node **)v->items;
    n->nkids = v->len;
}

/* Widens n's span to end at the token just consumed. */
static void extend_to_prev(Node *n, const Parser *P)
{
    if (P->pos > 0)
        n->span = source_span_join(n->span, P->toks[P->pos - 1].span);
}

static bool is_contract_word(const char *s)
{
    return strcmp(s, "requires") == 0 || strcmp(s, "ensures") == 0;
}

/* ---- brackets and depth ------------------------------------------------- */

/* Consumes an opening bracket, refusing nesting past config_limits.nesting. */
static Error *open_bracket(Parser *P, TokKind k, const char *expected)
{
    if (!at(P, k))
        return syntax_error(P, expected, NULL);
    if ((uint32_t)P->depth >= config_limits.nesting)
        return err_hint(err_new(E_LIMIT, tok(P)->span,
                                "brackets nested more than %u deep", config_limits.nesting),
                        "split the definition into smaller pieces, or raise the limit with :set nesting N");
    P->depth++;
    advance(P);
    return NULL;
}

static Error *close_bracket(Parser *P, TokKind k, const char *expected)
{
    Error *e = expect(P, k, expected, NULL);
    if (!e)
        P->depth--;
    return e;
}

static Error *parse_statement(Parser *P, Node **out);
static Error *parse_arg(Parser *P, Node **out);

/* ---- argument forms ---------------------------------------------------- */

static Node *name_node(const Token *t)
{
    Node *n = new_node(N_NAME, t->span);
    n->name = t->text;
    return n;
}

static Error *expect_name(Parser *P, const char *expected, const char *hint, Node **out)
{
    if (!at(P, T_NAME))
        return syntax_error(P, expected, hint);
    *out = name_node(advance(P));
    return NULL;
}

/* ARG {, ARG} ')' : the inside of a tuple (apply_name NULL) or of an
 * application. */
static Error *parse_arg_list(Parser *P, Node *n, const char *apply_name)
{
    Vec v = {0};
    for (;;) {
        Node *arg = NULL;
        Error *e = parse_arg(P, &arg);
        if (e)
            return e;
        vec_push(&v, arg);
        if (!accept(P, T_COMMA))
            break;
    }
    set_kids(n, &v);
    if (!at(P, T_RPAREN))
        return syntax_error(P, apply_name ? gc_printf("',' or ')' in '%s(...)'", apply_name)
                                          : "',' or ')' in tuple",
                            NULL);
    Error *e = close_bracket(P, T_RPAREN, "')'");
    extend_to_prev(n, P);
    return e;
}

/* name '(' ARG {, ARG} ')' : int(5), port(p), KEY(a, b) */
static Error *parse_apply(Parser *P, Node **out)
{
    const Token *t = advance(P);
    Node *n = new_node(N_APPLY, t->span);
    n->name = t->text;
    Error *e = open_bracket(P, T_LPAREN, "'('");
    if (!e)
        e = parse_arg_list(P, n, t->text);
    *out = n;
    return e;
}

/* '(' ARG {, ARG} ')' with no '->' at its level */
static Error *parse_tuple(Parser *P, Node **out)
{
    Node *n = new_node(N_TUPLE, tok(P)->span);
    Error *e = open_bracket(P, T_LPAREN, "'('");
    if (!e && at(P, T_RPAREN))
        return err_hint(syntax_error(P, "an argument in tuple", NULL),
                        "an empty effect is written ( -> )");
    if (!e)
        e = parse_arg_list(P, n, NULL);
    *out = n;
    return e;
}

/* param := [name ':'] type */
static Error *parse_param(Parser *P, Node **out)
{
    static const char *const hint = "a parameter is 'name: type' or just 'type'";
    if (!at(P, T_NAME))
        return syntax_error(P, "a parameter in effect", hint);
    const Token *first = advance(P);
    Node *n = new_node(N_PARAM, first->span);
    *out = n;
    if (!accept(P, T_COLON)) {
        n->name2 = first->text;
        return NULL;
    }
    n->name = first->text;
    if (!at(P, T_NAME))
        return syntax_error(P, gc_printf("a type name after '%s:'", first->text), hint);
    n->name2 = advance(P)->text;
    extend_to_prev(n, P);
    return NULL;
}

/* [param {, param}] up to (not including) the token `stop`. */
static Error *parse_params(Parser *P, Vec *v, TokKind stop, const char *expected)
{
    if (at(P, stop))
        return NULL;
    for (;;) {
        Node *p = NULL;
        Error *e = parse_param(P, &p);
        if (e)
            return e;
        vec_push(v, p);
        if (!accept(P, T_COMMA))
            break;
    }
    return at(P, stop) ? NULL : syntax_error(P, expected, NULL);
}

/* '(' [param {, param}] '->' [param {, param}] ')' */
static Error *parse_effect(Parser *P, Node **out)
{
    Node *n = new_node(N_EFFECT, tok(P)->span);
    Vec v = {0};
    *out = n;
    Error *e = open_bracket(P, T_LPAREN, "'('");
    if (!e)
        e = parse_params(P, &v, T_ARROW, "',' or '->' in effect");
    n->ival = v.len;
    if (!e) {
        advance(P); /* the '->' */
        e = parse_params(P, &v, T_RPAREN, "',' or ')' in effect");
    }
    set_kids(n, &v);
    if (!e)
        e = close_bracket(P, T_RPAREN, "')'");
    extend_to_prev(n, P);
    return e;
}

static const char *const contract_hint = "a contract reads: requires KEY(param) <= ELEMENT";

/* A node of kind k named by the token taken now, put in *out. */
static Node *take_named(Parser *P, NodeKind k, Node **out)
{
    const Token *t = advance(P);
    Node *n = new_node(k, t->span);
    n->name = t->text;
    return *out = n;
}

/* KEY '(' name {, name} ')' after requires/ensures */
static Error *parse_contract_key(Parser *P, Node **out)
{
    const char *hint = contract_hint;
    Node *app = take_named(P, N_APPLY, out);
    Error *e = open_bracket(P, T_LPAREN, gc_printf("'(' after contract key '%s'", app->name));
    if (e)
        return err_hint(e, "%s", hint);
    Vec v = {0};
    do {
        Node *param = NULL;
        if ((e = expect_name(P, "a parameter name in contract", hint, &param)))
            return e;
        vec_push(&v, param);
    } while (accept(P, T_COMMA));
    set_kids(app, &v);
    e = close_bracket(P, T_RPAREN, "',' or ')' in contract");
    extend_to_prev(app, P);
    return e;
}

/* ('requires' | 'ensures') KEY '(' name {, name} ')' '<=' element */
static Error *parse_contract(Parser *P, Node **out)
{
    const char *hint = contract_hint;
    Node *n = take_named(P, N_CONTRACT, out);
    Node *kids[2] = {NULL, NULL};
    Error *e = parse_contract_key(P, &kids[0]);
    if (!e)
        e = expect(P, T_LE, "'<=' after contract key", hint);
    if (!e)
        e = expect_name(P, "a lattice element after '<='", hint, &kids[1]);
    if (e)
        return e;
    n->kids = gc_alloc(sizeof kids);
    memcpy(n->kids, kids, sizeof kids);
    n->nkids = 2;
    extend_to_prev(n, P);
    return NULL;
}

/* '{' statement* '}' ; empty statements are skipped */
static Error *parse_block(Parser *P, Node **out)
{
    const Token *open = tok(P);
    Node *n = new_node(N_BLOCK, open->span);
    Vec v = {0};
    *out = n;
    Error *e = open_bracket(P, T_LBRACE, "'{'");
    while (!e) {
        while (accept(P, T_SEMI))
            ;
        if (at(P, T_RBRACE) || at(P, T_EOF))
            break;
        Node *st = NULL;
        if (!(e = parse_statement(P, &st)))
            vec_push(&v, st);
    }
    set_kids(n, &v);
    if (!e && at(P, T_EOF))
        return err_note(syntax_error(P, "'}' to close the block", NULL), open->span,
                        "the block opened here");
    if (!e)
        e = close_bracket(P, T_RBRACE, "'}'");
    extend_to_prev(n, P);
    return e;
}

static Error *parse_name_arg(Parser *P, Node **out)
{
    const Token *t = tok(P);
    TokKind next = peek_tok(P, 1)->kind;
    if (is_contract_word(t->text) && next == T_NAME)
        return parse_contract(P, out);
    if (next == T_LPAREN)
        return parse_apply(P, out);
    *out = name_node(advance(P));
    return NULL;
}

static Node *literal_node(const Token *t)
{
    Node *n = new_node(t->kind == T_INT ? N_INT : N_STRING, t->span);
    n->ival = t->ival;
    n->name = t->kind == T_STRING ? t->text : NULL;
    return n;
}

static Node *qname_node(const Token *t)
{
    Node *n = new_node(N_QNAME, t->span);
    n->name = t->text;
    n->name2 = t->text2;
    return n;
}

static bool starts_arg(TokKind k)
{
    return k == T_NAME || k == T_QNAME || k == T_INT || k == T_STRING ||
           k == T_LPAREN || k == T_LBRACE;
}

static Error *parse_arg(Parser *P, Node **out)
{
    switch (tok(P)->kind) {
    case T_NAME: return parse_name_arg(P, out);
    case T_QNAME: *out = qname_node(advance(P)); return NULL;
    case T_INT:
    case T_STRING: *out = literal_node(advance(P)); return NULL;
    case T_LPAREN:
        return P->effect_paren[P->pos] ? parse_effect(P, out) : parse_tuple(P, out);
    case T_LBRACE: return parse_block(P, out);
    default: return syntax_error(P, "an argument", NULL);
    }
}

/* ---- statements -------------------------------------------------------- */

/* name '<' name {'<' name} ';' */
static Error *parse_order(Parser *P, Node **out)
{
    Node *n = new_node(N_ORDER, tok(P)->span);
    Vec v = {0};
    *out = n;
    vec_push(&v, name_node(advance(P)));
    while (accept(P, T_LT)) {
        Node *el = NULL;
        Error *e = expect_name(P, "a lattice element after '<'", NULL, &el);
        if (e)
            return e;
        vec_push(&v, el);
    }
    set_kids(n, &v);
    Error *e = expect(P, T_SEMI, "';' or '<' after lattice element",
                      "end each statement with ';'");
    extend_to_prev(n, P);
    return e;
}

static const char *head_hint(TokKind k)
{
    if (k == T_RBRACE)
        return "this '}' closes no open block";
    return "a statement starts with a directive (.name), a tick name ('name) or "
           "an operation name";
}

static Error *parse_head(Parser *P, Node **out)
{
    static const HeadKind heads[T__COUNT] = {
        [T_DIRECTIVE] = HEAD_DIRECTIVE, [T_TICK] = HEAD_TICK,
        [T_NAME] = HEAD_OP,             [T_QNAME] = HEAD_QUALIFIED,
    };
    const Token *t = tok(P);
    if (t->kind != T_DIRECTIVE && t->kind != T_TICK && t->kind != T_NAME &&
        t->kind != T_QNAME)
        return syntax_error(P, "a statement", head_hint(t->kind));
    Node *n = new_node(N_STMT, t->span);
    n->head = heads[t->kind];
    n->name = t->text;
    n->name2 = t->text2;
    advance(P);
    *out = n;
    return NULL;
}

static Error *parse_stmt_args(Parser *P, Node *st)
{
    Vec v = {0};
    if (starts_arg(tok(P)->kind)) {
        do {
            Node *arg = NULL;
            Error *e = parse_arg(P, &arg);
            if (e)
                return e;
            vec_push(&v, arg);
        } while (accept(P, T_COMMA));
    }
    set_kids(st, &v);
    extend_to_prev(st, P);
    return NULL;
}

static const char *head_text(const Node *st)
{
    switch (st->head) {
    case HEAD_DIRECTIVE: return gc_printf("'.%s'", st->name);
    case HEAD_TICK: return gc_printf("'%s", st->name);
    case HEAD_QUALIFIED: return gc_printf("'%s.%s'", st->name, st->name2);
    default: return gc_printf("'%s'", st->name);
    }
}

/* When the token that should have been ';' starts a new line, the user
 * forgot the ';' at the end of the line before: point there too. */
static Error *note_previous_line(const Parser *P, Error *e)
{
    if (P->pos == 0)
        return e;
    Span prev = P->toks[P->pos - 1].span;
    if (prev.line == tok(P)->span.line)
        return e;
    Span end = prev;
    end.off += end.len;
    end.col += end.len;
    end.len = 0;
    return err_note(e, end, "the ';' is missing at the end of this line");
}

/* The ';' is required, except after a final block argument when the
 * enclosing block or the input ends right there (Figure 1 ends "}"), and
 * after the last statement of a complete input (`push int(2); print` at the
 * prompt): outside every bracket, with the input ending right there. */
static Error *finish_statement(Parser *P, Node *st)
{
    if (accept(P, T_SEMI))
        return NULL; /* the span stops before ';': carets underline the statement */
    bool last_is_block = st->nkids > 0 && st->kids[st->nkids - 1]->kind == N_BLOCK;
    if (last_is_block && (at(P, T_RBRACE) || at(P, T_EOF)))
        return NULL;
    if (P->depth == 0 && at(P, T_EOF))
        return NULL;
    const char *expected = st->nkids > 0
                               ? "';' or ',' after argument"
                               : gc_printf("';' or an argument after %s", head_text(st));
    Error *e = syntax_error(P, expected, "end each statement with ';'");
    return note_previous_line(P, e);
}

static Error *parse_statement(Parser *P, Node **out)
{
    if (at(P, T_NAME) && peek_tok(P, 1)->kind == T_LT)
        return parse_order(P, out);
    Error *e = parse_head(P, out);
    if (!e)
        e = parse_stmt_args(P, *out);
    if (!e)
        e = finish_statement(P, *out);
    return e;
}

static Span unit_span(const Source *src)
{
    return (Span){.src = src,
                  .off = 0,
                  .len = (uint32_t)src->len,
                  .line = (uint32_t)(src->first_line > 0 ? src->first_line : 1),
                  .col = 1};
}

Error *parse_unit(const Source *src, Node **out)
{
    *out = NULL;
    Parser P = {.src = src};
    Token *toks;
    Error *e = lex(src, &toks, &P.ntok);
    if (e)
        return e;
    P.toks = toks;
    mark_effect_parens(&P);
    Node *unit = new_node(N_UNIT, unit_span(src));
    Vec v = {0};
    for (;;) {
        while (accept(&P, T_SEMI))
            ;
        if (at(&P, T_EOF))
            break;
        Node *st = NULL;
        if ((e = parse_statement(&P, &st)))
            return e;
        vec_push(&v, st);
    }
    set_kids(unit, &v);
    *out = unit;
    return NULL;
}
