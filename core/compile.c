/* compile.c - verified bodies to direct-threaded code.
 *
 * One pass lays out cells and records where each label lands; a second
 * resolves jumps to cell addresses.  Tick operations and labels produce no
 * cells: they exist only for the verifier.
 *
 * Fuel (vm.h): the pass counts the instructions since the last charge
 * and puts the count in a weight cell of the next instruction that charges
 * (exec_fuel_charges), which subtracts it from the fuel, checked, before it
 * runs.  A conditional jump charges only when taken, and a label does not
 * stop the count: code that falls through is paid for by the next charge
 * on its way, with no cell of its own.  A jump to a label that code also
 * falls through into would make that next charge pay for code the jump
 * skipped, so the jump, once its own charge is checked, refunds what the
 * fall-through brings (the label's `pass`; such jumps use the _R opcodes).
 * So on every path, at every cell, what is charged plus the count pending
 * there is exactly what ran, and at every check exactly what ran is
 * charged: the fast executor stops where the stepper does.  The code since
 * the last check is a straight run of instructions ending where the check
 * is, which is how the executor finds the first instruction past the limit
 * (vm.c, counted_back). */
#include "flatten.h"
#include "vm.h"
#include "vm_ops.h"

#include <string.h>

typedef struct Fixup {
    uint32_t cell; /* a target cell, holding an insn index until resolved;
                    * the refund cell after it too */
    uint32_t op_cell;
    int op;        /* the jump's opcode, changed to its refunding variant */
} Fixup;

typedef struct Emitter {
    Cell *cells;
    uint32_t *insn_of;
    uint32_t *uncharged;
    uint32_t n, cap;
    const void *const *table;
    Fixup *fix;
    uint32_t nfix, capfix;
    uint32_t pending;       /* instructions since the last charge */
    const uint8_t *target;  /* insn index -> a jump lands there */
} Emitter;

static void put_target(Emitter *em, int64_t insn, uint32_t i, uint32_t op_cell, int op);

static void put(Emitter *em, Cell c, uint32_t insn)
{
    if (em->n == em->cap) {
        em->cap = vec_room(em->cap, (uint64_t)em->n + 1, UINT32_MAX);
        em->cells = vec_moved(em->cells, em->n, em->cap, sizeof(Cell), false);
        em->insn_of = vec_moved(em->insn_of, em->n, em->cap, sizeof(uint32_t), true);
        em->uncharged = vec_moved(em->uncharged, em->n, em->cap, sizeof(uint32_t), true);
    }
    em->insn_of[em->n] = insn;
    em->uncharged[em->n] = 0;
    em->cells[em->n++] = c;
}

/* The weight cell of an instruction that charges: the count since the last
 * charge, itself included.  Its insn_of is the last instruction counted,
 * from which the executor finds where the fuel ran out. */
static void put_weight(Emitter *em, uint32_t last)
{
    put(em, (Cell){.i = em->pending}, last);
    em->pending = 0;
}

/* A conditional jump charges only when it is taken: the count goes on
 * along the fall-through. */
static void put_branch_weight(Emitter *em, uint32_t last) { put(em, (Cell){.i = em->pending}, last); }

/* After an instruction that does not charge: what a trap in it has to
 * charge (vm.c). */
static void note_uncharged(Emitter *em, uint32_t first_cell) { em->uncharged[first_cell] = em->pending; }

static void put_op(Emitter *em, int op, uint32_t insn) { put(em, (Cell){.op = em->table[op]}, insn); }

static int exec_op_of(const Insn *in)
{
    if (in->op == P_PRINT && in->ty == TY_REF)
        return OP_PRINT_REF;
    return in->op;
}

/* ---- superinstructions ---------------------------------------------------------- */

static int imm_op(int prim)
{
    switch (prim) {
#define OPS(e, expr) case P_##e: return OP_##e##_I;
#define X(e, name, imm, in, out, flags, c, expr) XVM_IMM_##c(OPS, e, expr)
#include "prims.def"
#undef X
#undef OPS
    default: return -1;
    }
}

/* cell index -> the jump target landing there + 1, for native_resume; 0
 * where none lands, or where two do with a tick between them (they differ
 * in what a resumed run would count: such a loop is not resumed). */
