/* wasm_module.c - a .wat module as XVM definitions over wasm-machine (see
 * wasm_module.h, docs/wasm.md).
 *
 * A module becomes three inputs: every function as a stub (so calls may
 * go forward, as Wasm's may) with the call_indirect dispatchers; then
 * every function's real body, each replacing its stub, which the session
 * verifies (and re-verifies the callers of) like any redefinition; then
 * the code that sets up its memory, data, globals and start function.
 * Functions get names unique to the instance (w3_f0), so modules loaded
 * one after another never replace each other's. */
#include "wasm_module.h"

#include "wasm_func.h"

#include <ctype.h>
#include <string.h>

/* What a session has made so far: instances, memories and globals are
 * numbered across it, as wasm-module's state holds them. */
static Session *numbers_session;
static uint32_t next_instance, next_memory, next_global;
static bool spectest_defined;

enum { MAX_MEMORIES = 4096, MAX_GLOBALS = 65536, MAX_PAGES = 2048, MAX_TABLE = 1u << 20 };

static Error *malformed(Span at, const char *what, const char *hint)
{
    return err_hint(err_new(E_SYNTAX, at, "%s", what), "%s", hint);
}

/* ---- collecting the fields ------------------------------------------------------------------------ */

typedef struct Build {
    Session *s;
    const Source *src;
    WasmInstance *inst;
    Vec datas, elems, global_defs; /* const WasmSexpr* */
    Vec offsets;                   /* the (iNN.const N) of each segment: its type is the verifier's to check */
    int64_t mem_min, mem_max;
    const WasmSexpr *start;
    const char *skip;
    bool memory_declared, table_declared;
} Build;

static bool is_id(const WasmSexpr *x) { return x && x->kind == WASM_SEXPR_ATOM && x->text[0] == '$'; }

static WasmModuleExport *add_export(Build *B, const WasmSexpr *name, char kind, uint32_t index)
{
    WasmModuleExport *x = gc_alloc(sizeof *x);
    *x = (WasmModuleExport){.name = name->text, .len = name->len, .kind = kind, .index = index};
    vec_push(&B->inst->exports, x);
    return x;
}

/* Inline (export "n") lists at l->kids[*k...], for an item of kind and index. */
static Error *inline_exports(Build *B, const WasmSexpr *l, uint32_t *k, char kind, uint32_t index)
{
    for (; *k < l->n && wasm_sexpr_head_is(l->kids[*k], "export"); (*k)++) {
        const WasmSexpr *x = l->kids[*k];
        if (x->n != 2 || x->kids[1]->kind != WASM_SEXPR_STRING)
            return malformed(x->span, "an export needs its name as a string", "write (export \"name\")");
        add_export(B, x->kids[1], kind, index);
    }
    return NULL;
}

static Error *field_type(Build *B, const WasmSexpr *l)
{
    uint32_t k = 1;
    const char *id = is_id(l->n > 1 ? l->kids[1] : NULL) ? l->kids[k++]->text : NULL;
    if (k >= l->n || !wasm_sexpr_head_is(l->kids[k], "func"))
        return malformed(l->span, "a type is (type $t (func (param ...) (result ...)))", "Wasm 1.0 has function types only");
    const WasmSexpr *f = l->kids[k];
    uint32_t i = 1;
    WasmModuleSig *sig = gc_alloc(sizeof *sig);
    Error *e = wasm_types_typeuse(B->inst, (const WasmSexpr *const *)f->kids, f->n, &i, f->span, sig, NULL);
    if (!e && i < f->n)
        e = malformed(f->kids[i]->span, "unexpected in a function type", "a function type has (param ...) and (result ...)");
    vec_push(&B->inst->types, sig);
    vec_push(&B->inst->type_ids, (void *)id);
    return e;
}

static bool has_float(const char *types) { return strchr(types, 'f') || strchr(types, 'F'); }

static const char *spectest_name(const char *field)
{
    static const char *const known[] = {"print", "print_i32", "print_i64"};
    for (size_t i = 0; i < countof(known); i++)
        if (!strcmp(field, known[i]))
            return gc_printf("wasm_spectest_%s", field);
    return NULL;
}

/* An inline function type that no type equals is added to the types, as
 * the text format's abbreviation says (so (type N) can name it). */
