/* wasm_script.c - `xvm-repl FILE.wast`: a WebAssembly spec script run over
 * wasm-machine (see wasm_script.h, docs/wasm.md).
 *
 * Each (module ...) is translated and instantiated by wasm_module.c; each
 * assertion is one input to the session (its arguments pushed, the export
 * called), whose results are read off the REPL stack.  An assertion on
 * what the integer subset lacks (floats, binary modules, imports from
 * other modules) is skipped and counted by reason. */
#include "wasm_script.h"

#include "gentext.h"
#include "wasm_module.h"

#include <string.h>

enum { MAX_REASONS = 16 };

typedef struct Script {
    Session *s;
    const char *path;
    const Source *src;
    WasmInstance *cur;      /* the last module, or NULL */
    const char *cur_skip;   /* why it was not instantiated, or NULL */
    bool cur_failed;        /* it should have been, and was not */
    uint32_t passed, failed, skipped;
    const char *reasons[MAX_REASONS];
    uint32_t counts[MAX_REASONS];
    uint32_t nreasons;
    uint32_t invalid_by_verifier, invalid_by_definition, invalid_by_translator;
} Script;

static void skip(Script *S, const char *why)
{
    S->skipped++;
    uint32_t i = 0;
    while (i < S->nreasons && strcmp(S->reasons[i], why))
        i++;
    if (i == S->nreasons && i < MAX_REASONS - 1)
        S->reasons[S->nreasons++] = why;
    else if (i == S->nreasons)
        why = S->reasons[i = MAX_REASONS - 1] = "other";
    S->counts[i]++;
}

static void fail(Script *S, const WasmSexpr *x, const char *what)
{
    S->failed++;
    fprintf(S->s->out, "%s:%u: %s: %s\n", S->path, x->span.line, wasm_sexpr_head(x), what);
}

/* The first line of an error's message, for a failure line. */
static const char *brief(const Error *e)
{
    const char *t = e->span.src ? gc_printf("%s:%u:%u: error: %s", e->span.src->name, e->span.line, e->span.col, e->msg)
                                : gc_printf("error: %s", e->msg);
    const char *nl = strchr(t, '\n');
    return nl ? gc_strndup(t, (size_t)(nl - t)) : t;
}

/* ---- values ----------------------------------------------------------------------------------------- */

/* (i32.const N) or (i64.const N): its type letter and 64-bit pattern; 0 for a float or anything else. */
static char const_value(const WasmSexpr *x, int64_t *v)
{
    const char *h = wasm_sexpr_head(x);
    char t = !strcmp(h, "i32.const") ? 'i' : !strcmp(h, "i64.const") ? 'I' : 0;
    if (!t || x->n != 2 || !wasm_types_int(x->kids[1]->text, t, v))
        return 0;
    if (t == 'i')
        *v &= 0xFFFFFFFF;
    return t;
}

static bool is_float_value(const WasmSexpr *x)
{
    const char *h = wasm_sexpr_head(x);
    return !strncmp(h, "f32", 3) || !strncmp(h, "f64", 3);
}

/* ---- running an invoke ------------------------------------------------------------------------------------ */

typedef enum { RUN_OK, RUN_SKIP, RUN_ERROR } RunStatus;

static void drop_results(Script *S, uint32_t n)
{
    Buf b = {0};
    for (uint32_t i = 0; i < n; i++)
        buf_puts(&b, "pop; ");
    if (n)
        session_eval(S->s, source_new(S->path, b.s, b.len, 1));
}

/* (invoke "name" args...): run it; its results are left on the stack
 * (f tells how many).  RUN_SKIP with *why, RUN_ERROR with *err. */
