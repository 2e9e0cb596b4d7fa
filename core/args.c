/* args.c - checking a statement's arguments (see args.h). */
#include "args.h"

static const char *count_text(uint32_t lo, uint32_t hi)
{
    if (hi == 0)
        return "no arguments";
    if (lo == hi)
        return gc_printf("%u argument%s", lo, lo == 1 ? "" : "s");
    if (hi == UINT32_MAX)
        return gc_printf("%u or more arguments", lo);
    return gc_printf(hi == lo + 1 ? "%u or %u arguments" : "%u to %u arguments", lo, hi);
}

Error *args_check(const Node *st, const char *shown, const char *name, uint32_t lo, uint32_t hi, const char *usage)
{
    if (st->nkids >= lo && st->nkids <= hi)
        return NULL;
    return err_hint(err_new(E_ARGS, st->span, "%s takes %s, found %u", gc_printf(shown, name), count_text(lo, hi),
                            st->nkids),
                    "write: %s", usage);
}

Error *args_kind(const Node *st, uint32_t i, NodeKind kind, const char *what, const char *usage)
{
    const Node *a = st->kids[i];
    if (a->kind == kind)
        return NULL;
    return err_hint(err_new(E_ARGS, a->span, "%s of '.%s' must be %s, found %s", what, st->name,
                            node_kind_article(kind), node_kind_article(a->kind)),
                    "write: %s", usage);
}

Error *args_shape(const Node *st, const ArgSpec *spec, uint32_t nspec, uint32_t lo, uint32_t hi, const char *usage)
{
    Error *e = args_check(st, "'.%s'", st->name, lo, hi, usage);
    for (uint32_t i = 0; !e && i < st->nkids && i < nspec; i++)
        e = args_kind(st, i, spec[i].kind, spec[i].what, usage);
    return e;
}
