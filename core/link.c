/* link.c - machines from components (paper Figure 1): load units,
 * instantiate modules, link ports, alias and hide operations, and check the
 * result: every import linked, interfaces matching, no name clashes, no
 * cycle among operations. */
#include "args.h"
#include "cycle.h"
#include "define.h"
#include "suggest.h"
#include "flatten.h"
#include "vm.h"

#include <string.h>

typedef struct MachCtx {
    DefCtx *c;
    Machine *m;
    Vec comps;
    Vec aliases; /* MachineOp* */
    Vec hidden;  /* const Node* (names) */
} MachCtx;

static Error *want(const Node *st, uint32_t lo, uint32_t hi, const char *usage)
{
    return args_check(st, "'.%s'", st->name, lo, hi, usage);
}

static Error *want_name(const Node *a, const char *what, const char *usage)
{
    if (a->kind == N_NAME)
        return NULL;
    return err_hint(err_new(E_ARGS, a->span, "%s must be a name, found %s", what, node_kind_name(a->kind)),
                    "write: %s", usage);
}

static Component *comp_named(MachCtx *mc, const char *name)
{
    for (uint32_t i = 0; i < mc->comps.len; i++)
        if (strcmp(((Component *)mc->comps.items[i])->name, name) == 0)
            return mc->comps.items[i];
    return NULL;
}

static Error *unknown_comp(MachCtx *mc, const Node *n)
{
    Error *e = err_new(E_UNKNOWN, n->span, "machine '%s' has no component '%s'", mc->m->name, n->name);
    return suggest_unknown(e, n->name, SUGGEST_NAMES_AT((Component **)mc->comps.items, mc->comps.len), mc->comps.len,
                           "create it first: .instantiate MODULE, %s;", n->name);
}

static Error *unknown_port(const Component *comp, const Node *n)
{
    Error *e = err_new(E_UNKNOWN, n->span, "component '%s' (module '%s') has no port '%s'", comp->name,
                       comp->module->name, n->name);
    return suggest_unknown(e, n->name, SUGGEST_NAMES_AT(comp->module->ports, comp->module->nports), comp->module->nports,
                           "see its ports with :show %s", comp->module->name);
}

/* ---- directives ------------------------------------------------------------------- */

static Error *load_units(MachCtx *mc, const Node *st)
{
    const char *usage = gc_printf(".%s UNIT, ...;", st->name);
    Error *e = want(st, 1, UINT32_MAX, usage);
    for (uint32_t i = 0; !e && i < st->nkids; i++) {
        e = want_name(st->kids[i], "a unit", usage);
        if (!e)
            e = mc->c->load_unit(mc->c->cb, st->kids[i]->name, st->kids[i]->span);
        if (!e)
            vec_push(st->name[5] == 'i' ? &mc->m->interfaces_loaded : &mc->m->modules_loaded,
                     (void *)st->kids[i]->name);
    }
    return e;
}

