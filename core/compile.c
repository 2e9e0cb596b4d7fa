/* compile.c - verified bodies to direct-threaded code.
 *
 * One pass lays out cells and records where each label lands; a second
 * resolves jumps to cell addresses.  Tick operations and labels produce no
 * cells: they exist only for the verifier. */
#include "exec.h"
#include "exec_ops.h"

#include <string.h>

typedef struct Fixup {
    uint32_t cell; /* a target cell, holding an insn index until resolved */
} Fixup;

typedef struct Emitter {
    Cell *cells;
    uint32_t *insn_of;
    uint32_t n, cap;
    const void *const *table;
    Fixup *fix;
    uint32_t nfix, capfix;
} Emitter;

static void put_target(Emitter *em, int64_t insn, uint32_t i);

static void put(Emitter *em, Cell c, uint32_t insn)
{
    if (em->n == em->cap) {
        em->cap = em->cap ? em->cap * 2 : 32;
        Cell *cells = gc_calloc(em->cap, sizeof(Cell));
        uint32_t *map = gc_alloc_atomic(em->cap * sizeof(uint32_t));
        if (em->n) {
            memcpy(cells, em->cells, em->n * sizeof(Cell));
            memcpy(map, em->insn_of, em->n * sizeof(uint32_t));
        }
        em->cells = cells;
        em->insn_of = map;
    }
    em->insn_of[em->n] = insn;
    em->cells[em->n++] = c;
}

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
#define X(name, expr) case P_##name: return OP_##name##_I;
        XVM_IMM_OPS(X)
#undef X
    default: return -1;
    }
}

static bool is_cmp(int op) { return op >= P_EQ && op <= P_GE; }
static bool is_cond_jump(int op) { return op == P_JUMP_IF || op == P_JUMP_UNLESS; }

/* Compare-and-branch for cmp followed by jump_if, or its opposite for
 * jump_unless (lt; jump_unless L  ==  jge L). */
static int branch_op(int cmp, int jump, bool with_imm)
{
    static const int negated[] = {[P_EQ] = P_NE, [P_NE] = P_EQ, [P_LT] = P_GE,
                                  [P_LE] = P_GT, [P_GT] = P_LE, [P_GE] = P_LT};
    int c = jump == P_JUMP_IF ? cmp : negated[cmp];
    switch (c) {
#define X(name, op) case P_##name: return with_imm ? OP_J##name##_I : OP_J##name;
        XVM_CMP_OPS(X)
#undef X
    default: return -1;
    }
}

/* A pair or triple of adjacent instructions as one (no label between them,
 * so nothing jumps into the middle).  Returns how many it consumed. */
static uint32_t emit_fused(Emitter *em, const Body *b, uint32_t i)
{
    const Insn *in = &b->insns[i];
    const Insn *n1 = i + 1 < b->n ? &b->insns[i + 1] : NULL;
    const Insn *n2 = i + 2 < b->n ? &b->insns[i + 2] : NULL;
    if (in->op == P_PUSH && n1 && is_cmp(n1->op) && n2 && is_cond_jump(n2->op)) {
        put_op(em, branch_op(n1->op, n2->op, true), i);
        put(em, (Cell){.i = in->imm}, i);
        put_target(em, n2->imm, i);
        return 3;
    }
    if (in->op == P_PUSH && n1 && imm_op(n1->op) >= 0 &&
        !((n1->op == P_DIV || n1->op == P_MOD) && (in->imm == 0 || in->imm == -1))) {
        put_op(em, imm_op(n1->op), i); /* a divisor known not 0 or -1 needs no check */
        put(em, (Cell){.i = in->imm}, i);
        return 2;
    }
    if (is_cmp(in->op) && n1 && is_cond_jump(n1->op)) {
        put_op(em, branch_op(in->op, n1->op, false), i);
        put_target(em, n1->imm, i);
        return 2;
    }
    return 0;
}

static uint32_t emit_insn(Emitter *em, const Body *b, uint32_t i)
{
    const Insn *in = &b->insns[i];
    uint32_t fused = emit_fused(em, b, i);
    if (fused)
        return fused;
    switch (in->op) {
    case P_LABEL:
    case P_TICK: return 1;
    case P_PUSH:
    case P_PICK:
        put_op(em, in->op, i);
        put(em, (Cell){.i = in->imm}, i);
        return 1;
    case P_JUMP:
    case P_JUMP_IF:
    case P_JUMP_UNLESS:
        put_op(em, in->op, i);
        put_target(em, in->imm, i);
        return 1;
    case P_CALL:
        put_op(em, P_CALL, i);
        put(em, (Cell){.proc = in->ref}, i);
        return 1;
    case P_CALLCODE:
        put_op(em, OP_CALLCODE, i);
        put(em, (Cell){.code = in->ref}, i);
        return 1;
    case P_STATE_GET:
    case P_STATE_SET:
        put_op(em, in->op, i);
        put(em, (Cell){.slot = in->ref}, i);
        return 1;
    default: put_op(em, exec_op_of(in), i); return 1;
    }
}

static void put_target(Emitter *em, int64_t insn, uint32_t i)
{
    if (em->nfix == em->capfix) {
        em->capfix = em->capfix ? em->capfix * 2 : 16;
        Fixup *grown = gc_alloc_atomic(em->capfix * sizeof(Fixup));
        if (em->nfix)
            memcpy(grown, em->fix, em->nfix * sizeof(Fixup));
        em->fix = grown;
    }
    em->fix[em->nfix++] = (Fixup){em->n};
    put(em, (Cell){.i = insn}, i); /* the insn index until every cell is placed */
}

Code *compile_body(Body *b, bool is_proc, uint32_t nin, int version)
{
    Emitter em = {.table = exec_dispatch_table()};
    uint32_t *cell_at = gc_alloc_atomic((b->n + 1) * sizeof(uint32_t));
    for (uint32_t i = 0; i < b->n;) {
        uint32_t start = em.n;
        uint32_t k = emit_insn(&em, b, i);
        for (uint32_t j = i; j < i + k; j++) /* fused ones share their first cell */
            cell_at[j] = start;
        i += k;
    }
    cell_at[b->n] = em.n;
    put_op(&em, is_proc ? P_RETURN : OP_HALT, b->n ? b->n - 1 : 0);
    for (uint32_t k = 0; k < em.nfix; k++) {
        Cell *t = &em.cells[em.fix[k].cell];
        t->target = &em.cells[cell_at[t->i]];
    }
    Code *c = gc_alloc(sizeof *c);
    c->cells = em.cells;
    c->ncells = em.n;
    c->insn_of = em.insn_of;
    c->body = b;
    c->nin = nin;
    c->max_depth = b->max_depth;
    c->version = version;
    return c;
}

Code *compile_code(const Body *b, const struct Component *comp, bool is_proc, uint32_t nin, int version,
                   Error **err)
{
    Body *flat = flatten_body(b, comp, err);
    if (*err)
        return NULL;
    flat->name = b->name;
    return compile_body(flat, is_proc, nin, version);
}
