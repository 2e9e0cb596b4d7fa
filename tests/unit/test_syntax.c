/* test_syntax.c - unit tests for the lexer and parser (DESIGN §3.1-3.2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gc.h>

#include "node.h"

/* ---- helpers ----------------------------------------------------------- */

static Source *src_at(const char *text, int first_line)
{
    return source_new("<test>", text, strlen(text), first_line);
}

/* Lexes text that must be valid; returns the tokens (last is T_EOF). */
static Token *lex_ok(const char *text, uint32_t *n)
{
    Token *toks = NULL;
    Error *e = lex(src_at(text, 1), &toks, n);
    if (e)
        fail_msg("lex(\"%s\") failed: %s", text, e->msg);
    assert_non_null(toks);
    assert_int_equal(toks[*n - 1].kind, T_EOF);
    return toks;
}

static Error *lex_err(const char *text)
{
    Token *toks = NULL;
    uint32_t n = 0;
    Error *e = lex(src_at(text, 1), &toks, &n);
    if (!e)
        fail_msg("lex(\"%s\") unexpectedly succeeded", text);
    return e;
}

static Node *parse_ok(const char *text)
{
    Node *unit = NULL;
    Error *e = parse_unit(src_at(text, 1), &unit);
    if (e)
        fail_msg("parse of \"%s\" failed at %u:%u: %s", text, e->span.line, e->span.col,
                 e->msg);
    assert_non_null(unit);
    assert_int_equal(unit->kind, N_UNIT);
    return unit;
}

static Error *parse_err(const char *text)
{
    Node *unit = NULL;
    Error *e = parse_unit(src_at(text, 1), &unit);
    if (!e)
        fail_msg("parse of \"%s\" unexpectedly succeeded", text);
    assert_null(unit);
    return e;
}

/* The only statement of a one-statement unit. */
static Node *parse_one(const char *text)
{
    Node *unit = parse_ok(text);
    assert_int_equal(unit->nkids, 1);
    return unit->kids[0];
}

static const char *print_node(const Node *n)
{
    Buf b = {0};
    node_print(&b, n, 0);
    return gc_strdup(buf_str(&b));
}

static const char *read_text_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s (run the test from the repository root)", path);
    Buf b = {0};
    int c;
    while ((c = fgetc(f)) != EOF)
        buf_putc(&b, (char)c);
    fclose(f);
    return buf_str(&b);
}

static void assert_span(Span sp, uint32_t line, uint32_t col, uint32_t len)
{
    assert_int_equal(sp.line, line);
    assert_int_equal(sp.col, col);
    assert_int_equal(sp.len, len);
}

static void assert_tok(const Token *t, TokKind kind, const char *text, uint32_t line,
                       uint32_t col, uint32_t len)
{
    assert_int_equal(t->kind, kind);
    if (text)
        assert_string_equal(t->text, text);
    assert_span(t->span, line, col, len);
}

/* ---- lexer ------------------------------------------------------------- */

static void test_lex_token_kinds(void **state)
{
    uint32_t n;
    Token *t = lex_ok(".define_machine foo 'push_key p.op 42 \"s\"\n"
                      ", ; { } ( ) . : -> < <=",
                      &n);
    assert_int_equal(n, 18);
    assert_tok(&t[0], T_DIRECTIVE, "define_machine", 1, 1, 15);
    assert_tok(&t[1], T_NAME, "foo", 1, 17, 3);
    assert_tok(&t[2], T_TICK, "push_key", 1, 21, 9);
    assert_tok(&t[3], T_QNAME, "p", 1, 31, 4);
    assert_string_equal(t[3].text2, "op");
    assert_tok(&t[4], T_INT, NULL, 1, 36, 2);
    assert_int_equal(t[4].ival, 42);
    assert_tok(&t[5], T_STRING, "s", 1, 39, 3);
    assert_int_equal(t[5].ival, 1);
    static const TokKind punct[] = {T_COMMA,  T_SEMI, T_LBRACE, T_RBRACE,
                                    T_LPAREN, T_RPAREN, T_DOT,  T_COLON,
                                    T_ARROW,  T_LT,   T_LE};
    static const uint32_t cols[] = {1, 3, 5, 7, 9, 11, 13, 15, 17, 20, 22};
    for (size_t i = 0; i < countof(punct); i++)
        assert_tok(&t[6 + i], punct[i], NULL, 2, cols[i], i >= 8 && i != 9 ? 2 : 1);
    assert_int_equal(t[17].kind, T_EOF);
    assert_int_equal(t[17].span.line, 2);
    assert_int_equal(t[17].span.col, 24);
}

static void test_lex_spans_and_first_line(void **state)
{
    Token *t = NULL;
    uint32_t n = 0;
    assert_null(lex(src_at("a\n  b /* c\n d */ e\r\n\tf", 10), &t, &n));
    assert_int_equal(n, 5);
    assert_tok(&t[0], T_NAME, "a", 10, 1, 1);
    assert_tok(&t[1], T_NAME, "b", 11, 3, 1);
    assert_tok(&t[2], T_NAME, "e", 12, 7, 1);
    assert_tok(&t[3], T_NAME, "f", 13, 2, 1);
    assert_int_equal(t[3].span.off, 21);
}

