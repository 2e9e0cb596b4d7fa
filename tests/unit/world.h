/* world.h - shared by the unit tests that build definitions: a workspace
 * with its own `stage` callback installing each version straight away (no
 * transactions: every test starts from a fresh world) and a `load_unit`
 * callback reading stdlib/U.xvm (tests run from the repo root). */
#ifndef XVM_TEST_WORLD_H
#define XVM_TEST_WORLD_H

/* ---- a world: workspace, staging, units -------------------------------------------------- */

typedef struct World {
    Workspace *ws;
    Vec units;          /* unit names already loaded */
    const char *dir;    /* where units live */
    const char *owner;  /* who owns keys declared at top level */
    Principal principal;
    bool verify_modules; /* run module_verify on every module built */
    Vec lattices;       /* every Lattice staged, in order */
} World;

static World *world_new(void)
{
    World *w = gc_alloc(sizeof *w);
    w->ws = workspace_new();
    w->dir = "stdlib";
    w->owner = "<session>";
    w->principal = PRINCIPAL_TRUSTED;
    w->verify_modules = true;
    vstate_set_names(w->ws);
    return w;
}

static Error *stage_cb(void *ctx, DefKind kind, const char *name, void *version, Span at)
{
    World *w = ctx;
    Def *d = NULL;
    for (uint32_t i = 0; i < w->ws->defs.len; i++)
        if (strcmp(((Def *)w->ws->defs.items[i])->name, name) == 0)
            d = w->ws->defs.items[i];
    if (d && d->kind != kind)
        return err_new(E_DEFINE, at, "'%s' is already a %s", name, workspace_kind_name(d->kind));
    if (!d) {
        d = gc_alloc(sizeof *d);
        d->name = name;
        d->kind = kind;
        vec_push(&w->ws->defs, d);
    }
    ((DefHead *)version)->version = d->cur ? ((DefHead *)d->cur)->version + 1 : 1;
    d->cur = version;
    if (kind == DEF_KEY) {
        Key *k = version;
        k->id = w->ws->keys.len;
        vec_push(&w->ws->keys, k);
    }
    if (kind == DEF_LATTICE)
        vec_push(&w->lattices, version);
    return NULL;
}

static Error *load_unit_cb(void *ctx, const char *unit, Span at);

static DefCtx def_ctx(World *w)
{
    return (DefCtx){.ws = w->ws, .principal = w->principal, .owner = w->owner, .stage = stage_cb,
                    .load_unit = load_unit_cb, .cb = w};
}

static Error *define_stmt(World *w, DefCtx *c, const Node *st)
{
    if (st->kind != N_STMT || st->head != HEAD_DIRECTIVE)
        return err_new(E_DEFINE, st->span, "not a definition");
    const char *d = st->name;
    if (!strcmp(d, "define_interface"))
        return define_interface(c, st);
    if (!strcmp(d, "define_lattice"))
        return define_lattice(c, st);
    if (!strcmp(d, "define_key"))
        return define_key(c, st);
    if (!strcmp(d, "define_module")) {
        Module *m;
        Error *e = define_module(c, st, &m);
        return e || !w->verify_modules ? e : module_verify(w->ws, m, 0);
    }
    if (!strcmp(d, "define_machine")) {
        Machine *m;
        return link_machine(c, st, &m);
    }
    if (!strcmp(d, "load_interfaces") || !strcmp(d, "load_modules")) {
        for (uint32_t i = 0; i < st->nkids; i++) {
            Error *e = c->load_unit(c->cb, st->kids[i]->name, st->kids[i]->span);
            if (e)
                return e;
        }
        return NULL;
    }
    return err_new(E_UNKNOWN, st->span, "unknown directive '.%s'", d);
}

static Error *define_source(World *w, const Source *src)
{
    Node *unit;
    Error *e = parse_unit(src, &unit);
    if (e)
        return e;
    DefCtx c = def_ctx(w);
    for (uint32_t i = 0; i < unit->nkids; i++)
        if ((e = define_stmt(w, &c, unit->kids[i])))
            return e;
    return NULL;
}

static Source *src_of(const char *text) { return source_new("<test>", text, strlen(text), 1); }

static Error *define_text(World *w, const char *text) { return define_source(w, src_of(text)); }

static const char *err_text(const Error *e)
{
    if (!e)
        return "(no error)";
    Buf b = {0}; /* the place, the message and the hint: enough to see why a test failed */
    for (; e; e = e->next)
        buf_printf(&b, "%s:%u:%u: error: %s%s%s\n", e->span.src ? e->span.src->name : "-", e->span.line,
                   e->span.col, e->msg, e->hint ? "\nhint: " : "", e->hint ? e->hint : "");
    return buf_str(&b);
}

static void define_ok(World *w, const char *text)
{
    Error *e = define_text(w, text);
    if (e)
        fail_msg("definitions rejected: %s\n%s", err_code_name(e->code), err_text(e));
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    Buf b = {0};
    int ch;
    while ((ch = fgetc(f)) != EOF)
        buf_putc(&b, (char)ch);
    fclose(f);
    return gc_strdup(buf_str(&b));
}

static Error *load_unit_cb(void *ctx, const char *unit, Span at)
{
    World *w = ctx;
    for (uint32_t i = 0; i < w->units.len; i++)
        if (strcmp(w->units.items[i], unit) == 0)
            return NULL;
    const char *path = gc_printf("%s/%s.xvm", w->dir, unit);
    char *text = read_file(path);
    if (!text)
        return err_new(E_IO, at, "cannot find unit '%s' (%s)", unit, path);
    vec_push(&w->units, (void *)unit);
    return define_source(w, source_new(path, text, strlen(text), 1));
}

static void load_ok(World *w, const char *unit)
{
    Error *e = load_unit_cb(w, unit, (Span){0});
    if (e)
        fail_msg("unit %s rejected: %s", unit, err_text(e));
}

static Def *def_named(World *w, const char *name, DefKind kind)
{
    Def *d = workspace_find_kind(w->ws, name, kind);
    if (!d)
        fail_msg("no %s named '%s'", workspace_kind_name(kind), name);
    return d;
}

static Machine *machine_named(World *w, const char *name) { return def_named(w, name, DEF_MACHINE)->cur; }
static Module *module_named(World *w, const char *name) { return def_named(w, name, DEF_MODULE)->cur; }

static uint32_t elem_of(const Lattice *l, const char *name)
{
    uint32_t e;
    if (!lookup_lattice_elem(l, name, &e))
        fail_msg("lattice %s has no element %s", l->name, name);
    return e;
}

static bool contains(const char *hay, const char *needle) { return hay && strstr(hay, needle) != NULL; }

#define assert_err(e, code_)                                                                          \
    do {                                                                                              \
        const Error *e_ = (e);                                                                        \
        if (!e_)                                                                                      \
            fail_msg("expected %s, got success", err_code_name(code_));                               \
        if (e_->code != (code_))                                                              \
            fail_msg("expected %s, got %s: %s", err_code_name(code_), err_code_name(e_->code), err_text(e_)); \
    } while (0)

#define assert_ok(e)                                                                                  \
    do {                                                                                              \
        const Error *e_ = (e);                                                                        \
        if (e_)                                                                                       \
            fail_msg("unexpected %s: %s", err_code_name(e_->code), err_text(e_));                    \
    } while (0)

#endif
