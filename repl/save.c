/* save.c - :save: the session's definitions as a script that rebuilds them.
 *
 * The script is run as typed (xvm-repl FILE), so it may hold commands:
 * `:trust` before each definition written by another principal than the
 * one before it, `:use` before each procedure over another machine.  A
 * stdlib unit is one `.load_modules U;` line at the top (the stdlib is
 * where the replay runs too); what a unit made and was redefined since is
 * written as its text after those lines, like everything else.  Keys and
 * lattices declared inside a module or machine come back with it.
 *
 * Order: the workspace keeps definitions in the order they were first
 * defined, and a redefinition keeps its place, so a module redefined to
 * use an interface defined after it would come before that interface.  The
 * definitions are therefore put in dependency order (Tarjan's algorithm,
 * iterative, roots in definition order, so the script stays close to the
 * order they were typed in); the procedures of one strongly connected
 * component, which call each other, are written as one input. */
#include "save.h"
#include "edges.h"
#include "graph.h"
#include "kinds.h"
#include "trust.h"

#include <errno.h>
#include <string.h>

enum { NONE = -1 };

typedef struct Saver {
    Session *s;
    Vec items;          /* Def*: the definitions written as text */
    Vec *adj;           /* per item: what it depends on, as item numbers */
    int32_t *num, *low; /* Tarjan's numbering */
    bool *on;           /* on Tarjan's stack */
    uint32_t *cursor;   /* next edge to follow, per item */
    Vec stack;          /* Tarjan's stack */
    Vec groups;         /* Vec*: the components, in dependency order */
    const char **unit_of; /* per workspace definition: its stdlib unit, or NULL */
    int32_t counter;
} Saver;

static void *num_item(uint32_t n) { return (void *)(uintptr_t)n; }
static uint32_t item_num(const void *p) { return (uint32_t)(uintptr_t)p; }

/* Is the version still the statement its span covers in its file, not
 * one edited since (a module with an operation replaced through :module
 * keeps its first statement's span)? */
static bool as_written(const Node *def)
{
    const Span *sp = &def->span;
    if (!sp->src || !sp->src->text || (uint64_t)sp->off + sp->len > sp->src->len)
        return false;
    const char *text = gc_printf("%.*s;", (int)sp->len, sp->src->text + sp->off);
    Node *unit;
    if (parse_unit(source_new(sp->src->name, text, strlen(text), 1), &unit) || !unit->nkids)
        return false;
    Buf a = {0}, b = {0};
    node_print(&a, def, 0);
    node_print(&b, unit->kids[0], 0);
    return !strcmp(buf_str(&a), buf_str(&b));
}

/* The stdlib unit a version was read from as it stands ("stdlib/U.xvm",
 * U loaded as a unit), or NULL. */
static const char *stdlib_unit(const Session *s, const DefHead *h)
{
    const Source *src = h && h->def ? h->def->span.src : NULL;
    if (!src || !src->name || strncmp(src->name, "stdlib/", 7))
        return NULL;
    for (uint32_t i = 0; i < s->loaded_units.len; i++) {
        const char *u = s->loaded_units.items[i];
        if (!strcmp(src->name + 7, gc_printf("%s.xvm", u)))
            return as_written(h->def) ? u : NULL;
    }
    return NULL;
}

/* Declared inside a module or a machine: it comes back with its owner. */
static bool inside_owner(const DefHead *h) { return h->owner && strcmp(h->owner, trust_owner(h->principal)); }

/* The item d stands for: itself, or its owner's if declared inside one. */
static int32_t item_of(Workspace *ws, const Def *d)
{
    for (int hops = 0; d && hops < 4; hops++) {
        if (d->index != UINT32_MAX)
            return (int32_t)d->index;
        const DefHead *h = d->cur;
        d = h && inside_owner(h) ? workspace_find(ws, h->owner) : NULL;
    }
    return NONE;
}

/* An interface names the types of the module that implements it without
 * an edge (kind_interface.c); replayed, the two go in one input, where
 * the module's types are declared first. */
static void interface_types(const Def *d, Vec *deps)
{
    const Interface *itf = d->kind == DEF_INTERFACE ? d->cur : NULL;
    for (uint32_t i = 0; itf && i < itf->nops; i++)
        edges_of_effect(&itf->ops[i].eff, deps);
}

