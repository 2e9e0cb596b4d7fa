/* verify.c - verify a body: basic blocks, work list, fixpoint (DESIGN §4).
 *
 * Each block has an initial state; a block is re-simulated whenever that
 * state changes.  States meet at block boundaries by join, which requires
 * equal depth and types and takes the lub of facts.  A budget of simulated
 * instructions bounds the work on any input. */
#include "tick.h"

#include <string.h>

#define NO_BLOCK UINT32_MAX
#define FROM_ENTRY (-1)

typedef struct Block {
    uint32_t start, end; /* insns [start, end) */
    VState *in, *out;
    int64_t from;        /* insn whose edge first reached this block */
    bool queued;
} Block;

typedef struct Ctx {
    Body *b;
    const Effect *eff; /* NULL: REPL code */
    const VerifyOpts *o;
    Block *blocks;
    uint32_t nblocks;
    uint32_t *block_at; /* insn index -> block starting there, or NO_BLOCK */
    uint32_t *queue, qhead, qlen;
    uint64_t *steps, budget;
    uint32_t max_depth;
    uint32_t min_depth; /* how shallow any instruction takes the stack */
    VState *exit;
    int64_t exit_from;
} Ctx;

/* ---- messages ------------------------------------------------------------------- */

static const char *sig_text(const PrimInfo *pi)
{
    Buf b = {0};
    for (uint32_t k = 0; k < pi->nin; k++)
        buf_printf(&b, "%s%s", k ? ", " : "", type_name(pi->in[k]));
    return buf_str(&b);
}

/* States in messages are canonical: s0, s1, ... from the bottom, as the
 * user sees them everywhere else. */
static const char *stack_text(const VState *vs)
{
    VState *c = vstate_copy(vs);
    vstate_canon(c);
    Buf b = {0};
    vstate_print(&b, c);
    return buf_str(&b);
}

static Error *with_state(Error *e, const VState *vs)
{
    return err_detail(e, gc_printf("  stack here: %s", stack_text(vs)));
}

static const char *insn_text(const Insn *in)
{
    Buf b = {0};
    lower_insn_print(&b, in);
    return buf_str(&b);
}

static const char *edge_text(const Ctx *c, int64_t from)
{
    if (from == FROM_ENTRY)
        return "the entry";
    const Insn *in = &c->b->insns[from];
    return gc_printf("line %u (%s)", in->span.line, insn_text(in));
}

/* ---- one instruction ------------------------------------------------------------ */

/* Declared types are seen through the eyes of the code's owner (type.c). */
static TypeId seen(const Ctx *c, TypeId t) { return type_seen(t, call_viewer(c->o)); }

static const char *item_text(const VState *vs, uint32_t slot)
{
    VState *s = vstate_copy(vs);
    vstate_canon(s);
    return gc_printf("s%u:%s", s->items[slot].id, type_name(s->items[slot].type));
}

/* A linear value copied or dropped by an instruction. */
static Error *linear_misuse(const Insn *in, const VState *vs, uint32_t slot, const char *what)
{
    TypeId t = vs->items[slot].type;
    Error *e = err_new(E_TYPE, in->span, "linear value %s is %s by '%s'", item_text(vs, slot), what, insn_text(in));
    err_hint(e, "a value of linear type %s is used exactly once: only operations of %s may copy or drop it",
             type_name(t), show_owner_words(type_owner(t)));
    return with_state(e, vs);
}

static Error *underflow(const Ctx *c, const Insn *in, const VState *vs, uint32_t need, const char *sig)
{
    Error *e = err_new(E_STACK, in->span, "stack underflow: '%s' needs %u item%s (%s), the stack has %u",
                       insn_text(in), need, need == 1 ? "" : "s", sig, vs->depth);
    if (c->eff)
        err_hint(e, "procedure '%s' sees only its %u declared input%s", c->b->name, c->eff->nin,
                 c->eff->nin == 1 ? "" : "s");
    else
        err_hint(e, "push the inputs first, e.g. push int(1);");
    return with_state(e, vs);
}

