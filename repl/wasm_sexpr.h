/* wasm_sexpr.h - the S-expressions of WebAssembly's text format (.wat,
 * .wast): lists, atoms (keywords, $names, numbers) and strings, each with
 * its span in the source. */
#ifndef XVM_WASM_SEXPR_H
#define XVM_WASM_SEXPR_H

#include "base.h"

typedef enum { WASM_SEXPR_LIST, WASM_SEXPR_ATOM, WASM_SEXPR_STRING } WasmSexprKind;

typedef struct WasmSexpr {
    WasmSexprKind kind;
    const char *text; /* atom: as written; string: its bytes (NUL-terminated) */
    uint32_t len;     /* bytes of text (a string may hold NULs) */
    struct WasmSexpr **kids;
    uint32_t n;
    Span span;
} WasmSexpr;

/* Every top-level S-expression of src, in order, into out (WasmSexpr*).
 * Comments (;; and nested (; ;)) are skipped. */
Error *wasm_sexpr_parse(const Source *src, Vec *out);

/* x is the atom a. */
bool wasm_sexpr_is(const WasmSexpr *x, const char *a);

/* x is a list whose first item is the atom a. */
bool wasm_sexpr_head_is(const WasmSexpr *x, const char *a);

/* The atom at the head of list x, or "" if x is no such list. */
const char *wasm_sexpr_head(const WasmSexpr *x);

#endif