static void collect(Saver *sv)
{
    Workspace *ws = sv->s->ws;
    sv->unit_of = gc_calloc(ws->defs.len + 1, sizeof(const char *));
    for (uint32_t i = 0; i < ws->defs.len; i++) {
        Def *d = ws->defs.items[i];
        const DefHead *h = d->cur;
        d->index = UINT32_MAX;
        sv->unit_of[i] = stdlib_unit(sv->s, h);
        if (h && h->def && !inside_owner(h) && !sv->unit_of[i]) {
            d->index = sv->items.len;
            vec_push(&sv->items, d);
        }
    }
    uint32_t n = sv->items.len;
    sv->adj = gc_calloc(n + 1, sizeof(Vec));
    sv->num = gc_alloc_atomic((n + 1) * sizeof(int32_t));
    sv->low = gc_alloc_atomic((n + 1) * sizeof(int32_t));
    sv->on = gc_calloc(n + 1, sizeof(bool));
    sv->cursor = gc_calloc(n + 1, sizeof(uint32_t));
    for (uint32_t i = 0; i < n; i++) {
        Def *d = sv->items.items[i];
        sv->num[i] = NONE;
        Vec deps = {0};
        graph_deps(ws, d, d->cur, &deps);
        interface_types(d, &deps);
        for (uint32_t k = 0; k < deps.len; k++) {
            int32_t j = item_of(ws, ((DepEdge *)deps.items[k])->to);
            if (j != NONE && (uint32_t)j != i)
                vec_push(&sv->adj[i], num_item((uint32_t)j));
        }
    }
}

static void open_item(Saver *sv, uint32_t v, Vec *work)
{
    sv->num[v] = sv->low[v] = sv->counter++;
    sv->on[v] = true;
    vec_push(&sv->stack, num_item(v));
    vec_push(work, num_item(v));
}

/* v is the root of a component: pop it, its members in definition order. */
static void close_component(Saver *sv, uint32_t v)
{
    Vec *group = gc_alloc(sizeof *group);
    uint32_t w;
    do {
        w = item_num(sv->stack.items[--sv->stack.len]);
        sv->on[w] = false;
        uint32_t at = group->len;
        vec_push(group, num_item(w));
        for (; at > 0 && item_num(group->items[at - 1]) > w; at--) /* insertion: small groups */
            group->items[at] = group->items[at - 1];
        group->items[at] = num_item(w);
    } while (w != v);
    vec_push(&sv->groups, group);
}

static void visit(Saver *sv, uint32_t root)
{
    Vec work = {0};
    open_item(sv, root, &work);
    while (work.len) {
        uint32_t v = item_num(work.items[work.len - 1]);
        if (sv->cursor[v] < sv->adj[v].len) {
            uint32_t w = item_num(sv->adj[v].items[sv->cursor[v]++]);
            if (sv->num[w] == NONE)
                open_item(sv, w, &work);
            else if (sv->on[w] && sv->num[w] < sv->low[v])
                sv->low[v] = sv->num[w];
            continue;
        }
        work.len--;
        if (work.len) {
            uint32_t u = item_num(work.items[work.len - 1]);
            if (sv->low[v] < sv->low[u])
                sv->low[u] = sv->low[v];
        }
        if (sv->low[v] == sv->num[v])
            close_component(sv, v);
    }
}

/* ---- what the script cannot carry ------------------------------------------------------------ */

static void left_out_stack(Session *s, Vec *out)
{
    if (!s->vm->depth)
        return;
    uint32_t refs = 0;
    for (uint32_t i = 0; i < s->vs->depth; i++)
        refs += type_repr(s->vs->items[i].type) == TY_REF;
    vec_push(out, gc_printf("the stack (%u item%s%s): the script rebuilds definitions, not values", s->vm->depth,
                            s->vm->depth == 1 ? "" : "s",
                            refs ? gc_printf(", %u of them %s into the heap, whose contents are not saved either",
                                             refs, refs == 1 ? "a ref" : "refs")
                                 : ""));
}

static bool has_state(const Component *c)
{
    for (uint32_t k = 0; c->module && k < c->module->nstate; k++)
        if (c->state[k])
            return true;
    return false;
}

static void left_out_state(Session *s, Vec *out)
{
    for (uint32_t i = 0; i < s->ws->defs.len; i++) {
        const Def *d = s->ws->defs.items[i];
        const Machine *m = d->kind == DEF_MACHINE ? d->cur : NULL;
        for (uint32_t c = 0; m && c < m->ncomps; c++)
            if (has_state(m->comps[c]))
                vec_push(out, gc_printf("the state of component %s of machine %s: it starts from zero again",
                                        m->comps[c]->name, m->name));
    }
}