static Error *instantiate(MachCtx *mc, const Node *st)
{
    static const char usage[] = ".instantiate MODULE, COMPONENT;";
    Error *e = want(st, 2, 2, usage);
    if (!e)
        e = want_name(st->kids[0], "the module", usage);
    if (!e)
        e = want_name(st->kids[1], "the component", usage);
    if (e)
        return e;
    Def *d = workspace_find_kind(mc->c->ws, st->kids[0]->name, DEF_MODULE);
    if (!d) {
        uint32_t n;
        const char **names = workspace_names(mc->c->ws, DEF_MODULE, &n);
        e = err_new(E_UNKNOWN, st->kids[0]->span, "unknown module '%s'", st->kids[0]->name);
        return suggest_unknown(e, st->kids[0]->name, names, n,
                               "define it with .define_module, or load its unit with .load_modules");
    }
    if (comp_named(mc, st->kids[1]->name))
        return err_hint(err_new(E_DEFINE, st->kids[1]->span, "machine '%s' already has a component '%s'",
                                mc->m->name, st->kids[1]->name),
                        "give each component its own name");
    const Module *mod = def_current(d);
    /* A trusted module over a trusted-only machine runs that machine's
     * operations: untrusted code must not be able to put it to work. */
    if (mc->c->principal == PRINCIPAL_UNTRUSTED && !mod->impl->open_to_untrusted)
        return err_hint(err_new(E_TRUST, st->kids[0]->span,
                                "untrusted machine '%s' cannot instantiate '%s': it is implemented over trusted-only '%s'",
                                mc->m->name, mod->name, mod->impl->name),
                        "instantiate modules implemented over a machine that declares .access untrusted");
    Component *comp = gc_alloc(sizeof *comp);
    comp->name = st->kids[1]->name;
    comp->module = (Module *)mod;
    comp->machine = mc->m;
    comp->state = gc_calloc(comp->module->nstate + 1, sizeof(Value));
    for (uint32_t i = 0; i < comp->module->nstate; i++) /* every ref points at a real block */
        if (type_repr(comp->module->state[i].type) == TY_REF)
            comp->state[i] = (Value)(intptr_t)heap_alloc(0, 0);
    comp->links = gc_calloc(comp->module->nports + 1, sizeof(Link));
    comp->span = st->span;
    vec_push(&mc->comps, comp);
    return NULL;
}

static Error *endpoint(MachCtx *mc, const Node *t, Component **comp, const Port **port, uint32_t *idx)
{
    if (t->kind != N_TUPLE || t->nkids != 2 || t->kids[0]->kind != N_NAME || t->kids[1]->kind != N_NAME)
        return err_hint(err_new(E_ARGS, t->span, "a link end is (COMPONENT, PORT)"),
                        "write: .link (PROVIDER, PORT), (CONSUMER, PORT);");
    *comp = comp_named(mc, t->kids[0]->name);
    if (!*comp)
        return unknown_comp(mc, t->kids[0]);
    *port = lookup_module_port((*comp)->module, t->kids[1]->name, idx);
    return *port ? NULL : unknown_port(*comp, t->kids[1]);
}

static Error *link_ports(MachCtx *mc, const Node *st)
{
    static const char usage[] = ".link (PROVIDER, PORT), (CONSUMER, PORT);";
    Error *e = want(st, 2, 2, usage);
    Component *pc, *cc;
    const Port *pp, *cp;
    uint32_t pi, ci;
    if (!e)
        e = endpoint(mc, st->kids[0], &pc, &pp, &pi);
    if (!e)
        e = endpoint(mc, st->kids[1], &cc, &cp, &ci);
    if (e)
        return e;
    if (!pp->exported)
        return err_hint(err_new(E_DEFINE, st->kids[0]->span, "port '%s' of '%s' is imported, so it cannot provide",
                                pp->name, pc->name),
                        "the first pair names the provider's exported port");
    if (cp->exported)
        return err_hint(err_new(E_DEFINE, st->kids[1]->span, "port '%s' of '%s' is exported, so it cannot consume",
                                cp->name, cc->name),
                        "the second pair names the consumer's imported port");
    if (pp->iface != cp->iface && strcmp(pp->iface->name, cp->iface->name) != 0)
        return err_hint(err_new(E_DEFINE, st->span,
                                "cannot link '%s.%s' (interface %s) to '%s.%s' (interface %s): the interfaces differ",
                                pc->name, pp->name, pp->iface->name, cc->name, cp->name, cp->iface->name),
                        "link ports of the same interface");
    /* One name, two versions: each side was verified against its own. */
    if (pp->iface != cp->iface)
        return err_hint(err_new(E_DEFINE, st->span,
                                "cannot link '%s.%s' (interface %s@v%d) to '%s.%s' (interface %s@v%d): the versions differ",
                                pc->name, pp->name, pp->iface->name, pp->iface->version, cc->name, cp->name,
                                cp->iface->name, cp->iface->version),
                        "define modules after the interface they use, so both are built against the same version");
    if (cc->links[ci].provider)
        return err_hint(err_new(E_DEFINE, st->span, "port '%s' of '%s' is already linked to '%s.%s'", cp->name,
                                cc->name, cc->links[ci].provider->name, cc->links[ci].port->name),
                        "an imported port has exactly one provider");
    cc->links[ci] = (Link){.provider = pc, .port = pp, .span = st->span};
    return NULL;
}

