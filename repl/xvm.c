/* xvm.c - the embedding API (xvm.h): a session (session.c) behind an
 * opaque handle, its inputs loaded, verified and run as transactions, its
 * stack read and pushed in step with the verification state, its errors
 * handed out as structured values.  Nothing here prints. */
#include "xvm.h"

#include "commands.h"
#include "complete.h"
#include "forth.h"
#include "policy.h"
#include "wasm_script.h"
#include "render.h"
#include "session.h"
#include "units.h"
#include "xvm_internal.h"

#include <gc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef XVM_STDLIB_DIR
#define XVM_STDLIB_DIR "/usr/local/share/xvm/stdlib"
#endif

#define XVM_ALL_FLAGS (XVM_QUIET | XVM_CHECKED | XVM_VERIFY_ONLY | XVM_INTERACTIVE | XVM_FORTH)

struct xvm_State {
    Session *s;
    const Source *loaded; /* the input xvm_verify or xvm_run takes next, or NULL */
    bool loaded_forth;    /* it is a Forth file */
    bool loaded_wast;     /* it is a WebAssembly spec script */
    Error *errors;        /* of the last call that failed */
    bool busy;            /* a call on this state is under way (its output may call back) */
    bool closing;         /* xvm_close came from inside that call: close when it returns */
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
    policy_new(X->s); /* asked when code has run a while (after-n until :set compile) */
    flags &= XVM_ALL_FLAGS;
    xvm_setflags(X, flags & ~(unsigned)XVM_FORTH); /* the others hold even if Forth mode fails */
    if (flags & XVM_FORTH)
        xvm_setflags(X, flags); /* it may: its errors stay readable */
    return X;
}

xvm_State *xvm_new(void) { return xvm_open(NULL, NULL, XVM_QUIET); }

void xvm_close(xvm_State *X)
{
    if (X && X->busy)
        X->closing = true;
    else if (X)
        GC_FREE(X);
}

const char *xvm_version(void) { return XVM_VERSION; }

struct Session *xvm_session(xvm_State *X) { return X ? X->s : NULL; }
const struct Error *xvm_errors(xvm_State *X) { return X ? X->errors : NULL; }

/* ---- guarding the state ------------------------------------------------------------------ */

/* A call may use X: it is a state, and no call on it is under way (a
 * FILE whose writer calls back into X would otherwise see, and change, a
 * transaction or a run half done). */
static bool usable(const xvm_State *X) { return X && !X->busy; }

/* Around a call that runs anything: mark X busy; on the way out close it
 * if xvm_close came meanwhile.  leave returns st. */
static void enter(xvm_State *X) { X->busy = true; }
static int leave(xvm_State *X, int st)
{
    X->busy = false;
    if (X->closing)
        GC_FREE(X);
    return st;
}

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

/* Why a call on X cannot go on (XVM_EUSAGE), or XVM_OK; a reentrant call
 * leaves the errors of the call under way alone. */
static int refused(xvm_State *X)
{
    return usable(X) ? XVM_OK : XVM_EUSAGE;
}

/* An input of n bytes is within :set input-bytes. */
static int too_large(xvm_State *X, size_t n, const char *name, int line)
{
    if (n <= config_limits.input_bytes)
        return XVM_OK;
    Span at = {.src = source_new(name, "", 0, line), .line = (uint32_t)line, .col = 1};
    return fail(X, err_hint(err_new(E_LIMIT, at, "input too large: %zu bytes (the limit is %u)", n,
                                    config_limits.input_bytes),
                            "split it into several inputs, or raise the limit with :set input-bytes N"));
}

/* ---- inputs ------------------------------------------------------------------------------- */

int xvm_load(xvm_State *X, const char *text, const char *name)
{
    if (refused(X))
        return XVM_EUSAGE;
    X->errors = NULL;
    X->loaded = NULL;
    if (!text)
        return usage(X, "xvm_load: no text");
    name = name ? name : "<input>";
    size_t len = strlen(text);
    if (too_large(X, len, name, 1))
        return XVM_EVERIFY;
    const Source *src = source_new(gc_strdup(name), gc_strdup(text), len, 1);
    Node *unit;
    Error *e = parse_unit(src, &unit);
    if (e)
        return fail(X, e);
    X->loaded = src;
    X->loaded_forth = X->loaded_wast = false;
    return XVM_OK;
}

