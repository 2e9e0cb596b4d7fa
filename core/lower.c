/* lower.c - code statements to flat instruction lists.
 *
 * Each statement's head names a primitive (or procedure call, or tick op);
 * the primitive's immediate kind says which argument shapes it takes.
 * Structured `if` and `while` become labels and jumps so the verifier and
 * compiler see only one kind of control flow. */
#include "args.h"
#include "defs.h"
#include "suggest.h"

#include <string.h>


typedef struct Label {
    const char *name; /* "<else>" etc. for labels made by if/while */
    bool user;        /* written by the user (label L), so findable by name */
    int64_t at;       /* insn index of its P_LABEL, -1 until defined */
    Span def_span, ref_span;
} Label;

Body *lower_body_new(const char *name)
{
    Body *b = gc_alloc(sizeof *b);
    b->name = name;
    return b;
}

static Error *emit(Body *b, Insn in)
{
    if (b->n >= config_limits.body_insns)
        return err_hint(err_new(E_LIMIT, in.span, "code body too large: more than %u instructions",
                                config_limits.body_insns),
                        "split it into procedures, or raise the limit with :set body-insns N");
    VEC_PUSH(b->insns, b->n, b->cap, in);
    return NULL;
}

static uint32_t label_new(Body *b, const char *name, Span ref)
{
    Label *l = gc_alloc(sizeof *l);
    l->name = name;
    l->at = -1;
    l->ref_span = ref;
    vec_push(&b->labels, l);
    return b->labels.len - 1;
}

/* User labels by name, so that a body of many labels lowers in linear
 * time: a hash table of the body being lowered (label index + 1 per slot, 0
 * empty).  Only label_named makes user labels, and it enters each one as it
 * makes it; lowering another body rebuilds the table from that body's. */
static struct {
    const Body *body;
    uint32_t *slot;
    uint32_t mask, used;
} g_user_labels;

static uint32_t name_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

/* The slot of name: holding its label, or the empty one where it goes. */
static uint32_t label_slot(const Body *b, const char *name)
{
    uint32_t i = name_hash(name) & g_user_labels.mask;
    while (g_user_labels.slot[i] && strcmp(((Label *)b->labels.items[g_user_labels.slot[i] - 1])->name, name))
        i = (i + 1) & g_user_labels.mask;
    return i;
}

static void label_enter(const Body *b, uint32_t id)
{
    if (2 * (g_user_labels.used + 1) > g_user_labels.mask + 1) { /* grow, keeping it at most half full */
        uint32_t cap = 2 * (g_user_labels.mask + 1);
        uint32_t *old = g_user_labels.slot, oldcap = g_user_labels.mask + 1;
        g_user_labels.slot = gc_alloc_atomic((size_t)cap * sizeof(uint32_t));
        memset(g_user_labels.slot, 0, (size_t)cap * sizeof(uint32_t));
        g_user_labels.mask = cap - 1;
        for (uint32_t k = 0; k < oldcap; k++)
            if (old[k])
                g_user_labels.slot[label_slot(b, ((Label *)b->labels.items[old[k] - 1])->name)] = old[k];
    }
    uint32_t i = label_slot(b, ((Label *)b->labels.items[id])->name);
    if (!g_user_labels.slot[i]) { /* the first label of a name is the one found */
        g_user_labels.slot[i] = id + 1;
        g_user_labels.used++;
    }
}

static void user_labels_of(const Body *b)
{
    if (g_user_labels.body == b)
        return;
    g_user_labels.body = b;
    g_user_labels.used = 0;
    g_user_labels.mask = 15;
    g_user_labels.slot = gc_alloc_atomic(16 * sizeof(uint32_t));
    memset(g_user_labels.slot, 0, 16 * sizeof(uint32_t));
    for (uint32_t i = 0; i < b->labels.len; i++)
        if (((Label *)b->labels.items[i])->user)
            label_enter(b, i);
}

static uint32_t label_named(Body *b, const char *name, Span ref)
{
    user_labels_of(b);
    uint32_t i = label_slot(b, name);
    if (g_user_labels.slot[i])
        return g_user_labels.slot[i] - 1;
    uint32_t id = label_new(b, name, ref);
    label_enter(b, id); /* the caller marks it user */
    return id;
}

