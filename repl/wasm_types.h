/* wasm_types.h - what the WebAssembly front end's files share: a module
 * instance as translated (functions, globals, exports, table), value types
 * as letters, signatures, integer literals and index references
 * (wasm_types.c). */
#ifndef XVM_WASM_TYPES_H
#define XVM_WASM_TYPES_H

#include "wasm_sexpr.h"

/* Value types as one letter: i = i32, I = i64, f = f32, F = f64. */
typedef struct WasmModuleSig {
    const char *params, *results;
} WasmModuleSig;

typedef struct WasmModuleFunc {
    const char *id;          /* $name, or NULL */
    WasmModuleSig sig;
    const WasmSexpr *def;    /* the (func ...) list; NULL if imported */
    uint32_t body;           /* index of its first instruction in def */
    const char *locals;      /* the types of params then locals */
    const char **local_ids;  /* their $names (NULL where none) */
    const char *xname;       /* the procedure */
    const char *floaty;      /* why it is outside the integer subset, or NULL */
    Span at;
} WasmModuleFunc;

typedef struct WasmModuleGlobal {
    const char *id;
    char type;
    const WasmSexpr *init;
    uint32_t slot; /* wasm-module's global number */
} WasmModuleGlobal;

typedef struct WasmModuleExport {
    const char *name;
    uint32_t len; /* of name, which may hold NULs */
    char kind; /* f(unc), g(lobal), m(emory), t(able) */
    uint32_t index;
    const WasmSexpr *ref; /* (export "n" (func $f)): $f, until resolved */
} WasmModuleExport;

typedef struct WasmInstance {
    uint32_t id;
    Vec funcs;   /* WasmModuleFunc* */
    Vec globals; /* WasmModuleGlobal* */
    Vec exports; /* WasmModuleExport* */
    Vec types;   /* WasmModuleSig* */
    Vec type_ids; /* const char*: their $names (NULL where none) */
    int64_t *table; /* function index per slot, -1 = empty */
    uint32_t ntable;
    bool has_table, has_memory;
    uint32_t memory;   /* wasm-module's memory number */
    bool has_floats;   /* some functions were left out: they use floats */
    Vec dispatchers;   /* const char*: what call_indirect uses: a type and its signature ("2|ii:i"), or one inline ("-|ii:i") */
    const Source *src;
} WasmInstance;

/* A value type's letter, or 0. */
char wasm_types_valtype(const WasmSexpr *x);

/* Parse an integer literal of the text format for type t (i or I) into
 * its 64-bit pattern; false if it is no such literal or out of range. */
bool wasm_types_int(const char *text, char t, int64_t *v);

/* The XVM type of a value type: int until i32 and i64 are types of
 * wasm-machine (issue 16), then "i32" / "i64". */
const char *wasm_types_xvm(char t);

/* The XVM effect of a signature: "(int, int -> int)". */
const char *wasm_types_effect(WasmModuleSig sig);

/* Resolve a function, global, type or local reference: a number or a $name. */
bool wasm_types_index(const WasmSexpr *x, const char *const *ids, uint32_t n, uint32_t *out);

/* A type use at items[*i]: (type $t), then (param ...) and (result ...)
 * lists; ids gets the params' $names if ids is not NULL. */
Error *wasm_types_typeuse(const WasmInstance *inst, const WasmSexpr *const *items, uint32_t n, uint32_t *i,
                          Span at, WasmModuleSig *sig, Vec *ids);

/* The types of (param ...) or (result ...) list l appended to b (and
 * their $names to ids, if not NULL). */
Error *wasm_types_add(const WasmSexpr *l, Buf *b, Vec *ids);

#endif