static void test_lex_names_and_negative_numbers(void **state)
{
    uint32_t n;
    Token *t = lex_ok("a-1", &n);
    assert_int_equal(n, 2);
    assert_tok(&t[0], T_NAME, "a-1", 1, 1, 3);

    t = lex_ok("-1", &n);
    assert_int_equal(n, 2);
    assert_int_equal(t[0].kind, T_INT);
    assert_int_equal(t[0].ival, -1);

    t = lex_ok("x -1", &n);
    assert_int_equal(n, 3);
    assert_tok(&t[0], T_NAME, "x", 1, 1, 1);
    assert_tok(&t[1], T_INT, NULL, 1, 3, 2);
    assert_int_equal(t[1].ival, -1);

    t = lex_ok("extended-machine parity_ops _x9 Ab", &n);
    assert_int_equal(n, 5);
    assert_string_equal(t[0].text, "extended-machine");
    assert_string_equal(t[1].text, "parity_ops");
    assert_string_equal(t[2].text, "_x9");
    assert_string_equal(t[3].text, "Ab");

    /* '->' is never swallowed by a name */
    t = lex_ok("(a->b)", &n);
    assert_int_equal(n, 6);
    assert_tok(&t[1], T_NAME, "a", 1, 2, 1);
    assert_int_equal(t[2].kind, T_ARROW);
    assert_tok(&t[3], T_NAME, "b", 1, 5, 1);

    Error *e = lex_err("x - 1");
    assert_int_equal(e->code, E_SYNTAX);
    assert_string_equal(e->msg, "unexpected character '-'");
    assert_span(e->span, 1, 3, 1);
}

static void test_lex_hex(void **state)
{
    uint32_t n;
    Token *t = lex_ok("0x1F 0xff 0x7fffffffffffffff -0x8000000000000000 -0x10", &n);
    assert_int_equal(n, 6);
    assert_int_equal(t[0].ival, 31);
    assert_int_equal(t[1].ival, 255);
    assert_true(t[2].ival == INT64_MAX);
    assert_true(t[3].ival == INT64_MIN);
    assert_int_equal(t[4].ival, -16);

    assert_non_null(strstr(lex_err("0x8000000000000000")->msg, "out of range"));
    Error *e = lex_err("0x");
    assert_string_equal(e->msg, "malformed number '0x'");
    e = lex_err("x 0x1g");
    assert_string_equal(e->msg, "malformed number '0x1g'");
    assert_span(e->span, 1, 3, 4);
    assert_string_equal(lex_err("12ab")->msg, "malformed number '12ab'");
}

static void test_lex_int_range(void **state)
{
    uint32_t n;
    Token *t = lex_ok("9223372036854775807 -9223372036854775808 0 -0 007", &n);
    assert_true(t[0].ival == INT64_MAX);
    assert_true(t[1].ival == INT64_MIN);
    assert_int_equal(t[2].ival, 0);
    assert_int_equal(t[3].ival, 0);
    assert_int_equal(t[4].ival, 7);

    Error *e = lex_err("push 9223372036854775808");
    assert_int_equal(e->code, E_SYNTAX);
    assert_string_equal(e->msg, "integer 9223372036854775808 is out of range");
    assert_span(e->span, 1, 6, 19);
    assert_non_null(e->hint);
    e = lex_err("-9223372036854775809");
    assert_string_equal(e->msg, "integer -9223372036854775809 is out of range");
    assert_non_null(strstr(lex_err("99999999999999999999999")->msg, "out of range"));
}

static void test_lex_strings(void **state)
{
    uint32_t n;
    Token *t = lex_ok("\"a\\n\\t\\\\\\\"b\" \"\" \"// /* {\"", &n);
    assert_int_equal(n, 4);
    assert_int_equal(t[0].kind, T_STRING);
    assert_string_equal(t[0].text, "a\n\t\\\"b");
    assert_int_equal(t[0].ival, 6);
    assert_span(t[0].span, 1, 1, 12);
    assert_string_equal(t[1].text, "");
    assert_int_equal(t[1].ival, 0);
    assert_string_equal(t[2].text, "// /* {");

    Error *e = lex_err("x \"ab\\qc\"");
    assert_int_equal(e->code, E_SYNTAX);
    assert_string_equal(e->msg, "unknown escape '\\q' in string");
    assert_span(e->span, 1, 6, 2);
    assert_non_null(e->hint);

    e = lex_err("\"abc\ndef\"");
    assert_string_equal(e->msg, "unterminated string");
    assert_span(e->span, 1, 1, 4);
    e = lex_err("  \"abc");
    assert_string_equal(e->msg, "unterminated string");
    assert_span(e->span, 1, 3, 4);
    assert_string_equal(lex_err("\"abc\\")->msg, "unterminated string");
}

