/* model.h - the definition model: types, effects, primitives, lowered code
 * (Insn/Body) and procedures, and the workspace that names them.  Each
 * section names the file that defines its functions.
 *
 * Text becomes a syntax tree (syntax.h); definitions and code bodies are
 * checked for shape and lowered here into flat instruction lists that the
 * verifier checks and the compiler turns into threaded code. */
#ifndef XVM_MODEL_H
#define XVM_MODEL_H

#include "base.h"
#include "node.h"

/* ---- types (type.c, principal.c) ----------------------------------------- */

typedef int64_t Value; /* a run-time stack item or heap word */

typedef enum { PRINCIPAL_TRUSTED, PRINCIPAL_UNTRUSTED } Principal;
const char *principal_name(Principal p);

/* int and ref are the core's types; ids from TY__COUNT up are types that
 * modules and sessions declare (.define_type), each the id of one
 * representation, owner and principal (type.c keeps the table). */
typedef uint32_t TypeId;
/* TY_MAX bounds the table, which is one for the process (embedders may
 * open many sessions): a type declared past it is refused. */
enum { TY_ANY = 0, TY_INT = 1, TY_REF = 2, TY__COUNT, TY_MAX = 1 << 20 };
struct TypeDef;
struct Workspace;
const char *type_name(TypeId t); /* "int", "block", or "block@v1" once block's id changed */
bool type_by_name(const char *name, TypeId *out); /* the core's types only */
/* Look NAME up as a type: the core's, or one declared in ws (staged or
 * installed).  The error names the nearest type. */
Error *type_resolve(struct Workspace *ws, const char *name, Span at, TypeId *out);
/* What values of t are at run time: TY_INT or TY_REF. */
TypeId type_repr(TypeId t);
bool type_linear(TypeId t);
const char *type_owner(TypeId t); /* NULL for the core's types */
/* t as code owned by viewer sees it: its representation when viewer owns
 * it (the owner's privilege), else t itself. */
TypeId type_seen(TypeId t, const char *viewer);
/* An id for a declared type's new version (its handle set by the caller);
 * TY_ANY when every id is taken. */
TypeId type_register(struct TypeDef *v);
/* The version a declared type's id has now (NULL for the core's types). */
const struct TypeDef *type_version(TypeId t);

/* ---- primitives (one X-macro table: prims.def; prim.c) ------------------- */

typedef enum { IMM_NONE, IMM_VALUE, IMM_INT, IMM_LABEL, IMM_PROC, IMM_BLOCKS, IMM_STATE, IMM_TEXT } ImmKind;
/* PF_COMPARE comes from the C column (a CMP operator); the rest are written
 * on the rows. */
enum { PF_BRANCH = 1, PF_END = 2, PF_TYPED = 4, PF_SPECIAL = 8, PF_MODULE = 16, PF_CONTROL = 32, PF_COMPARE = 64 };
/* The kind of a primitive's C operator (prims.def, column C). */
typedef enum { PC_NONE, PC_UN, PC_BIN, PC_DIV, PC_DIVU, PC_CMP } PrimC;

typedef enum {
#define X(e, name, imm, in, out, flags, c, expr) P_##e,
#include "prims.def"
#undef X
    P__COUNT,
    P_TICK = P__COUNT, /* a tick statement, kept for the verifier only */
    P_OPCALL,          /* a machine operation: ref.target */
    P_PORTCALL,        /* PORT.OP inside a module: imm = port index, ref.sig */
    P_OWNCALL,         /* the module's own operation: ref.own */
    P_CALLCODE,        /* flattened code only: call a compiled subroutine, ref.code */
    P__IR_COUNT
} Prim;

/* What a primitive leaves on the stack, per output item (bottom first). */
typedef enum {
    PO_NEW,   /* a new item of type `type` */
    PO_INPUT, /* input number `input` (bottom first), identity and all */
    PO_IMM,   /* a new item of the immediate's type (Insn.ty) */
} PrimOutKind;