static Error *alias(MachCtx *mc, const Node *st)
{
    static const char usage[] = ".alias_operation COMPONENT, PORT, OP, NEWNAME;";
    Error *e = want(st, 4, 4, usage);
    for (uint32_t i = 0; !e && i < 4; i++)
        e = want_name(st->kids[i], "each argument", usage);
    if (e)
        return e;
    Component *comp = comp_named(mc, st->kids[0]->name);
    if (!comp)
        return unknown_comp(mc, st->kids[0]);
    const Port *port = lookup_module_port(comp->module, st->kids[1]->name, NULL);
    if (!port)
        return unknown_port(comp, st->kids[1]);
    if (!port->exported)
        return err_hint(err_new(E_DEFINE, st->kids[1]->span, "port '%s' of '%s' is imported; only exported operations can be aliased",
                                port->name, comp->name),
                        "alias an operation of an exported port");
    OpDef *op = lookup_module_op(comp->module, port, st->kids[2]->name);
    if (!op)
        return suggest_unknown(err_new(E_UNKNOWN, st->kids[2]->span, "port '%s' of '%s' (interface %s) has no operation '%s'",
                                       port->name, comp->name, port->iface->name, st->kids[2]->name),
                               st->kids[2]->name, SUGGEST_NAMES(port->iface->ops, port->iface->nops), port->iface->nops,
                               "see :show %s", port->iface->name);
    MachineOp *mop = gc_alloc(sizeof *mop);
    *mop = (MachineOp){.name = st->kids[3]->name, .kind = MOP_ALIAS, .comp = comp, .op = op, .span = st->span};
    for (uint32_t i = 0; i < mc->aliases.len; i++)
        if (strcmp(((MachineOp *)mc->aliases.items[i])->name, mop->name) == 0)
            return err_hint(err_new(E_DEFINE, st->kids[3]->span, "machine '%s' already has an alias '%s'", mc->m->name,
                                    mop->name),
                            "choose another name");
    vec_push(&mc->aliases, mop);
    return NULL;
}

static Error *hide(MachCtx *mc, const Node *st)
{
    static const char usage[] = ".hide OP, ...;";
    Error *e = want(st, 1, UINT32_MAX, usage);
    for (uint32_t i = 0; !e && i < st->nkids; i++) {
        e = want_name(st->kids[i], "an operation", usage);
        if (e)
            break;
        Prim p;
        if (prim_by_name(st->kids[i]->name, &p) && prim_is_control(p))
            return err_hint(err_new(E_DEFINE, st->kids[i]->span, "'%s' is control flow, which every machine keeps",
                                    st->kids[i]->name),
                            "hide data operations only");
        if (!lookup_machine_op(mc->m->base, st->kids[i]->name))
            return suggest_unknown(err_new(E_UNKNOWN, st->kids[i]->span, "base machine '%s' has no operation '%s' to hide",
                                           mc->m->base->name, st->kids[i]->name),
                                   st->kids[i]->name, SUGGEST_NAMES(mc->m->base->ops, mc->m->base->nops),
                                   mc->m->base->nops, "hide only operations of the base machine");
        vec_push(&mc->hidden, (void *)st->kids[i]);
    }
    return e;
}

static Error *access(MachCtx *mc, const Node *st)
{
    if (st->nkids != 1 || st->kids[0]->kind != N_NAME || strcmp(st->kids[0]->name, "untrusted") != 0)
        return err_hint(err_new(E_ARGS, st->span, "'.access' takes the word 'untrusted'"), "write: .access untrusted;");
    if (mc->c->principal == PRINCIPAL_UNTRUSTED)
        return err_hint(err_new(E_TRUST, st->span, "untrusted code cannot open a machine to untrusted code"),
                        "only trusted definitions may use .access untrusted");
    mc->m->open_to_untrusted = true;
    return NULL;
}