static uint32_t *heads_of(const Body *b, const uint8_t *target, const uint32_t *cell_at, uint32_t ncells)
{
    uint32_t *head = gc_calloc((size_t)ncells + 1, sizeof *head);
    for (uint32_t t = 0; t < b->n; t++) {
        if (!target[t])
            continue;
        uint32_t *h = &head[cell_at[t]];
        if (!*h) {
            *h = t + 1;
            continue;
        }
        for (uint32_t k = *h - 1; *h != UINT32_MAX && k < t; k++)
            if (b->insns[k].op != P_LABEL)
                *h = UINT32_MAX;
    }
    for (uint32_t k = 0; k <= ncells; k++)
        if (head[k] == UINT32_MAX)
            head[k] = 0;
    return head;
}

/* The variant of a jump that refunds its target's fall-through count. */
static int refund_op(int op)
{
    switch (op) {
    case P_JUMP: return OP_JUMP_R;
    case P_JUMP_IF: return OP_JUMP_IF_R;
    case P_JUMP_UNLESS: return OP_JUMP_UNLESS_R;
    case OP_JNZ_S: return OP_JNZ_S_R;
    case OP_JZ_S: return OP_JZ_S_R;
    case OP_JNZ_LOAD_S: return OP_JNZ_LOAD_S_R;
    case OP_JZ_LOAD_S: return OP_JZ_LOAD_S_R;
    case OP_JNZ_SIZE: return OP_JNZ_SIZE_R;
    case OP_JZ_SIZE: return OP_JZ_SIZE_R;
#define OPS(e, expr)                                                                                    \
    case OP_J##e: return OP_J##e##_R;                                                               \
    case OP_J##e##_I: return OP_J##e##_I_R;                                                         \
    case OP_JK##e##_I: return OP_JK##e##_I_R;                                                       \
    case OP_JK##e##_S: return OP_JK##e##_S_R;                                                       \
    case OP_J##e##_S: return OP_J##e##_S_R;
#define X(e, name, imm, in, out, flags, c, expr) XVM_CMP_##c(OPS, e, expr)
#include "prims.def"
#undef X
#undef OPS
    default: return op;
    }
}

/* The k-th instruction after i when nothing jumps to one of them (so
 * nothing enters the middle of a fused group), else NULL. */
static const Insn *after(const Emitter *em, const Body *b, uint32_t i, uint32_t k)
{
    for (uint32_t j = 1; j <= k; j++)
        if (i + j >= b->n || em->target[i + j])
            return NULL;
    return &b->insns[i + k];
}

/* The item a shuffle copies to the top: pick N, over (1), dup (0); else -1. */
static int64_t pick_of(const Insn *in)
{
    if (!in)
        return -1;
    switch (in->op) {
    case P_DUP: return 0;
    case P_OVER: return 1;
    case P_PICK: return in->imm;
    default: return -1;
    }
}

static bool is_op(const Insn *in, int op) { return in && in->op == op; }
static bool is_compare(const Insn *in) { return in && (op_flags(in->op) & PF_COMPARE); }
static bool is_cond_jump(const Insn *in) { return in && prim_is_cond_jump(in->op); }

/* The slot form (vm_ops.h) of a row that cannot trap: add_d, add_s, add_u,
 * add_rot follow each other, in that order. */
enum { FORM_D, FORM_S, FORM_U, FORM_ROT };
static int slot_op(const Insn *in, int form)
{
    switch (in ? in->op : -1) {
#define OPS(e, expr) case P_##e: return OP_##e##_D + form;
#define X(e, name, imm, in, out, flags, c, expr) XVM_SLOT_##c(OPS, e, expr)
#include "prims.def"
#undef X
#undef OPS
    default: return -1;
    }
}

/* The compare a jump_if or jump_unless after cmp branches on (-1: none). */
static int branch_cmp(int cmp, int jump)
{
    static const int negated[] = {[P_EQ] = P_NE,   [P_NE] = P_EQ,   [P_LT] = P_GE,   [P_LE] = P_GT,
                                  [P_GT] = P_LE,   [P_GE] = P_LT,   [P_LTU] = P_GEU, [P_LEU] = P_GTU,
                                  [P_GTU] = P_LEU, [P_GEU] = P_LTU};
    if (jump == P_JUMP_IF)
        return cmp;
    return cmp >= 0 && cmp < (int)countof(negated) && negated[cmp] ? negated[cmp] : -1;
}