static void test_lex_comments(void **state)
{
    uint32_t n;
    Token *t = lex_ok("a // x ; {\n b /* y\n ; */ c /**/d//", &n);
    assert_int_equal(n, 5);
    assert_tok(&t[0], T_NAME, "a", 1, 1, 1);
    assert_tok(&t[1], T_NAME, "b", 2, 2, 1);
    assert_tok(&t[2], T_NAME, "c", 3, 7, 1);
    assert_tok(&t[3], T_NAME, "d", 3, 13, 1);

    Error *e = lex_err("a;\n  /* never closed\n");
    assert_int_equal(e->code, E_SYNTAX);
    assert_string_equal(e->msg, "unterminated comment");
    assert_span(e->span, 2, 3, 2);

    e = lex_err("a / b");
    assert_string_equal(e->msg, "unexpected character '/'");
    assert_non_null(e->hint);
    e = lex_err("add # x");
    assert_string_equal(e->msg, "unexpected character '#'");
    assert_span(e->span, 1, 5, 1);
    assert_string_equal(lex_err("\xff")->msg, "unexpected byte 0xff");
    assert_string_equal(lex_err("[")->msg, "unexpected character '['");
}

static void test_lex_embedded_nul(void **state)
{
    Token *t = NULL;
    uint32_t n = 0;
    Error *e = lex(source_new("<test>", "ab\0cd", 5, 1), &t, &n);
    assert_non_null(e);
    assert_string_equal(e->msg, "unexpected byte 0x00");
    assert_span(e->span, 1, 3, 1);
}

static void test_lex_qualified_vs_directive(void **state)
{
    uint32_t n;
    Token *t = lex_ok("binary-op-port.op", &n);
    assert_int_equal(n, 2);
    assert_tok(&t[0], T_QNAME, "binary-op-port", 1, 1, 17);
    assert_string_equal(t[0].text2, "op");

    t = lex_ok("p .op", &n);
    assert_int_equal(n, 3);
    assert_tok(&t[0], T_NAME, "p", 1, 1, 1);
    assert_tok(&t[1], T_DIRECTIVE, "op", 1, 3, 3);

    t = lex_ok("p. op", &n);
    assert_int_equal(n, 4);
    assert_int_equal(t[0].kind, T_NAME);
    assert_int_equal(t[1].kind, T_DOT);
    assert_int_equal(t[2].kind, T_NAME);

    t = lex_ok(".instantiate", &n);
    assert_tok(&t[0], T_DIRECTIVE, "instantiate", 1, 1, 12);
}

static void test_lex_tick(void **state)
{
    uint32_t n;
    Token *t = lex_ok("'push_key 'dup;", &n);
    assert_int_equal(n, 4);
    assert_tok(&t[0], T_TICK, "push_key", 1, 1, 9);
    assert_tok(&t[1], T_TICK, "dup", 1, 11, 4);
    Error *e = lex_err("a ' b");
    assert_int_equal(e->code, E_SYNTAX);
    assert_span(e->span, 1, 3, 1);
}

static void test_kind_names(void **state)
{
    assert_string_equal(lex_tok_kind_name(T_EOF), "end of input");
    assert_string_equal(lex_tok_kind_name(T_NAME), "name");
    assert_string_equal(lex_tok_kind_name(T_SEMI), "';'");
    assert_string_equal(lex_tok_kind_name(T_ARROW), "'->'");
    assert_string_equal(lex_tok_kind_name(T_LE), "'<='");
    assert_string_equal(lex_tok_kind_name(T__COUNT), "token");
    for (int k = 0; k < T__COUNT; k++)
        assert_non_null(lex_tok_kind_name((TokKind)k));
    assert_string_equal(node_kind_name(N_BLOCK), "block");
    assert_string_equal(node_kind_name(N_EFFECT), "effect");
    assert_string_equal(node_kind_name(N_NAME), "name");
    assert_string_equal(node_kind_name(N_STMT), "statement");
    assert_string_equal(node_kind_name(N__COUNT), "node");
    for (int k = 0; k < N__COUNT; k++)
        assert_non_null(node_kind_name((NodeKind)k));
}

/* ---- parser: statements ----------------------------------------------- */

static void test_parse_heads(void **state)
{
    Node *u = parse_ok(".instantiate m, c; 'push_key K; add; binary-op-port.op;");
    assert_int_equal(u->nkids, 4);
    assert_int_equal(u->kids[0]->kind, N_STMT);
    assert_int_equal(u->kids[0]->head, HEAD_DIRECTIVE);
    assert_string_equal(u->kids[0]->name, "instantiate");
    assert_int_equal(u->kids[0]->nkids, 2);
    assert_span(u->kids[0]->head_span, 1, 1, 12);
    assert_span(u->kids[0]->span, 1, 1, 17); /* the statement without its ";" */
    assert_int_equal(u->kids[1]->head, HEAD_TICK);
    assert_string_equal(u->kids[1]->name, "push_key");
    assert_int_equal(u->kids[2]->head, HEAD_OP);
    assert_string_equal(u->kids[2]->name, "add");
    assert_int_equal(u->kids[2]->nkids, 0);
    assert_int_equal(u->kids[3]->head, HEAD_QUALIFIED);
    assert_string_equal(u->kids[3]->name, "binary-op-port");
    assert_string_equal(u->kids[3]->name2, "op");
}