static Error *type_mismatch(const Insn *in, const VState *vs, uint32_t nin, const char *sig)
{
    Buf found = {0};
    for (uint32_t k = 0; k < nin; k++)
        buf_printf(&found, "%s%s", k ? ", " : "", type_name(vs->items[vs->depth - nin + k].type));
    Error *e = err_new(E_TYPE, in->span, "type mismatch: '%s' needs (%s) on top of the stack, found (%s)",
                       insn_text(in), sig, buf_str(&found));
    call_hint_abstract(e, vs, nin);
    return with_state(e, vs);
}

/* Each linear input must leave in exactly one output: the table's letters
 * say which instructions copy (dup, over) or drop (pop) an input. */
static Error *linear_table(const PrimInfo *pi, const Insn *in, const VState *vs)
{
    for (uint32_t k = 0; k < pi->nin; k++) {
        uint32_t slot = vs->depth - pi->nin + k;
        if (!type_linear(vs->items[slot].type))
            continue;
        uint32_t uses = 0;
        for (uint32_t o = 0; o < pi->nout; o++)
            uses += pi->out[o].kind == PO_INPUT && pi->out[o].input == k;
        if (uses != 1)
            return linear_misuse(in, vs, slot, uses ? "copied" : "dropped");
    }
    return NULL;
}

/* What the executor needs the type of (print) must be one it can show:
 * an abstract type's representation is its owner's to see. */
static Error *seen_as_core(const Insn *in, const VState *vs)
{
    TypeId t = vs->items[vs->depth - 1].type;
    if (t < TY__COUNT)
        return NULL;
    Error *e = err_new(E_TYPE, in->span, "'%s' cannot show %s, a type of %s: only its owner sees its representation",
                       insn_text(in), item_text(vs, vs->depth - 1), show_owner_words(type_owner(t)));
    err_hint(e, "convert it to int or ref with an operation of %s first", show_owner_words(type_owner(t)));
    return with_state(e, vs);
}

static Error *apply_table(Ctx *c, VState *vs, Insn *in)
{
    const PrimInfo *pi = &prim_info[in->op];
    uint32_t nin = pi->nin;
    if (vs->depth < nin)
        return underflow(c, in, vs, nin, sig_text(pi));
    for (uint32_t k = 0; k < nin; k++)
        if (pi->in[k] != TY_ANY && pi->in[k] != vs->items[vs->depth - nin + k].type)
            return type_mismatch(in, vs, nin, sig_text(pi));
    Error *bad = (pi->flags & PF_TYPED) ? seen_as_core(in, vs) : linear_table(pi, in, vs);
    if (bad)
        return bad;
    VItem args[PRIM_MAX_ITEMS];
    memcpy(args, &vs->items[vs->depth - nin], nin * sizeof(VItem));
    if (pi->flags & PF_TYPED)
        in->ty = args[nin - 1].type;
    vs->depth -= nin;
    for (uint32_t k = 0; k < pi->nout; k++) {
        const PrimOut *o = &pi->out[k];
        if (o->kind == PO_INPUT)
            vstate_push_item(vs, args[o->input]);
        else
            vstate_push(vs, o->kind == PO_IMM ? in->ty : o->type);
    }
    return NULL;
}

static Error *apply_pick(Ctx *c, VState *vs, const Insn *in)
{
    if ((uint64_t)in->imm >= vs->depth)
        return underflow(c, in, vs, (uint32_t)in->imm + 1, "any");
    if (type_linear(vs->items[vs->depth - 1 - (uint32_t)in->imm].type))
        return linear_misuse(in, vs, vs->depth - 1 - (uint32_t)in->imm, "copied");
    vstate_push_item(vs, vs->items[vs->depth - 1 - (uint32_t)in->imm]);
    return NULL;
}

/* A call may come back into this component, whose operations assume
 * every linear slot full: none may be taken across it. */
static Error *slots_all_held(const VState *vs, const Insn *in)
{
    if (!vs->taken)
        return NULL;
    return with_state(err_hint(err_new(E_TYPE, in->span, "'%s' is called while a linear state slot is empty",
                                       insn_text(in)),
                               "put the value back with state_set before the call"),
                      vs);
}

