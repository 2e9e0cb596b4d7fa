/* defs.h - the definition model above procedures (DESIGN §3.4): lattices and
 * keys, interfaces, modules, components, machines and their links.
 *
 * Every named definition is reached through a Def handle (model.h) whose
 * `cur` points at one of the version structs below.  Machines own their
 * component instances: the live state of the system. */
#ifndef XVM_DEFS_H
#define XVM_DEFS_H

#include "model.h"

/* ---- lattices and keys ---------------------------------------------------------- */

typedef struct Lattice {
    DEF_HEAD;
    const char **elems;
    uint32_t nelems;
    uint8_t *leq;     /* nelems x nelems: leq[a * nelems + b] = (a <= b) */
    uint32_t *lub;    /* nelems x nelems: least upper bound */
    uint32_t top;
} Lattice;

typedef struct Key {
    DEF_HEAD;
    uint32_t id;      /* index in the workspace's key table: what facts store */
    Lattice *lat;
    uint32_t arity;   /* stack items the fact is about */
} Key;

/* A type a module or session declares (.define_type NAME, REPR [, linear]).
 * Values are their representation; the verifier keeps them apart. */
typedef struct TypeDef {
    DEF_HEAD;
    TypeId id;       /* what items and effects store (type.c's table) */
    TypeId repr;     /* TY_INT or TY_REF */
    bool linear;     /* never copied or dropped but by its owner's code */
    const Def *handle; /* the definition, for the version an id has now */
    const struct TypeDef *before; /* the version installed when this one was made */
} TypeDef;

bool lookup_lattice_elem(const Lattice *l, const char *name, uint32_t *out);
static inline bool lattice_leq(const Lattice *l, uint32_t a, uint32_t b) { return l->leq[a * l->nelems + b]; }
static inline uint32_t lattice_lub(const Lattice *l, uint32_t a, uint32_t b) { return l->lub[a * l->nelems + b]; }

/* ---- interfaces ------------------------------------------------------------------- */

typedef struct Contract {
    bool ensures;     /* else requires */
    const char *key_name;
    uint32_t nparams;
    uint32_t params[KEY_MAX_ARITY]; /* positions: input index, or nin + output index */
    const char *elem_name;
    const char *param_text; /* "x" or "a, b": the parameters as written */
    Span span;
} Contract;

typedef struct OpSig {
    const char *name;
    Effect eff;
    Contract *contracts;
    uint32_t ncontracts;
    Span span;
} OpSig;

typedef struct Interface {
    DEF_HEAD;
    OpSig *ops;
    uint32_t nops;
} Interface;

const OpSig *lookup_interface_op(const Interface *i, const char *name);

/* ---- modules ----------------------------------------------------------------------- */

typedef struct Port {
    const char *name;
    Interface *iface;
    bool exported;    /* else imported */
    Span span;
} Port;

typedef struct StateSlot {
    const char *name;
    TypeId type;
    Span span;
} StateSlot;

struct Machine;
struct Module;

/* An operation a module defines: for an exported port (port != NULL) or
 * private to the module. */
typedef struct OpDef {
    const char *name;
    Port *port;
    const OpSig *sig; /* the interface's signature, for exported ops */
    Effect eff;       /* sig->eff, or the private op's declared effect */
    const Node *def;
    Node *block;
    Body *body;       /* lowered over the module's scope; never written after */
    Body *verified;   /* the module version's own verification's annotated copy:
                       * what flattening inlines (NULL until verified) */
    struct Module *module;
} OpDef;

typedef struct Module {
    DEF_HEAD;
    struct Machine *impl;
    Port **ports;
    uint32_t nports;
    StateSlot *state;
    uint32_t nstate;
    OpDef **ops;
    uint32_t nops;
} Module;

const Port *lookup_module_port(const Module *m, const char *name, uint32_t *index);
OpDef *lookup_module_op(const Module *m, const Port *port, const char *name);
int lookup_state_slot(const Module *m, const char *name);

/* ---- components and machines -------------------------------------------------------- */

typedef struct Component Component;

typedef struct Link {
    Component *provider; /* NULL until linked */
    const Port *port;    /* the provider's exported port */
    Span span;
} Link;

struct Component {
    const char *name;
    Module *module;
    Value *state;        /* one slot per .state, zeroed at instantiation */
    Link *links;         /* one per port of the module; used for imports */
    struct Machine *machine;
    Span span;
};

typedef enum { MOP_PRIM, MOP_ALIAS } MachineOpKind;

/* An operation a machine offers: a core primitive, or an alias of an
 * exported operation of one of its (or its base's) components. */
typedef struct MachineOp {
    const char *name;
    MachineOpKind kind;
    Prim prim;
    Component *comp;
    OpDef *op;
    Span span; /* the .alias_operation that made it */
} MachineOp;

typedef struct Machine {
    DEF_HEAD;
    struct Machine *base; /* NULL for core-machine */
    Component **comps;
    uint32_t ncomps;
    MachineOp *ops;       /* base ops less hidden ones, plus aliases */
    uint32_t nops;
    bool open_to_untrusted;
    Vec interfaces_loaded, modules_loaded; /* unit names, for :show */
} Machine;

Machine *lookup_core_machine(void);
/* The machine a version names by its `over` (NULL: core-machine), as a
 * lookup sees it now; NULL if it no longer exists. */
Machine *lookup_machine_named(Workspace *ws, const char *name);
const MachineOp *lookup_machine_op(const Machine *m, const char *name);
Component *lookup_component(const Machine *m, const char *name);

#endif