static RunStatus invoke(Script *S, const WasmSexpr *inv, const WasmModuleFunc **f, const char **why, Error **err)
{
    *err = NULL;
    if (!wasm_sexpr_head_is(inv, "invoke")) {
        *why = "actions other than invoke";
        return RUN_SKIP;
    }
    uint32_t k = 1;
    if (k < inv->n && inv->kids[k]->kind == WASM_SEXPR_ATOM)
        k++; /* a module name: the one named last is the one run */
    if (S->cur_skip || (!S->cur && !S->cur_failed)) {
        *why = S->cur_skip ? S->cur_skip : "no module";
        return RUN_SKIP;
    }
    if (!S->cur || k >= inv->n || inv->kids[k]->kind != WASM_SEXPR_STRING) {
        *err = err_new(E_UNKNOWN, inv->span, S->cur ? "invoke needs an export name" : "its module failed");
        return RUN_ERROR;
    }
    const WasmSexpr *name = inv->kids[k++];
    *f = wasm_module_export_func(S->cur, name->text, name->len);
    if (!*f) {
        *err = err_new(E_UNKNOWN, name->span, "the module exports no function \"%s\"", name->text);
        return RUN_ERROR;
    }
    if ((*f)->floaty) {
        *why = (*f)->floaty;
        return RUN_SKIP;
    }
    Gentext g = {0};
    for (; k < inv->n; k++) {
        int64_t v;
        char t = const_value(inv->kids[k], &v);
        if (!t) {
            *why = is_float_value(inv->kids[k]) ? "float" : "arguments that are not constants";
            return RUN_SKIP;
        }
        gentext_emit(&g, inv->kids[k]->span, gc_printf("push int(%lld); %s_const;", (long long)v, t == 'i' ? "i32" : "i64"));
    }
    gentext_emit(&g, inv->span, gc_printf("call %s;", (*f)->xname));
    *err = gentext_eval(&g, S->s, S->src, S->s->principal);
    return *err ? RUN_ERROR : RUN_OK;
}

static const char *show(char t, int64_t v)
{
    return t == 'i' ? gc_printf("%u", (unsigned)(uint32_t)v) : gc_printf("%lld", (long long)v);
}

/* Compare the n results on top of the stack with the expected ones. */
static void check_results(Script *S, const WasmSexpr *x, const WasmModuleFunc *f, uint32_t first)
{
    uint32_t n = (uint32_t)strlen(f->sig.results), nexp = x->n - first;
    const Value *top = S->s->vm->stack + S->s->vm->depth - n;
    const char *wrong = nexp != n ? gc_printf("%u results, expected %u", n, nexp) : NULL;
    for (uint32_t i = 0; !wrong && i < n; i++) {
        int64_t want, got = top[i];
        char t = const_value(x->kids[first + i], &want);
        if (t == 'i')
            got &= 0xFFFFFFFF;
        if (!t || got != want)
            wrong = gc_printf("got %s, expected %s", show(f->sig.results[i], got),
                              t ? show(t, want) : "a value of another type");
    }
    if (wrong)
        fail(S, x, wrong);
    else
        S->passed++;
    drop_results(S, n);
}

static bool has_float_result(const WasmSexpr *x, uint32_t first)
{
    for (uint32_t i = first; i < x->n; i++)
        if (is_float_value(x->kids[i]) || x->kids[i]->kind != WASM_SEXPR_LIST)
            return true;
    return false;
}

static void assert_return(Script *S, const WasmSexpr *x)
{
    const WasmModuleFunc *f;
    const char *why;
    Error *e;
    if (x->n < 2 || has_float_result(x, 2)) {
        skip(S, "float");
        return;
    }
    switch (invoke(S, x->kids[1], &f, &why, &e)) {
    case RUN_SKIP: skip(S, why); return;
    case RUN_ERROR: fail(S, x, brief(e)); return;
    case RUN_OK: check_results(S, x, f, 2); return;
    }
}

static bool is_exhaustion(const Error *e)
{
    return strstr(e->msg, "call depth limit") || strstr(e->msg, "stack overflow") || strstr(e->msg, "operations nest");
}