/* place N: item N under the value takes the value's identity and type. */
static Error *apply_place(Ctx *c, VState *vs, const Insn *in)
{
    if ((uint64_t)in->imm + 1 >= vs->depth)
        return underflow(c, in, vs, (uint32_t)in->imm + 2, "any");
    if (type_linear(vs->items[vs->depth - 2 - (uint32_t)in->imm].type)) /* overwritten: dropped */
        return linear_misuse(in, vs, vs->depth - 2 - (uint32_t)in->imm, "dropped");
    vs->items[vs->depth - 2 - (uint32_t)in->imm] = vs->items[vs->depth - 1];
    vs->depth--;
    return NULL;
}

static Error *apply_call(Ctx *c, VState *vs, const Insn *in)
{
    const ProcVersion *v = proc_current(in->ref.proc);
    const Effect *eff = &v->eff;
    Buf sig = {0};
    for (uint32_t k = 0; k < eff->nin; k++)
        buf_printf(&sig, "%s%s", k ? ", " : "", type_name(eff->in[k].type));
    if (vs->depth < eff->nin)
        return underflow(c, in, vs, eff->nin, buf_str(&sig));
    for (uint32_t k = 0; k < eff->nin; k++)
        if (vs->items[vs->depth - eff->nin + k].type != seen(c, eff->in[k].type))
            return type_mismatch(in, vs, eff->nin, buf_str(&sig));
    Error *e = slots_all_held(vs, in);
    if (e)
        return e;
    vs->depth -= eff->nin;
    for (uint32_t k = 0; k < eff->nout; k++)
        vstate_push(vs, seen(c, eff->out[k].type));
    return NULL;
}

/* A slot of a linear type (as this code sees it) holds its value until
 * state_get takes it; the slot is then empty until state_set fills it
 * again.  vs->taken has a bit per such slot that is empty on this path. */
static Error *linear_slot(const Ctx *c, VState *vs, const Insn *in)
{
    if (!type_linear(seen(c, in->ty)))
        return NULL;
    if (in->imm >= VSTATE_MAX_LINEAR_SLOTS)
        return err_hint(err_new(E_LIMIT, in->span, "a module may hold linear values in its first %d state slots only",
                                VSTATE_MAX_LINEAR_SLOTS),
                        "declare the linear slots first");
    uint64_t bit = 1ull << in->imm;
    bool getting = in->op == P_STATE_GET;
    if (getting && (vs->taken & bit))
        return with_state(err_hint(err_new(E_TYPE, in->span, "state slot '%s' is empty here: its linear value was "
                                                             "taken already on this path", in->label),
                                   "put a value back with state_set %s before taking it again", in->label),
                          vs);
    if (!getting && !(vs->taken & bit))
        return with_state(err_hint(err_new(E_TYPE, in->span, "state_set would drop the linear value state slot '%s' "
                                                             "holds",
                                           in->label),
                                   "take it first with state_get %s and consume it", in->label),
                          vs);
    vs->taken ^= bit;
    return NULL;
}

static Error *apply_state(const Ctx *c, VState *vs, const Insn *in)
{
    TypeId t = seen(c, in->ty);
    if (in->op == P_STATE_SET && !vs->depth)
        return err_new(E_STACK, in->span, "stack underflow: 'state_set' needs an item (%s)", type_name(t));
    if (in->op == P_STATE_SET && vs->items[vs->depth - 1].type != t)
        return err_new(E_TYPE, in->span, "type mismatch: this state slot holds %s, the top of the stack is %s",
                       type_name(t), type_name(vs->items[vs->depth - 1].type));
    Error *e = linear_slot(c, vs, in);
    if (e)
        return e;
    if (in->op == P_STATE_GET)
        vstate_push(vs, t);
    else
        vs->depth--;
    return NULL;
}