static void add_implicit_type(WasmInstance *inst, WasmModuleSig sig)
{
    for (uint32_t i = 0; i < inst->types.len; i++) {
        const WasmModuleSig *t = inst->types.items[i];
        if (!strcmp(t->params, sig.params) && !strcmp(t->results, sig.results))
            return;
    }
    WasmModuleSig *t = gc_alloc(sizeof *t);
    *t = sig;
    vec_push(&inst->types, t);
    vec_push(&inst->type_ids, NULL);
}

/* A function, defined (def) or imported from module "m" as "n". */
static Error *add_func(Build *B, const WasmSexpr *l, uint32_t k, const WasmSexpr *imp)
{
    WasmModuleFunc *f = gc_alloc(sizeof *f);
    uint32_t index = B->inst->funcs.len;
    f->at = l->span;
    if (k < l->n && is_id(l->kids[k]))
        f->id = l->kids[k++]->text;
    Error *e = inline_exports(B, l, &k, 'f', index);
    if (!e && k < l->n && wasm_sexpr_head_is(l->kids[k], "import"))
        imp = l->kids[k++];
    Vec ids = {0};
    bool named_type = k < l->n && wasm_sexpr_head_is(l->kids[k], "type");
    if (!e)
        e = wasm_types_typeuse(B->inst, (const WasmSexpr *const *)l->kids, l->n, &k, l->span, &f->sig, &ids);
    if (e)
        return e;
    if (!named_type)
        add_implicit_type(B->inst, f->sig);
    Buf locals = {0};
    buf_puts(&locals, f->sig.params);
    for (; !imp && k < l->n && wasm_sexpr_head_is(l->kids[k], "local"); k++)
        if ((e = wasm_types_add(l->kids[k], &locals, &ids)))
            return e;
    f->locals = buf_str(&locals);
    f->local_ids = (const char **)ids.items;
    f->floaty = has_float(f->locals) || has_float(f->sig.results) ? "float" : NULL;
    if (imp) {
        if (imp->n < 3 || imp->kids[1]->kind != WASM_SEXPR_STRING || imp->kids[2]->kind != WASM_SEXPR_STRING)
            return malformed(imp->span, "an import names a module and a field", "write (import \"m\" \"name\")");
        f->xname = !strcmp(imp->kids[1]->text, "spectest") ? spectest_name(imp->kids[2]->text) : NULL;
        if (!f->xname && !B->skip)
            B->skip = "imports from other modules";
    } else {
        f->def = l;
        f->body = k;
        f->xname = wasm_func_name(B->inst, index);
    }
    vec_push(&B->inst->funcs, f);
    return NULL;
}

static Error *limits(const WasmSexpr *l, uint32_t k, int64_t *min, int64_t *max)
{
    *max = -1;
    if (k >= l->n || !wasm_types_int(l->kids[k]->text, 'u', min))
        return malformed(l->span, "limits need a minimum", "write (memory MIN [MAX]) or (table MIN [MAX] funcref)");
    if (k + 1 < l->n && l->kids[k + 1]->kind == WASM_SEXPR_ATOM && isdigit((unsigned char)l->kids[k + 1]->text[0]) &&
        !wasm_types_int(l->kids[k + 1]->text, 'u', max))
        return malformed(l->kids[k + 1]->span, "the maximum must be an unsigned 32-bit integer", "write (memory MIN MAX)");
    if (*max >= 0 && *min > *max)
        return err_hint(err_new(E_DEFINE, l->span, "size minimum must not be greater than maximum"),
                        "limits are (MIN MAX) with MIN <= MAX");
    return NULL;
}

static Error *field_memory(Build *B, const WasmSexpr *l, uint32_t k, bool imported)
{
    if (B->memory_declared)
        return err_hint(err_new(E_DEFINE, l->span, "multiple memories"), "Wasm 1.0 has at most one memory");
    B->memory_declared = B->inst->has_memory = true;
    if (k < l->n && is_id(l->kids[k]))
        k++;
    Error *e = inline_exports(B, l, &k, 'm', 0);
    if (!e && k < l->n && wasm_sexpr_head_is(l->kids[k], "import"))
        k++, imported = true;
    if (e)
        return e;
    if (imported) { /* spectest's memory: one page, at most two */
        B->mem_min = 1, B->mem_max = 2;
        return NULL;
    }
    if (k < l->n && wasm_sexpr_head_is(l->kids[k], "data")) {
        uint64_t len = 0;
        for (uint32_t j = 1; j < l->kids[k]->n; j++)
            len += l->kids[k]->kids[j]->len;
        B->mem_min = B->mem_max = (int64_t)((len + 65535) / 65536);
        vec_push(&B->datas, (void *)l->kids[k]);
        return NULL;
    }
    Error *le = limits(l, k, &B->mem_min, &B->mem_max);
    if (!le && (B->mem_min > 65536 || B->mem_max > 65536))
        le = err_hint(err_new(E_DEFINE, l->span, "memory size must be at most 65536 pages (4GiB)"),
                      "a 32-bit address reaches 65536 pages of 64 KiB");
    return le;
}