static void test_parse_arg_kinds(void **state)
{
    Node *st = parse_one(".d a, -5, \"s\\n\", int(5), port(p), (a, b), { add; }, "
                         "p.op, KEY(a, b), (x: int -> );");
    assert_int_equal(st->nkids, 10);
    static const NodeKind kinds[] = {N_NAME,  N_INT,   N_STRING, N_APPLY, N_APPLY,
                                     N_TUPLE, N_BLOCK, N_QNAME,  N_APPLY, N_EFFECT};
    for (size_t i = 0; i < countof(kinds); i++)
        assert_int_equal(st->kids[i]->kind, kinds[i]);
    assert_string_equal(st->kids[0]->name, "a");
    assert_int_equal(st->kids[1]->ival, -5);
    assert_string_equal(st->kids[2]->name, "s\n");
    assert_int_equal(st->kids[2]->ival, 2);
    Node *app = st->kids[3];
    assert_string_equal(app->name, "int");
    assert_int_equal(app->nkids, 1);
    assert_int_equal(app->kids[0]->kind, N_INT);
    assert_int_equal(app->kids[0]->ival, 5);
    assert_span(app->span, 1, 18, 6);
    assert_string_equal(st->kids[4]->name, "port");
    assert_string_equal(st->kids[4]->kids[0]->name, "p");
    assert_int_equal(st->kids[5]->nkids, 2);
    assert_string_equal(st->kids[5]->kids[1]->name, "b");
    assert_int_equal(st->kids[6]->nkids, 1);
    assert_string_equal(st->kids[6]->kids[0]->name, "add");
    assert_string_equal(st->kids[7]->name, "p");
    assert_string_equal(st->kids[7]->name2, "op");
    assert_string_equal(st->kids[8]->name, "KEY");
    assert_int_equal(st->kids[8]->nkids, 2);
}

static void test_parse_nested_args(void **state)
{
    Node *st = parse_one(".link (a, (b, int(1))), ((int -> int), x);");
    Node *t = st->kids[0];
    assert_int_equal(t->kind, N_TUPLE);
    assert_int_equal(t->kids[1]->kind, N_TUPLE);
    assert_int_equal(t->kids[1]->kids[1]->kind, N_APPLY);
    Node *t2 = st->kids[1];
    assert_int_equal(t2->kind, N_TUPLE);
    assert_int_equal(t2->kids[0]->kind, N_EFFECT);
    assert_int_equal(t2->kids[1]->kind, N_NAME);
}

static void assert_param(const Node *p, const char *name, const char *type)
{
    assert_int_equal(p->kind, N_PARAM);
    if (name)
        assert_string_equal(p->name, name);
    else
        assert_null(p->name);
    assert_string_equal(p->name2, type);
}

static void test_parse_effects(void **state)
{
    Node *e = parse_one("op x, (a: int, b: int -> r: int);")->kids[1];
    assert_int_equal(e->kind, N_EFFECT);
    assert_int_equal(e->ival, 2);
    assert_int_equal(e->nkids, 3);
    assert_param(e->kids[0], "a", "int");
    assert_param(e->kids[1], "b", "int");
    assert_param(e->kids[2], "r", "int");

    e = parse_one("op (int, ref -> int);")->kids[0];
    assert_int_equal(e->ival, 2);
    assert_param(e->kids[0], NULL, "int");
    assert_param(e->kids[1], NULL, "ref");
    assert_param(e->kids[2], NULL, "int");

    e = parse_one("op ( -> );")->kids[0];
    assert_int_equal(e->kind, N_EFFECT);
    assert_int_equal(e->ival, 0);
    assert_int_equal(e->nkids, 0);

    e = parse_one("op (n: int, ref -> );")->kids[0];
    assert_int_equal(e->ival, 2);
    assert_int_equal(e->nkids, 2);
    assert_param(e->kids[1], NULL, "ref");

    e = parse_one("op (->x: int);")->kids[0];
    assert_int_equal(e->ival, 0);
    assert_param(e->kids[0], "x", "int");

    Error *err = parse_err("op (a: -> int);");
    assert_string_equal(err->msg, "expected a type name after 'a:', found '->'");
    err = parse_err("op (a b -> int);");
    assert_string_equal(err->msg, "expected ',' or '->' in effect, found name 'b'");
    err = parse_err("op (a -> int int);");
    assert_string_equal(err->msg, "expected ',' or ')' in effect, found name 'int'");
    err = parse_err("op (a, -> int);");
    assert_int_equal(err->code, E_SYNTAX);
    assert_span(err->span, 1, 8, 2);
}

