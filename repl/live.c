/* live.c - changing a running machine: :link rewires a port, :module with
 * .define_operation replaces one operation, :reload takes changed files
 * again.  Each is a redefinition, so each is one transaction with every
 * dependant verified again and the machine relinked in place. */
#include "live.h"
#include "forth.h"
#include "node.h"
#include "suggest.h"
#include "units.h"

#include <string.h>

/* ---- :link ---------------------------------------------------------------------------------------- */

/* The consumer end (C, P) of a .link statement, if well formed. */
static const Node *link_consumer(const Node *s)
{
    if (!node_is_directive(s, "link") || s->nkids != 2 || s->kids[1]->kind != N_TUPLE || s->kids[1]->nkids != 2)
        return NULL;
    return s->kids[1];
}

Error *live_link(Session *s, const Source *src, bool dry_run)
{
    Node *unit;
    Error *e = parse_unit(src, &unit);
    if (e)
        return e;
    Span at = unit->span;
    if (unit->nkids != 1 || unit->kids[0]->kind != N_STMT || unit->kids[0]->nkids != 2)
        return err_hint(err_new(E_USAGE, at, ":link takes two pairs"),
                        "usage: :link [--dry-run] (PROVIDER, PORT), (CONSUMER, PORT)");
    const Node *args = unit->kids[0];
    for (uint32_t i = 0; i < 2; i++)
        if (args->kids[i]->kind != N_TUPLE || args->kids[i]->nkids != 2)
            return err_hint(err_new(E_USAGE, args->kids[i]->span, "a link end is (COMPONENT, PORT)"),
                            "usage: :link (PROVIDER, PORT), (CONSUMER, PORT)");
    if (!s->machine_def)
        return err_hint(err_new(E_USAGE, at, "core-machine has no components to link"),
                        "switch to a machine built from components with :use NAME");
    const Machine *m = s->machine;
    if (s->principal == PRINCIPAL_UNTRUSTED && m->principal == PRINCIPAL_TRUSTED)
        return err_hint(err_new(E_TRUST, source_span_join(args->kids[0]->span, args->kids[1]->span),
                                "untrusted input cannot relink trusted machine '%s'", m->name),
                        "only the machine's principal may rewire it");
    Node *link = gc_alloc(sizeof *link);
    *link = *args;
    link->kind = N_STMT;
    link->head = HEAD_DIRECTIVE;
    link->name = "link";
    link->span = link->head_span = source_span_join(args->kids[0]->span, args->kids[1]->span);
    const Node *body = m->def->kids[2];
    Vec stmts = {0};
    bool replaced = false;
    for (uint32_t i = 0; i < body->nkids; i++) {
        const Node *c = link_consumer(body->kids[i]);
        const Node *p = c ? body->kids[i]->kids[0] : NULL;
        if (c && node_same_name(c->kids[0], args->kids[1]->kids[0]) && node_same_name(c->kids[1], args->kids[1]->kids[1]) &&
            p->kind == N_TUPLE && p->nkids == 2 && node_same_name(p->kids[0], args->kids[0]->kids[0]) &&
            node_same_name(p->kids[1], args->kids[0]->kids[1])) {
            fprintf(s->out, "already linked that way; nothing to do\n");
            return NULL;
        }
        if (c && node_same_name(c->kids[0], args->kids[1]->kids[0]) && node_same_name(c->kids[1], args->kids[1]->kids[1])) {
            if (!replaced)
                vec_push(&stmts, link);
            replaced = true;
            continue;
        }
        vec_push(&stmts, body->kids[i]);
    }
    if (!replaced)
        vec_push(&stmts, link);
    return session_redefine(s, node_with_block(m->def, 2, &stmts), dry_run);
}

/* ---- :module and .define_operation ------------------------------------------------------------------- */

Error *live_select_module(Session *s, const char *name, Span at)
{
    Def *d = workspace_find(s->ws, name);
    if (!d || d->kind != DEF_MODULE) {
        uint32_t n;
        const char **names = workspace_names(s->ws, DEF_MODULE, &n);
        Error *e = err_new(E_UNKNOWN, at, "no module named '%s'", name);
        return suggest_unknown(e, name, names, n, ":modules lists the modules");
    }
    s->module_sel = d->name;
    return NULL;
}

/* ---- :reload ----------------------------------------------------------------------------------------- */

void live_remember_file(Session *s, const char *path, const char *text, Principal p)
{
    for (uint32_t i = 0; i < s->files.len; i++) {
        LoadedFile *f = s->files.items[i];
        if (!strcmp(f->path, path)) {
            f->text = text;
            f->principal = p;
            f->machine = s->machine_def ? s->machine_def->name : NULL;
            return;
        }
    }
    LoadedFile *f = gc_alloc(sizeof *f);
    *f = (LoadedFile){gc_strdup(path), text, p, s->machine_def ? s->machine_def->name : NULL};
    vec_push(&s->files, f);
}

/* One changed file, taken again as the principal that loaded it, over the
 * machine that was in use then. */
static Error *reload_one(Session *s, LoadedFile *f, Source *src)
{
    Machine *saved = s->machine;
    Def *saved_def = s->machine_def;
    if (f->machine) {
        Def *d = workspace_find_kind(s->ws, f->machine, DEF_MACHINE);
        if (d) {
            s->machine = d->cur;
            s->machine_def = d;
        }
    } else {
        s->machine = lookup_core_machine();
        s->machine_def = NULL;
    }
    /* A Forth file is loaded again whole: its words' values come from its code (docs/forth.md). */
    Error *e = forth_is_source(f->path) ? forth_eval_as(s, src, f->principal)
                                        : session_eval_files(s, (const Source *const *)&src, 1, f->principal, true);
    s->machine_def = saved_def; /* back to the machine in use, as the reload left it */
    s->machine = saved_def ? saved_def->cur : saved;
    if (!e)
        f->text = src->text;
    return e;
}

Error *live_reload(Session *s, Span at)
{
    uint32_t changed = 0;
    Error *errs = NULL;
    for (uint32_t i = 0; i < s->files.len; i++) {
        LoadedFile *f = s->files.items[i];
        char *text;
        size_t len;
        Error *e = units_read_file(f->path, at, &text, &len);
        if (e) {
            errs = err_append(errs, err_hint(e, "the file was loaded before; put it back or load another one"));
            continue;
        }
        if (!strcmp(text, f->text))
            continue;
        changed++;
        fprintf(s->out, "reloading %s\n", f->path);
        /* Definitions only: code in a file ran when it was loaded. */
        errs = err_append(errs, reload_one(s, f, source_new(f->path, text, len, 1)));
    }
    if (!changed && !errs)
        fprintf(s->out, s->files.len ? "no loaded file changed (%u file%s checked)\n" : "no file has been loaded with :load\n",
                s->files.len, s->files.len == 1 ? "" : "s");
    return errs;
}
