/* wasm_types.c - WebAssembly's value types, function signatures, integer
 * literals and index references, shared by the module translator
 * (wasm_module.c), the function translator (wasm_func.c) and the script
 * runner (wasm_script.c). */
#include "wasm_types.h"

#include <ctype.h>
#include <string.h>

/* ---- literals and names ------------------------------------------------------------------------ */

char wasm_types_valtype(const WasmSexpr *x)
{
    static const char *const names[] = {"i32", "i64", "f32", "f64"};
    for (int k = 0; k < 4; k++)
        if (wasm_sexpr_is(x, names[k]))
            return "iIfF"[k];
    return 0;
}

const char *wasm_types_xvm(char t)
{
    return t == 'I' ? "i64" : "i32"; /* wasm-module's types (stdlib/wasm-module.xvm) */
}

const char *wasm_types_effect(WasmModuleSig sig)
{
    Buf b = {0};
    buf_putc(&b, '(');
    for (const char *p = sig.params; *p; p++)
        buf_printf(&b, "%s%s", p == sig.params ? "" : ", ", wasm_types_xvm(*p));
    buf_puts(&b, *sig.params ? " ->" : "->");
    for (const char *p = sig.results; *p; p++)
        buf_printf(&b, "%s %s", p == sig.results ? "" : ",", wasm_types_xvm(*p));
    buf_putc(&b, ')');
    return buf_str(&b);
}

/* t: i (i32), I (i64), u (an unsigned 32-bit offset or index). */
bool wasm_types_int(const char *text, char t, int64_t *v)
{
    const char *p = text;
    bool neg = *p == '-';
    if (*p == '-' || *p == '+')
        p++;
    int base = 10;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        base = 16, p += 2;
    uint64_t m = 0;
    bool any = false, last_sep = true;
    for (; *p; p++) {
        if (*p == '_' && !last_sep) {
            last_sep = true;
            continue;
        }
        int d = isdigit((unsigned char)*p) ? *p - '0' : base == 16 && isxdigit((unsigned char)*p) ? tolower(*p) - 'a' + 10 : -1;
        if (d < 0 || m > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
            return false;
        m = m * (uint64_t)base + (uint64_t)d;
        any = true, last_sep = false;
    }
    if (!any || last_sep || (t == 'u' && (neg || text[0] == '+')))
        return false;
    uint64_t max = t == 'I' ? (neg ? 1ull << 63 : UINT64_MAX) : t == 'i' ? (neg ? 1ull << 31 : 0xFFFFFFFFull) : 0xFFFFFFFFull;
    if (m > max)
        return false;
    *v = (int64_t)(neg ? 0 - m : m);
    return true;
}

bool wasm_types_index(const WasmSexpr *x, const char *const *ids, uint32_t n, uint32_t *out)
{
    if (!x || x->kind != WASM_SEXPR_ATOM)
        return false;
    if (x->text[0] == '$') {
        for (uint32_t i = 0; ids && i < n; i++)
            if (ids[i] && !strcmp(ids[i], x->text)) {
                *out = i;
                return true;
            }
        return false;
    }
    int64_t v;
    if (!wasm_types_int(x->text, 'u', &v) || (uint64_t)v >= n)
        return false;
    *out = (uint32_t)v;
    return true;
}

static Error *malformed(Span at, const char *what, const char *hint)
{
    return err_hint(err_new(E_SYNTAX, at, "%s", what), "%s", hint);
}

/* (param i32 i64) or (param $x i32) into b (and ids), (result ...) into r. */
Error *wasm_types_add(const WasmSexpr *l, Buf *b, Vec *ids)
{
    uint32_t k = 1;
    const char *id = NULL;
    if (k < l->n && l->kids[k]->kind == WASM_SEXPR_ATOM && l->kids[k]->text[0] == '$')
        id = l->kids[k++]->text;
    if (id && l->n != 3)
        return malformed(l->span, "a named param has exactly one type", "write (param $x i32)");
    for (; k < l->n; k++) {
        char t = wasm_types_valtype(l->kids[k]);
        if (!t)
            return malformed(l->kids[k]->span, "unknown value type", "the types are i32, i64, f32 and f64");
        buf_putc(b, t);
        if (ids)
            vec_push(ids, (void *)id);
    }
    return NULL;
}

static WasmModuleSig sig_of(Buf *p, Buf *r) { return (WasmModuleSig){buf_str(p), buf_str(r)}; }

Error *wasm_types_typeuse(const WasmInstance *inst, const WasmSexpr *const *items, uint32_t n, uint32_t *i,
                           Span at, WasmModuleSig *sig, Vec *ids)
{
    const WasmModuleSig *declared = NULL;
    if (*i < n && wasm_sexpr_head_is(items[*i], "type")) {
        uint32_t t;
        if (items[*i]->n != 2 ||
            !wasm_types_index(items[*i]->kids[1], (const char *const *)inst->type_ids.items, inst->types.len, &t))
            return err_hint(err_new(E_UNKNOWN, items[*i]->span, "unknown type"), "declare it with (type $t (func ...))");
        declared = inst->types.items[t];
        (*i)++;
    }
    Buf p = {0}, r = {0};
    bool inline_given = false;
    for (; *i < n && (wasm_sexpr_head_is(items[*i], "param") || wasm_sexpr_head_is(items[*i], "result")); (*i)++) {
        bool is_param = wasm_sexpr_head_is(items[*i], "param");
        if (is_param && r.len)
            return malformed(items[*i]->span, "a param after a result", "write the params first");
        Error *e = wasm_types_add(items[*i], is_param ? &p : &r, is_param ? ids : NULL);
        if (e)
            return e;
        inline_given = true;
    }
    if (r.len > 1)
        return err_hint(err_new(E_TYPE, at, "more than one result: Wasm 1.0 allows at most one"),
                        "multi-value is not in Wasm 1.0");
    *sig = sig_of(&p, &r);
    if (declared && inline_given && (strcmp(declared->params, sig->params) || strcmp(declared->results, sig->results)))
        return err_hint(err_new(E_TYPE, at, "inline function type does not match the type it names"),
                        "the (param ...) and (result ...) must be those of the (type ...)");
    if (declared && !inline_given) {
        *sig = *declared;
        for (uint32_t k = 0; ids && k < strlen(sig->params); k++)
            vec_push(ids, NULL);
    }
    return NULL;
}