static void test_parse_contract(void **state)
{
    Node *st = parse_one(".operation pinc, (x: int -> y: int), requires HAS_PARITY(x) <= EVEN,"
                         " ensures K2(x, y) <= ODD;");
    assert_int_equal(st->nkids, 4);
    Node *c = st->kids[2];
    assert_int_equal(c->kind, N_CONTRACT);
    assert_string_equal(c->name, "requires");
    assert_int_equal(c->nkids, 2);
    assert_int_equal(c->kids[0]->kind, N_APPLY);
    assert_string_equal(c->kids[0]->name, "HAS_PARITY");
    assert_int_equal(c->kids[0]->nkids, 1);
    assert_string_equal(c->kids[0]->kids[0]->name, "x");
    assert_int_equal(c->kids[1]->kind, N_NAME);
    assert_string_equal(c->kids[1]->name, "EVEN");
    c = st->kids[3];
    assert_string_equal(c->name, "ensures");
    assert_int_equal(c->kids[0]->nkids, 2);
    assert_string_equal(c->kids[0]->kids[1]->name, "y");
    assert_string_equal(c->kids[1]->name, "ODD");

    /* 'requires' alone or applied is an ordinary name */
    assert_int_equal(parse_one("op requires;")->kids[0]->kind, N_NAME);
    assert_int_equal(parse_one("op requires(1);")->kids[0]->kind, N_APPLY);

    Error *e = parse_err("op requires K(x) < E;");
    assert_string_equal(e->msg, "expected '<=' after contract key, found '<'");
    assert_span(e->span, 1, 18, 1);
    e = parse_err("op requires K x;");
    assert_string_equal(e->msg, "expected '(' after contract key 'K', found name 'x'");
    e = parse_err("op requires K(1) <= E;");
    assert_string_equal(e->msg, "expected a parameter name in contract, found integer 1");
    e = parse_err("op requires K(x) <= ;");
    assert_string_equal(e->msg, "expected a lattice element after '<=', found ';'");
}

static void test_parse_order(void **state)
{
    Node *st = parse_one(".define_lattice PARITY, { ODD < UNKNOWN; EVEN < UNKNOWN; A < B < C; };");
    Node *b = st->kids[1];
    assert_int_equal(b->kind, N_BLOCK);
    assert_int_equal(b->nkids, 3);
    assert_int_equal(b->kids[0]->kind, N_ORDER);
    assert_int_equal(b->kids[0]->nkids, 2);
    assert_string_equal(b->kids[0]->kids[0]->name, "ODD");
    assert_string_equal(b->kids[0]->kids[1]->name, "UNKNOWN");
    assert_int_equal(b->kids[2]->nkids, 3);
    assert_string_equal(b->kids[2]->kids[2]->name, "C");
    assert_string_equal(print_node(b->kids[2]), "A < B < C;");

    Error *e = parse_err("A < B C;");
    assert_string_equal(e->msg, "expected ';' or '<' after lattice element, found name 'C'");
    e = parse_err("A < ;");
    assert_string_equal(e->msg, "expected a lattice element after '<', found ';'");
}

static void test_parse_optional_semicolon(void **state)
{
    Node *u = parse_ok(".define_machine m, core-machine, { add; }");
    assert_int_equal(u->nkids, 1);
    u = parse_ok("f { g { add; } }; h;");
    assert_int_equal(u->nkids, 2);
    assert_int_equal(u->kids[0]->kids[0]->kids[0]->kind, N_STMT);
    u = parse_ok("if { add; }, { sub; }\n");
    assert_int_equal(u->kids[0]->nkids, 2);

    Error *e = parse_err("f { add; } g;");
    assert_int_equal(e->code, E_SYNTAX);
    assert_string_equal(e->msg, "expected ';' or ',' after argument, found name 'g'");
    assert_span(e->span, 1, 12, 1);
    e = parse_err("f { g x }");
    assert_string_equal(e->msg, "expected ';' or ',' after argument, found '}'");
    assert_span(e->span, 1, 9, 1);
    e = parse_err("f { add }");
    assert_string_equal(e->msg, "expected ';' or an argument after 'add', found '}'");
    /* The last statement of a complete input may leave its ';' out; one
     * between statements, or inside a block, may not. */
    u = parse_ok("f x");
    assert_int_equal(u->nkids, 1);
    u = parse_ok("push int(2); print");
    assert_int_equal(u->nkids, 2);
    e = parse_err("f x g");
    assert_string_equal(e->msg, "expected ';' or ',' after argument, found name 'g'");
    e = parse_err("f { g x");
    assert_string_equal(e->msg, "expected ';' or ',' after argument, found end of input");
}

static void test_parse_missing_semicolon_position(void **state)
{
    Error *e = parse_err(".define_machine m, c, {\n  push int(1)\n  add;\n};");
    assert_int_equal(e->code, E_SYNTAX);
    assert_string_equal(e->msg, "expected ';' or ',' after argument, found name 'add'");
    assert_string_equal(e->hint, "end each statement with ';'");
    assert_span(e->span, 3, 3, 3);
    /* the note points just past the argument where ';' belongs */
    assert_non_null(e->notes);
    assert_span(e->notes->span, 2, 14, 0);

    e = parse_err("push int(1) foo;");
    assert_string_equal(e->msg, "expected ';' or ',' after argument, found name 'foo'");
    assert_span(e->span, 1, 13, 3);
    assert_null(e->notes);
}