static void left_out(Session *s, Vec *out)
{
    left_out_stack(s, out);
    if (s->active)
        vec_push(out, "the suspended :step run (:continue or :abandon it here)");
    left_out_state(s, out);
    if (s->files.len)
        vec_push(out, gc_printf("which files :load read (%u): their definitions are saved as text, so :reload "
                                "after the replay reads nothing again",
                                s->files.len));
}

/* ---- the script --------------------------------------------------------------------------------- */

typedef struct Writer {
    Buf *out;
    int trust;       /* the principal the script is at (NONE: not said yet) */
    const char *use; /* the machine in use in the script ("core" at first) */
} Writer;

static void set_trust(Writer *w, Principal p)
{
    if (w->trust != (int)p)
        buf_printf(w->out, ":trust %s\n", principal_name(p));
    w->trust = (int)p;
}

static void set_use(Writer *w, const char *machine)
{
    const char *want = machine ? machine : "core";
    if (strcmp(w->use, want))
        buf_printf(w->out, ":use %s\n", want);
    w->use = want;
}

/* One stdlib unit's line, once, if it made a definition that is current. */
static bool unit_line(const Saver *sv, Writer *w, const char *unit)
{
    bool any = false, modules = false;
    for (uint32_t i = 0; i < sv->s->ws->defs.len; i++) {
        const Def *d = sv->s->ws->defs.items[i];
        if (sv->unit_of[i] == unit) {
            any = true;
            modules |= d->kind == DEF_MODULE || d->kind == DEF_MACHINE || d->kind == DEF_PROC;
        }
    }
    if (any) {
        set_trust(w, PRINCIPAL_TRUSTED);
        buf_printf(w->out, ".%s %s;\n", modules ? "load_modules" : "load_interfaces", unit);
    }
    return any;
}

/* A component as one input: its texts joined where one ends and the
 * next begins, so a line-by-line replay reads them together. */
static void group_text(Saver *sv, Writer *w, const Vec *group)
{
    const DefHead *first = ((Def *)sv->items.items[item_num(group->items[0])])->cur;
    if (first->kind == DEF_PROC)
        set_use(w, ((const ProcVersion *)(const void *)first)->over);
    set_trust(w, first->principal);
    for (uint32_t k = 0; k < group->len; k++) {
        const DefHead *h = ((Def *)sv->items.items[item_num(group->items[k])])->cur;
        if (k)
            buf_putc(w->out, ' ');
        node_print(w->out, h->def, 0);
    }
    buf_putc(w->out, '\n');
}

static void header(Buf *out, const SaveReport *rep)
{
    buf_puts(out, "// An xvm-repl session, written by :save.  Replay it as typed: xvm-repl FILE\n"
                  "// (xvm-repl -i FILE to go on from there).  It holds commands, so :load cannot read it.\n");
    for (uint32_t i = 0; i < rep->left_out.len; i++)
        buf_printf(out, "// not saved: %s\n", (const char *)rep->left_out.items[i]);
}

void save_script(Session *s, Buf *out, SaveReport *rep)
{
    *rep = (SaveReport){0};
    left_out(s, &rep->left_out);
    header(out, rep);
    Writer w = {.out = out, .trust = NONE, .use = "core"};
    Saver sv = {.s = s};
    collect(&sv);
    for (uint32_t i = 0; i < s->loaded_units.len; i++)
        rep->nunits += unit_line(&sv, &w, s->loaded_units.items[i]);
    for (uint32_t i = 0; i < sv.items.len; i++)
        if (sv.num[i] == NONE)
            visit(&sv, i);
    for (uint32_t g = 0; g < sv.groups.len; g++)
        group_text(&sv, &w, sv.groups.items[g]);
    rep->ndefs = sv.items.len;
    set_trust(&w, s->principal);
    set_use(&w, s->machine_def ? s->machine_def->name : NULL);
    if (s->module_sel)
        buf_printf(out, ":module %s\n", s->module_sel);
}

Error *save_session(Session *s, const char *path, Span at, SaveReport *rep)
{
    Buf text = {0};
    save_script(s, &text, rep);
    FILE *f = fopen(path, "w");
    if (!f)
        return err_new(E_IO, at, "cannot write '%s': %s", path, strerror(errno));
    bool bad = fwrite(buf_str(&text), 1, text.len, f) != text.len;
    bad |= fclose(f) != 0;
    if (bad)
        return err_new(E_IO, at, "cannot write '%s': %s", path, strerror(errno));
    return NULL;
}