int xvm_loadfile(xvm_State *X, const char *path)
{
    if (refused(X))
        return XVM_EUSAGE;
    X->errors = NULL;
    X->loaded = NULL;
    if (!path)
        return usage(X, "xvm_loadfile: no path");
    char *text;
    size_t len;
    bool wast = wasm_script_is_source(path);
    Error *e = (wast ? units_read_bytes : units_read_file)(path, (Span){0}, &text, &len);
    if (e)
        return fail(X, e);
    if (!forth_is_source(path) && !wast)
        return xvm_load(X, text, path);
    if (too_large(X, len, path, 1))
        return XVM_EVERIFY;
    X->loaded = source_new(gc_strdup(path), text, len, 1); /* parsed by its front end as it runs */
    X->loaded_forth = !wast;
    X->loaded_wast = wast;
    return XVM_OK;
}

/* Take the loaded input as one transaction; verify_only: run nothing. */
static int take(xvm_State *X, bool verify_only)
{
    if (refused(X))
        return XVM_EUSAGE;
    X->errors = NULL;
    const Source *src = X->loaded;
    X->loaded = NULL;
    if (!src)
        return usage(X, "no input is loaded: xvm_load or xvm_loadfile first");
    enter(X);
    Session *s = X->s;
    verify_set_interrupt(&s->vm->interrupt); /* this session's flag, if there are several */
    bool once = verify_only && !s->verify_only; /* xvm_verify: the stack, simulated too, stays as it was */
    if (once)
        session_set_verify_only(s, true);
    uint32_t failed = 0;
    Error *e = X->loaded_wast     ? wasm_script_run(s, src, &failed)
               : X->loaded_forth ? forth_eval(s, src)
                                 : session_eval(s, src);
    if (once)
        session_set_verify_only(s, false);
    fflush(s->out);
    if (!e && failed) /* the script reported its failed assertions itself */
        return leave(X, XVM_ERUN);
    return leave(X, fail(X, e));
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
    if (refused(X))
        return XVM_EUSAGE;
    X->errors = NULL;
    if (!machine)
        return usage(X, "xvm_use: no machine named");
    if (X->s->active)
        return usage(X, "a stepped run is suspended: the machine cannot change beside it");
    return fail(X, session_use(X->s, gc_strdup(machine), (Span){0}));
}

void xvm_interrupt(xvm_State *X)
{
    if (X)
        vm_request_interrupt(X->s->vm);
}

/* ---- inputs as xvm-repl takes them ------------------------------------------------------ */

static bool blank(const char *text)
{
    return text[strspn(text, " \t\r\n")] == 0;
}

/* One input: a command, Forth in Forth mode, or definitions and code. */
static Error *submit(Session *s, const char *text, const char *name, int first_line)
{
    const char *p = text + strspn(text, " \t");
    if (*p == ':' && !(s->forth && strchr(" \t\r\n", p[1]))) /* in Forth mode ": NAME" defines a word */
        return commands_run(s, text, name, first_line);
    const Source *src = source_new(name, text, strlen(text), first_line);
    return s->forth ? forth_eval_as(s, src, s->principal) : session_eval(s, src); /* checked whole first */
}

int xvm_input(xvm_State *X, const char *text, const char *name, int first_line)
{
    if (refused(X))
        return XVM_EUSAGE;
    X->errors = NULL;
    if (!text)
        return usage(X, "xvm_input: no text");
    if (first_line < 1)
        return usage(X, "xvm_input: the first line is numbered 1 or more");
    name = gc_strdup(name ? name : "<input>");
    if (too_large(X, strlen(text), name, first_line))
        return XVM_EVERIFY;
    if (blank(text))
        return XVM_OK;
    text = gc_strdup(text); /* spans point into it long after the host's copy is gone */
    enter(X);
    session_record_input(X->s, text); /* :history */
    verify_set_interrupt(&X->s->vm->interrupt);
    Error *e = submit(X->s, text, name, first_line);
    fflush(X->s->out);
    return leave(X, fail(X, e));
}

int xvm_quitasked(xvm_State *X, int *status)
{
    if (!usable(X) || !X->s->quit)
        return 0;
    if (status)
        *status = X->s->quit_status;
    return 1;
}

const char *xvm_machine(xvm_State *X) { return usable(X) ? X->s->machine->name : NULL; }

int xvm_stepping(xvm_State *X) { return usable(X) && X->s->active != NULL; }

