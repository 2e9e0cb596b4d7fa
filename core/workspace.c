/* workspace.c - the one namespace of definitions, and the names of definition kinds. */
#include "model.h"

#include <string.h>

const char *workspace_kind_name(DefKind k)
{
    static const char *const names[DEF__COUNT] = {"procedure", "interface", "module",
                                                  "machine",   "lattice",   "key",       "type"};
    return k < DEF__COUNT ? names[k] : "definition";
}

Workspace *workspace_new(void) { return gc_alloc(sizeof(Workspace)); }

Def *workspace_find(Workspace *ws, const char *name)
{
    for (uint32_t i = 0; i < ws->defs.len; i++) {
        Def *d = ws->defs.items[i];
        if (strcmp(d->name, name) == 0 && def_current(d))
            return d;
    }
    return NULL;
}

Def *workspace_find_kind(Workspace *ws, const char *name, DefKind kind)
{
    Def *d = workspace_find(ws, name);
    return d && d->kind == kind ? d : NULL;
}

const char **workspace_names(Workspace *ws, DefKind kind, uint32_t *n)
{
    const char **names = gc_calloc(ws->defs.len + 1, sizeof(char *));
    *n = 0;
    for (uint32_t i = 0; i < ws->defs.len; i++) {
        Def *d = ws->defs.items[i];
        if ((kind == DEF__COUNT || d->kind == kind) && def_current(d))
            names[(*n)++] = d->name;
    }
    return names;
}
