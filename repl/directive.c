/* directive.c - the top-level directives: each names the kind it defines
 * (its row in kinds.c does the work) or what else it does. */
#include "directive.h"
#include "kinds.h"
#include "suggest.h"

#include <string.h>

typedef struct Directive {
    const char *name;
    const KindOps *kind; /* a definition of this kind, or NULL: */
    Error *(*run)(Txn *t, DefCtx *c, const Node *st);
    bool unlisted;       /* left out of the list in the hint */
} Directive;

/* .load_interfaces U, ...; and .load_modules U, ...; at top level or in a
 * unit: the same as inside a machine, for units that build on others. */
static Error *load_units(Txn *t, DefCtx *c, const Node *st)
{
    if (!st->nkids)
        return err_hint(err_new(E_ARGS, st->span, "'.%s' needs at least one unit name", st->name),
                        "write: .%s UNIT, ...;", st->name);
    for (uint32_t i = 0; i < st->nkids; i++) {
        if (st->kids[i]->kind != N_NAME)
            return err_hint(err_new(E_ARGS, st->kids[i]->span, "a unit is named by a name, found %s",
                                    node_kind_article(st->kids[i]->kind)),
                            "write: .%s UNIT, ...;", st->name);
        Error *e = c->load_unit(c->cb, st->kids[i]->name, st->kids[i]->span);
        if (e)
            return e;
    }
    return NULL;
}

/* At top level: an operation added to or replaced in the module chosen
 * with :module, which is then defined again. */
static Error *define_operation(Txn *t, DefCtx *c, const Node *st)
{
    Error *e;
    Node *module = kind_module_with_op(t->s, st, &e);
    return e ? e : kind_module.stage(t, c, module);
}

/* In the order the hint lists them. */
static const Directive directives[] = {
    {"define_interface", .kind = &kind_interface},
    {"define_module", .kind = &kind_module},
    {"define_machine", .kind = &kind_machine},
    {"define_procedure", .kind = &kind_proc},
    {"define_lattice", .kind = &kind_lattice},
    {"define_key", .kind = &kind_key},
    {"define_type", .kind = &kind_type},
    {"load_interfaces", .run = load_units},
    {"load_modules", .run = load_units},
    {"define_operation", .run = define_operation, .unlisted = true},
};

static Error *unknown_directive(const Node *st)
{
    const char *names[countof(directives)];
    Buf listed = {0};
    for (uint32_t i = 0; i < countof(directives); i++) {
        names[i] = directives[i].name;
        if (!directives[i].unlisted)
            buf_printf(&listed, "%s.%s", i ? ", " : "", names[i]);
    }
    Error *e = err_new(E_UNKNOWN, st->head_span, "unknown directive '.%s'", st->name);
    return suggest_unknown_as(e, "'.%s'", st->name, names, countof(directives),
                              gc_printf("top-level directives: %s", buf_str(&listed)));
}

Error *directive_stage(Txn *t, DefCtx *c, const Node *st)
{
    for (uint32_t i = 0; i < countof(directives); i++) {
        const Directive *d = &directives[i];
        if (!strcmp(d->name, st->name))
            return d->kind ? d->kind->stage(t, c, st) : d->run(t, c, st);
    }
    return unknown_directive(st);
}