/* Compare-and-branch for cmp followed by jump_if, or its opposite for
 * jump_unless (lt; jump_unless L  ==  jge L). */
static int branch_op(int cmp, int jump, bool with_imm)
{
    switch (branch_cmp(cmp, jump)) {
#define OPS(e, expr) case P_##e: return with_imm ? OP_J##e##_I : OP_J##e;
#define X(e, name, imm, in, out, flags, c, expr) XVM_CMP_##c(OPS, e, expr)
#include "prims.def"
#undef X
#undef OPS
    default: return -1;
    }
}

/* The same on the top and an immediate or a slot: jk*_i, jk*_s (the top
 * stays) and j*_s (it is popped) follow each other with their refunding
 * variants. */
enum { BRANCH_KEEP_IMM = 0, BRANCH_KEEP_SLOT = 2, BRANCH_SLOT = 4 };
static int slot_branch_op(int cmp, int jump, int form)
{
    switch (branch_cmp(cmp, jump)) {
#define OPS(e, expr) case P_##e: return OP_JK##e##_I + form;
#define X(e, name, imm, in, out, flags, c, expr) XVM_CMP_##c(OPS, e, expr)
#include "prims.def"
#undef X
#undef OPS
    default: return -1;
    }
}

/* A fused group of k instructions that ends in a conditional jump:
 * [op] [imm] [weight] [target] [refund]. */
static uint32_t put_fused_branch(Emitter *em, int op, int64_t imm, uint32_t i, uint32_t k, const Insn *jump)
{
    if (op < 0)
        return 0;
    uint32_t first = em->n;
    em->pending += k;
    put_op(em, op, i);
    put(em, (Cell){.i = imm}, i);
    put_branch_weight(em, i + k - 1);
    put_target(em, jump->imm, i, first, op);
    return k;
}

/* A fused group of k instructions that neither jumps nor charges: [op]
 * [imm].  insn is the one a trap in it names. */
static uint32_t put_fused(Emitter *em, int op, const int64_t *imm, uint32_t insn, uint32_t k)
{
    uint32_t first = em->n;
    em->pending += k;
    put_op(em, op, insn);
    if (imm)
        put(em, (Cell){.i = *imm}, insn);
    note_uncharged(em, first);
    return k;
}

/* Groups of four: dup; push K; cmp; jump  ->  jk<cmp>_i K (the top stays);
 * dup; pick N; cmp; jump  ->  jk<cmp>_s N-1;  push K; pick A; pick 2; store
 * ->  store_k (block in slot A-1, index on top, nothing moves);  swap; push
 * K; op; swap  ->  <op>_u K (on the item under the top). */
static uint32_t emit_fused4(Emitter *em, const Body *b, uint32_t i)
{
    const Insn *in = &b->insns[i], *n1 = after(em, b, i, 1), *n2 = after(em, b, i, 2), *n3 = after(em, b, i, 3);
    if (!n3)
        return 0;
    if (in->op == P_DUP && is_compare(n2) && is_cond_jump(n3)) {
        if (n1->op == P_PUSH)
            return put_fused_branch(em, slot_branch_op(n2->op, n3->op, BRANCH_KEEP_IMM), n1->imm, i, 4, n3);
        if (pick_of(n1) >= 2)
            return put_fused_branch(em, slot_branch_op(n2->op, n3->op, BRANCH_KEEP_SLOT), pick_of(n1) - 1, i, 4, n3);
    }
    if (in->op == P_PUSH && pick_of(n1) >= 2 && is_op(n2, P_PICK) && n2->imm == 2 && n3->op == P_STORE) {
        em->pending += 4;
        put_op(em, OP_STORE_K, i + 3);
        put_weight(em, i + 3);
        put(em, (Cell){.i = in->imm}, i + 3);
        put(em, (Cell){.i = pick_of(n1) - 1}, i + 3);
        return 4;
    }
    if (pick_of(in) >= 1 && n1->op == P_OVER && n2->op == P_LOAD && is_cond_jump(n3)) {
        /* a trap in the load is named by it, with the whole group uncharged */
        int op = n3->op == P_JUMP_IF ? OP_JNZ_LOAD_S : OP_JZ_LOAD_S;
        uint32_t first = em->n;
        put_fused_branch(em, op, pick_of(in), i, 4, n3);
        em->insn_of[first] = i + 2;
        em->uncharged[first] = em->pending - 1; /* the jump has not run */
        return 4;
    }
    if (in->op == P_SWAP && is_op(n1, P_PUSH) && slot_op(n2, FORM_U) >= 0 && n3->op == P_SWAP)
        return put_fused(em, slot_op(n2, FORM_U), &n1->imm, i, 4);
    return 0;
}