typedef struct PrimOut {
    uint8_t kind; /* PrimOutKind */
    TypeId type;  /* PO_NEW */
    uint8_t input; /* PO_INPUT */
} PrimOut;

enum { PRIM_MAX_ITEMS = 3 }; /* inputs or outputs of one primitive */

/* A row of prims.def, its letters decoded (model.c). */
typedef struct PrimInfo {
    const char *name;
    ImmKind imm;
    int flags;
    PrimC c;
    uint8_t nin, nout;
    TypeId in[PRIM_MAX_ITEMS]; /* bottom first; TY_ANY: an item of any type */
    PrimOut out[PRIM_MAX_ITEMS];
} PrimInfo;

extern const PrimInfo prim_info[P__COUNT];
bool prim_by_name(const char *name, Prim *out);
/* Flags of any instruction: lowered code also holds ops past the table,
 * which have no row to give their effect, so they count as special. */
static inline int op_flags(int op) { return op >= 0 && op < P__COUNT ? prim_info[op].flags : PF_SPECIAL; }
/* Control flow belongs to the language: every machine keeps it. */
static inline bool prim_is_control(int op) { return op_flags(op) & PF_CONTROL; }
static inline bool prim_is_jump(int op) { return op_flags(op) & PF_BRANCH; }
static inline bool prim_is_cond_jump(int op) { return (op_flags(op) & (PF_BRANCH | PF_END)) == PF_BRANCH; }
const char *prim_name(int op);

/* ---- effects (effect.c) --------------------------------------------------- */

typedef struct Param {
    const char *name; /* may be NULL */
    TypeId type;
    Span span;
} Param;

typedef struct Effect {
    uint32_t nin, nout;
    Param *in, *out;
} Effect;

Error *effect_from_node(struct Workspace *ws, const Node *n, Effect *out);
bool effect_equal(const Effect *a, const Effect *b);
void effect_print(Buf *out, const Effect *e); /* (a: int, b: int -> r: int) */

/* ---- lowered code ----------------------------------------------------------- */

struct Def;
struct OpTarget;
struct OpSig;
struct OpDef;
struct Code;

typedef struct Insn {
    uint16_t op;       /* Prim, or one of the ops past the table (P_TICK ...) */
    TypeId ty;         /* push: literal's type; print: input type (verifier) */
    int64_t imm;       /* push: value; pick: N; jumps: target insn index */
    union {                       /* the member op names, no other: */
        struct Def *proc;         /* P_CALL: the procedure (calls take its newest version) */
        const Node *tick;         /* P_TICK: the tick statement */
        struct OpTarget *target;  /* P_OPCALL: the component and operation */
        const struct OpSig *sig;  /* P_PORTCALL: the port's operation */
        struct OpDef *own;        /* P_OWNCALL: the module's own operation */
        Value *slot;              /* P_STATE_GET, P_STATE_SET once flattened: the component's slot */
        struct Code *code;        /* P_CALLCODE: the compiled subroutine */
    } ref;
    const char *label; /* label and jumps: the label's name, for messages */
    Span span;
} Insn;

typedef struct Body {
    const char *name; /* "fib", or "<input>" for REPL code */
    Insn *insns;
    uint32_t n, cap;
    Vec labels;         /* lowering's label table (private to lower.c) */
    Span end_span;      /* where falling off the end returns (closing brace) */
    uint32_t resolved;  /* jumps before this index are resolved already */
    /* Filled in by the verifier: */
    uint32_t max_depth; /* deepest simulated stack, counted from this body's bottom */
    uint32_t min_depth; /* shallowest: items under it are never popped (verify.c) */
} Body;

/* ---- definitions and the workspace (workspace.c, procedure.c) -------------- */

typedef enum { DEF_PROC, DEF_INTERFACE, DEF_MODULE, DEF_MACHINE, DEF_LATTICE, DEF_KEY, DEF_TYPE, DEF__COUNT } DefKind;
const char *workspace_kind_name(DefKind k); /* "procedure", "interface", ... */