/* assert_trap and assert_exhaustion on an invoke. */
static void assert_trap(Script *S, const WasmSexpr *x, bool exhaustion)
{
    const WasmModuleFunc *f;
    const char *why;
    Error *e;
    const WasmSexpr *msg = x->n == 3 ? x->kids[2] : NULL;
    if (!msg || msg->kind != WASM_SEXPR_STRING) {
        fail(S, x, "needs an action and the trap's message");
        return;
    }
    switch (invoke(S, x->kids[1], &f, &why, &e)) {
    case RUN_SKIP: skip(S, why); return;
    case RUN_OK:
        fail(S, x, gc_printf("returned, expected the trap \"%s\"", msg->text));
        drop_results(S, (uint32_t)strlen(f->sig.results));
        return;
    case RUN_ERROR:
        if (e->code == E_TRAP && (exhaustion ? is_exhaustion(e) : strstr(e->msg, msg->text) != NULL))
            S->passed++;
        else
            fail(S, x, gc_printf("%s, expected the trap \"%s\"", brief(e), msg->text));
        return;
    }
}

/* ---- modules ---------------------------------------------------------------------------------------------- */

/* The fields of (module $name? ...) or (module quote "..."); *why if it is binary. */
static Error *module_fields(Script *S, const WasmSexpr *m, const WasmSexpr *const **fields, uint32_t *n,
                            const char **why)
{
    uint32_t k = m->n > 1 && m->kids[1]->kind == WASM_SEXPR_ATOM && m->kids[1]->text[0] == '$' ? 2 : 1;
    *why = NULL;
    if (k < m->n && wasm_sexpr_is(m->kids[k], "binary")) {
        *why = "binary modules";
        return NULL;
    }
    if (!(k < m->n && wasm_sexpr_is(m->kids[k], "quote"))) {
        *fields = (const WasmSexpr *const *)m->kids + k;
        *n = m->n - k;
        return NULL;
    }
    Buf text = {0};
    for (uint32_t i = k + 1; i < m->n; i++) {
        for (uint32_t j = 0; j < m->kids[i]->len; j++)
            buf_putc(&text, m->kids[i]->text[j]);
        buf_putc(&text, ' ');
    }
    Vec items = {0};
    Error *e = wasm_sexpr_parse(source_new(S->path, buf_str(&text), text.len, (int)m->span.line), &items);
    *fields = (const WasmSexpr *const *)items.items;
    *n = items.len;
    return e;
}

/* Instantiate module m; *why if it is outside the subset. */
static Error *instantiate(Script *S, const WasmSexpr *m, WasmInstance **inst, const char **why, bool *by_session)
{
    const WasmSexpr *const *fields;
    uint32_t n;
    *inst = NULL;
    *by_session = false;
    Error *e = module_fields(S, m, &fields, &n, why);
    if (e || *why)
        return e;
    return wasm_module_instantiate(S->s, S->src, fields, n, S->s->principal, false, inst, why, by_session);
}

static void module(Script *S, const WasmSexpr *x)
{
    const char *why;
    bool by_session;
    Error *e = instantiate(S, x, &S->cur, &why, &by_session);
    S->cur_skip = why;
    S->cur_failed = e != NULL;
    if (e)
        fail(S, x, brief(e));
}

/* Whether XVM refused the translated code in verifying it, rather than in
 * defining it (an unknown procedure or label, an immediate out of range). */
static bool by_verifier(const Error *e)
{
    return e->code == E_STACK || e->code == E_TYPE || e->code == E_JOIN || e->code == E_CFG || e->code == E_EFFECT ||
           e->code == E_BUDGET;
}

/* assert_invalid and assert_malformed: the module must be refused. */
static void assert_refused(Script *S, const WasmSexpr *x)
{
    WasmInstance *inst;
    const char *why;
    bool by_session;
    if (x->n != 3 || !wasm_sexpr_head_is(x->kids[1], "module")) {
        fail(S, x, "needs a module and a message");
        return;
    }
    Error *e = instantiate(S, x->kids[1], &inst, &why, &by_session);
    if (why)
        skip(S, why);
    else if (!e && inst->has_floats) /* what it says may be about the functions left out */
        skip(S, "float");
    else if (!e)
        fail(S, x, gc_printf("the module was accepted, expected \"%s\"", x->kids[2]->text));
    else {
        S->passed++;
        if (wasm_sexpr_head_is(x, "assert_invalid"))
            *(!by_session ? &S->invalid_by_translator
              : by_verifier(e) ? &S->invalid_by_verifier : &S->invalid_by_definition) += 1;
    }
}