static Error *field_table(Build *B, const WasmSexpr *l, uint32_t k, bool imported)
{
    if (B->table_declared)
        return err_hint(err_new(E_DEFINE, l->span, "multiple tables"), "Wasm 1.0 has at most one table");
    B->table_declared = B->inst->has_table = true;
    if (k < l->n && is_id(l->kids[k]))
        k++;
    Error *e = inline_exports(B, l, &k, 't', 0);
    if (e)
        return e;
    if (imported || (k < l->n && wasm_sexpr_head_is(l->kids[k], "import"))) {
        B->skip = B->skip ? B->skip : "imported tables";
        return NULL;
    }
    int64_t min = 0, max;
    if (k < l->n && wasm_sexpr_is(l->kids[k], "funcref") && k + 1 < l->n && wasm_sexpr_head_is(l->kids[k + 1], "elem")) {
        min = l->kids[k + 1]->n - 1;
        vec_push(&B->elems, (void *)l->kids[k + 1]);
    } else if ((e = limits(l, k, &min, &max)))
        return e;
    if (min > MAX_TABLE)
        return err_new(E_LIMIT, l->span, "a table of more than %u elements", MAX_TABLE);
    B->inst->ntable = (uint32_t)min;
    B->inst->table = gc_alloc_atomic((min + 1) * sizeof(int64_t));
    for (int64_t i = 0; i < min; i++)
        B->inst->table[i] = -1;
    return NULL;
}

static Error *field_global(Build *B, const WasmSexpr *l, uint32_t k, const WasmSexpr *imp)
{
    WasmModuleGlobal *g = gc_alloc(sizeof *g);
    uint32_t index = B->inst->globals.len;
    if (k < l->n && is_id(l->kids[k]))
        g->id = l->kids[k++]->text;
    Error *e = inline_exports(B, l, &k, 'g', index);
    if (!e && k < l->n && wasm_sexpr_head_is(l->kids[k], "import"))
        imp = l->kids[k++];
    if (e)
        return e;
    const WasmSexpr *t = k < l->n ? l->kids[k++] : NULL;
    if (wasm_sexpr_head_is(t, "mut") && t->n == 2)
        t = t->kids[1];
    g->type = wasm_types_valtype(t);
    if (!g->type)
        return malformed(l->span, "a global needs its type", "write (global $g i32 (i32.const 0)) or (mut i32)");
    g->init = imp ? NULL : k < l->n ? l->kids[k] : NULL;
    if (imp && !B->skip && (imp->n != 3 || strcmp(imp->kids[1]->text, "spectest")))
        B->skip = "imports from other modules";
    if (next_global >= MAX_GLOBALS)
        return err_new(E_LIMIT, l->span, "more than %u globals in this session", MAX_GLOBALS);
    g->slot = next_global++;
    vec_push(&B->inst->globals, g);
    vec_push(&B->global_defs, (void *)(imp ? imp : l));
    return NULL;
}

/* (import "m" "n" (func|memory|table|global ...)) */
static Error *field_import(Build *B, const WasmSexpr *l)
{
    if (l->n != 4 || l->kids[1]->kind != WASM_SEXPR_STRING || l->kids[2]->kind != WASM_SEXPR_STRING)
        return malformed(l->span, "an import is (import \"module\" \"name\" (KIND ...))", "see the WebAssembly text format");
    const WasmSexpr *d = l->kids[3];
    const char *kind = wasm_sexpr_head(d);
    if (!strcmp(kind, "func"))
        return add_func(B, d, 1, l);
    if (!strcmp(kind, "global"))
        return field_global(B, d, 1, l);
    if (!strcmp(kind, "memory"))
        return field_memory(B, d, 1, true);
    if (!strcmp(kind, "table"))
        return field_table(B, d, 1, true);
    return malformed(d->span, "an import brings a func, memory, table or global", "see the WebAssembly text format");
}