static Error *apply_portcall(Ctx *c, VState *vs, const Insn *in)
{
    const OpSig *sig = in->ref.sig;
    Component *comp = c->o->comp;
    if (!comp) /* a module on its own: the port is only its interface */
        return call_abstract(c->o, vs, in, sig);
    const Link *l = &comp->links[in->imm];
    OpDef *op = l->provider ? lookup_module_op(l->provider->module, l->port, sig->name) : NULL;
    if (!op)
        return err_new(E_UNKNOWN, in->span, "port '%s' of component '%s' is not linked", in->label, comp->name);
    return call_concrete(c->o, vs, in, l->provider, op, sig);
}

static Error *apply_tick(Ctx *c, VState *vs, const Insn *in)
{
    *c->steps += vs->nfacts; /* looking a fact up or setting one reads them all */
    TickEnv env = {c->o->ws, c->o->owner};
    return tick_step(&env, vs, in->ref.tick);
}

/* The instructions whose effect the letters of prims.def do not give
 * (PF_SPECIAL, and every op past the table). */
static Error *apply_special(Ctx *c, VState *vs, Insn *in)
{
    switch (in->op) {
    case P_RETURN: return NULL; /* the block's end checks the state */
    case P_PICK: return apply_pick(c, vs, in);
    case P_PLACE: return apply_place(c, vs, in);
    case P_CALL: return apply_call(c, vs, in);
    case P_TICK: return apply_tick(c, vs, in);
    case P_STATE_GET:
    case P_STATE_SET: return apply_state(c, vs, in);
    case P_OPCALL: {
        const OpTarget *t = in->ref.target;
        return call_concrete(c->o, vs, in, t->comp, t->op, t->op->sig);
    }
    case P_OWNCALL: {
        Error *e = slots_all_held(vs, in);
        return e ? e : call_concrete(c->o, vs, in, c->o->comp, in->ref.own, in->ref.own->sig);
    }
    case P_PORTCALL: return apply_portcall(c, vs, in);
    default: /* if and while are lowered to jumps; calls of code exist only after flattening */
        return err_new(E_CFG, in->span, "internal error: '%s' reached the verifier", prim_name(in->op));
    }
}

/* The items an instruction pops (a call: its callee's inputs). */
static uint32_t insn_pops(const Insn *in)
{
    switch (in->op) {
    case P_CALL: return proc_current(in->ref.proc)->eff.nin;
    case P_OPCALL: return in->ref.target->op->eff.nin;
    case P_OWNCALL: return in->ref.own->eff.nin;
    case P_PORTCALL: return in->ref.sig->eff.nin;
    case P_STATE_SET: return 1;
    default: return op_flags(in->op) & PF_SPECIAL ? 0 : prim_info[in->op].nin;
    }
}

static Error *step(Ctx *c, VState *vs, Insn *in)
{
    uint32_t pops = insn_pops(in);
    if (vs->depth >= pops && vs->depth - pops < c->min_depth)
        c->min_depth = vs->depth - pops;
    Error *e = op_flags(in->op) & PF_SPECIAL ? apply_special(c, vs, in) : apply_table(c, vs, in);
    if (!e && vs->depth > c->max_depth)
        c->max_depth = vs->depth;
    return e;
}

/* ---- blocks and edges ------------------------------------------------------------- */

static bool ends_block(const Insn *in) { return op_flags(in->op) & (PF_BRANCH | PF_END); }

static void split_blocks(Ctx *c)
{
    Body *b = c->b;
    bool *leader = gc_calloc(b->n + 1, sizeof(bool));
    leader[0] = true;
    for (uint32_t i = 0; i < b->n; i++) {
        if (b->insns[i].op == P_LABEL)
            leader[i] = true;
        if (ends_block(&b->insns[i]))
            leader[i + 1] = true;
    }
    c->block_at = gc_calloc(b->n + 1, sizeof(uint32_t));
    c->blocks = gc_calloc(b->n + 1, sizeof(Block));
    for (uint32_t i = 0; i <= b->n; i++)
        c->block_at[i] = NO_BLOCK;
    for (uint32_t i = 0; i < b->n; i++) {
        if (!leader[i])
            continue;
        if (c->nblocks)
            c->blocks[c->nblocks - 1].end = i;
        c->block_at[i] = c->nblocks;
        c->blocks[c->nblocks++] = (Block){.start = i};
    }
    if (c->nblocks)
        c->blocks[c->nblocks - 1].end = b->n;
    c->queue = gc_calloc(c->nblocks + 1, sizeof(uint32_t));
}