static void assert_module_trap(Script *S, const WasmSexpr *x)
{
    WasmInstance *inst;
    const char *why;
    bool by_session;
    Error *e = instantiate(S, x->kids[1], &inst, &why, &by_session);
    if (why)
        skip(S, why);
    else if (e && e->code == E_TRAP && strstr(e->msg, x->kids[2]->text))
        S->passed++;
    else
        fail(S, x, e ? brief(e) : gc_printf("the module started, expected the trap \"%s\"", x->kids[2]->text));
}

static void action(Script *S, const WasmSexpr *x)
{
    const WasmModuleFunc *f;
    const char *why;
    Error *e;
    switch (invoke(S, x, &f, &why, &e)) {
    case RUN_SKIP: skip(S, why); return;
    case RUN_ERROR: fail(S, x, brief(e)); return;
    case RUN_OK: drop_results(S, (uint32_t)strlen(f->sig.results)); return;
    }
}

static void command(Script *S, const WasmSexpr *x)
{
    const char *h = wasm_sexpr_head(x);
    if (!strcmp(h, "module"))
        module(S, x);
    else if (!strcmp(h, "assert_return"))
        assert_return(S, x);
    else if (!strcmp(h, "assert_trap") && x->n == 3 && wasm_sexpr_head_is(x->kids[1], "module"))
        assert_module_trap(S, x);
    else if (!strcmp(h, "assert_trap") || !strcmp(h, "assert_exhaustion"))
        assert_trap(S, x, h[7] == 'e');
    else if (!strcmp(h, "assert_invalid") || !strcmp(h, "assert_malformed"))
        assert_refused(S, x);
    else if (!strcmp(h, "invoke"))
        action(S, x);
    else if (!strcmp(h, "register"))
        return; /* imports from other modules are outside the subset: they skip */
    else if (!strncmp(h, "assert_return_", 14))
        skip(S, "float");
    else if (!strcmp(h, "assert_unlinkable") || !strcmp(h, "assert_uninstantiable"))
        skip(S, "linking");
    else
        fail(S, x, gc_printf("unknown command '%s'", *h ? h : "?"));
}

/* ---- a script ----------------------------------------------------------------------------------------------- */

bool wasm_script_is_source(const char *path)
{
    const char *dot = strrchr(path, '.');
    return dot && !strcmp(dot, ".wast");
}

static void summary(const Script *S)
{
    FILE *out = S->s->out;
    if (S->nreasons) {
        fprintf(out, "skipped:");
        for (uint32_t i = 0; i < S->nreasons; i++)
            fprintf(out, "%s %u %s", i ? "," : "", S->counts[i], S->reasons[i]);
        fputc('\n', out);
    }
    if (S->invalid_by_verifier + S->invalid_by_definition + S->invalid_by_translator)
        fprintf(out, "invalid modules refused: %u by the verifier, %u by XVM's definition, %u by the translator\n",
                S->invalid_by_verifier, S->invalid_by_definition, S->invalid_by_translator);
    fprintf(out, "wast %s: %u passed, %u failed, %u skipped\n", S->path, S->passed, S->failed, S->skipped);
}

Error *wasm_script_run(Session *s, const Source *src, uint32_t *failed)
{
    Script S = {.s = s, .path = src->name, .src = src};
    Vec items = {0};
    bool quiet = S.s->quiet;
    S.s->quiet = true;
    Error *e = wasm_sexpr_parse(S.src, &items);
    for (uint32_t i = 0; !e && i < items.len; i++)
        command(&S, items.items[i]);
    S.s->quiet = quiet;
    if (e)
        S.failed++;
    summary(&S);
    fflush(S.s->out);
    *failed = S.failed;
    return e;
}
