/* args.c - checking a statement's argument count (see args.h). */
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