static void test_parse_errors(void **state)
{
    Error *e = parse_err("op (a, b;");
    assert_string_equal(e->msg, "expected ',' or ')' in tuple, found ';'");
    e = parse_err("op ();");
    assert_string_equal(e->msg, "expected an argument in tuple, found ')'");
    e = parse_err("op int(5;");
    assert_string_equal(e->msg, "expected ',' or ')' in 'int(...)', found ';'");
    e = parse_err("op a,;");
    assert_string_equal(e->msg, "expected an argument, found ';'");
    e = parse_err("}");
    assert_string_equal(e->msg, "unmatched '}': no bracket is open here");
    assert_non_null(e->hint);
    /* a closing bracket that closes nothing is the error, wherever the
     * parser stops at it */
    e = parse_err("foo }}} {{{");
    assert_string_equal(e->msg, "unmatched '}': no bracket is open here");
    assert_span(e->span, 1, 5, 1);
    e = parse_err("push int(1)); print;");
    assert_string_equal(e->msg, "unmatched ')': no bracket is open here");
    assert_span(e->span, 1, 12, 1);
    e = parse_err("f { g (a, b }; };");
    assert_string_equal(e->msg, "mismatched '}': the innermost open bracket is '('");
    assert_span(e->span, 1, 13, 1);
    assert_non_null(e->notes);
    assert_span(e->notes->span, 1, 7, 1);
    /* a matched '}' where a statement belongs keeps the usual message */
    e = parse_err("f { 42; };");
    assert_string_equal(e->msg, "expected a statement, found integer 42");
    e = parse_err("42;");
    assert_string_equal(e->msg, "expected a statement, found integer 42");
    e = parse_err("f {\n add;\n");
    assert_string_equal(e->msg, "expected '}' to close the block, found end of input");
    assert_non_null(e->notes);
    assert_span(e->notes->span, 1, 3, 1);
    e = parse_err("p. op;");
    assert_string_equal(e->msg, "expected ';' or an argument after 'p', found '.'");
    e = parse_err("'dup 'pop;");
    assert_string_equal(e->msg, "expected ';' or an argument after 'dup, found tick name 'pop");
    /* lexer errors come through parse_unit, with first_line honoured */
    Node *u = NULL;
    e = parse_unit(src_at("add;\nsub @;", 7), &u);
    assert_non_null(e);
    assert_null(u);
    assert_string_equal(e->msg, "unexpected character '@'");
    assert_span(e->span, 8, 5, 1);
}

static void test_parse_empty_inputs(void **state)
{
    assert_int_equal(parse_ok("")->nkids, 0);
    assert_int_equal(parse_ok(";;;\n ;")->nkids, 0);
    assert_int_equal(parse_ok("/* c */ // d\n")->nkids, 0);
    Node *u = parse_ok("; add;; ; sub;");
    assert_int_equal(u->nkids, 2);
    Node *b = parse_one("f { ; ; };")->kids[0];
    assert_int_equal(b->kind, N_BLOCK);
    assert_int_equal(b->nkids, 0);
}

static char *repeat(const char *unit, int times, const char *tail)
{
    Buf b = {0};
    for (int i = 0; i < times; i++)
        buf_puts(&b, unit);
    buf_puts(&b, tail);
    return (char *)buf_str(&b);
}

static void test_parse_depth_limit(void **state)
{
    Error *e = parse_err(repeat("{", 10000, ""));
    assert_int_equal(e->code, E_SYNTAX); /* a bare '{' is no statement */
    e = parse_err(repeat("f {", 10000, ""));
    assert_int_equal(e->code, E_LIMIT);
    assert_int_equal(e->span.col, 3 * ((int)config_limits.nesting) + 3);
    e = parse_err(repeat("f (", 10000, ""));
    assert_int_equal(e->code, E_LIMIT);
    e = parse_err(repeat("f (g, ", 10000, ""));
    assert_int_equal(e->code, E_LIMIT);
    e = parse_err(gc_printf("f %s", repeat("x(", 10000, "")));
    assert_int_equal(e->code, E_LIMIT);

    /* exactly ((int)config_limits.nesting) nested brackets are fine */
    char *ok = repeat("f {", ((int)config_limits.nesting), repeat("}", ((int)config_limits.nesting), ""));
    assert_int_equal(parse_ok(ok)->nkids, 1);
    char *deep = repeat("f {", ((int)config_limits.nesting) + 1, repeat("}", ((int)config_limits.nesting) + 1, ""));
    assert_int_equal(parse_err(deep)->code, E_LIMIT);
}

/* ---- paper figures and printing ---------------------------------------- */

