/* type.c - the value types and their names. */
#include "model.h"
#include "suggest.h"

#include <string.h>

static const char *const type_names[TY__COUNT] = {"any", "int", "ref"};

const char *type_name(TypeId t) { return t < TY__COUNT ? type_names[t] : "?"; }

bool type_by_name(const char *name, TypeId *out)
{
    for (TypeId t = TY_INT; t < TY__COUNT; t++)
        if (strcmp(name, type_names[t]) == 0) {
            *out = t;
            return true;
        }
    return false;
}

Error *type_unknown(const char *name, Span at)
{
    return suggest_unknown(err_new(E_UNKNOWN, at, "unknown type '%s'", name), name, &type_names[TY_INT],
                           TY__COUNT - TY_INT, "the core machine's types are int and ref");
}