/* Every version struct (ProcVersion, Interface, Module, Machine, Lattice,
 * Key) begins with this header, so code that works on any kind reads a
 * version through it instead of switching on the kind.  DEF_HEAD puts it
 * first as an anonymous union: v->name and v->head.name are one field. */
#define DEF_HEAD_FIELDS                                                                          \
    const char *name;                                                                            \
    int version;         /* 1, 2, ... */                                                         \
    DefKind kind;                                                                                \
    Principal principal; /* who wrote it: what it may do and what may replace it */              \
    const char *owner;   /* who may declare it again: a module, a machine or a session */        \
    const Node *def;     /* the statement it was built from: its source and span */
typedef struct DefHead {
    DEF_HEAD_FIELDS
} DefHead;
#define DEF_HEAD                                                                                 \
    union {                                                                                      \
        DefHead head;                                                                            \
        struct {                                                                                 \
            DEF_HEAD_FIELDS                                                                      \
        };                                                                                       \
    }

typedef struct ProcVersion {
    DEF_HEAD;
    Effect eff;
    const char *over;  /* the machine it runs over (NULL: core-machine) */
    Body *body;        /* as lowered: shared, never written after */
    Body *verified;    /* this version's verification's annotated copy: what is compiled */
    struct Code *code; /* compiled; NULL until verified and compiled */
} ProcVersion;


/* Every named definition is a stable handle: calls go through it, so new
 * calls take the newest version while running code keeps the one it
 * started with.  cur/pending point at a ProcVersion, Interface, Module,
 * Machine, Lattice or Key (defs.h) according to kind. */
typedef struct Def {
    DefKind kind;
    uint32_t index;  /* scratch: its position while a graph of definitions is built */
    const char *name;
    void *cur;     /* installed version (NULL while first being defined) */
    void *pending; /* version staged by an open transaction */
} Def;
typedef Def Proc;

/* All definitions share one namespace. */
typedef struct Workspace {
    Vec defs;       /* Def*, in definition order */
    Vec keys;       /* Key*, by id: what facts refer to */
} Workspace;

Workspace *workspace_new(void);
Def *workspace_find(Workspace *ws, const char *name);
Def *workspace_find_kind(Workspace *ws, const char *name, DefKind kind);
/* The names of live definitions of a kind (DEF__COUNT: all), for suggestions. */
const char **workspace_names(Workspace *ws, DefKind kind, uint32_t *n);
static inline Proc *workspace_find_proc(Workspace *ws, const char *name)
{
    return workspace_find_kind(ws, name, DEF_PROC);
}
/* The version a lookup sees while a transaction is open. */
static inline void *def_current(const Def *d) { return d->pending ? d->pending : d->cur; }
static inline ProcVersion *proc_current(const Proc *p) { return def_current(p); }

/* A machine operation resolved to the component that implements it. */
struct Component;
struct OpDef;
typedef struct OpTarget {
    struct Component *comp;
    struct OpDef *op;
    const char *name; /* as the caller wrote it (alias name) */
} OpTarget;

/* What names mean while lowering a body: the machine whose operations are
 * visible and, inside a module, its ports, state and own operations. */
struct Machine;
struct Module;
typedef struct Scope {
    Workspace *ws;
    const struct Machine *machine; /* NULL: core-machine */
    const struct Module *module;   /* NULL outside module bodies */
} Scope;

/* ---- lowering (lower.c) --------------------------------------------------------- */

/* Lower a list of statements (a block's or a unit's code statements) into
 * body, appending.  Structured if/while become labels and jumps. */
Error *lower_stmts(const Scope *sc, Body *body, Node *const *stmts, uint32_t n);
/* Resolve jump targets once every statement is lowered. */
Error *lower_finish(Body *body);
Body *lower_body_new(const char *name);
void lower_disasm(Buf *out, const Body *b);
void lower_insn_print(Buf *out, const Insn *in);

/* Check a .define_procedure statement's shape and build its pieces. */
Error *procedure_parse(struct Workspace *ws, const Node *stmt, const char **name, Effect *eff, const Node **block);

#endif
