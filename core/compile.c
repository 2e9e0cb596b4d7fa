/* compile.c - verified bodies to direct-threaded code.
 *
 * One pass lays out cells and records where each label lands; a second
 * resolves jumps to cell addresses.  Tick operations and labels produce no
 * cells: they exist only for the verifier. */
#include "exec.h"
#include "exec_ops.h"

#include <string.h>

typedef struct Emitter {
    Cell *cells;
    uint32_t *insn_of;
    uint32_t n, cap;
    const void *const *table;
} Emitter;

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

static void emit_insn(Emitter *em, const Insn *in, uint32_t i)
{
    switch (in->op) {
    case P_LABEL:
    case P_TICK: return;
    case P_PUSH:
    case P_PICK:
        put_op(em, in->op, i);
        put(em, (Cell){.i = in->imm}, i);
        return;
    case P_JUMP:
    case P_JUMP_IF:
    case P_JUMP_UNLESS:
        put_op(em, in->op, i);
        put(em, (Cell){.i = in->imm}, i); /* insn index until resolved */
        return;
    case P_CALL:
        put_op(em, P_CALL, i);
        put(em, (Cell){.proc = in->ref}, i);
        return;
    case P_CALLCODE:
        put_op(em, OP_CALLCODE, i);
        put(em, (Cell){.code = in->ref}, i);
        return;
    case P_STATE_GET:
    case P_STATE_SET:
        put_op(em, in->op, i);
        put(em, (Cell){.slot = in->ref}, i);
        return;
    default: put_op(em, exec_op_of(in), i);
    }
}

Code *compile_body(Body *b, bool is_proc, uint32_t nin, int version)
{
    Emitter em = {.table = exec_dispatch_table()};
    uint32_t *cell_at = gc_alloc_atomic((b->n + 1) * sizeof(uint32_t));
    for (uint32_t i = 0; i < b->n; i++) {
        cell_at[i] = em.n;
        emit_insn(&em, &b->insns[i], i);
    }
    cell_at[b->n] = em.n;
    put_op(&em, is_proc ? P_RETURN : OP_HALT, b->n ? b->n - 1 : 0);
    for (uint32_t i = 0; i < b->n; i++) {
        const Insn *in = &b->insns[i];
        if (in->op == P_JUMP || in->op == P_JUMP_IF || in->op == P_JUMP_UNLESS) {
            Cell *imm = &em.cells[cell_at[i] + 1];
            imm->target = &em.cells[cell_at[imm->i]];
        }
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
