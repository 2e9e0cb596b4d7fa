/* procedure.c - the shape of a .define_procedure statement. */
#include "model.h"

Error *procedure_parse(Workspace *ws, const Node *stmt, const char **name, Effect *eff, const Node **block)
{
    static const char usage[] = "write .define_procedure NAME, (inputs -> outputs), { body };";
    if (stmt->nkids != 3)
        return err_hint(err_new(E_ARGS, stmt->span,
                                ".define_procedure takes 3 arguments (name, effect, body), found %u",
                                stmt->nkids),
                        usage);
    if (stmt->kids[0]->kind != N_NAME)
        return err_hint(err_new(E_ARGS, stmt->kids[0]->span,
                                "the procedure's name must be a name, found %s",
                                node_kind_name(stmt->kids[0]->kind)),
                        usage);
    if (stmt->kids[2]->kind != N_BLOCK)
        return err_hint(err_new(E_ARGS, stmt->kids[2]->span,
                                "the procedure's body must be a block { ... }, found %s",
                                node_kind_name(stmt->kids[2]->kind)),
                        usage);
    Error *e = effect_from_node(ws, stmt->kids[1], eff);
    if (e)
        return e->code == E_ARGS ? err_hint(e, usage) : e;
    Prim ignored;
    if (prim_by_name(stmt->kids[0]->name, &ignored))
        return err_hint(err_new(E_DEFINE, stmt->kids[0]->span,
                                "'%s' is a core operation and cannot name a procedure",
                                stmt->kids[0]->name),
                        "choose another name");
    *name = stmt->kids[0]->name;
    *block = stmt->kids[2];
    return NULL;
}