/* Groups of three: pick A; over; load  ->  load_s A;  dup; push K; load
 * ->  load_k K;  over; push K; store_ref  ->  store_ref_k K;  rot; op; swap  ->
 * <op>_rot;  pick N; cmp; jump  ->  j<cmp>_s N;  push K; cmp; jump  ->
 * j<cmp>_i K. */
static uint32_t emit_fused3(Emitter *em, const Body *b, uint32_t i)
{
    const Insn *in = &b->insns[i], *n1 = after(em, b, i, 1), *n2 = after(em, b, i, 2);
    if (!n2)
        return 0;
    if (pick_of(in) >= 1 && n1->op == P_OVER && (n2->op == P_LOAD || n2->op == P_LOAD_REF)) {
        int64_t a = pick_of(in);
        return put_fused(em, n2->op == P_LOAD ? OP_LOAD_S : OP_LOAD_REF_S, &a, i + 2, 3);
    }
    if (in->op == P_DUP && n1->op == P_PUSH && (n2->op == P_LOAD || n2->op == P_LOAD_REF))
        return put_fused(em, n2->op == P_LOAD ? OP_LOAD_K : OP_LOAD_REF_K, &n1->imm, i + 2, 3);
    if (in->op == P_OVER && n1->op == P_PUSH && n2->op == P_STORE_REF) {
        em->pending += 3;
        put_op(em, OP_STORE_REF_K, i + 2);
        put_weight(em, i + 2);
        put(em, (Cell){.i = n1->imm}, i + 2);
        return 3;
    }
    if (in->op == P_DUP && n1->op == P_SIZE && is_cond_jump(n2))
        return put_fused_branch(em, n2->op == P_JUMP_IF ? OP_JNZ_SIZE : OP_JZ_SIZE, 0, i, 3, n2);
    if (in->op == P_ROT && slot_op(n1, FORM_ROT) >= 0 && n2->op == P_SWAP)
        return put_fused(em, slot_op(n1, FORM_ROT), NULL, i, 3);
    if (pick_of(in) >= 1 && is_compare(n1) && is_cond_jump(n2))
        return put_fused_branch(em, slot_branch_op(n1->op, n2->op, BRANCH_SLOT), pick_of(in), i, 3, n2);
    if (in->op == P_PUSH && is_compare(n1) && is_cond_jump(n2))
        return put_fused_branch(em, branch_op(n1->op, n2->op, true), in->imm, i, 3, n2);
    return 0;
}

/* A run of two or more of swap, rot and pop as one
 * shuffleN D S1..SN: drop the top D items, then push items S1..SN of the
 * stack as it was (0 = the top), for the runs whose result has that shape
 * with 1 <= N <= 3 (rot; pop; swap; pop  ->  shuffle1 3 0). */
enum { SHUF_SEEN = 8, SHUF_PUSH = 3 };
static bool shuffle_step(const Insn *in, int64_t *st, int *n)
{
    /* Copies (dup, over, pick) are left out: they fuse with what uses them. */
    int64_t k = in->op == P_SWAP ? 2 : in->op == P_ROT ? 3 : in->op == P_POP ? 1 : 0;
    if (k <= 0 || k > *n || *n >= SHUF_SEEN + SHUF_PUSH)
        return false;
    int64_t *top = st + *n - 1, t;
    switch (in->op) {
    case P_SWAP: t = top[0]; top[0] = top[-1]; top[-1] = t; break;
    case P_ROT: t = top[-2]; top[-2] = top[-1]; top[-1] = top[0]; top[0] = t; break;
    default: (*n)--; break; /* pop */
    }
    return true;
}