static void test_figure1(void **state)
{
    const char *text = read_text_file("tests/paper/figure1.xvm");
    Node *st = parse_one(text);
    assert_int_equal(st->head, HEAD_DIRECTIVE);
    assert_string_equal(st->name, "define_machine");
    assert_int_equal(st->nkids, 3);
    assert_string_equal(st->kids[0]->name, "extended-machine");
    assert_string_equal(st->kids[1]->name, "core-machine");
    Node *body = st->kids[2];
    assert_int_equal(body->kind, N_BLOCK);
    assert_int_equal(body->nkids, 6);
    static const char *const heads[] = {"load_interfaces", "load_modules", "instantiate",
                                        "instantiate",     "link",         "alias_operation"};
    for (size_t i = 0; i < countof(heads); i++) {
        assert_int_equal(body->kids[i]->head, HEAD_DIRECTIVE);
        assert_string_equal(body->kids[i]->name, heads[i]);
    }
    Node *link = body->kids[4];
    assert_int_equal(link->nkids, 2);
    assert_int_equal(link->kids[1]->kind, N_TUPLE);
    assert_string_equal(link->kids[1]->kids[0]->name, "ternary-add-instance");
    assert_string_equal(link->kids[1]->kids[1]->name, "binary-op-port");
    assert_span(link->kids[1]->span, 8, 9, 38);
    assert_int_equal(body->kids[5]->nkids, 4);
    assert_string_equal(body->kids[5]->kids[3]->name, "tadd");
}

static void test_figure2(void **state)
{
    const char *text = read_text_file("tests/paper/figure2.xvm");
    Node *st = parse_one(text);
    assert_string_equal(st->name, "define_operation");
    assert_int_equal(st->nkids, 3);
    assert_int_equal(st->kids[0]->kind, N_APPLY);
    assert_string_equal(st->kids[0]->name, "port");
    assert_string_equal(st->kids[0]->kids[0]->name, "parity_ops");
    assert_string_equal(st->kids[1]->name, "pinc");
    Node *body = st->kids[2];
    assert_int_equal(body->nkids, 15);
    assert_int_equal(body->kids[0]->head, HEAD_TICK);
    assert_string_equal(body->kids[0]->name, "push_key");
    assert_string_equal(body->kids[5]->name, "push");
    assert_int_equal(body->kids[5]->head, HEAD_OP);
    assert_int_equal(body->kids[5]->kids[0]->kind, N_APPLY);
    Node *ifp = body->kids[8];
    assert_string_equal(ifp->name, "if_precisely");
    assert_int_equal(ifp->nkids, 4);
    assert_int_equal(ifp->kids[2]->kind, N_BLOCK);
    assert_int_equal(ifp->kids[2]->nkids, 2);
    Node *inner = ifp->kids[3]->kids[0];
    assert_string_equal(inner->name, "if_precisely");
    assert_int_equal(inner->nkids, 4);
    assert_string_equal(inner->kids[3]->kids[0]->kids[1]->name, "UNKNOWN");
    Node *roll = body->kids[12];
    assert_string_equal(roll->name, "roll");
    assert_int_equal(roll->kids[0]->ival, 2);
    assert_int_equal(roll->kids[1]->ival, 1);
    assert_string_equal(body->kids[14]->name, "define");
}

/* print(parse(x)) is a fixed point of parse-then-print. */
static void assert_round_trip(const char *text)
{
    const char *once = print_node(parse_ok(text));
    const char *twice = print_node(parse_ok(once));
    assert_string_equal(once, twice);
}

static void test_print_exact(void **state)
{
    const char *got =
        print_node(parse_ok(".op x, (a: int, b -> r: int), requires K(a, b) <= E;"
                            "push int(-5);'push_val P,E;p.op \"a\\n\\t\\\\\\\"\";"
                            "f {g;}, ( -> ), (x, y);A<B;"));
    assert_string_equal(got, ".op x, (a: int, b -> r: int), requires K(a, b) <= E;\n"
                             "push int(-5);\n"
                             "'push_val P, E;\n"
                             "p.op \"a\\n\\t\\\\\\\"\";\n"
                             "f {\n"
                             "  g;\n"
                             "}, (->), (x, y);\n"
                             "A < B;\n");
}

static void test_print_nested_block_indent(void **state)
{
    const char *got = print_node(parse_ok("a { b { c; }, { }; };"));
    assert_string_equal(got, "a {\n  b {\n    c;\n  }, { };\n};\n");
    Buf b = {0};
    node_print(&b, parse_one("x { y; };"), 4);
    assert_string_equal(buf_str(&b), "    x {\n      y;\n    };");
}

static void test_print_round_trip(void **state)
{
    assert_round_trip(read_text_file("tests/paper/figure1.xvm"));
    assert_round_trip(read_text_file("tests/paper/figure2.xvm"));
    assert_round_trip(".define_interface parity-int-op, {\n"
                      "  .operation pdouble, (x: int -> y: int), ensures HAS(y) <= EVEN;\n"
                      "  .operation none, ( -> );\n};\n"
                      ".define_lattice L, { A < B < C; };\n"
                      "print \"tab\\there \\\"q\\\" \\\\ end\\n\"; push int(-9223372036854775808);");
}

/* ---- continuation depth ------------------------------------------------ */