static Error *field_export(Build *B, const WasmSexpr *l)
{
    if (l->n != 3 || l->kids[1]->kind != WASM_SEXPR_STRING || l->kids[2]->kind != WASM_SEXPR_LIST || l->kids[2]->n != 2)
        return malformed(l->span, "an export is (export \"name\" (func $f))", "see the WebAssembly text format");
    const WasmSexpr *d = l->kids[2];
    const char *kind = wasm_sexpr_head(d);
    char k = !strcmp(kind, "func") ? 'f' : !strcmp(kind, "global") ? 'g' : !strcmp(kind, "memory") ? 'm' : 't';
    add_export(B, l->kids[1], k, 0)->ref = d->kids[1]; /* resolved once every item is known */
    return NULL;
}

static Error *field(Build *B, const WasmSexpr *l)
{
    const char *h = wasm_sexpr_head(l);
    if (!strcmp(h, "type"))
        return field_type(B, l);
    if (!strcmp(h, "import"))
        return field_import(B, l);
    if (!strcmp(h, "func"))
        return add_func(B, l, 1, NULL);
    if (!strcmp(h, "memory"))
        return field_memory(B, l, 1, false);
    if (!strcmp(h, "table"))
        return field_table(B, l, 1, false);
    if (!strcmp(h, "global"))
        return field_global(B, l, 1, NULL);
    if (!strcmp(h, "export"))
        return field_export(B, l);
    if (!strcmp(h, "start")) {
        if (B->start)
            return err_hint(err_new(E_DEFINE, l->span, "multiple start sections"), "a module has one start function");
        B->start = l;
        return NULL;
    }
    if (!strcmp(h, "elem") || !strcmp(h, "data")) {
        vec_push(*h == 'e' ? &B->elems : &B->datas, (void *)l);
        return NULL;
    }
    return malformed(l->span, gc_printf("unknown module field '%s'", *h ? h : "?"),
                     "a module holds type, import, func, table, memory, global, export, start, elem and data");
}

/* ---- resolving and float detection ------------------------------------------------------------------- */

static const char **func_ids(const WasmInstance *inst)
{
    const char **ids = gc_alloc((inst->funcs.len + 1) * sizeof *ids);
    for (uint32_t i = 0; i < inst->funcs.len; i++)
        ids[i] = ((WasmModuleFunc *)inst->funcs.items[i])->id;
    return ids;
}

static const char **global_ids(const WasmInstance *inst)
{
    const char **ids = gc_alloc((inst->globals.len + 1) * sizeof *ids);
    for (uint32_t i = 0; i < inst->globals.len; i++)
        ids[i] = ((WasmModuleGlobal *)inst->globals.items[i])->id;
    return ids;
}

static Error *func_ref(const WasmInstance *inst, const WasmSexpr *x, uint32_t *i)
{
    if (wasm_types_index(x, func_ids(inst), inst->funcs.len, i))
        return NULL;
    return err_hint(err_new(E_UNKNOWN, x->span, "unknown function %s", x->kind == WASM_SEXPR_ATOM ? x->text : "?"),
                    "the module has %u functions", inst->funcs.len);
}

/* A constant offset: (i32.const N) or (offset (i32.const N)).  An
 * i64.const is taken too (its value as an offset): that it must be an i32
 * is a type rule, which init_code hands to the verifier. */
static Error *const_offset(Build *B, const WasmSexpr *x, int64_t *v)
{
    if (wasm_sexpr_head_is(x, "offset") && x->n == 2)
        x = x->kids[1];
    bool i64 = wasm_sexpr_head_is(x, "i64.const");
    if ((i64 || wasm_sexpr_head_is(x, "i32.const")) && x->n == 2 && wasm_types_int(x->kids[1]->text, i64 ? 'I' : 'i', v)) {
        *v &= 0xFFFFFFFF;
        vec_push(&B->offsets, (void *)x);
        return NULL;
    }
    return err_hint(err_new(E_USAGE, x->span, "an offset that is not an i32.const"), "only constant offsets are supported");
}

