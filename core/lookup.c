/* lookup.c - finding things inside definitions: operations of machines and
 * interfaces, ports, state slots, lattice elements; and core-machine. */
#include "defs.h"

#include <string.h>

Machine *lookup_core_machine(void)
{
    static Machine core;
    if (core.name)
        return &core;
    core.name = "core-machine";
    core.version = 1;
    core.kind = DEF_MACHINE;
    core.owner = "core-machine";
    core.ops = gc_calloc(P__COUNT, sizeof(MachineOp));
    for (int i = 0; i < P__COUNT; i++) {
        if (prim_info[i].flags & PF_MODULE)
            continue;
        core.ops[core.nops++] = (MachineOp){.name = prim_info[i].name, .kind = MOP_PRIM, .prim = (Prim)i};
    }
    return &core;
}

Machine *lookup_machine_named(Workspace *ws, const char *name)
{
    if (!name)
        return lookup_core_machine();
    Def *d = workspace_find_kind(ws, name, DEF_MACHINE);
    return d ? def_current(d) : NULL;
}

const MachineOp *lookup_machine_op(const Machine *m, const char *name)
{
    for (uint32_t i = 0; i < m->nops; i++)
        if (strcmp(m->ops[i].name, name) == 0)
            return &m->ops[i];
    return NULL;
}

Component *lookup_component(const Machine *m, const char *name)
{
    for (uint32_t i = 0; i < m->ncomps; i++)
        if (strcmp(m->comps[i]->name, name) == 0)
            return m->comps[i];
    return NULL;
}

const OpSig *lookup_interface_op(const Interface *i, const char *name)
{
    for (uint32_t k = 0; k < i->nops; k++)
        if (strcmp(i->ops[k].name, name) == 0)
            return &i->ops[k];
    return NULL;
}

const Port *lookup_module_port(const Module *m, const char *name, uint32_t *index)
{
    for (uint32_t i = 0; i < m->nports; i++)
        if (strcmp(m->ports[i]->name, name) == 0) {
            if (index)
                *index = i;
            return m->ports[i];
        }
    return NULL;
}

OpDef *lookup_module_op(const Module *m, const Port *port, const char *name)
{
    for (uint32_t i = 0; i < m->nops; i++)
        if (m->ops[i]->port == port && strcmp(m->ops[i]->name, name) == 0)
            return m->ops[i];
    return NULL;
}

int lookup_state_slot(const Module *m, const char *name)
{
    for (uint32_t i = 0; i < m->nstate; i++)
        if (strcmp(m->state[i].name, name) == 0)
            return (int)i;
    return -1;
}

bool lookup_lattice_elem(const Lattice *l, const char *name, uint32_t *out)
{
    for (uint32_t i = 0; i < l->nelems; i++)
        if (strcmp(l->elems[i], name) == 0) {
            *out = i;
            return true;
        }
    return false;
}