static Error *place_label(Body *b, uint32_t id, Span span)
{
    Label *l = b->labels.items[id];
    if (l->at >= 0)
        return err_note(err_hint(err_new(E_DEFINE, span, "label '%s' is defined twice", l->name),
                                 "give each label in a body its own name"),
                        l->def_span, "first defined here");
    l->at = b->n;
    l->def_span = span;
    return emit(b, (Insn){.op = P_LABEL, .imm = id, .label = l->name, .span = span});
}

static Error *emit_jump(Body *b, Prim op, uint32_t id, Span span)
{
    Label *l = b->labels.items[id];
    return emit(b, (Insn){.op = op, .imm = id, .label = l->name, .span = span});
}

/* ---- argument shapes ---------------------------------------------------------- */

static Error *want_args(const Node *s, const char *what, uint32_t lo, uint32_t hi, const char *usage)
{
    return args_check(s, "'%s'", what, lo, hi, usage);
}

static Error *want_kind(const Node *arg, NodeKind k, const char *what, const char *usage)
{
    if (arg->kind == k)
        return NULL;
    return err_hint(err_new(E_ARGS, arg->span, "%s must be %s, found %s", what, node_kind_article(k),
                            node_kind_article(arg->kind)),
                    "write: %s", usage);
}

static Error *lower_push(Body *b, const Node *s)
{
    static const char usage[] = "push int(42);";
    Error *e = want_args(s, "push", 1, 1, usage);
    if (e)
        return e;
    const Node *a = s->kids[0];
    if ((e = want_kind(a, N_APPLY, "push's argument", usage)))
        return e;
    TypeId t;
    const char *types[] = {type_name(TY_INT), type_name(TY_REF)};
    if (!type_by_name(a->name, &t))
        return suggest_unknown(err_new(E_UNKNOWN, a->span, "unknown type '%s'", a->name), a->name, types, countof(types),
                               "write: %s", usage);
    if (t != TY_INT)
        return err_hint(err_new(E_ARGS, a->span, "push cannot make a literal of type %s", a->name),
                        "only int literals exist; make a ref with alloc");
    if (a->nkids != 1 || a->kids[0]->kind != N_INT)
        return err_hint(err_new(E_ARGS, a->span, "int(...) takes one integer"), "write: %s", usage);
    return emit(b, (Insn){.op = P_PUSH, .ty = t, .imm = a->kids[0]->ival, .span = s->span});
}

/* pick N and place N: N counts from the top (0), after place's value is off. */
static Error *lower_pick(Body *b, const Node *s, Prim op)
{
    const char *name = prim_info[op].name;
    const char *usage = gc_printf("%s 2;   (0 is the top item)", name);
    Error *e = want_args(s, name, 1, 1, usage);
    if (!e)
        e = want_kind(s->kids[0], N_INT, gc_printf("%s's argument", name), usage);
    if (e)
        return e;
    int64_t n = s->kids[0]->ival;
    if (n < 0 || n > PICK_MAX)
        return err_hint(err_new(E_ARGS, s->kids[0]->span, "%s %lld: N must be 0..%d", name, (long long)n, PICK_MAX),
                        "%s", usage);
    return emit(b, (Insn){.op = op, .imm = n, .span = s->span});
}

/* trap "message": the message is kept in the instruction's label. */
static Error *lower_trap(Body *b, const Node *s)
{
    static const char usage[] = "trap \"what went wrong\";";
    Error *e = want_args(s, "trap", 1, 1, usage);
    if (!e)
        e = want_kind(s->kids[0], N_STRING, "trap's message", usage);
    return e ? e : emit(b, (Insn){.op = P_TRAP, .label = s->kids[0]->name, .span = s->span});
}

static Error *lower_label_op(Body *b, const Node *s, Prim op)
{
    const char *usage = op == P_LABEL ? "label loop;" : gc_printf("%s loop;", prim_info[op].name);
    Error *e = want_args(s, prim_info[op].name, 1, 1, usage);
    if (!e)
        e = want_kind(s->kids[0], N_NAME, "the label", usage);
    if (e)
        return e;
    uint32_t id = label_named(b, s->kids[0]->name, s->kids[0]->span);
    ((Label *)b->labels.items[id])->user = true;
    if (op == P_LABEL)
        return place_label(b, id, s->span);
    return emit_jump(b, op, id, s->span);
}

