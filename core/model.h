/* model.h - the definition model: types, effects, primitives, lowered code
 * (Insn/Body) and procedures, and the workspace that names them.
 *
 * Text becomes a syntax tree (syntax.h); definitions and code bodies are
 * checked for shape and lowered here into flat instruction lists that the
 * verifier checks and the compiler turns into threaded code. */
#ifndef XVM_MODEL_H
#define XVM_MODEL_H

#include "base.h"
#include "syntax.h"

/* ---- types -------------------------------------------------------------- */

typedef uint8_t TypeId;
enum { TY_ANY = 0, TY_INT = 1, TY_REF = 2, TY__COUNT };
const char *type_name(TypeId t);
bool type_by_name(const char *name, TypeId *out);

/* ---- primitives (one X-macro table: prims.def) --------------------------- */

typedef enum { IMM_NONE, IMM_VALUE, IMM_INT, IMM_LABEL, IMM_PROC, IMM_BLOCKS } ImmKind;
enum { PF_BRANCH = 1, PF_END = 2, PF_TYPED = 4, PF_SPECIAL = 8 };

typedef enum {
#define X(e, name, imm, in, out, flags) P_##e,
#include "prims.def"
#undef X
    P__COUNT,
    P_TICK = P__COUNT, /* a tick statement, kept for the verifier only */
    P__IR_COUNT
} Prim;

typedef struct PrimInfo {
    const char *name;
    ImmKind imm;
    const char *in, *out;
    int flags;
} PrimInfo;

extern const PrimInfo prim_info[P__COUNT];
bool prim_by_name(const char *name, Prim *out);
const char *prim_name(int op);

/* ---- effects -------------------------------------------------------------- */

typedef struct Param {
    const char *name; /* may be NULL */
    TypeId type;
    Span span;
} Param;

typedef struct Effect {
    uint32_t nin, nout;
    Param *in, *out;
} Effect;

#define EFFECT_MAX_PARAMS 64
Error *effect_from_node(const Node *n, Effect *out);
bool effect_equal(const Effect *a, const Effect *b);
void effect_print(Buf *out, const Effect *e); /* (a: int, b: int -> r: int) */

/* ---- lowered code ----------------------------------------------------------- */

typedef struct Insn {
    uint16_t op;       /* Prim, or P_TICK */
    TypeId ty;         /* push: literal's type; print: input type (verifier) */
    int64_t imm;       /* push: value; pick: N; jumps: target insn index */
    void *ref;         /* call: struct Proc *; tick: const Node * */
    const char *label; /* label and jumps: the label's name, for messages */
    Span span;
} Insn;

typedef struct Body {
    const char *name; /* "fib", or "<input>" for REPL code */
    Insn *insns;
    uint32_t n, cap;
    Vec labels;         /* lowering's label table (private to lower.c) */
    Span end_span;      /* where falling off the end returns (closing brace) */
    /* Filled in by the verifier: */
    uint32_t max_depth; /* deepest simulated stack, counted from this body's bottom */
} Body;

/* ---- procedures and the workspace ------------------------------------------ */

typedef struct ProcVersion {
    int version;       /* 1, 2, ... */
    Effect eff;
    const Node *def;   /* the .define_procedure statement */
    Body *body;
    struct Code *code; /* compiled; NULL until verified and compiled */
} ProcVersion;

/* A procedure is a stable handle: calls go through it, so new calls take
 * the newest version while running code keeps the one it started with. */
typedef struct Proc {
    const char *name;
    ProcVersion *cur;     /* installed version (NULL while first being defined) */
    ProcVersion *pending; /* version staged by an open transaction */
    Vec calls;            /* Proc* this version calls (dependency edges) */
} Proc;

typedef struct Workspace {
    Vec procs; /* Proc*, in definition order */
} Workspace;

Workspace *workspace_new(void);
Proc *workspace_find_proc(Workspace *ws, const char *name);
/* The version a lookup sees while a transaction is open. */
static inline ProcVersion *proc_current(const Proc *p) { return p->pending ? p->pending : p->cur; }

/* ---- lowering ------------------------------------------------------------------ */

/* Lower a list of statements (a block's or a unit's code statements) into
 * body, appending.  Structured if/while become labels and jumps. */
Error *lower_stmts(Workspace *ws, Body *body, Node *const *stmts, uint32_t n);
/* Resolve jump targets once every statement is lowered. */
Error *lower_finish(Body *body);
Body *body_new(const char *name);
void body_disasm(Buf *out, const Body *b);
void insn_print(Buf *out, const Insn *in);

/* Check a .define_procedure statement's shape and build its pieces. */
Error *procedure_parse(const Node *stmt, const char **name, Effect *eff, const Node **block);

/* Closest known name to `name` among candidates (edit distance), or NULL. */
const char *suggest_name(const char *name, const char *const *candidates, uint32_t n);

#endif
