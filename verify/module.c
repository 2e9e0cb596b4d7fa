/* module.c - a module verified on its own (DESIGN §4, "ports are abstract"):
 * each operation against its effect, with calls through imported ports
 * checked against their interfaces, requires assumed at entry and ensures
 * checked at every return. */
#include "tick.h"

/* An ensures about an input must be judged on that input at the end, not
 * on whatever item canonical numbering later gives its identity: such
 * inputs are pinned, as a caller's items are in a concrete call. */
static bool ensures_names_input(const OpSig *sig)
{
    for (uint32_t i = 0; sig && i < sig->ncontracts; i++)
        for (uint32_t k = 0; sig->contracts[i].ensures && k < sig->contracts[i].nparams; k++)
            if (sig->contracts[i].params[k] < sig->eff.nin)
                return true;
    return false;
}

Error *module_op_entry(Workspace *ws, const OpDef *op, VState **out)
{
    VState *entry = vstate_from_inputs(&op->eff);
    if (ensures_names_input(op->sig))
        entry->pinned = entry->next_id;
    *out = entry;
    return op->sig ? call_assume_requires(ws, entry, op->sig) : NULL;
}

static Error *verify_op(Workspace *ws, Module *m, OpDef *op, uint64_t budget)
{
    VState *entry;
    Error *e = module_op_entry(ws, op, &entry);
    if (e)
        return e;
    VerifyOpts o = {.budget = budget, .ws = ws, .module = m, .owner = m->name, .verified = &op->verified};
    VState *exit;
    e = verify_body(op->body, entry, &op->eff, &o, &exit);
    if (e)
        return e;
    uint32_t *in_ids = gc_calloc(op->eff.nin + 1, sizeof(uint32_t));
    for (uint32_t i = 0; i < op->eff.nin; i++)
        in_ids[i] = entry->items[i].id;
    return call_check_ensures(ws, exit, op->sig, in_ids, op->body->end_span,
                                gc_printf("operation '%s' of module '%s'", op->body->name, m->name));
}

Error *module_verify(Workspace *ws, Module *m, uint64_t budget)
{
    for (uint32_t i = 0; i < m->nops; i++) {
        Error *e = verify_op(ws, m, m->ops[i], budget);
        if (e)
            return err_note(e, m->ops[i]->def->span, "in operation '%s' of module '%s'", m->ops[i]->body->name,
                            m->name);
    }
    return NULL;
}