static void enqueue(Ctx *c, uint32_t blk)
{
    if (c->blocks[blk].queued)
        return;
    c->blocks[blk].queued = true;
    c->queue[(c->qhead + c->qlen++) % (c->nblocks + 1)] = blk;
}

/* The first linear slot of a mask of them. */
static const char *slot_name(const Ctx *c, uint64_t mask)
{
    uint32_t slot = mask ? (uint32_t)__builtin_ctzll(mask) : 0;
    return c->o->module && slot < c->o->module->nstate ? c->o->module->state[slot].name : "?";
}

static uint32_t linear_count(const VState *vs)
{
    uint32_t n = 0;
    for (uint32_t k = 0; k < vs->depth; k++)
        n += type_linear(vs->items[k].type);
    return n;
}

/* Paths of different depths; where the deeper one holds more linear
 * values than the other, its top one is what the other path lost (or,
 * round a loop, what each round makes and keeps).  The states' ids are
 * canonical, so they cannot say which value it is across paths. */
static Error *join_depth_error(const Ctx *c, Span at, const char *where, const VState *old, int64_t old_from,
                               const VState *neu, int64_t neu_from)
{
    const VState *deep = old->depth > neu->depth ? old : neu, *shallow = deep == old ? neu : old;
    int64_t held_on = deep == old ? old_from : neu_from, gone_on = deep == old ? neu_from : old_from;
    bool lost = linear_count(deep) > linear_count(shallow);
    for (uint32_t k = deep->depth; lost && k-- > 0;)
        if (type_linear(deep->items[k].type))
            return err_hint(err_new(E_JOIN, at, "linear value %s is still held on the path from %s but not on the path "
                                                "from %s, where paths meet %s (%u vs %u items)",
                                    item_text(deep, k), edge_text(c, held_on), edge_text(c, gone_on), where,
                                    deep->depth, shallow->depth),
                            "a linear value must be used exactly once on every path: consume it on both paths or "
                            "on neither");
    return err_new(E_JOIN, at, "stack depths differ where paths meet %s: %u vs %u items", where, old->depth,
                   neu->depth);
}

static Error *join_error(const Ctx *c, Span at, const char *where, const VState *old, int64_t old_from,
                         const VState *neu, int64_t neu_from, JoinResult why, uint32_t slot)
{
    Error *e = why == JOIN_DEPTH   ? join_depth_error(c, at, where, old, old_from, neu, neu_from)
               : why == JOIN_TAKEN ? err_new(E_JOIN, at, "linear state slot '%s' is empty on one path and full on "
                                                         "the other where paths meet %s",
                                             slot_name(c, old->taken ^ neu->taken), where)
                                   : err_new(E_JOIN, at, "types differ where paths meet %s: item %u from the bottom is %s on one path, %s on the other",
                             where, slot, type_name(old->items[slot].type), type_name(neu->items[slot].type));
    err_detail(e, gc_printf("  path 1, from %s: %s\n  path 2, from %s: %s", edge_text(c, old_from),
                          stack_text(old), edge_text(c, neu_from), stack_text(neu)));
    return e->hint ? e : err_hint(e, "every path into a join point must leave the same number and types of items");
}