const char *const *xvm_complete(xvm_State *X, const char *line, int start, int end, int *files)
{
    if (files)
        *files = 0;
    if (!usable(X) || !line || start < 0 || end < start || strnlen(line, (size_t)end) < (size_t)end)
        return NULL;
    bool names_files = false;
    const char *const *words = complete_words(X->s, gc_strndup(line, (size_t)end), start, &names_files);
    if (files)
        *files = names_files;
    return words;
}

/* ---- flags -------------------------------------------------------------------------------- */

unsigned xvm_getflags(xvm_State *X)
{
    if (!usable(X))
        return 0;
    const Session *s = X->s;
    return (s->quiet ? XVM_QUIET : 0) | (s->checked ? XVM_CHECKED : 0) | (s->verify_only ? XVM_VERIFY_ONLY : 0) |
           (s->interactive ? XVM_INTERACTIVE : 0) | (s->forth ? XVM_FORTH : 0);
}

int xvm_setflags(xvm_State *X, unsigned flags)
{
    if (refused(X))
        return XVM_EUSAGE;
    X->errors = NULL;
    if (flags & ~(unsigned)XVM_ALL_FLAGS)
        return usage(X, gc_printf("xvm_setflags: unknown flags 0x%x", flags & ~(unsigned)XVM_ALL_FLAGS));
    Session *s = X->s;
    bool vo = (flags & XVM_VERIFY_ONLY) != 0, ck = (flags & XVM_CHECKED) != 0;
    if (s->active && (vo != s->verify_only || ck != s->checked))
        return usage(X, "a stepped run is suspended: XVM_VERIFY_ONLY and XVM_CHECKED cannot change beside it");
    if ((flags & XVM_FORTH) && !s->forth) { /* loads forth-machine: it may fail */
        enter(X);
        int st = fail(X, forth_mode_start(s));
        if (leave(X, st))
            return st;
    }
    s->forth = (flags & XVM_FORTH) != 0;
    s->quiet = (flags & XVM_QUIET) != 0;
    s->checked = (flags & XVM_CHECKED) != 0;
    session_set_verify_only(s, (flags & XVM_VERIFY_ONLY) != 0);
    s->interactive = (flags & XVM_INTERACTIVE) != 0;
    return XVM_OK;
}

/* ---- the stack ---------------------------------------------------------------------------- */

/* idx as a 0-based slot, or -1 if there is no such item. */
static int64_t slot(const xvm_State *X, int idx)
{
    if (!usable(X))
        return -1;
    int64_t depth = X->s->vm->depth;
    int64_t k = idx > 0 ? (int64_t)idx - 1 : depth + idx;
    return idx != 0 && k >= 0 && k < depth ? k : -1;
}

int xvm_gettop(xvm_State *X) { return usable(X) ? (int)X->s->vm->depth : 0; }