static Error *place_elems(Build *B, const WasmSexpr *l)
{
    uint32_t k = 1;
    int64_t off = 0;
    while (k < l->n && l->kids[k]->kind == WASM_SEXPR_ATOM && !isdigit((unsigned char)l->kids[k]->text[0]) &&
           k + 1 < l->n && l->kids[k + 1]->kind == WASM_SEXPR_LIST)
        k++; /* a table name */
    if (k < l->n && l->kids[k]->kind == WASM_SEXPR_LIST) {
        Error *e = const_offset(B, l->kids[k++], &off);
        if (e)
            return e;
    }
    if (!B->inst->has_table)
        return err_hint(err_new(E_UNKNOWN, l->span, "elements in a module without a table"), "declare (table N funcref)");
    if ((uint64_t)off + (l->n - k) > B->inst->ntable)
        return err_hint(err_new(E_DEFINE, l->span, "elements segment does not fit"),
                        "the table has %u slots", B->inst->ntable);
    for (uint32_t j = k; j < l->n; j++) {
        uint32_t f;
        Error *e = func_ref(B->inst, l->kids[j], &f);
        if (e)
            return e;
        B->inst->table[off + (j - k)] = f;
    }
    return NULL;
}

static bool is_float_atom(const char *t)
{
    return !strncmp(t, "f32", 3) || !strncmp(t, "f64", 3) || strstr(t, "_f32") || strstr(t, "_f64");
}

/* Whether the code in items uses floats: itself, or through what it calls
 * or the globals it names (as far as known so far). */
static bool uses_float(const WasmInstance *inst, const WasmSexpr *const *items, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        const WasmSexpr *x = items[i];
        if (x->kind == WASM_SEXPR_LIST) {
            if (uses_float(inst, (const WasmSexpr *const *)x->kids, x->n))
                return true;
            continue;
        }
        if (x->kind != WASM_SEXPR_ATOM)
            continue;
        if (is_float_atom(x->text))
            return true;
        uint32_t k;
        if (i + 1 < n && !strcmp(x->text, "call") &&
            wasm_types_index(items[i + 1], func_ids(inst), inst->funcs.len, &k) &&
            ((WasmModuleFunc *)inst->funcs.items[k])->floaty)
            return true;
        if (i + 1 < n && !strncmp(x->text, "global.", 7) &&
            wasm_types_index(items[i + 1], global_ids(inst), inst->globals.len, &k) &&
            has_float((char[]){((WasmModuleGlobal *)inst->globals.items[k])->type, 0}))
            return true;
    }
    return false;
}

static void mark_floats(WasmInstance *inst)
{
    for (bool changed = true; changed;) {
        changed = false;
        for (uint32_t i = 0; i < inst->funcs.len; i++) {
            WasmModuleFunc *f = inst->funcs.items[i];
            if (!f->floaty && f->def &&
                uses_float(inst, (const WasmSexpr *const *)f->def->kids + f->body, f->def->n - f->body)) {
                f->floaty = "float";
                changed = true;
            }
        }
    }
    for (uint32_t i = 0; i < inst->funcs.len; i++)
        inst->has_floats |= ((WasmModuleFunc *)inst->funcs.items[i])->floaty != NULL;
}

static Error *resolve(Build *B)
{
    for (uint32_t i = 0; i < B->inst->exports.len; i++) {
        WasmModuleExport *x = B->inst->exports.items[i];
        Error *e = x->kind == 'f' && x->ref ? func_ref(B->inst, x->ref, &x->index) : NULL;
        if (e)
            return e;
    }
    for (uint32_t i = 0; i < B->elems.len; i++) {
        Error *e = place_elems(B, B->elems.items[i]);
        if (e)
            return e;
    }
    mark_floats(B->inst);
    return NULL;
}

/* ---- the three inputs ---------------------------------------------------------------------------------- */

static void emit_spectest(Build *B, Gentext *g, Span at)
{
    if (spectest_defined)
        return;
    gentext_emit(g, at, ".define_procedure wasm_spectest_print, (->), { };");
    gentext_emit(g, at, gc_printf(".define_procedure wasm_spectest_print_i32, (%s ->), { pop; };", wasm_types_xvm('i')));
    gentext_emit(g, at, gc_printf(".define_procedure wasm_spectest_print_i64, (%s ->), { pop; };", wasm_types_xvm('I')));
    (void)B;
}