/* Merge state vs arriving over the edge from insn `from` into *slot_in. */
static Error *merge(Ctx *c, VState **slot_in, int64_t *slot_from, const VState *vs, int64_t from,
                    Span at, const char *where, bool *changed)
{
    VState *s = vstate_copy(vs);
    vstate_canon(s);
    *changed = false;
    if (!*slot_in) {
        *slot_in = s;
        *slot_from = from;
        *changed = true;
        return NULL;
    }
    VState *joined;
    uint32_t bad_slot = 0;
    /* A join's work depends on what it makes (keys about several items can
     * pair many facts): it is charged as it goes, and stops at the budget. */
    uint64_t work = 0, left = c->budget > *c->steps ? c->budget - *c->steps : 0;
    JoinResult r = vstate_join_bounded(*slot_in, s, tick_fact_lub, c->o->ws, &joined, &bad_slot, left, &work);
    *c->steps += work;
    if (r == JOIN_BUDGET)
        return err_hint(err_new(E_BUDGET, at, "verification budget exhausted after %llu steps",
                                (unsigned long long)c->budget),
                        "simplify the control flow, or raise the budget with :set verify-budget N");
    if (r != JOIN_OK)
        return join_error(c, at, where, *slot_in, *slot_from, s, from, r, bad_slot);
    if (!vstate_equal(joined, *slot_in)) {
        *slot_in = joined;
        *changed = true;
    }
    return NULL;
}

/* Where a join happens, in the user's words: labels made by if/while are
 * named after the construct. */
static const char *join_place(const Insn *first)
{
    static const char *const made[][2] = {
        {"<else>", "at the end of the 'if'"},
        {"<end-then>", "at the end of the 'if'"},
        {"<end-if>", "at the end of the 'if'"},
        {"<loop>", "at the start of the 'while' body"},
        {"<while-test>", "at the 'while' condition"},
    };
    if (first->op != P_LABEL || !first->label)
        return "here";
    for (size_t i = 0; i < countof(made); i++)
        if (strcmp(first->label, made[i][0]) == 0)
            return made[i][1];
    return gc_printf("at label '%s'", first->label);
}

/* Copying, canonicalising and joining a state costs its size: charge it,
 * so deep stacks over many blocks cannot exhaust time or memory inside the
 * budget.  Every merge pays here, the end of the body's too. */
static Error *charge_merge(Ctx *c, const VState *vs, Span at)
{
    *c->steps += 1 + vs->depth + vs->nfacts;
    if (*c->steps <= c->budget)
        return NULL;
    return err_hint(err_new(E_BUDGET, at, "verification budget exhausted after %llu steps",
                            (unsigned long long)c->budget),
                    "simplify the control flow, or raise the budget with :set verify-budget N");
}

static Error *flow_to(Ctx *c, uint32_t blk, const VState *vs, int64_t from)
{
    Error *over = charge_merge(c, vs, c->b->insns[c->blocks[blk].start].span);
    if (over)
        return over;
    Block *t = &c->blocks[blk];
    const Insn *first = &c->b->insns[t->start];
    const char *where = join_place(first);
    bool changed;
    Error *e = merge(c, &t->in, &t->from, vs, from, first->span, where, &changed);
    if (!e && changed)
        enqueue(c, blk);
    return e;
}

static Error *linear_slots_full(const Ctx *c, const VState *vs, Span at)
{
    if (!vs->taken)
        return NULL;
    const char *name = slot_name(c, vs->taken);
    return with_state(err_hint(err_new(E_TYPE, at, "'%s' returns with linear state slot '%s' empty", c->b->name, name),
                               "put a value back with state_set %s before returning", name),
                      vs);
}

static Error *check_outputs(const Ctx *c, const VState *vs, Span at, const char *how)
{
    const Effect *eff = c->eff;
    bool ok = vs->depth == eff->nout;
    for (uint32_t k = 0; ok && k < eff->nout; k++)
        ok = vs->items[k].type == seen(c, eff->out[k].type);
    if (ok)
        return linear_slots_full(c, vs, at);
    for (uint32_t k = eff->nout; k < vs->depth; k++)
        if (type_linear(vs->items[k].type))
            return with_state(err_hint(err_new(E_TYPE, at, "linear value %s is dropped at %s of '%s'",
                                               item_text(vs, k), how, c->b->name),
                                       "consume it (pass it to an operation that takes it) or return it"),
                              vs);
    Buf want = {0};
    effect_print(&want, eff);
    Error *e = err_new(E_EFFECT, at, "%s leaves %s but '%s' declares %s", how, stack_text(vs), c->b->name,
                       buf_str(&want));
    return err_hint(e, "the stack at every return must hold exactly the declared outputs");
}

