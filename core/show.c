/* show.c - definitions printed back for people: the language text of each
 * definition with a header naming its version and what it offers (:show),
 * and a machine's components and links as Graphviz DOT (:graph). */
#include "define.h"

#include <string.h>

static void show_ops(Buf *out, const Machine *m)
{
    buf_printf(out, "// %s offers %u operations:\n//  ", m->name, m->nops);
    uint32_t col = 3;
    for (uint32_t i = 0; i < m->nops; i++) {
        const MachineOp *op = &m->ops[i];
        const char *text = op->kind == MOP_PRIM
                               ? op->name
                               : gc_printf("%s (= %s.%s)", op->name, op->comp->name, op->op->body->name);
        if (col + strlen(text) > 76) {
            buf_puts(out, "\n//  ");
            col = 3;
        }
        buf_printf(out, " %s", text);
        col += (uint32_t)strlen(text) + 1;
    }
    buf_putc(out, '\n');
}

void show_machine(Buf *out, const Machine *m)
{
    if (!m->def) {
        buf_printf(out, "// %s: built in, trusted-only\n", m->name);
        show_ops(out, m);
        return;
    }
    buf_printf(out, "// machine %s@v%d over %s, %s%s\n", m->name, m->version, m->base->name,
               principal_name(m->principal), m->open_to_untrusted ? ", open to untrusted code" : "");
    node_print(out, m->def, 0);
    buf_putc(out, '\n');
    show_ops(out, m);
}

void show_effect_line(Buf *out, const char *what, const char *name, const Effect *eff)
{
    buf_printf(out, "// %s %s ", what, name);
    effect_print(out, eff);
    buf_putc(out, '\n');
}

const char *show_owner_words(const char *owner)
{
    if (!strcmp(owner, "<session>"))
        return "the session";
    if (!strcmp(owner, "<untrusted session>"))
        return "untrusted input";
    return owner;
}

/* A core operation's effect from its row in prims.def. */
static void prim_effect(Buf *out, Prim p)
{
    const PrimInfo *pi = &prim_info[p];
    buf_putc(out, '(');
    for (uint32_t k = 0; k < pi->nin; k++)
        buf_printf(out, "%s%s", k ? ", " : "", type_name(pi->in[k]));
    buf_puts(out, pi->nin ? " -> " : "-> ");
    for (uint32_t k = 0; k < pi->nout; k++) {
        const PrimOut *o = &pi->out[k];
        TypeId t = o->kind == PO_INPUT ? pi->in[o->input] : o->kind == PO_IMM ? TY_INT : o->type;
        buf_printf(out, "%s%s", k ? ", " : "", type_name(t));
    }
    buf_putc(out, ')');
}

void show_machine_op(Buf *out, const Machine *m, const MachineOp *op)
{
    if (op->kind == MOP_PRIM) {
        static const char *const special[P__COUNT] = {
            [P_PICK] = "(-> any), a copy of item N (0 = top)", [P_CALL] = "the procedure's effect",
            [P_IF] = "(int ->), then the effect of either block", [P_WHILE] = "the effect of its blocks",
            [P_RETURN] = "ends the body", [P_PLACE] = "(any ->), the value replaces item N under it (0 = top)",
            [P_TRAP] = "stops the run with the message",
        };
        buf_printf(out, "// %s: a core operation of %s, effect ", op->name, m->name);
        if (special[op->prim])
            buf_puts(out, special[op->prim]);
        else
            prim_effect(out, op->prim);
        buf_putc(out, '\n');
        return;
    }
    buf_printf(out, "// %s: operation of %s, alias of %s.%s (module %s@v%d), effect ", op->name, m->name,
               op->comp->name, op->op->body->name, op->op->module->name, op->op->module->version);
    effect_print(out, &op->op->eff);
    buf_putc(out, '\n');
    node_print(out, op->op->def, 0);
    buf_putc(out, '\n');
}

/* ---- Graphviz ------------------------------------------------------------------------------ */

static void dot_port(Buf *out, const Component *c, const Port *p)
{
    buf_printf(out, "    \"%s.%s\" [label=\"%s\\n%s %s\", shape=box%s];\n", c->name, p->name, p->name,
               p->exported ? "exports" : "imports", p->iface->name, p->exported ? "" : ", style=dashed");
}

void show_machine_dot(Buf *out, const Machine *m)
{
    buf_printf(out, "digraph \"%s\" {\n  rankdir=LR;\n  label=\"%s%s%s\";\n", m->name, m->name,
               m->base ? " over " : " (built in)", m->base ? m->base->name : "");
    for (uint32_t i = 0; i < m->ncomps; i++) {
        const Component *c = m->comps[i];
        buf_printf(out, "  subgraph \"cluster_%s\" {\n    label=\"%s : %s\";\n", c->name, c->name, c->module->name);
        for (uint32_t k = 0; k < c->module->nports; k++)
            dot_port(out, c, c->module->ports[k]);
        buf_puts(out, "  }\n");
    }
    for (uint32_t i = 0; i < m->ncomps; i++) {
        const Component *c = m->comps[i];
        for (uint32_t k = 0; k < c->module->nports; k++) {
            const Link *l = &c->links[k];
            if (l->provider)
                buf_printf(out, "  \"%s.%s\" -> \"%s.%s\" [label=\"%s\"];\n", l->provider->name, l->port->name,
                           c->name, c->module->ports[k]->name, l->port->iface->name);
        }
    }
    for (uint32_t i = 0; i < m->nops; i++) {
        const MachineOp *op = &m->ops[i];
        if (op->kind != MOP_ALIAS || op->comp->machine != m)
            continue;
        Buf eff = {0}; /* its types too: a machine's declared types show where they are offered */
        effect_print(&eff, &op->op->eff);
        buf_printf(out, "  \"op:%s\" [label=\"%s\\n%s\", shape=ellipse];\n", op->name, op->name, buf_str(&eff));
        buf_printf(out, "  \"op:%s\" -> \"%s.%s\" [style=dotted, label=\"%s\"];\n", op->name, op->comp->name,
                   op->op->port->name, op->op->name);
    }
    buf_puts(out, "}\n");
}