static Error *init_data(Build *B, Gentext *g, const WasmSexpr *l)
{
    uint32_t k = 1;
    int64_t off = 0;
    if (k < l->n && l->kids[k]->kind == WASM_SEXPR_ATOM)
        k++; /* a memory name or index */
    if (k < l->n && l->kids[k]->kind == WASM_SEXPR_LIST) {
        Error *e = const_offset(B, l->kids[k++], &off);
        if (e)
            return e;
    }
    /* the segment's memory, looked up once even for no bytes: XVM refuses the name in a module without one */
    gentext_emit(g, l->kids[0]->span, gc_printf("call %s; pop;", wasm_func_memory(B->inst)));
    for (; k < l->n; k++) {
        const WasmSexpr *str = l->kids[k];
        if (str->kind != WASM_SEXPR_STRING)
            return malformed(str->span, "data is strings", "write (data (i32.const 0) \"bytes\")");
        for (uint32_t j = 0; j < str->len; j++)
            gentext_emit(g, str->span, gc_printf("push int(%u); push int(%lld); call %s; memory_data;",
                                                 (unsigned char)str->text[j], (long long)off++, wasm_func_memory(B->inst)));
    }
    return NULL;
}

static Error *init_global(Build *B, Gentext *g, const WasmModuleGlobal *gl, const WasmSexpr *def)
{
    const char *t = gl->type == 'I' ? "i64" : "i32";
    int64_t v = 0;
    const WasmSexpr *x = gl->init;
    if (has_float((char[]){gl->type, 0}))
        return NULL;
    if (!x) /* spectest's global_i32 and global_i64 */
        v = 666;
    else if (wasm_sexpr_head_is(x, "global.get") && x->n == 2) {
        uint32_t k;
        if (!wasm_types_index(x->kids[1], global_ids(B->inst), B->inst->globals.len, &k))
            return err_hint(err_new(E_UNKNOWN, x->span, "unknown global"), "an initializer reads an imported global");
        gentext_emit(g, x->span, gc_printf("push int(%u); %s_global_get; push int(%u); %s_global_set;",
                                           ((WasmModuleGlobal *)B->inst->globals.items[k])->slot, t, gl->slot, t));
        return NULL;
    } else if (x->n != 2 || strcmp(wasm_sexpr_head(x) + 3, ".const") ||
               !wasm_types_int(x->kids[1]->text, x->kids[0]->text[1] == '6' ? 'I' : 'i', &v))
        return err_hint(err_new(E_TYPE, x->span, "a global's initializer must be a constant"),
                        "write (i32.const N) or (global.get $imported)");
    gentext_emit(g, x ? x->span : def->span,
                 gc_printf("push int(%lld); %s_const; push int(%u); %s_global_set;", (long long)v,
                           x && x->kids[0]->text[1] == '6' ? "i64" : x ? "i32" : t, gl->slot, t));
    return NULL;
}

static Error *init_code(Build *B, Gentext *g, Span at)
{
    Error *e = NULL;
    if (B->inst->has_memory) {
        if (B->mem_min > MAX_PAGES)
            return err_hint(err_new(E_LIMIT, at, "a memory of %lld pages: wasm-machine has at most %d",
                                    (long long)B->mem_min, MAX_PAGES), "docs/wasm.md, \"Limits\"");
        gentext_emit(g, at, gc_printf("push int(%lld); push int(%lld); push int(%u); memory_new;", (long long)B->mem_min,
                                      (long long)(B->mem_max < 0 ? 65536 : B->mem_max), B->inst->memory));
    }
    for (uint32_t i = 0; i < B->offsets.len; i++) { /* a segment's offset is an i32 */
        const WasmSexpr *x = B->offsets.items[i];
        gentext_emit(g, x->span, gc_printf("push int(0); %s_const; i32_value; pop;", x->kids[0]->text[1] == '6' ? "i64" : "i32"));
    }
    for (uint32_t i = 0; !e && i < B->inst->globals.len; i++)
        e = init_global(B, g, B->inst->globals.items[i], B->global_defs.items[i]);
    for (uint32_t i = 0; !e && i < B->datas.len; i++)
        e = init_data(B, g, B->datas.items[i]);
    if (!e && B->start) {
        uint32_t f;
        const WasmSexpr *x = B->start->n == 2 ? B->start->kids[1] : NULL;
        bool numeric = x && x->kind == WASM_SEXPR_ATOM && isdigit((unsigned char)x->text[0]);
        if (!x || (numeric ? !wasm_types_index(x, NULL, UINT32_MAX, &f) : !!(e = func_ref(B->inst, x, &f))))
            return e ? e : malformed(B->start->span, "start names one function", "write (start $f)");
        const WasmModuleFunc *fn = f < B->inst->funcs.len ? B->inst->funcs.items[f] : NULL;
        if (fn && fn->floaty)
            B->skip = "float";
        else /* a procedure of effect (->): the verifier checks the start function's type; an index past the
              * module's functions names a procedure no one defines, which XVM refuses */
            gentext_emit(g, B->start->span, gc_printf(".define_procedure w%u_start, (->), { call %s; }; call w%u_start;",
                                                      B->inst->id, fn ? fn->xname : wasm_func_name(B->inst, f),
                                                      B->inst->id));
    }
    return e;
}