static Error *lower_call(const Scope *sc, Body *b, const Node *s)
{
    Workspace *ws = sc->ws;
    static const char usage[] = "call NAME;";
    Error *e = want_args(s, "call", 1, 1, usage);
    if (!e)
        e = want_kind(s->kids[0], N_NAME, "call's argument", usage);
    if (e)
        return e;
    const char *name = s->kids[0]->name;
    Proc *p = workspace_find_proc(ws, name);
    if (!p || !proc_current(p)) {
        e = err_new(E_UNKNOWN, s->kids[0]->span, "unknown procedure '%s'", name);
        uint32_t n;
        const char **names = workspace_names(ws, DEF_PROC, &n);
        return suggest_unknown(e, name, names, n, "define it first with .define_procedure %s, (...), { ... }; (procedures defined in one input may call each other)", name);
    }
    return emit(b, (Insn){.op = P_CALL, .ref.proc = p, .label = p->name, .span = s->span});
}

static Error *lower_block(const Scope *sc, Body *b, const Node *blk)
{
    return lower_stmts(sc, b, (Node *const *)blk->kids, blk->nkids);
}

/* if {then}, {else}:   jump_unless Else; then; jump End; Else: else; End: */
static Error *lower_if(const Scope *sc, Body *b, const Node *s)
{
    static const char usage[] = "if { then... }, { else... };   (the else block is optional)";
    Error *e = want_args(s, "if", 1, 2, usage);
    for (uint32_t i = 0; !e && i < s->nkids; i++)
        e = want_kind(s->kids[i], N_BLOCK, i ? "if's else part" : "if's then part", usage);
    if (e)
        return e;
    uint32_t l_else = label_new(b, s->nkids == 2 ? "<else>" : "<end-then>", s->span);
    uint32_t l_end = label_new(b, "<end-if>", s->span);
    if ((e = emit_jump(b, P_JUMP_UNLESS, l_else, s->head_span)) || (e = lower_block(sc, b, s->kids[0])))
        return e;
    if (s->nkids == 2 && (e = emit_jump(b, P_JUMP, l_end, s->kids[1]->span)))
        return e;
    if ((e = place_label(b, l_else, s->nkids == 2 ? s->kids[1]->span : s->span)))
        return e;
    if (s->nkids == 2 && (e = lower_block(sc, b, s->kids[1])))
        return e;
    return place_label(b, l_end, s->span);
}

/* while {cond}, {body}:   jump Cond; Body: body; Cond: cond; jump_if Body;
 * The test sits at the bottom, so each turn takes one branch, not two. */
static Error *lower_while(const Scope *sc, Body *b, const Node *s)
{
    static const char usage[] = "while { condition leaving an int }, { body };";
    Error *e = want_args(s, "while", 2, 2, usage);
    for (uint32_t i = 0; !e && i < 2; i++)
        e = want_kind(s->kids[i], N_BLOCK, i ? "while's body" : "while's condition", usage);
    if (e)
        return e;
    uint32_t l_body = label_new(b, "<loop>", s->span), l_cond = label_new(b, "<while-test>", s->span);
    if ((e = emit_jump(b, P_JUMP, l_cond, s->head_span)) || (e = place_label(b, l_body, s->kids[1]->span)) ||
        (e = lower_block(sc, b, s->kids[1])) || (e = place_label(b, l_cond, s->kids[0]->span)) ||
        (e = lower_block(sc, b, s->kids[0])))
        return e;
    return emit_jump(b, P_JUMP_IF, l_body, s->head_span);
}

static const char *machine_name(const Scope *sc)
{
    return sc->machine ? sc->machine->name : "core-machine";
}

static Error *unknown_op(const Scope *sc, const Node *s)
{
    const Machine *m = sc->machine ? sc->machine : lookup_core_machine();
    Error *e = err_new(E_UNKNOWN, s->head_span, "unknown operation '%s' on %s", s->name, m->name);
    Vec names = {0};
    for (uint32_t i = 0; i < m->nops; i++)
        vec_push(&names, (void *)m->ops[i].name);
    for (uint32_t i = 0; sc->module && i < sc->module->nops; i++)
        vec_push(&names, (void *)sc->module->ops[i]->name);
    return suggest_unknown(e, s->name, (const char *const *)names.items, names.len, ":help lists the operations of %s",
                           m->name);
}