int xvm_type(xvm_State *X, int idx)
{
    int64_t k = slot(X, idx);
    return k < 0 ? XVM_TNONE : type_repr(session_real_vs(X->s)->items[k].type) == TY_REF ? XVM_TREF : XVM_TINT;
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
    if (refused(X))
        return XVM_EUSAGE;
    X->errors = NULL;
    if (X->s->active)
        return usage(X, "a stepped run is suspended: the stack cannot change beside it");
    if (X->s->verify_only) /* the simulated stack has gone on as if inputs had run: no item of it is real */
        return usage(X, "in verify-only mode (XVM_VERIFY_ONLY) the stack cannot change: nothing runs");
    if (!vm_stack_reserve(X->s->vm, (uint64_t)X->s->vm->depth + more))
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
    if (!usable(X))
        return NULL;
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
    const Error *e = usable(X) && i >= 0 ? X->errors : NULL;
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

/* A place of an error or a note, as xvm.h gives it. */
typedef struct Place {
    const char *file, *source_line;
    int line, column, end_line, end_column, caret_offset, caret_length;
} Place;

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

/* The line the span's first byte is on (as the source shows it: a command
 * line before its word was blanked), and where the span lies in it. */
static void span_line(Span sp, Place *p)
{
    const char *text = sp.src->display ? sp.src->display : sp.src->text;
    size_t tlen = sp.src->display ? strlen(sp.src->display) : sp.src->len;
    size_t off = sp.off <= tlen ? sp.off : tlen, start = off, end = off;
    while (start > 0 && text[start - 1] != '\n')
        start--;
    while (end < tlen && text[end] != '\n')
        end++;
    size_t len = off + sp.len > end ? end - off : sp.len;
    p->source_line = gc_strndup(text + start, end - start);
    p->caret_offset = (int)(off - start);
    p->caret_length = (int)len;
}

static Place place_of(Span sp)
{
    Place p = {0};
    if (!sp.src)
        return p;
    p.file = sp.src->name;
    p.line = (int)sp.line;
    p.column = (int)sp.col;
    span_end(sp, &p.end_line, &p.end_column);
    span_line(sp, &p);
    return p;
}

int xvm_geterror(xvm_State *X, int i, xvm_Error *out)
{
    const Error *e = error_at(X, i);
    if (!e || !out)
        return 0;
    Place p = place_of(e->span);
    *out = (xvm_Error){.code = err_code_name(e->code), .message = e->msg, .hint = e->hint, .detail = e->detail,
                       .file = p.file, .line = p.line, .column = p.column, .end_line = p.end_line,
                       .end_column = p.end_column, .source_line = p.source_line, .caret_offset = p.caret_offset,
                       .caret_length = p.caret_length};
    for (const Note *n = e->notes; n; n = n->next)
        out->nnotes++;
    return 1;
}

int xvm_getnote(xvm_State *X, int i, int j, xvm_Note *out)
{
    const Error *e = error_at(X, i);
    const Note *n = e && j >= 0 ? e->notes : NULL;
    while (n && j-- > 0)
        n = n->next;
    if (!n || !out)
        return 0;
    Place p = place_of(n->span);
    *out = (xvm_Note){.message = n->msg, .file = p.file, .line = p.line, .column = p.column,
                      .end_line = p.end_line, .end_column = p.end_column, .source_line = p.source_line,
                      .caret_offset = p.caret_offset, .caret_length = p.caret_length};
    return 1;
}

const char *xvm_errtext(xvm_State *X, int i)
{
    xvm_Error e;
    if (!xvm_geterror(X, i, &e))
        return NULL;
    xvm_Note *notes = gc_calloc((size_t)e.nnotes + 1, sizeof *notes);
    for (int j = 0; j < e.nnotes; j++)
        xvm_getnote(X, i, j, &notes[j]);
    Buf b = {0};
    render_error(&b, &e, notes);
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
    if (refused(X))
        return XVM_EUSAGE;
    X->errors = NULL;
    if (!st)
        return usage(X, gc_printf("unknown setting '%s'", name ? name : "(null)"));
    if (!value)
        return usage(X, "xvm_getlimit: no place for the value");
    *value = session_setting(X->s, st);
    return XVM_OK;
}

int xvm_setlimit(xvm_State *X, const char *name, uint64_t v)
{
    const ConfigSetting *st = setting(name);
    if (refused(X))
        return XVM_EUSAGE;
    X->errors = NULL;
    if (!st)
        return usage(X, gc_printf("unknown setting '%s'", name ? name : "(null)"));
    if (v < st->lo || v > st->hi)
        return usage(X, gc_printf("%s must be %llu..%llu", st->name, (unsigned long long)st->lo,
                                  (unsigned long long)st->hi));
    ConfigId id = (ConfigId)(st - config_settings);
    if ((id == CONFIG_STACK || id == CONFIG_CALL_DEPTH) && X->s->active)
        return usage(X, gc_printf("%s cannot change while a stepped run is suspended", st->name));
    Error *e = id == CONFIG_COMPILE ? policy_choose(X->s, config_value_name(st, v), (Span){0})
                                    : session_set(X->s, st, v);
    return e ? (X->errors = e, XVM_EUSAGE) : XVM_OK;
}

int xvm_setprincipal(xvm_State *X, int principal)
{
    if (refused(X))
        return XVM_EUSAGE;
    X->errors = NULL;
    if (principal != XVM_TRUSTED && principal != XVM_UNTRUSTED)
        return usage(X, "the principal is XVM_TRUSTED or XVM_UNTRUSTED");
    X->s->principal = principal == XVM_UNTRUSTED ? PRINCIPAL_UNTRUSTED : PRINCIPAL_TRUSTED;
    return XVM_OK;
}

int xvm_getprincipal(xvm_State *X)
{
    if (!usable(X))
        return -1;
    return X->s->principal == PRINCIPAL_UNTRUSTED ? XVM_UNTRUSTED : XVM_TRUSTED;
}
