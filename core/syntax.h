/* syntax.h - lexer and parser for the uniform statement syntax (DESIGN §3).
 *
 * Every statement has one shape, HEAD ARG, ARG, ...; and parses into one
 * kind of tree node.  The parser knows no directive: each directive and
 * operation checks its own argument shapes later. */
#ifndef XVM_SYNTAX_H
#define XVM_SYNTAX_H

#include "base.h"

/* ---- tokens ------------------------------------------------------------ */

typedef enum {
    T_EOF,
    T_NAME,      /* foo, extended-machine              text = "foo"          */
    T_QNAME,     /* port.op (no spaces)                text = "port", text2 = "op" */
    T_DIRECTIVE, /* .define_machine                    text = "define_machine" */
    T_TICK,      /* 'push_key                          text = "push_key"     */
    T_INT,       /* 42, -7, 0x1F                       ival                  */
    T_STRING,    /* "a\n"                              text = decoded bytes, ival = length */
    T_COMMA, T_SEMI, T_LBRACE, T_RBRACE, T_LPAREN, T_RPAREN,
    T_DOT, T_COLON, T_ARROW, T_LT, T_LE,
    T__COUNT
} TokKind;

typedef struct Token {
    TokKind kind;
    Span span;
    const char *text;
    const char *text2;
    int64_t ival;
} Token;

const char *lex_tok_kind_name(TokKind k); /* "name", "';'", "end of input", ... */

/* Lex the whole source.  On success *out is an array ending in T_EOF. */
Error *lex(const Source *src, Token **out, uint32_t *ntok);

/* How many brackets ({ ( ) are open at the end of text, ignoring comments
 * and strings; also > 0 inside an unterminated block comment or string.
 * The REPL keeps reading continuation lines while this is > 0.  A closing
 * bracket that closes nothing, or closes a bracket of the other kind, ends
 * the input there: the count is 0 from then on (the parser reports it). */
int lex_open_depth(const char *text);
/* The same, a chunk at a time (the REPL's continuation lines). */
typedef struct SyntaxScan {
    int depth;
    bool in_comment, broken_string;
    bool unmatched;     /* a closing bracket matched nothing: the input is over */
    uint64_t *braces;   /* bit i: the bracket open at depth i is '{' (else '(') */
    uint32_t nwords;    /* words in braces */
} SyntaxScan;
void lex_scan(SyntaxScan *st, const char *text);
int lex_scan_open(const SyntaxScan *st);

/* ---- tree -------------------------------------------------------------- */

typedef enum {
    N_UNIT,     /* kids = statements                                           */
    N_STMT,     /* head in name/name2 (see head), kids = arguments             */
    N_ORDER,    /* A < B < C;  kids = N_NAME elements (inside .define_lattice) */
    N_NAME,     /* name                                                       */
    N_QNAME,    /* port.op as an argument: name = port, name2 = op             */
    N_INT,      /* ival                                                        */
    N_STRING,   /* name = bytes (NUL-terminated), ival = length                */
    N_APPLY,    /* int(5), port(p), KEY(a, b): name = "int", kids = arguments  */
    N_TUPLE,    /* (a, b): kids                                               */
    N_BLOCK,    /* { statements }: kids                                        */
    N_EFFECT,   /* (a: int, b -> r: int): kids = N_PARAMs, ival = # of inputs  */
    N_PARAM,    /* name = parameter name or NULL, name2 = type name            */
    N_CONTRACT, /* name = "requires"|"ensures", kids[0] = N_APPLY KEY(params), */
                /* kids[1] = N_NAME element                                    */
    N__COUNT
} NodeKind;

typedef enum {
    HEAD_OP,        /* add            name = "add"                   */
    HEAD_DIRECTIVE, /* .instantiate   name = "instantiate"           */
    HEAD_TICK,      /* 'push_key      name = "push_key"              */
    HEAD_QUALIFIED, /* port.op        name = "port", name2 = "op"    */
} HeadKind;

typedef struct Node {
    NodeKind kind;
    HeadKind head;      /* N_STMT only */
    Span span;          /* whole node */
    Span head_span;     /* N_STMT: the head token; others: same as span */
    const char *name;
    const char *name2;
    int64_t ival;
    struct Node **kids;
    uint32_t nkids;
} Node;


/* Parse a whole unit.  Nesting deeper than config_limits.nesting brackets is
 * an error (E_LIMIT), so the recursive descent never overflows the C stack
 * (the cap on :set nesting, SYNTAX_MAX_DEPTH_CAP: config.h). */
Error *parse_unit(const Source *src, Node **out);

#endif