static void test_open_depth(void **state)
{
    assert_int_equal(lex_open_depth(""), 0);
    assert_int_equal(lex_open_depth(NULL), 0);
    assert_int_equal(lex_open_depth("add;"), 0);
    assert_int_equal(lex_open_depth(".define_machine m, c, {"), 1);
    assert_int_equal(lex_open_depth("f { (a,"), 2);
    assert_int_equal(lex_open_depth("f { (a, b) }"), 0);
    assert_int_equal(lex_open_depth("}"), 0);
    /* A closing bracket that closes nothing, or the other kind, ends the
     * input: brackets opened after it ask for no more lines. */
    assert_int_equal(lex_open_depth("} {"), 0);
    assert_int_equal(lex_open_depth("foo }}} {{{"), 0);
    assert_int_equal(lex_open_depth("f { ) {"), 0);
    assert_int_equal(lex_open_depth("f ( } ("), 0);
    assert_int_equal(lex_open_depth("f { ( ) } ) {"), 0);
    assert_int_equal(lex_open_depth("f { ( ) { } ("), 2);
    assert_int_equal(lex_open_depth("f /* } */ { // )\n"), 1);
    assert_int_equal(lex_open_depth("f \")\" {"), 1);
    assert_int_equal(lex_open_depth("f { // {\n"), 1);
    assert_int_equal(lex_open_depth("f { /* } */"), 1);
    assert_int_equal(lex_open_depth("f \"{\""), 0);
    assert_int_equal(lex_open_depth("f \"a\\\"{\""), 0);
    assert_true(lex_open_depth("add; /* {") > 0);
    /* Strings cannot span lines: an unterminated one never asks for more input. */
    assert_int_equal(lex_open_depth("print \"abc"), 0);
    assert_int_equal(lex_open_depth("f { print \"abc {"), 0);
    assert_int_equal(lex_open_depth("f { /* x"), 2);
    /* a newline ends a broken string: the parser reports it, no more lines */
    assert_int_equal(lex_open_depth("print \"abc\nadd;"), 0);
}

/* The REPL scans an input a line at a time: bracket kinds are remembered
 * across lines (and past 64 levels), and once a closing bracket matched
 * nothing the input stays complete whatever follows. */
static void test_scan_chunks(void **state)
{
    SyntaxScan st = {0};
    lex_scan(&st, ".define_procedure p, (->), {");
    assert_int_equal(lex_scan_open(&st), 1);
    lex_scan(&st, "  push int(1); pop; }");
    assert_int_equal(lex_scan_open(&st), 0);
    assert_false(st.unmatched);

    st = (SyntaxScan){0};
    lex_scan(&st, "f {");
    lex_scan(&st, "  push int(1); }};");
    assert_true(st.unmatched);
    assert_int_equal(lex_scan_open(&st), 0);
    lex_scan(&st, "{ { {");
    assert_int_equal(lex_scan_open(&st), 0);

    /* 200 levels of alternating kinds, then closed in order */
    st = (SyntaxScan){0};
    for (int i = 0; i < 200; i++)
        lex_scan(&st, i % 3 ? "(" : "{");
    assert_int_equal(lex_scan_open(&st), 200);
    for (int i = 199; i >= 0; i--)
        lex_scan(&st, i % 3 ? ")" : "}");
    assert_int_equal(lex_scan_open(&st), 0);
    assert_false(st.unmatched);
    /* the same, closed with one wrong kind deep inside */
    st = (SyntaxScan){0};
    for (int i = 0; i < 200; i++)
        lex_scan(&st, i % 3 ? "(" : "{");
    for (int i = 199; i >= 100; i--)
        lex_scan(&st, i % 3 ? ")" : "}");
    lex_scan(&st, "}"); /* level 99 is a '{' */
    assert_false(st.unmatched);
    lex_scan(&st, "}"); /* level 98 is a '(' */
    assert_true(st.unmatched);
    assert_int_equal(lex_scan_open(&st), 0);
}

int main(void)
{
    GC_INIT();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lex_token_kinds),
        cmocka_unit_test(test_lex_spans_and_first_line),
        cmocka_unit_test(test_lex_names_and_negative_numbers),
        cmocka_unit_test(test_lex_hex),
        cmocka_unit_test(test_lex_int_range),
        cmocka_unit_test(test_lex_strings),
        cmocka_unit_test(test_lex_comments),
        cmocka_unit_test(test_lex_embedded_nul),
        cmocka_unit_test(test_lex_qualified_vs_directive),
        cmocka_unit_test(test_lex_tick),
        cmocka_unit_test(test_kind_names),
        cmocka_unit_test(test_parse_heads),
        cmocka_unit_test(test_parse_arg_kinds),
        cmocka_unit_test(test_parse_nested_args),
        cmocka_unit_test(test_parse_effects),
        cmocka_unit_test(test_parse_contract),
        cmocka_unit_test(test_parse_order),
        cmocka_unit_test(test_parse_optional_semicolon),
        cmocka_unit_test(test_parse_missing_semicolon_position),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_parse_empty_inputs),
        cmocka_unit_test(test_parse_depth_limit),
        cmocka_unit_test(test_figure1),
        cmocka_unit_test(test_figure2),
        cmocka_unit_test(test_print_exact),
        cmocka_unit_test(test_print_nested_block_indent),
        cmocka_unit_test(test_print_round_trip),
        cmocka_unit_test(test_open_depth),
        cmocka_unit_test(test_scan_chunks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
