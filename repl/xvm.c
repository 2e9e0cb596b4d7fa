/* xvm.c - the embedding API (xvm.h): a session (session.c) behind an
 * opaque handle, its inputs loaded, verified and run as transactions, its
 * stack read and pushed in step with the verification state, its errors
 * handed out as structured values.  Nothing here prints. */
#include "xvm.h"

#include "session.h"
#include "units.h"

#include <gc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef XVM_STDLIB_DIR
#define XVM_STDLIB_DIR "/usr/local/share/xvm/stdlib"
#endif

struct xvm_State {
    Session *s;
    const Source *loaded; /* the input xvm_verify or xvm_run takes next, or NULL */
    Error *errors;        /* of the last call that failed */
};

/* ---- the state ---------------------------------------------------------------------------- */

static const char *default_stdlib(void)
{
    const char *env = getenv("XVM_STDLIB");
    if (env && *env)
        return env;
    return access(XVM_STDLIB_DIR, R_OK | X_OK) == 0 ? XVM_STDLIB_DIR : NULL;
}

xvm_State *xvm_open(FILE *out, const char *stdlib_dir, unsigned flags)
{
    GC_INIT();
    /* Uncollectable: the collector cannot see where the host keeps the
     * handle (malloc'd memory, say), so the handle is a root of its own. */
    xvm_State *X = GC_MALLOC_UNCOLLECTABLE(sizeof *X);
    if (!X)
        return NULL;
    memset(X, 0, sizeof *X);
    X->s = session_new(out ? out : stdout, stdlib_dir ? gc_strdup(stdlib_dir) : default_stdlib());
    X->s->quiet = (flags & XVM_QUIET) != 0;
    X->s->checked = (flags & XVM_CHECKED) != 0;
    return X;
}

xvm_State *xvm_new(void) { return xvm_open(NULL, NULL, XVM_QUIET); }

void xvm_close(xvm_State *X)
{
    if (X)
        GC_FREE(X);
}

const char *xvm_version(void) { return XVM_VERSION; }

struct Session *xvm_session(xvm_State *X) { return X->s; }

/* ---- results ------------------------------------------------------------------------------ */

static int status_of(const Error *e)
{
    if (!e)
        return XVM_OK;
    switch (e->code) {
    case E_SYNTAX:
        return XVM_ESYNTAX;
    case E_TRAP:
        return XVM_ERUN;
    case E_IO:
        return XVM_EIO;
    default:
        return XVM_EVERIFY;
    }
}

/* Keep e as the call's errors; the call's result. */
static int fail(xvm_State *X, Error *e)
{
    X->errors = e;
    return status_of(e);
}

static int usage(xvm_State *X, const char *msg)
{
    X->errors = err_new(E_USAGE, (Span){0}, "%s", msg);
    return XVM_EUSAGE;
}

/* ---- inputs ------------------------------------------------------------------------------- */

int xvm_load(xvm_State *X, const char *text, const char *name)
{
    X->errors = NULL;
    X->loaded = NULL;
    if (!text)
        return usage(X, "xvm_load: no text");
    const Source *src = source_new(gc_strdup(name ? name : "<input>"), gc_strdup(text), strlen(text), 1);
    Node *unit;
    Error *e = parse_unit(src, &unit);
    if (e)
        return fail(X, e);
    X->loaded = src;
    return XVM_OK;
}

int xvm_loadfile(xvm_State *X, const char *path)
{
    X->errors = NULL;
    X->loaded = NULL;
    if (!path)
        return usage(X, "xvm_loadfile: no path");
    char *text;
    size_t len;
    Error *e = units_read_file(path, (Span){0}, &text, &len);
    if (e)
        return fail(X, e);
    return xvm_load(X, text, path);
}

/* Take the loaded input as one transaction; verify_only: run nothing. */
static int take(xvm_State *X, bool verify_only)
{
    X->errors = NULL;
    const Source *src = X->loaded;
    X->loaded = NULL;
    if (!src)
        return usage(X, "no input is loaded: xvm_load or xvm_loadfile first");
    verify_set_interrupt(&X->s->vm->interrupt); /* this session's flag, if there are several */
    bool was = X->s->verify_only;
    X->s->verify_only = verify_only;
    Error *e = session_eval(X->s, src);
    X->s->verify_only = was;
    fflush(X->s->out);
    return fail(X, e);
}

int xvm_verify(xvm_State *X) { return take(X, true); }
int xvm_run(xvm_State *X) { return take(X, false); }

int xvm_dostring(xvm_State *X, const char *text, const char *name)
{
    int st = xvm_load(X, text, name);
    return st ? st : xvm_run(X);
}

