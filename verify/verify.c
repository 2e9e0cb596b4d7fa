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
    vstate_push_item(vs, vs->items[vs->depth - 1 - (uint32_t)in->imm]);
    return NULL;
}

/* place N: item N under the value takes the value's identity and type. */
static Error *apply_place(Ctx *c, VState *vs, const Insn *in)
{
    if ((uint64_t)in->imm + 1 >= vs->depth)
        return underflow(c, in, vs, (uint32_t)in->imm + 2, "any");
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
        if (vs->items[vs->depth - eff->nin + k].type != eff->in[k].type)
            return type_mismatch(in, vs, eff->nin, buf_str(&sig));
    vs->depth -= eff->nin;
    for (uint32_t k = 0; k < eff->nout; k++)
        vstate_push(vs, eff->out[k].type);
    return NULL;
}

static Error *apply_state(VState *vs, const Insn *in)
{
    if (in->op == P_STATE_GET) {
        vstate_push(vs, in->ty);
        return NULL;
    }
    if (!vs->depth)
        return err_new(E_STACK, in->span, "stack underflow: 'state_set' needs an item (%s)", type_name(in->ty));
    if (vs->items[vs->depth - 1].type != in->ty)
        return err_new(E_TYPE, in->span, "type mismatch: this state slot holds %s, the top of the stack is %s",
                       type_name(in->ty), type_name(vs->items[vs->depth - 1].type));
    vs->depth--;
    return NULL;
}

static Error *apply_portcall(Ctx *c, VState *vs, const Insn *in)
{
    const OpSig *sig = in->ref.sig;
    Component *comp = c->o->comp;
    if (!comp) /* a module on its own: the port is only its interface */
        return call_abstract(c->o->ws, vs, in, sig);
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
    case P_STATE_SET: return apply_state(vs, in);
    case P_OPCALL: {
        const OpTarget *t = in->ref.target;
        return call_concrete(c->o, vs, in, t->comp, t->op, t->op->sig);
    }
    case P_OWNCALL: return call_concrete(c->o, vs, in, c->o->comp, in->ref.own, in->ref.own->sig);
    case P_PORTCALL: return apply_portcall(c, vs, in);
    default: /* if and while are lowered to jumps; calls of code exist only after flattening */
        return err_new(E_CFG, in->span, "internal error: '%s' reached the verifier", prim_name(in->op));
    }
}

static Error *step(Ctx *c, VState *vs, Insn *in)
{
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

static Error *join_error(const Ctx *c, Span at, const char *where, const VState *old, int64_t old_from,
                         const VState *neu, int64_t neu_from, JoinResult why, uint32_t slot)
{
    Error *e = why == JOIN_DEPTH
                   ? err_new(E_JOIN, at, "stack depths differ where paths meet %s: %u vs %u items", where,
                             old->depth, neu->depth)
                   : err_new(E_JOIN, at, "types differ where paths meet %s: item %u from the bottom is %s on one path, %s on the other",
                             where, slot, type_name(old->items[slot].type), type_name(neu->items[slot].type));
    err_detail(e, gc_printf("  path 1, from %s: %s\n  path 2, from %s: %s", edge_text(c, old_from),
                          stack_text(old), edge_text(c, neu_from), stack_text(neu)));
    return err_hint(e, "every path into a join point must leave the same number and types of items");
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

static Error *check_outputs(const Ctx *c, const VState *vs, Span at, const char *how)
{
    const Effect *eff = c->eff;
    bool ok = vs->depth == eff->nout;
    for (uint32_t k = 0; ok && k < eff->nout; k++)
        ok = vs->items[k].type == eff->out[k].type;
    if (ok)
        return NULL;
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
static VState *never_returns(const VState *entry, const Effect *eff)
{
    VState *s = vstate_copy(entry);
    if (!eff)
        return s;
    s->depth = s->depth >= eff->nin ? s->depth - eff->nin : 0;
    for (uint32_t i = 0; i < eff->nout; i++)
        vstate_push(s, eff->out[i].type);
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
    c.max_depth = entry->depth;
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
    if (o.verified)
        *o.verified = body;
    if (o.log)
        write_log(&c, o.log);
    if (exit) {
        /* No path reaches the end (e.g. an endless loop): the stack after is never seen. */
        *exit = c.exit ? c.exit : never_returns(entry, eff);
    }
    return NULL;
}
