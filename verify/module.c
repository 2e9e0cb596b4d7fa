/* module.c - a module verified on its own (DESIGN §4, "ports are abstract"):
 * each operation against its effect, with calls through imported ports
 * checked against their interfaces, requires assumed at entry and ensures
 * checked at every return. */
#include "tick.h"

static Error *verify_op(Workspace *ws, Module *m, OpDef *op, uint64_t budget)
{
    VState *entry = vs_from_inputs(&op->eff);
    Error *e = op->sig ? verify_assume_requires(ws, entry, op->sig) : NULL;
    if (e)
        return e;
    VerifyOpts o = {.budget = budget, .ws = ws, .module = m, .owner = m->name};
    VState *exit;
    e = verify_body(op->body, entry, &op->eff, &o, &exit);
    if (e)
        return e;
    uint32_t *in_ids = gc_calloc(op->eff.nin + 1, sizeof(uint32_t));
    for (uint32_t i = 0; i < op->eff.nin; i++)
        in_ids[i] = entry->items[i].id;
    return verify_check_ensures(ws, exit, op->sig, in_ids, op->body->end_span,
                                gc_printf("operation '%s' of module '%s'", op->body->name, m->name));
}

Error *verify_module(Workspace *ws, Module *m, uint64_t budget)
{
    for (uint32_t i = 0; i < m->nops; i++) {
        Error *e = verify_op(ws, m, m->ops[i], budget);
        if (e)
            return err_note(e, m->ops[i]->def->span, "in operation '%s' of module '%s'", m->ops[i]->body->name,
                            m->name);
    }
    return NULL;
}