static Error *lower_state(const Scope *sc, Body *b, const Node *s, Prim op)
{
    const char *usage = gc_printf("%s NAME;   (a .state slot of this module)", prim_info[op].name);
    if (!sc->module)
        return err_hint(err_new(E_UNKNOWN, s->head_span, "'%s' only works inside a module's operations",
                                s->name),
                        "declare component state with .state NAME, TYPE; in a .define_module");
    Error *e = want_args(s, s->name, 1, 1, usage);
    if (!e)
        e = want_kind(s->kids[0], N_NAME, "the state slot", usage);
    if (e)
        return e;
    int slot = lookup_state_slot(sc->module, s->kids[0]->name);
    if (slot < 0)
        return suggest_unknown(err_new(E_UNKNOWN, s->kids[0]->span, "module '%s' has no state slot '%s'",
                                       sc->module->name, s->kids[0]->name),
                               s->kids[0]->name, SUGGEST_NAMES(sc->module->state, sc->module->nstate),
                               sc->module->nstate, "declare it with .state %s, int;", s->kids[0]->name);
    return emit(b, (Insn){.op = op, .imm = slot, .ty = sc->module->state[slot].type, .label = sc->module->state[slot].name,
                          .span = s->span});
}

static Error *lower_prim(const Scope *sc, Body *b, const Node *s, Prim op)
{
    switch (prim_info[op].imm) {
    case IMM_VALUE: return lower_push(b, s);
    case IMM_INT: return lower_pick(b, s, op);
    case IMM_TEXT: return lower_trap(b, s);
    case IMM_LABEL: return lower_label_op(b, s, op);
    case IMM_PROC: return lower_call(sc, b, s);
    case IMM_BLOCKS: return op == P_IF ? lower_if(sc, b, s) : lower_while(sc, b, s);
    case IMM_STATE: return lower_state(sc, b, s, op);
    case IMM_NONE: break;
    }
    Error *e = want_args(s, s->name, 0, 0, gc_printf("%s;", s->name));
    return e ? e : emit(b, (Insn){.op = op, .span = s->span});
}

static Error *lower_machine_op(const Scope *sc, Body *b, const Node *s, const MachineOp *mop)
{
    Error *e = want_args(s, s->name, 0, 0, gc_printf("%s;", s->name));
    if (e)
        return e;
    OpTarget *t = gc_alloc(sizeof *t);
    t->comp = mop->comp;
    t->op = mop->op;
    t->name = mop->name;
    return emit(b, (Insn){.op = P_OPCALL, .ref.target = t, .label = mop->name, .span = s->span});
}

/* The module's own operation by name: private ones, or an exported one
 * whose name no other port of the module shares. */
static OpDef *own_op(const Module *m, const char *name)
{
    OpDef *found = NULL;
    for (uint32_t i = 0; m && i < m->nops; i++)
        if (strcmp(m->ops[i]->name, name) == 0) {
            if (found)
                return NULL;
            found = m->ops[i];
        }
    return found;
}

static Error *lower_op(const Scope *sc, Body *b, const Node *s)
{
    Prim op;
    bool is_prim = prim_by_name(s->name, &op);
    if (is_prim && (prim_info[op].flags & PF_MODULE))
        return lower_prim(sc, b, s, op);
    OpDef *own = own_op(sc->module, s->name);
    if (own) {
        Error *e = want_args(s, s->name, 0, 0, gc_printf("%s;", s->name));
        return e ? e : emit(b, (Insn){.op = P_OWNCALL, .ref.own = own, .label = own->name, .span = s->span});
    }
    const Machine *m = sc->machine ? sc->machine : lookup_core_machine();
    const MachineOp *mop = lookup_machine_op(m, s->name);
    if (mop && mop->kind == MOP_PRIM)
        return lower_prim(sc, b, s, mop->prim);
    if (mop)
        return lower_machine_op(sc, b, s, mop);
    if (is_prim && prim_is_control(op))
        return lower_prim(sc, b, s, op); /* control flow belongs to every machine */
    if (is_prim)
        return err_hint(err_new(E_UNKNOWN, s->head_span, "operation '%s' is hidden on %s", s->name,
                                machine_name(sc)),
                        "machine %s removes it with .hide", machine_name(sc));
    Proc *p = workspace_find_proc(sc->ws, s->name);
    if (p)
        return err_hint(err_new(E_UNKNOWN, s->head_span, "'%s' is a procedure, not an operation", s->name),
                        "write: call %s;", s->name);
    return unknown_op(sc, s);
}