static Error *machine_stmt(MachCtx *mc, const Node *s)
{
    static const struct {
        const char *name;
        Error *(*fn)(MachCtx *, const Node *);
    } table[] = {
        {"load_interfaces", load_units}, {"load_modules", load_units}, {"instantiate", instantiate},
        {"link", link_ports},            {"alias_operation", alias},   {"hide", hide},
        {"access", access},
    };
    if (s->kind != N_STMT || s->head != HEAD_DIRECTIVE)
        return err_hint(err_new(E_DEFINE, s->span, "a machine body holds directives, not code"),
                        "see :help for .instantiate, .link, .alias_operation, ...");
    for (size_t i = 0; i < countof(table); i++)
        if (strcmp(s->name, table[i].name) == 0)
            return table[i].fn(mc, s);
    if (!strcmp(s->name, "define_lattice"))
        return define_lattice(mc->c, s);
    if (!strcmp(s->name, "define_key"))
        return define_key(mc->c, s);
    if (!strcmp(s->name, "define_type")) /* a machine has no code of its own to make the values */
        return err_hint(err_new(E_DEFINE, s->head_span, "a machine cannot declare a type: no code of its own could "
                                                        "make or read the type's values"),
                        "declare it in the module whose operations make and read them (.define_type inside "
                        ".define_module), and instantiate that module here");
    const char *known[countof(table) + 2] = {"define_lattice", "define_key"};
    for (size_t i = 0; i < countof(table); i++)
        known[i + 2] = table[i].name;
    return suggest_unknown_as(err_new(E_UNKNOWN, s->head_span, "'.%s' does not belong in a machine", s->name), "'.%s'",
                              s->name, known, countof(known),
                              "a machine holds .load_interfaces, .load_modules, .instantiate, .link, .alias_operation, .hide, .access");
}

/* ---- checks --------------------------------------------------------------------------- */

static Error *check_links(MachCtx *mc)
{
    for (uint32_t i = 0; i < mc->comps.len; i++) {
        Component *comp = mc->comps.items[i];
        for (uint32_t k = 0; k < comp->module->nports; k++) {
            const Port *p = comp->module->ports[k];
            if (!p->exported && !comp->links[k].provider)
                return err_hint(err_new(E_DEFINE, comp->span, "import '%s' (%s) of component '%s' is not linked",
                                        p->name, p->iface->name, comp->name),
                                "add: .link (PROVIDER, PORT), (%s, %s);", comp->name, p->name);
        }
    }
    return NULL;
}

static bool is_hidden(MachCtx *mc, const char *name)
{
    for (uint32_t i = 0; i < mc->hidden.len; i++)
        if (strcmp(((const Node *)mc->hidden.items[i])->name, name) == 0)
            return true;
    return false;
}

static Error *build_op_table(MachCtx *mc, Span at)
{
    Machine *m = mc->m;
    m->ops = gc_calloc((size_t)m->base->nops + mc->aliases.len + 1, sizeof(MachineOp));
    for (uint32_t i = 0; i < m->base->nops; i++)
        if (!is_hidden(mc, m->base->ops[i].name))
            m->ops[m->nops++] = m->base->ops[i];
    for (uint32_t i = 0; i < mc->aliases.len; i++) {
        MachineOp *a = mc->aliases.items[i];
        if (lookup_machine_op(m, a->name))
            return err_hint(err_new(E_DEFINE, a->span, "alias '%s' clashes with operation '%s' of base machine '%s'",
                                    a->name, a->name, m->base->name),
                            "choose another name, or .hide %s first", a->name);
        m->ops[m->nops++] = *a;
    }
    return NULL;
}

/* ---- operation cycles ------------------------------------------------------------------- */

typedef struct OpNode {
    Component *comp;
    OpDef *op;
} OpNode;