static uint32_t emit_shuffle(Emitter *em, const Body *b, uint32_t i)
{
    int64_t st[SHUF_SEEN + SHUF_PUSH], best_k = 0, best[2 + SHUF_PUSH];
    int n = SHUF_SEEN;
    for (int j = 0; j < SHUF_SEEN; j++)
        st[j] = SHUF_SEEN - 1 - j; /* item numbers, bottom first: the top is item 0 */
    for (uint32_t k = 0;; k++) {
        const Insn *in = k ? after(em, b, i, k) : &b->insns[i];
        if (!in || !shuffle_step(in, st, &n))
            break;
        int keep = 0; /* the items below that stay where they were */
        while (keep < n && keep < SHUF_SEEN && st[keep] == SHUF_SEEN - 1 - keep)
            keep++;
        if (k >= 1 && n - keep >= 1 && n - keep <= SHUF_PUSH) {
            best_k = k + 1;
            best[0] = SHUF_SEEN - keep;
            best[1] = n - keep;
            for (int j = keep; j < n; j++)
                best[2 + j - keep] = st[j];
        }
    }
    if (!best_k)
        return 0;
    uint32_t first = em->n;
    em->pending += (uint32_t)best_k;
    put_op(em, OP_SHUFFLE1 + (int)best[1] - 1, i);
    put(em, (Cell){.i = best[0]}, i);
    for (int64_t j = 0; j < best[1]; j++)
        put(em, (Cell){.i = best[2 + j]}, i);
    note_uncharged(em, first);
    return (uint32_t)best_k;
}

/* A group of adjacent instructions as one (nothing jumps into its middle).
 * Returns how many it consumed.  Each counts the fuel of what it fuses;
 * one that can trap is named by the instruction that traps. */
static uint32_t emit_fused(Emitter *em, const Body *b, uint32_t i)
{
    uint32_t k = emit_fused4(em, b, i);
    if (!k)
        k = emit_fused3(em, b, i);
    if (k)
        return k;
    const Insn *in = &b->insns[i];
    const Insn *n1 = after(em, b, i, 1);
    uint32_t first = em->n;
    if (!n1)
        return 0;
    if (in->op == P_PUSH && n1->op == P_ALLOC)
        return put_fused(em, OP_ALLOC_K, &in->imm, i + 1, 2);
    if (in->op == P_DUP && slot_op(n1, FORM_D) >= 0)
        return put_fused(em, slot_op(n1, FORM_D), NULL, i, 2);
    if (pick_of(in) >= 1 && slot_op(n1, FORM_S) >= 0) {
        int64_t n = pick_of(in);
        return put_fused(em, slot_op(n1, FORM_S), &n, i, 2);
    }
    if (pick_of(in) >= 0 && is_cond_jump(n1))
        return put_fused_branch(em, n1->op == P_JUMP_IF ? OP_JNZ_S : OP_JZ_S, pick_of(in), i, 2, n1);
    if (in->op == P_PUSH && imm_op(n1->op) >= 0 &&
        !(prim_info[n1->op].c == PC_DIV && (in->imm == 0 || in->imm == -1)) &&
        !(prim_info[n1->op].c == PC_DIVU && in->imm == 0)) {
        em->pending += 2;
        put_op(em, imm_op(n1->op), i); /* a divisor known not 0 or -1 needs no check */
        put(em, (Cell){.i = in->imm}, i);
        note_uncharged(em, first);
        return 2;
    }
    if ((op_flags(in->op) & PF_COMPARE) && prim_is_cond_jump(n1->op) && branch_op(in->op, n1->op, false) >= 0) {
        int op = branch_op(in->op, n1->op, false);
        em->pending += 2;
        put_op(em, op, i);
        put_branch_weight(em, i + 1);
        put_target(em, n1->imm, i, first, op);
        return 2;
    }
    const Insn *n2 = after(em, b, i, 2); /* the second copy may fuse with what uses it */
    if (pick_of(in) >= 0 && pick_of(n1) >= 0 &&
        !(n2 && (slot_op(n2, FORM_S) >= 0 || is_cond_jump(n2) || n2->op == P_LOAD || n2->op == P_LOAD_REF))) {
        em->pending += 2;
        put_op(em, OP_PICK2, i);
        put(em, (Cell){.i = pick_of(in)}, i);
        put(em, (Cell){.i = pick_of(n1)}, i);
        note_uncharged(em, first);
        return 2;
    }
    return emit_shuffle(em, b, i);
}

/* Cells: [op] [imm] for an immediate; [weight] right after that for an
 * instruction that charges; then its jump target and refund, procedure,
 * subroutine or state slot. */