static Error *lower_port_call(const Scope *sc, Body *b, const Node *s)
{
    if (!sc->module)
        return err_hint(err_new(E_UNKNOWN, s->head_span, "no port '%s' here", s->name),
                        "PORT.OP calls belong inside a module that imports PORT");
    uint32_t idx;
    const Port *port = lookup_module_port(sc->module, s->name, &idx);
    if (!port)
        return suggest_unknown(err_new(E_UNKNOWN, s->head_span, "module '%s' has no port '%s'", sc->module->name,
                                       s->name),
                               s->name, SUGGEST_NAMES_AT(sc->module->ports, sc->module->nports), sc->module->nports,
                               "declare it with .imports %s, INTERFACE;", s->name);
    if (port->exported)
        return err_hint(err_new(E_UNKNOWN, s->head_span,
                                "port '%s' is exported by '%s'; only imported ports can be called",
                                s->name, sc->module->name),
                        "call the module's own operation by its name");
    const OpSig *sig = lookup_interface_op(port->iface, s->name2);
    if (!sig)
        return suggest_unknown(err_new(E_UNKNOWN, s->head_span, "interface '%s' (port '%s') has no operation '%s'",
                                       port->iface->name, s->name, s->name2),
                               s->name2, SUGGEST_NAMES(port->iface->ops, port->iface->nops), port->iface->nops,
                               "its operations are listed by :show %s", port->iface->name);
    Error *e = want_args(s, gc_printf("%s.%s", s->name, s->name2), 0, 0, gc_printf("%s.%s;", s->name, s->name2));
    if (e)
        return e;
    return emit(b, (Insn){.op = P_PORTCALL, .imm = idx, .ref.sig = sig,
                          .label = gc_printf("%s.%s", s->name, s->name2), .span = s->span});
}

/* The branches of a tick conditional hold tick operations only, checked
 * here for both branches: the verifier runs just one of them, and run-time
 * code must never depend on a verification-time decision. */
static Error *tick_blocks_pure(const Node *s)
{
    for (uint32_t i = 0; i < s->nkids; i++) {
        const Node *blk = s->kids[i];
        if (blk->kind != N_BLOCK)
            continue;
        for (uint32_t k = 0; k < blk->nkids; k++) {
            const Node *st = blk->kids[k];
            if (st->kind != N_STMT || st->head != HEAD_TICK)
                return err_hint(err_new(E_DEFINE, st->span, "only tick operations may appear inside a tick conditional"),
                                "run-time operations cannot depend on a verification-time decision");
            Error *e = tick_blocks_pure(st);
            if (e)
                return e;
        }
    }
    return NULL;
}

static Error *lower_stmt(const Scope *sc, Body *b, const Node *s)
{
    if (s->kind == N_ORDER)
        return err_hint(err_new(E_SYNTAX, s->span, "an order 'A < B' only belongs in .define_lattice"),
                        "write operations as statements: add; push int(1);");
    switch (s->head) {
    case HEAD_OP: return lower_op(sc, b, s);
    case HEAD_TICK: {
        Error *e = tick_blocks_pure(s);
        return e ? e : emit(b, (Insn){.op = P_TICK, .ref.tick = s, .span = s->span});
    }
    case HEAD_QUALIFIED: return lower_port_call(sc, b, s);
    case HEAD_DIRECTIVE:
        return err_hint(err_new(E_DEFINE, s->head_span, "directive '.%s' cannot appear inside code",
                                s->name),
                        "define things at top level, outside any block");
    }
    return NULL;
}

Error *lower_stmts(const Scope *sc, Body *b, Node *const *stmts, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        Error *e = lower_stmt(sc, b, stmts[i]);
        if (e)
            return e;
    }
    return NULL;
}