static bool op_callee(const OpNode *from, const Insn *in, OpNode *to)
{
    if (in->op == P_OPCALL) {
        const OpTarget *t = in->ref.target;
        *to = (OpNode){t->comp, t->op};
        return true;
    }
    if (in->op == P_OWNCALL) {
        *to = (OpNode){from->comp, in->ref.own};
        return true;
    }
    if (in->op == P_PORTCALL && from->comp) {
        const Link *l = &from->comp->links[in->imm];
        const OpSig *sig = in->ref.sig;
        if (!l->provider)
            return false;
        *to = (OpNode){l->provider, lookup_module_op(l->provider->module, l->port, sig->name)};
        return to->op != NULL;
    }
    return false;
}

static const char *op_node_name(const OpNode *n)
{
    return gc_printf("%s.%s", n->comp ? n->comp->name : n->op->module->name, n->op->body->name);
}

/* The call graph for cycle_find: (component, operation) nodes numbered as
 * the search meets them, found again through an open-addressing table. */
typedef struct OpGraph {
    OpNode *node; /* by number */
    uint32_t n, cap;
    uint32_t *slot; /* number + 1, 0 empty */
    uint32_t mask;
} OpGraph;

static uint32_t *op_slot(const OpGraph *g, OpNode n)
{
    uintptr_t h = (uintptr_t)n.comp * 31 ^ (uintptr_t)n.op;
    h ^= h >> 17;
    h *= (uintptr_t)0x9e3779b97f4a7c15ull;
    h ^= h >> 29;
    for (uint32_t i = (uint32_t)h & g->mask;; i = (i + 1) & g->mask) {
        uint32_t k = g->slot[i];
        if (!k || (g->node[k - 1].comp == n.comp && g->node[k - 1].op == n.op))
            return &g->slot[i];
    }
}

static uint32_t op_number(OpGraph *g, OpNode n)
{
    if (2 * ((uint64_t)g->n + 1) > (uint64_t)g->mask + 1) { /* at most half full */
        uint32_t cap = 0; /* a power of two; past 2^32 slots vec_grow reports out of memory */
        g->slot = vec_grow(NULL, 0, &cap, g->mask ? 2 * ((uint64_t)g->mask + 1) : 16, sizeof(uint32_t), true);
        g->mask = cap - 1;
        for (uint32_t k = 0; k < g->n; k++)
            *op_slot(g, g->node[k]) = k + 1;
    }
    uint32_t *slot = op_slot(g, n);
    if (!*slot) {
        VEC_PUSH(g->node, g->n, g->cap, n);
        *slot = g->n;
    }
    return *slot - 1;
}

static uint32_t op_nsucc(void *g, uint32_t k) { return ((const OpGraph *)g)->node[k].op->body->n; }

static uint32_t op_succ(void *g, uint32_t k, uint32_t pc)
{
    OpNode from = ((const OpGraph *)g)->node[k], to;
    return op_callee(&from, &from.op->body->insns[pc], &to) ? op_number(g, to) : CYCLE_NONE;
}

/* Where to point at a cycle: a link it goes through, the one given
 * elsewhere than the machine's own text (a :link that closed it) first,
 * else the first; none (the cycle is in aliases and own calls): at. */
static Span cycle_span(const OpGraph *g, const CyclePath *p, Span at)
{
    const Link *found = NULL;
    for (uint32_t k = 0; k < p->len; k++) {
        OpNode from = g->node[p->path[k]], want = g->node[p->path[(k + 1) % p->len]], to;
        for (uint32_t pc = 0; pc < from.op->body->n; pc++) {
            const Insn *in = &from.op->body->insns[pc];
            if (in->op != P_PORTCALL || !op_callee(&from, in, &to) || to.comp != want.comp || to.op != want.op)
                continue;
            const Link *l = &from.comp->links[in->imm];
            if (!found || (l->span.src != at.src && found->span.src == at.src))
                found = l;
        }
    }
    return found && found->span.src ? found->span : at;
}