static Error *translate(Build *B, Gentext *stubs, Gentext *bodies, Span at)
{
    emit_spectest(B, stubs, at);
    if (B->inst->has_memory)
        gentext_emit(stubs, at, gc_printf(".define_procedure %s, (-> int), { push int(%u); };", wasm_func_memory(B->inst),
                                          B->inst->memory));
    for (uint32_t i = 0; i < B->inst->funcs.len; i++) {
        const WasmModuleFunc *f = B->inst->funcs.items[i];
        if (!f->def || f->floaty)
            continue;
        gentext_emit(stubs, f->at, gc_printf(".define_procedure %s, %s, { trap \"not instantiated yet\"; };", f->xname,
                                             wasm_types_effect(f->sig)));
        Error *e = wasm_func_translate(B->inst, f, bodies);
        if (e)
            return e;
    }
    wasm_func_dispatchers(B->inst, stubs, at);
    return NULL;
}

/* ---- instantiating ------------------------------------------------------------------------------------- */

static Error *use_machine(Session *s, Span at)
{
    bool quiet = s->quiet;
    s->quiet = true;
    const Source *boot = source_new(at.src ? at.src->name : "<wasm>", ".load_modules wasm-machine;", 27, 1);
    Error *e = session_eval(s, boot);
    if (!e && (!s->machine || strcmp(s->machine->name, "wasm-machine")))
        e = session_use(s, "wasm-machine", at);
    s->quiet = quiet;
    return e;
}

static void start_numbers(Session *s)
{
    if (numbers_session == s)
        return;
    numbers_session = s;
    next_instance = next_memory = next_global = 0;
    spectest_defined = false;
}

/* Types first: a function may use a type declared after it. */
static Error *collect(Build *B, const WasmSexpr *const *fields, uint32_t n)
{
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t i = 0; i < n; i++) {
            if (fields[i]->kind != WASM_SEXPR_LIST)
                return malformed(fields[i]->span, "a module field is a list", "write (func ...), (memory ...) and so on");
            if (wasm_sexpr_head_is(fields[i], "type") != !pass)
                continue;
            Error *e = field(B, fields[i]);
            if (e)
                return e;
        }
    return resolve(B);
}

static Error *define_exports(Session *s, const WasmInstance *inst, const Source *src, Principal as);

/* An error XVM gives on the translated code starts with the Wasm
 * instruction it is about (the text its span maps back to: local.get 3),
 * as the XVM code it names (pick 5) is the translator's. */
static void name_instruction(Error *e, const Source *src)
{
    for (; e; e = e->next) {
        const Span *at = &e->span;
        if (at->src != src || !at->len || at->off + at->len > src->len || at->len > 60 ||
            memchr(src->text + at->off, '\n', at->len))
            continue;
        e->msg = gc_printf("%.*s: %s", (int)at->len, src->text + at->off, e->msg);
        if (e->code == E_UNKNOWN || e->code == E_ARGS) /* XVM's hint would be about the name, which is ours */
            e->hint = "the module has no such local, label, function, type, memory or table; XVM names what it is "
                      "translated to (docs/wasm.md, \"Validation\")";
    }
}

static Error *eval_quietly(Session *s, Gentext *g, const Source *src, Principal as)
{
    bool quiet = s->quiet;
    s->quiet = true;
    Error *e = gentext_eval(g, s, src, as);
    s->quiet = quiet;
    name_instruction(e, src);
    return e;
}