int xvm_dofile(xvm_State *X, const char *path)
{
    int st = xvm_loadfile(X, path);
    return st ? st : xvm_run(X);
}

int xvm_use(xvm_State *X, const char *machine)
{
    X->errors = NULL;
    if (!machine)
        return usage(X, "xvm_use: no machine named");
    if (X->s->active)
        return usage(X, "a stepped run is suspended: the machine cannot change beside it");
    return fail(X, session_use(X->s, gc_strdup(machine), (Span){0}));
}

void xvm_interrupt(xvm_State *X) { vm_request_interrupt(X->s->vm); }

/* ---- the stack ---------------------------------------------------------------------------- */

/* idx as a 0-based slot, or -1 if there is no such item. */
static int64_t slot(const xvm_State *X, int idx)
{
    int64_t depth = X->s->vm->depth;
    int64_t k = idx > 0 ? (int64_t)idx - 1 : depth + idx;
    return idx != 0 && k >= 0 && k < depth ? k : -1;
}

int xvm_gettop(xvm_State *X) { return (int)X->s->vm->depth; }

int xvm_type(xvm_State *X, int idx)
{
    int64_t k = slot(X, idx);
    return k < 0 ? XVM_TNONE : type_repr(X->s->vs->items[k].type) == TY_REF ? XVM_TREF : XVM_TINT;
}

int64_t xvm_toint(xvm_State *X, int idx, int *isint)
{
    bool ok = xvm_type(X, idx) == XVM_TINT;
    if (isint)
        *isint = ok;
    return ok ? X->s->vm->stack[slot(X, idx)] : 0;
}

int64_t xvm_refwords(xvm_State *X, int idx)
{
    if (xvm_type(X, idx) != XVM_TREF)
        return -1;
    const HeapBlock *b = (const HeapBlock *)(intptr_t)X->s->vm->stack[slot(X, idx)];
    return b->size;
}

/* The stack may change only between runs, with no stepped run suspended. */
static int stack_usable(xvm_State *X, uint32_t more)
{
    X->errors = NULL;
    if (X->s->active)
        return usage(X, "a stepped run is suspended: the stack cannot change beside it");
    if ((uint64_t)X->s->vm->depth + more > X->s->vm->limits.stack_slots)
        return usage(X, "the stack is full (see the setting \"stack\")");
    return XVM_OK;
}

/* Push v of type t with the simulated item it (the same item) or a new one. */
static void push(xvm_State *X, Value v, const VItem *it, TypeId t)
{
    Session *s = X->s;
    s->vs = vstate_copy(s->vs); /* states are values: never written in place */
    if (it)
        vstate_push_item(s->vs, *it);
    else
        vstate_push(s->vs, t);
    vstate_canon(s->vs);
    s->vm->stack[s->vm->depth++] = v;
}

int xvm_pushint(xvm_State *X, int64_t v)
{
    int st = stack_usable(X, 1);
    if (!st)
        push(X, v, NULL, TY_INT);
    return st;
}

int xvm_pushvalue(xvm_State *X, int idx)
{
    int st = stack_usable(X, 1);
    int64_t k = slot(X, idx);
    if (!st && k < 0)
        st = usage(X, "xvm_pushvalue: no item at that index");
    if (!st) {
        VItem it = X->s->vs->items[k];
        push(X, X->s->vm->stack[k], &it, it.type);
    }
    return st;
}

int xvm_pop(xvm_State *X, int n)
{
    int st = stack_usable(X, 0);
    if (!st && (n < 0 || (uint32_t)n > X->s->vm->depth))
        st = usage(X, "xvm_pop: not that many items on the stack");
    if (st)
        return st;
    Session *s = X->s;
    s->vs = vstate_copy(s->vs);
    for (int i = 0; i < n; i++) {
        vstate_pop(s->vs);
        s->vm->stack[--s->vm->depth] = 0; /* nothing kept alive by a dropped ref */
    }
    vstate_canon(s->vs);
    return XVM_OK;
}

/* ---- definitions -------------------------------------------------------------------------- */

static const DefHead *def_at(xvm_State *X, int i)
{
    const Vec *defs = &X->s->ws->defs;
    for (uint32_t k = 0; k < defs->len; k++) {
        const Def *d = defs->items[k];
        if (d->cur && i-- == 0)
            return d->cur;
    }
    return NULL;
}

int xvm_defcount(xvm_State *X)
{
    int n = 0;
    while (def_at(X, n))
        n++;
    return n;
}