static Error *flow_exit(Ctx *c, const VState *vs, int64_t from, const Insn *ret)
{
    if (vs->vdepth)
        return err_hint(err_new(E_STACK, ret ? ret->span : c->b->end_span,
                                "%u value%s left on the verification-time stack at the end of the body", vs->vdepth,
                                vs->vdepth == 1 ? "" : "s"),
                        "tick code must leave its stack empty: consume values with 'define, 'require or 'pop");
    if (c->eff) {
        Error *e = check_outputs(c, vs, ret ? ret->span : c->b->end_span, ret ? "'return'" : "the end of the body");
        if (e)
            return e;
    } else if (ret)
        return err_hint(err_new(E_CFG, ret->span, "'return' outside a procedure"),
                        "return belongs in .define_procedure bodies");
    bool changed;
    Span at = ret ? ret->span : c->b->n ? c->b->insns[c->b->n - 1].span : c->b->end_span;
    Error *over = charge_merge(c, vs, at);
    if (over)
        return over;
    return merge(c, &c->exit, &c->exit_from, vs, from, at, c->eff ? "where the body returns" : "at the end of the input",
                 &changed);
}

static volatile sig_atomic_t *g_interrupt;

void verify_set_interrupt(volatile sig_atomic_t *flag) { g_interrupt = flag; }

static Error *simulate_block(Ctx *c, uint32_t blk)
{
    if (g_interrupt && *g_interrupt)
        return err_hint(err_new(E_BUDGET, c->b->insns[c->blocks[blk].start].span, "verification interrupted (Ctrl-C)"),
                        "nothing was installed; the session is as it was");
    Block *bl = &c->blocks[blk];
    VState *vs = vstate_copy(bl->in);
    for (uint32_t i = bl->start; i < bl->end; i++) {
        if (++*c->steps > c->budget)
            return err_hint(err_new(E_BUDGET, c->b->insns[i].span,
                                    "verification budget exhausted after %llu steps",
                                    (unsigned long long)c->budget),
                            "simplify the control flow, or raise the budget with :set verify-budget N");
        Error *e = step(c, vs, &c->b->insns[i]);
        if (e)
            return e;
    }
    bl->out = vs;
    Insn *last = &c->b->insns[bl->end - 1];
    Error *e = NULL;
    if (vs->vdepth && last->op != P_RETURN && (bl->end < c->b->n || ends_block(last)))
        return err_hint(err_new(E_STACK, last->span,
                                "%u value%s left on the verification-time stack where control branches or joins",
                                vs->vdepth, vs->vdepth == 1 ? "" : "s"),
                        "tick values never cross a basic block: consume them before a label, jump or if");
    if (last->op == P_RETURN)
        return flow_exit(c, vs, bl->end - 1, last);
    if (op_flags(last->op) & PF_BRANCH)
        e = flow_to(c, c->block_at[last->imm], vs, bl->end - 1);
    if (e || (op_flags(last->op) & PF_END))
        return e;
    if (bl->end < c->b->n)
        return flow_to(c, c->block_at[bl->end], vs, bl->end - 1);
    return flow_exit(c, vs, bl->end - 1, NULL);
}

/* ---- log for :verify ------------------------------------------------------------------ */

static void write_log(const Ctx *c, Buf *log)
{
    buf_printf(log, "%s: %u block%s, %llu verifier step%s, max stack depth %u\n", c->b->name, c->nblocks,
               c->nblocks == 1 ? "" : "s", (unsigned long long)*c->steps, *c->steps == 1 ? "" : "s", c->max_depth);
    for (uint32_t k = 0; k < c->nblocks; k++) {
        const Block *bl = &c->blocks[k];
        buf_printf(log, "block %u (line %u):\n", k, c->b->insns[bl->start].span.line);
        if (!bl->in) {
            buf_puts(log, "  unreachable\n");
            continue;
        }
        buf_puts(log, "  in:  ");
        vstate_print(log, bl->in);
        buf_printf(log, "   (from %s)\n", edge_text(c, bl->from));
        for (uint32_t i = bl->start; i < bl->end; i++) {
            buf_printf(log, "  %4u  ", i);
            lower_insn_print(log, &c->b->insns[i]);
            buf_putc(log, '\n');
        }
        buf_puts(log, "  out: ");
        vstate_print(log, bl->out);
        buf_putc(log, '\n');
    }
}