static Error *check_cycles(MachCtx *mc, Span at)
{
    enum { MAX_DEPTH = OP_NESTING_MAX };
    OpGraph g = {0};
    for (uint32_t i = 0; i < mc->comps.len; i++) {
        Component *comp = mc->comps.items[i];
        for (uint32_t k = 0; k < comp->module->nops; k++)
            op_number(&g, (OpNode){comp, comp->module->ops[k]});
    }
    CycleGraph gr = {.g = &g, .nsucc = op_nsucc, .succ = op_succ, .max_depth = MAX_DEPTH};
    CyclePath p;
    CycleResult r = cycle_find(&gr, 0, g.n, &p);
    if (r == CYCLE_TOO_DEEP)
        return err_new(E_LIMIT, at, "operations nest deeper than %d levels", MAX_DEPTH);
    if (r == CYCLE_NO)
        return NULL;
    Buf cyc = {0};
    for (uint32_t k = 0; k < p.len; k++)
        buf_printf(&cyc, "%s -> ", op_node_name(&g.node[p.path[k]]));
    buf_puts(&cyc, op_node_name(&g.node[p.path[0]]));
    return err_hint(err_new(E_DEFINE, cycle_span(&g, &p, at), "operations call each other in a cycle: %s", buf_str(&cyc)),
                    "operations must form a DAG; use a procedure for recursion");
}

Error *link_machine(DefCtx *c, const Node *st, Machine **out)
{
    static const char usage[] = ".define_machine NAME, BASE, { ... };";
    Error *e = want(st, 3, 3, usage);
    if (!e)
        e = want_name(st->kids[0], "the name", usage);
    if (!e)
        e = want_name(st->kids[1], "the base machine", usage);
    if (!e && st->kids[2]->kind != N_BLOCK)
        e = err_hint(err_new(E_ARGS, st->kids[2]->span, "the body of '.define_machine' must be a block"), "write: %s", usage);
    if (e)
        return e;
    Machine *m = gc_alloc(sizeof *m);
    m->name = st->kids[0]->name;
    m->principal = c->principal;
    m->def = st;
    if (strcmp(m->name, "core-machine") == 0)
        return err_hint(err_new(E_DEFINE, st->kids[0]->span, "core-machine is built in and cannot be redefined"),
                        "define a new machine over it");
    const char *base = st->kids[1]->name;
    if (strcmp(base, "core-machine") == 0) {
        m->base = lookup_core_machine();
    } else {
        Def *d = workspace_find_kind(c->ws, base, DEF_MACHINE);
        if (!d) {
            uint32_t n;
            const char **names = workspace_names(c->ws, DEF_MACHINE, &n);
            names[n++] = "core-machine";
            return suggest_unknown(err_new(E_UNKNOWN, st->kids[1]->span, "unknown base machine '%s'", base), base, names,
                                   n, "define it first, or build on core-machine");
        }
        m->base = def_current(d);
    }
    if (c->principal == PRINCIPAL_UNTRUSTED && !m->base->open_to_untrusted)
        return err_hint(err_new(E_TRUST, st->kids[1]->span, "untrusted machine '%s' cannot be built over trusted-only '%s'",
                                m->name, m->base->name),
                        "build it over a machine that declares .access untrusted");
    DefCtx mine = *c;
    mine.owner = m->name;
    MachCtx mc = {.c = &mine, .m = m};
    const Node *blk = st->kids[2];
    for (uint32_t i = 0; i < blk->nkids; i++)
        if ((e = machine_stmt(&mc, blk->kids[i])))
            return err_note(e, st->kids[0]->span, "in machine '%s'", m->name);
    m->comps = (Component **)mc.comps.items;
    m->ncomps = mc.comps.len;
    if ((e = check_links(&mc)) || (e = build_op_table(&mc, st->span)) || (e = check_cycles(&mc, st->span)))
        return err_note(e, st->kids[0]->span, "in machine '%s'", m->name);
    *out = m;
    return c->stage(c->cb, DEF_MACHINE, m->name, m, st->kids[0]->span);
}