/* Only labels the user placed: an unplaced one would suggest itself. */
static const char **placed_labels(const Body *b)
{
    const char **names = gc_calloc(b->labels.len + 1, sizeof *names);
    for (uint32_t i = 0; i < b->labels.len; i++) {
        const Label *l = b->labels.items[i];
        names[i] = l->user && l->at >= 0 ? l->name : NULL;
    }
    return names;
}

Error *lower_finish(Body *b)
{
    for (uint32_t i = 0; i < b->labels.len; i++) {
        Label *l = b->labels.items[i];
        if (l->at < 0)
            return suggest_unknown(err_new(E_UNKNOWN, l->ref_span, "unknown label '%s'", l->name), l->name,
                                   placed_labels(b), b->labels.len, "add 'label %s;' in the same body", l->name);
    }
    for (uint32_t i = b->resolved; i < b->n; i++) {
        Insn *in = &b->insns[i];
        if (prim_is_jump(in->op))
            in->imm = ((Label *)b->labels.items[in->imm])->at;
    }
    b->resolved = b->n;
    b->labels = (Vec){0}; /* later code in this body starts a new label table */
    if (g_user_labels.body == b)
        g_user_labels.body = NULL;
    return NULL;
}

/* ---- disassembly ---------------------------------------------------------------- */

/* Labels that if, while and inlined operations make, and jumps to them,
 * read as the construct the user wrote, not as the jump it became. */
static const char *made_label_text(const Insn *in)
{
    static const char *const made[][3] = {
        /* label, how the label reads, how a jump to it reads */
        {"<else>", "else", "if"},
        {"<end-then>", "end of then", "if"},
        {"<end-if>", "end of if", "end of then"},
        {"<loop>", "while body", "end of while test"},
        {"<while-test>", "while test", "while"},
        {"<return>", "end of operation", "return"},
    };
    if (!in->label || in->label[0] != '<')
        return NULL;
    for (size_t i = 0; i < countof(made); i++)
        if (!strcmp(in->label, made[i][0]))
            return made[i][in->op == P_LABEL ? 1 : 2];
    return NULL;
}

void lower_insn_print(Buf *out, const Insn *in)
{
    if ((in->op == P_LABEL || prim_is_jump(in->op)) && made_label_text(in)) {
        buf_puts(out, made_label_text(in));
        return;
    }
    switch (in->op) {
    case P_PUSH: buf_printf(out, "push %s(%lld)", type_name(in->ty), (long long)in->imm); return;
    case P_PICK:
    case P_PLACE: buf_printf(out, "%s %lld", prim_name(in->op), (long long)in->imm); return;
    case P_TRAP: buf_printf(out, "trap \"%s\"", in->label); return;
    case P_CALL: buf_printf(out, "call %s", in->label); return;
    case P_OPCALL:
    case P_PORTCALL:
    case P_OWNCALL: buf_puts(out, in->label); return;
    case P_STATE_GET:
    case P_STATE_SET: buf_printf(out, "%s %s", prim_name(in->op), in->label ? in->label : "?"); return;
    case P_LABEL:
        if (in->label)
            buf_printf(out, "label %s", in->label);
        else
            buf_puts(out, "label");
        return;
    case P_JUMP: case P_JUMP_IF: case P_JUMP_UNLESS:
        buf_printf(out, "%s %s", prim_name(in->op), in->label);
        return;
    case P_TICK: { /* 'push_val PARITY, EVEN   'if_precisely PARITY, EVEN, {...}, {...} */
        const Node *s = in->ref.tick;
        buf_printf(out, "'%s", s->name);
        for (uint32_t i = 0; i < s->nkids; i++) {
            buf_puts(out, i ? ", " : " ");
            if (s->kids[i]->kind == N_BLOCK)
                buf_puts(out, "{...}");
            else
                node_print(out, s->kids[i], 0);
        }
        return;
    }
    default: buf_puts(out, prim_name(in->op));
    }
}

void lower_disasm(Buf *out, const Body *b)
{
    for (uint32_t i = 0; i < b->n; i++) {
        buf_printf(out, "  %4u  ", i);
        lower_insn_print(out, &b->insns[i]);
        buf_putc(out, '\n');
    }
}