Error *verify_step(const VerifyOpts *opts, VState *vs, Insn *in)
{
    Body none = {.name = "<trace>"};
    uint64_t steps = 0;
    VerifyOpts o = *opts;
    if (!o.memo)
        o.memo = call_memo_new();
    Ctx c = {.b = &none, .o = &o, .steps = &steps, .budget = UINT64_MAX};
    return step(&c, vs, in);
}

/* The state after a body no path of which returns: nothing after it runs,
 * but callers still need a state of the declared shape. */
static VState *never_returns(const VState *entry, const Effect *eff, const VerifyOpts *o)
{
    VState *s = vstate_copy(entry);
    if (!eff)
        return s;
    s->depth = s->depth >= eff->nin ? s->depth - eff->nin : 0;
    for (uint32_t i = 0; i < eff->nout; i++)
        vstate_push(s, type_seen(eff->out[i].type, call_viewer(o)));
    return s;
}

/* The verifier annotates its own copy: the shared body is read only, so a
 * second verification of it cannot change what the first one compiled. */
static Body *private_copy(const Body *body)
{
    Body *b = gc_alloc(sizeof *b);
    *b = *body;
    b->insns = gc_calloc((size_t)body->n + 1, sizeof(Insn));
    if (body->n)
        memcpy(b->insns, body->insns, body->n * sizeof(Insn));
    b->cap = body->n;
    b->labels = (Vec){0};
    return b;
}

/* The body's owner sees its own types as their representations, from
 * the entry on.  (Entry states have every linear slot full: taken is 0.) */
static const VState *seen_entry(const VState *entry, const char *viewer)
{
    VState *s = NULL;
    for (uint32_t i = 0; i < entry->depth; i++) {
        TypeId t = type_seen(entry->items[i].type, viewer);
        if (t == entry->items[i].type)
            continue;
        if (!s)
            s = vstate_copy(entry);
        s->items[i].type = t;
    }
    return s ? s : entry;
}

Error *verify_body(const Body *shared, const VState *entry, const Effect *eff, const VerifyOpts *opts,
                   VState **exit)
{
    Body *body = private_copy(shared);
    VerifyOpts defaults = {0};
    VerifyOpts o = opts ? *opts : defaults;
    uint64_t steps = 0;
    if (!o.steps)
        o.steps = &steps;
    if (!o.memo)
        o.memo = call_memo_new();
    Ctx c = {.b = body, .eff = eff, .o = &o, .steps = o.steps, .exit_from = FROM_ENTRY};
    c.budget = o.budget ? o.budget : config_default(CONFIG_VERIFY_BUDGET);
    entry = seen_entry(entry, call_viewer(&o));
    c.max_depth = entry->depth;
    c.min_depth = entry->depth;
    split_blocks(&c);
    Error *e = NULL;
    if (c.nblocks == 0) {
        e = flow_exit(&c, entry, FROM_ENTRY, NULL);
    } else {
        VState *in = vstate_copy(entry);
        vstate_canon(&*in);
        c.blocks[0].in = in;
        c.blocks[0].from = FROM_ENTRY;
        enqueue(&c, 0);
    }
    while (!e && c.qlen) {
        uint32_t blk = c.queue[c.qhead];
        c.qhead = (c.qhead + 1) % (c.nblocks + 1);
        c.qlen--;
        c.blocks[blk].queued = false;
        e = simulate_block(&c, blk);
    }
    if (e)
        return e;
    body->max_depth = c.max_depth;
    body->min_depth = c.min_depth;
    if (o.verified)
        *o.verified = body;
    if (o.log)
        write_log(&c, o.log);
    if (exit) {
        /* No path reaches the end (e.g. an endless loop): the stack after is never seen. */
        *exit = c.exit ? c.exit : never_returns(entry, eff, &o);
    }
    return NULL;
}