int xvm_getdef(xvm_State *X, int i, xvm_Def *d)
{
    const DefHead *h = i >= 0 ? def_at(X, i) : NULL;
    if (!h)
        return 0;
    *d = (xvm_Def){.name = h->name, .kind = workspace_kind_name(h->kind), .version = h->version,
                   .principal = principal_name(h->principal)};
    return 1;
}

/* ---- errors ------------------------------------------------------------------------------- */

static const Error *error_at(const xvm_State *X, int i)
{
    const Error *e = i >= 0 ? X->errors : NULL;
    while (e && i-- > 0)
        e = e->next;
    return e;
}

int xvm_errcount(xvm_State *X)
{
    int n = 0;
    while (error_at(X, n))
        n++;
    return n;
}

/* Where a span ends: the line and the column after its last byte. */
static void span_end(Span sp, int *line, int *col)
{
    *line = (int)sp.line;
    *col = (int)sp.col;
    for (uint32_t k = sp.off; k < sp.off + sp.len && k < sp.src->len; k++) {
        if (sp.src->text[k] == '\n') {
            ++*line;
            *col = 1;
        } else {
            ++*col;
        }
    }
}

int xvm_geterror(xvm_State *X, int i, xvm_Error *out)
{
    const Error *e = error_at(X, i);
    if (!e)
        return 0;
    *out = (xvm_Error){.code = err_code_name(e->code), .message = e->msg, .hint = e->hint, .detail = e->detail};
    for (const Note *n = e->notes; n; n = n->next)
        out->nnotes++;
    if (e->span.src) {
        out->file = e->span.src->name;
        out->line = (int)e->span.line;
        out->column = (int)e->span.col;
        span_end(e->span, &out->end_line, &out->end_column);
    }
    return 1;
}

int xvm_getnote(xvm_State *X, int i, int j, xvm_Note *out)
{
    const Error *e = error_at(X, i);
    const Note *n = e && j >= 0 ? e->notes : NULL;
    while (n && j-- > 0)
        n = n->next;
    if (!n)
        return 0;
    *out = (xvm_Note){.message = n->msg};
    if (n->span.src) {
        out->file = n->span.src->name;
        out->line = (int)n->span.line;
        out->column = (int)n->span.col;
    }
    return 1;
}

const char *xvm_errtext(xvm_State *X, int i)
{
    const Error *e = error_at(X, i);
    if (!e)
        return NULL;
    Error one = *e;
    one.next = NULL;
    Buf b = {0};
    err_render(&b, &one);
    return buf_str(&b);
}

/* ---- limits and the principal --------------------------------------------------------------- */

/* Where each setting lives (config.h: VM, SESSION or GLOBAL). */

static const ConfigSetting *setting(const char *name)
{
    for (size_t i = 0; name && i < CONFIG_COUNT; i++)
        if (!strcmp(name, config_settings[i].name))
            return &config_settings[i];
    return NULL;
}

int xvm_getlimit(xvm_State *X, const char *name, uint64_t *value)
{
    const ConfigSetting *st = setting(name);
    X->errors = NULL;
    if (!st)
        return usage(X, gc_printf("unknown setting '%s'", name ? name : "(null)"));
    *value = session_setting(X->s, st);
    return XVM_OK;
}

int xvm_setlimit(xvm_State *X, const char *name, uint64_t v)
{
    const ConfigSetting *st = setting(name);
    X->errors = NULL;
    if (!st)
        return usage(X, gc_printf("unknown setting '%s'", name ? name : "(null)"));
    if (v < st->lo || v > st->hi)
        return usage(X, gc_printf("%s must be %llu..%llu", st->name, (unsigned long long)st->lo,
                                  (unsigned long long)st->hi));
    ConfigId id = (ConfigId)(st - config_settings);
    if ((id == CONFIG_STACK || id == CONFIG_CALL_DEPTH) && X->s->active)
        return usage(X, gc_printf("%s cannot change while a stepped run is suspended", st->name));
    Error *e = session_set(X->s, st, v);
    return e ? (X->errors = e, XVM_EUSAGE) : XVM_OK;
}

int xvm_setprincipal(xvm_State *X, int principal)
{
    X->errors = NULL;
    if (principal != XVM_TRUSTED && principal != XVM_UNTRUSTED)
        return usage(X, "the principal is XVM_TRUSTED or XVM_UNTRUSTED");
    X->s->principal = principal == XVM_UNTRUSTED ? PRINCIPAL_UNTRUSTED : PRINCIPAL_TRUSTED;
    return XVM_OK;
}

int xvm_getprincipal(xvm_State *X) { return X->s->principal == PRINCIPAL_UNTRUSTED ? XVM_UNTRUSTED : XVM_TRUSTED; }