static uint32_t emit_insn(Emitter *em, const Body *b, uint32_t i)
{
    const Insn *in = &b->insns[i];
    uint32_t fused = emit_fused(em, b, i);
    if (fused)
        return fused;
    uint32_t first = em->n;
    if (exec_fuel_counts(in->op))
        em->pending++;
    switch (in->op) {
    case P_LABEL:
    case P_TICK: return 1;
    case P_PUSH:
    case P_PICK:
    case P_PLACE:
        put_op(em, in->op, i);
        put(em, (Cell){.i = in->imm}, i);
        break;
    case P_JUMP:
        put_op(em, in->op, i);
        put_weight(em, i);
        put_target(em, in->imm, i, first, in->op);
        return 1;
    case P_JUMP_IF:
    case P_JUMP_UNLESS:
        put_op(em, in->op, i);
        put_branch_weight(em, i);
        put_target(em, in->imm, i, first, in->op);
        return 1;
    case P_CALL:
        put_op(em, P_CALL, i);
        put_weight(em, i);
        put(em, (Cell){.proc = in->ref.proc}, i);
        return 1;
    case P_CALLCODE:
        put_op(em, OP_CALLCODE, i);
        put_weight(em, i);
        put(em, (Cell){.code = in->ref.code}, i);
        return 1;
    case P_STATE_GET:
        put_op(em, in->op, i);
        put(em, (Cell){.slot = in->ref.slot}, i);
        break;
    case P_STATE_SET:
        put_op(em, in->op, i);
        put_weight(em, i);
        put(em, (Cell){.slot = in->ref.slot}, i);
        return 1;
    default:
        put_op(em, exec_op_of(in), i);
        if (exec_fuel_charges(in->op)) { /* return, print, emit, store, store_ref */
            put_weight(em, i);
            return 1;
        }
        break;
    }
    note_uncharged(em, first);
    return 1;
}

static void put_target(Emitter *em, int64_t insn, uint32_t i, uint32_t op_cell, int op)
{
    VEC_PUSH_ATOMIC(em->fix, em->nfix, em->capfix, (Fixup){em->n, op_cell, op});
    put(em, (Cell){.i = insn}, i); /* the insn index until every cell is placed */
    put(em, (Cell){.i = 0}, i);    /* the refund, known then too */
}

Code *compile_body(Body *b, bool is_proc, uint32_t nin, int version)
{
    uint8_t *target = gc_calloc(b->n + 1, 1);
    for (uint32_t i = 0; i < b->n; i++) {
        const Insn *in = &b->insns[i];
        if (prim_is_jump(in->op) && in->imm >= 0 &&
            (uint64_t)in->imm <= b->n)
            target[in->imm] = 1;
    }
    Emitter em = {.table = vm_dispatch_table(), .target = target};
    uint32_t *cell_at = gc_alloc_atomic((b->n + 1) * sizeof(uint32_t));
    uint32_t *pass = gc_alloc_atomic((b->n + 1) * sizeof(uint32_t)); /* pending where a jump lands */
    for (uint32_t i = 0; i < b->n;) {
        uint32_t start = em.n;
        pass[i] = em.pending;
        uint32_t k = emit_insn(&em, b, i);
        for (uint32_t j = i; j < i + k; j++) /* fused ones share their first cell */
            cell_at[j] = start;
        i += k;
    }
    cell_at[b->n] = em.n;
    pass[b->n] = em.pending;
    put_op(&em, is_proc ? P_RETURN : OP_HALT, b->n ? b->n - 1 : 0); /* the implicit end counts 0 */
    put_weight(&em, b->n ? b->n - 1 : 0);
    for (uint32_t k = 0; k < em.nfix; k++) {
        Cell *t = &em.cells[em.fix[k].cell];
        t[1].i = pass[t->i];
        if (t[1].i)
            em.cells[em.fix[k].op_cell].op = em.table[refund_op(em.fix[k].op)];
        t->target = &em.cells[cell_at[t->i]];
    }
    Code *c = gc_alloc(sizeof *c);
    c->head_at = heads_of(b, target, cell_at, em.n);
    c->cells = em.cells;
    c->ncells = em.n;
    c->insn_of = em.insn_of;
    c->uncharged = em.uncharged;
    c->body = b;
    c->nin = nin;
    c->max_depth = b->max_depth;
    c->version = version;
    return c;
}