Error *wasm_module_instantiate(Session *s, const Source *src, const WasmSexpr *const *fields, uint32_t nfields,
                               Principal as, bool with_exports, WasmInstance **out, const char **skip,
                               bool *by_session)
{
    *by_session = false;
    start_numbers(s);
    Span at = nfields ? fields[0]->span : (Span){.src = src, .line = 1, .col = 1};
    WasmInstance *inst = gc_alloc(sizeof *inst);
    inst->id = next_instance++;
    inst->src = src;
    Build B = {.s = s, .src = src, .inst = inst};
    Error *e = collect(&B, fields, nfields);
    if (!e && inst->has_memory) {
        if (next_memory >= MAX_MEMORIES)
            return err_new(E_LIMIT, at, "more than %u memories in this session", MAX_MEMORIES);
        inst->memory = next_memory++;
    }
    Gentext stubs = {0}, bodies = {0}, init = {0};
    if (!e && !B.skip)
        e = translate(&B, &stubs, &bodies, at);
    if (!e && !B.skip)
        e = init_code(&B, &init, at);
    *skip = e ? NULL : B.skip;
    if (e || B.skip)
        return e;
    *by_session = true;
    if (!(e = use_machine(s, at)) && !(e = eval_quietly(s, &stubs, src, as)))
        spectest_defined = true;
    if (!e)
        e = eval_quietly(s, &bodies, src, as);
    if (!e)
        e = eval_quietly(s, &init, src, as);
    if (!e && with_exports)
        e = define_exports(s, inst, src, as);
    if (!e)
        *out = inst;
    return e;
}

/* ---- exports and :load ------------------------------------------------------------------------------------ */

const WasmModuleFunc *wasm_module_export_func(const WasmInstance *inst, const char *name, uint32_t len)
{
    for (uint32_t i = inst->exports.len; i-- > 0;) {
        const WasmModuleExport *x = inst->exports.items[i];
        if (x->kind == 'f' && x->len == len && !memcmp(x->name, name, len))
            return inst->funcs.items[x->index];
    }
    return NULL;
}

static bool is_machine_op(const Session *s, const char *name)
{
    for (uint32_t i = 0; s->machine && i < s->machine->nops; i++)
        if (!strcmp(s->machine->ops[i].name, name))
            return true;
    return false;
}


/* A procedure named as each exported function, calling it; an export
 * named as an operation of wasm-machine (add, i32_add) gets w_ in front. */
static Error *define_exports(Session *s, const WasmInstance *inst, const Source *src, Principal as)
{
    Gentext g = {0};
    for (uint32_t i = 0; i < inst->exports.len; i++) {
        const WasmModuleExport *x = inst->exports.items[i];
        const WasmModuleFunc *f = x->kind == 'f' ? inst->funcs.items[x->index] : NULL;
        if (!f || f->floaty || !f->xname)
            continue;
        const char *name = gentext_name(x->name);
        if (is_machine_op(s, name))
            name = gc_printf("w_%s", name);
        gentext_emit(&g, f->at, gc_printf(".define_procedure %s, %s, { call %s; };", name, wasm_types_effect(f->sig),
                                          f->xname));
    }
    return gentext_eval(&g, s, src, as);
}

bool wasm_module_is_source(const char *path)
{
    const char *dot = strrchr(path, '.');
    return dot && !strcmp(dot, ".wat");
}

Error *wasm_module_load(Session *s, const Source *src, Principal as)
{
    Vec items = {0};
    Error *e = wasm_sexpr_parse(src, &items);
    if (e)
        return e;
    const WasmSexpr *const *fields = (const WasmSexpr *const *)items.items;
    uint32_t n = items.len;
    if (n == 1 && wasm_sexpr_head_is(fields[0], "module")) {
        const WasmSexpr *m = fields[0];
        uint32_t k = m->n > 1 && is_id(m->kids[1]) ? 2 : 1;
        fields = (const WasmSexpr *const *)m->kids + k;
        n = m->n - k;
    }
    WasmInstance *inst;
    const char *skip;
    bool by_session;
    e = wasm_module_instantiate(s, src, fields, n, as, true, &inst, &skip, &by_session);
    if (!e && skip)
        e = err_hint(err_new(E_USAGE, (Span){.src = src, .line = 1, .col = 1}, "%s: the module uses %s", src->name, skip),
                     "wasm-machine runs the integer subset of WebAssembly 1.0 (docs/wasm.md)");
    return e;
}
