/* type.c - the value types and their names: the core's int and ref, and
 * the types modules and sessions declare.
 *
 * A declared type is known by an id that items, effects and state slots
 * store.  The table is one for the process, so every id names one type of
 * one session, and messages, printing and the executors read a type's
 * name and representation from the id alone.  An id is given again to
 * each version that keeps its representation, owner and principal (so
 * values made before a redefinition keep their meaning); the version an id
 * has now is its definition's current one. */
#include "defs.h"
#include "suggest.h"

#include <string.h>

static const char *const core_names[TY__COUNT] = {"any", "int", "ref"};

static Vec registry; /* TypeDef*: the version that took each id from TY__COUNT */

/* The version id t has while verifying now (a staged one counts). */
static const TypeDef *version_of(TypeId t)
{
    if (t < TY__COUNT || (uint32_t)(t - TY__COUNT) >= registry.len)
        return NULL;
    const TypeDef *first = registry.items[t - TY__COUNT];
    /* The newest version that still has the id: an id moves on only with
     * a new representation or owner, and the versions between keep it. */
    const TypeDef *v = first->handle ? def_current(first->handle) : NULL;
    while (v && v->id != t)
        v = v->before;
    return v ? v : first;
}

const TypeDef *type_version(TypeId t) { return version_of(t); }

const char *type_name(TypeId t)
{
    if (t < TY__COUNT)
        return core_names[t];
    const TypeDef *v = version_of(t);
    if (!v)
        return "?";
    const TypeDef *now = v->handle ? def_current(v->handle) : NULL;
    return !now || now->id == t ? v->name : gc_printf("%s@v%d", v->name, v->version);
}

bool type_by_name(const char *name, TypeId *out)
{
    for (TypeId t = TY_INT; t < TY__COUNT; t++)
        if (strcmp(name, core_names[t]) == 0) {
            *out = t;
            return true;
        }
    return false;
}

TypeId type_repr(TypeId t)
{
    const TypeDef *v = version_of(t);
    return v ? v->repr : t;
}

bool type_linear(TypeId t)
{
    const TypeDef *v = version_of(t);
    return v && v->linear;
}

const char *type_owner(TypeId t)
{
    const TypeDef *v = version_of(t);
    return v ? v->owner : NULL;
}

TypeId type_seen(TypeId t, const char *viewer)
{
    const TypeDef *v = version_of(t);
    return v && viewer && strcmp(v->owner, viewer) == 0 ? v->repr : t;
}

TypeId type_register(TypeDef *v)
{
    if (registry.len >= (uint32_t)(TY_MAX - TY__COUNT))
        return TY_ANY;
    vec_push(&registry, v);
    return (TypeId)(TY__COUNT + registry.len - 1);
}

Error *type_resolve(Workspace *ws, const char *name, Span at, TypeId *out)
{
    if (type_by_name(name, out))
        return NULL;
    Def *d = ws ? workspace_find_kind(ws, name, DEF_TYPE) : NULL;
    const TypeDef *v = d ? def_current(d) : NULL;
    if (v) {
        *out = v->id;
        return NULL;
    }
    uint32_t n = 0;
    const char **declared = ws ? workspace_names(ws, DEF_TYPE, &n) : NULL;
    const char **all = gc_calloc(n + 3, sizeof *all);
    all[0] = core_names[TY_INT];
    all[1] = core_names[TY_REF];
    for (uint32_t i = 0; i < n; i++)
        all[2 + i] = declared[i];
    return suggest_unknown(err_new(E_UNKNOWN, at, "unknown type '%s'", name), name, all, n + 2,
                           "the core's types are int and ref; declare '%s' first, e.g. .define_type %s, ref; "
                           "(a module that declares it again then takes it over), or in its module given in "
                           "the same input",
                           name, name);
}
