/* fuzz_session - whole live sessions: sequences of definitions,
 * redefinitions, code, stepped runs, relinks, trust and limit changes,
 * fed to a fast session and a checked twin side by side.
 *
 * Input format.  The input is split into lines.  A line that starts with
 * '@' is a generator line: its other bytes are a sequence of choices that
 * pick input templates from a palette (definitions of interfaces, modules,
 * machines and procedures in a few name and effect variants, several in
 * one input, redefinitions, typed code over the core and over the machine
 * in use, :step/:continue/:abandon/:trace, :link, :use, :trust, :set,
 * .load_modules, :module with top-level .define_operation) with small
 * integer parameters.  The generator reads the live session (the machine in
 * use, its operations, the procedures, interfaces and modules, the
 * simulated REPL stack) to make most of what it writes well typed, so runs
 * get deep.  Any other line is raw text, typed as is (commands that touch
 * files or lift limits are skipped; :set only within small bounds), so the
 * mutator can still find new syntax, and the transcripts of tests/ seed it.
 *
 * Oracles (abort() so libFuzzer reports):
 *  1. no crash, no sanitizer report;
 *  2. soundness: the checked twin never counts a violation (a check that
 *     verification should have made impossible failed), no :trace/:step in
 *     either session reports a divergence or a failed check, and a
 *     HAS_PARITY fact from the stdlib's parity-module is true of the value;
 *  3. an input rejected before running (an error other than a trap), or a
 *     :link --dry-run, changes nothing: definitions' current versions, the
 *     REPL stack and its VState, the machine in use, principal, module
 *     selection, limits, loaded units, the suspended run;
 *  4. the fast and checked sessions agree after every input: failed or not
 *     (and the error code), stack depth, types, int values, output, machine
 *     in use, suspended run.  Refs are compared by type only.  Half of the
 *     generated :trace inputs are given to the checked session only, the
 *     fast one running the same code plainly: a trace must end where a run
 *     ends (its own trace limit aside).  Out-of-fuel disagreements are
 *     reported only with XVM_FUZZ_FUEL_ORACLE=1 (fuel semantics are in
 *     flux); otherwise the differential oracle stops for the rest of that
 *     input.
 *
 * XVM_FUZZ_KNOWN="text|text" passes over findings whose description holds
 * one of the texts (checking stops for the rest of that input), so a triage
 * run can look past bugs already reported.
 * XVM_FUZZ_DUMP=FILE writes every line fed, after a header of :set lines
 * giving the fuzzer's limits, as a script for ./xvm-repl.  XVM_FUZZ_FUEL=N
 * changes the default fuel (100000). */
#define _GNU_SOURCE /* memmem */
#include "fuzz.h"

#include <stdarg.h>
#include <stdio.h>

#define MAX_LINES 160
#define MAX_DEPTH 48 /* generator's typed stack */
#define DEFAULT_FUEL 100000
#define BLOCK_WORDS (1u << 12)
/* No heap-limit: it counts the process's whole collected heap (both
 * sessions, the fuzzer's own data), so its traps would differ between the
 * twins by chance.  Block size and fuel bound what a run can allocate. */

/* ---- choices ----------------------------------------------------------------------- */

typedef struct Rd {
    const uint8_t *p;
    size_t n, i;
} Rd;

static unsigned rd(Rd *r) { return r->i < r->n ? r->p[r->i++] : 0; }
static unsigned pick(Rd *r, unsigned n) { return n ? rd(r) % n : 0; }
static bool flip(Rd *r, unsigned one_in) { return pick(r, one_in) == 0; }
#define PICK(r, arr) (arr)[pick((r), countof(arr))]

/* ---- the generator ------------------------------------------------------------------- */

/* An effect as type letters: "ii" -> "i". */
typedef struct Sig {
    const char *name;
    char in[9], out[9];
} Sig;

typedef struct Gen {
    Rd *r;
    Session *s; /* the fast session: what the generator reads */
    Buf *b;
    char st[MAX_DEPTH + 1];
    uint32_t depth, floor;
    int nest;
    const Machine *machine; /* whose operations code may use (NULL: core only) */
    bool in_module;
    const char *import_port; /* PORT.op in a module body */
    Sig imports[4];
    uint32_t nimports;
    const char *state_name;
    char state_type;
    bool helper; /* the module has a private op helper (x: int -> y: int) */
    Sig locals[4]; /* procedures defined by this input */
    uint32_t nlocals;
    bool ticks;
    const char *ret; /* a body's outputs: what a return needs (NULL: top level) */
} Gen;

static void out(Gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(Gen *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *t = gc_vprintf(fmt, ap);
    va_end(ap);
    buf_puts(g->b, t);
}

static const char *const proc_names[] = {"P0", "P1", "P2", "P3"};
static const char *const iface_names[] = {"I0", "I1", "I2"};
static const char *const module_names[] = {"M0", "M1", "M2"};
static const char *const machine_names[] = {"X0", "X1"};
static const char *const alias_names[] = {"go", "go2", "tadd", "op", "next", "go", "bump"};
static const int64_t ints[] = {0, 1, 2, 3, 5, 7, -1, -2, 8, 63, 64, 255, 1000000007, INT64_MAX, 4, 6};

static char tletter(TypeId t) { return t == TY_INT ? 'i' : t == TY_REF ? 'r' : '?'; }
static const char *tname(char t) { return t == 'r' ? "ref" : "int"; }

static bool effect_sig(const Effect *e, const char *name, Sig *out_sig)
{
    if (e->nin > 8 || e->nout > 8)
        return false;
    *out_sig = (Sig){.name = name};
    for (uint32_t i = 0; i < e->nin; i++)
        if ((out_sig->in[i] = tletter(e->in[i].type)) == '?')
            return false;
    for (uint32_t i = 0; i < e->nout; i++)
        if ((out_sig->out[i] = tletter(e->out[i].type)) == '?')
            return false;
    return true;
}

static void *live(Session *s, const char *name, DefKind k)
{
    Def *d = workspace_find_kind(s->ws, name, k);
    return d ? d->cur : NULL;
}

/* Mostly the name of something live of that kind, else one of the palette. */
static const char *live_name(Rd *r, Session *s, DefKind k, const char *const *palette, unsigned n)
{
    if (!flip(r, 4)) {
        const char *names[32];
        unsigned m = 0;
        Vec *defs = &s->ws->defs;
        for (uint32_t i = 0; i < defs->len && m < countof(names); i++) {
            Def *d = defs->items[i];
            if ((d->kind == k || k == DEF__COUNT) && d->cur)
                names[m++] = d->name;
        }
        if (m)
            return names[pick(r, m)];
    }
    return palette[pick(r, n)];
}
#define LIVE(g, k, palette) live_name((g)->r, (g)->s, (k), (palette), countof(palette))

static void tpush(Gen *g, char t)
{
    if (g->depth < MAX_DEPTH)
        g->st[g->depth] = t;
    g->depth++;
}
static void tpop(Gen *g, uint32_t n)
{
    g->depth = n > g->depth ? 0 : g->depth - n;
}
/* Type of item k from the top, or 0 if it is below the floor. */
static char ttop(const Gen *g, uint32_t k)
{
    if (g->depth < g->floor + k + 1 || g->depth - k - 1 >= MAX_DEPTH)
        return 0;
    return g->st[g->depth - k - 1];
}
static void tset(Gen *g, uint32_t k, char t)
{
    if (g->depth >= k + 1 && g->depth - k - 1 < MAX_DEPTH)
        g->st[g->depth - k - 1] = t;
}
static uint32_t above(const Gen *g) { return g->depth > g->floor ? g->depth - g->floor : 0; }

static void push_int(Gen *g)
{
    int64_t v = PICK(g->r, ints);
    if (flip(g->r, 8))
        v = -v - 1;
    out(g, "push int(%lld); ", (long long)v);
    tpush(g, 'i');
}
static void push_small(Gen *g)
{
    out(g, "push int(%u); ", pick(g->r, 5));
    tpush(g, 'i');
}
static void push_type(Gen *g, char t)
{
    if (t == 'r') {
        out(g, "push int(%u); alloc; ", pick(g->r, 4));
        tpush(g, 'r');
    } else
        push_int(g);
}

/* Pop down to the floor. */
static void drain(Gen *g)
{
    while (g->depth > g->floor) {
        out(g, "pop; ");
        tpop(g, 1);
    }
}

/* End with exactly the types of target above the floor. */
static void conform(Gen *g, const char *target)
{
    uint32_t n = (uint32_t)strlen(target);
    while (above(g) > n) {
        out(g, "pop; ");
        tpop(g, 1);
    }
    bool ok = above(g) == n;
    for (uint32_t i = 0; ok && i < n; i++)
        ok = g->depth - n + i < MAX_DEPTH && g->st[g->depth - n + i] == target[i];
    if (ok)
        return;
    drain(g);
    for (uint32_t i = 0; i < n; i++)
        push_type(g, target[i]);
}

/* Arguments for an effect: the items on top if their types fit (sometimes),
 * else fresh ones; then the effect. */
static void apply_sig(Gen *g, const Sig *sig, const char *text)
{
    uint32_t n = (uint32_t)strlen(sig->in);
    bool fits = above(g) >= n;
    for (uint32_t i = 0; fits && i < n; i++)
        fits = ttop(g, n - 1 - i) == sig->in[i];
    if (!fits || flip(g->r, 3))
        for (uint32_t i = 0; i < n; i++)
            push_type(g, sig->in[i]);
    out(g, "%s ", text);
    tpop(g, n);
    for (const char *t = sig->out; *t; t++)
        tpush(g, *t);
}

/* Procedures this code could call: live ones and this input's. */
static bool callable_proc(Gen *g, Sig *out_sig)
{
    Sig cands[16];
    uint32_t n = 0;
    for (uint32_t i = 0; i < g->nlocals && n < countof(cands); i++)
        cands[n++] = g->locals[i];
    Vec *defs = &g->s->ws->defs;
    for (uint32_t i = 0; i < defs->len && n < countof(cands); i++) {
        Def *d = defs->items[i];
        if (d->kind == DEF_PROC && d->cur && effect_sig(&((ProcVersion *)d->cur)->eff, d->name, &cands[n]))
            n++;
    }
    if (!n)
        return false;
    *out_sig = cands[pick(g->r, n)];
    return true;
}

static bool machine_alias(Gen *g, Sig *out_sig)
{
    if (!g->machine)
        return false;
    Sig cands[16];
    uint32_t n = 0;
    for (uint32_t i = 0; i < g->machine->nops && n < countof(cands); i++) {
        const MachineOp *op = &g->machine->ops[i];
        if (op->kind == MOP_ALIAS && op->op && effect_sig(&op->op->eff, op->name, &cands[n]))
            n++;
    }
    if (!n)
        return false;
    *out_sig = cands[pick(g->r, n)];
    return true;
}

static const Key *some_key(Gen *g)
{
    Vec *keys = &g->s->ws->keys;
    if (!keys->len)
        return NULL;
    const Key *k = keys->items[pick(g->r, keys->len)];
    return k && k->lat && k->lat->nelems && k->arity == 1 ? k : NULL;
}

static void gen_ops(Gen *g, unsigned n);

static void gen_block(Gen *g, bool unbalanced)
{
    uint32_t saved_floor = g->floor, saved_depth = g->depth;
    g->floor = g->depth;
    g->nest++;
    gen_ops(g, 1 + pick(g->r, 3));
    drain(g);
    if (unbalanced)
        push_small(g);
    g->nest--;
    g->floor = saved_floor;
    g->depth = saved_depth;
}

static const char *const binops[] = {"add", "sub", "mul", "div", "mod", "and", "or",
                                     "xor", "shl", "shr", "eq",  "ne",  "lt",  "ge"};
static const char *const wild_ops[] = {"pop", "dup", "swap", "add", "load", "store", "alloc", "size", "print",
                                       "call P0", "go", "tadd", "pdouble", "pinc", "return", "load_ref",
                                       "store_ref", "state_get cnt", "q.op", "jump l", "label l", "pick 3"};

static void gen_op(Gen *g)
{
    Rd *r = g->r;
    unsigned c = pick(r, 32);
    if (c == 31 && flip(r, 2)) { /* anything at all: mostly a rejection */
        out(g, "%s; ", PICK(r, wild_ops));
        return;
    }
    char t0 = ttop(g, 0), t1 = ttop(g, 1), t2 = ttop(g, 2);
    Sig sig;
    switch (c) {
    case 0: case 1: case 2: push_int(g); return;
    case 3: if (t0) { out(g, "pop; "); tpop(g, 1); return; } break;
    case 4: if (t0) { out(g, "dup; "); tpush(g, t0); return; } break;
    case 5: if (t0 && t1) { out(g, "swap; "); tset(g, 0, t1), tset(g, 1, t0); return; } break;
    case 6: if (t0 && t1) { out(g, "over; "); tpush(g, t1); return; } break;
    case 7: if (t0 && t1 && t2) { out(g, "rot; "); tset(g, 2, t1), tset(g, 1, t0), tset(g, 0, t2); return; } break;
    case 8: if (above(g)) { unsigned k = pick(r, above(g)); out(g, "pick %u; ", k); tpush(g, ttop(g, k)); return; } break;
    case 9: case 10: case 11:
        if (t0 == 'i' && t1 == 'i') {
            out(g, "%s; ", PICK(r, binops));
            tpop(g, 1);
            return;
        }
        if (t0 == 'i') {
            out(g, "%s; ", flip(r, 2) ? "neg" : "not");
            return;
        }
        break;
    case 12: push_type(g, 'r'); return;
    case 13:
        if (t0 == 'r') { out(g, "push int(%u); load; ", pick(r, 4)); tset(g, 0, 'i'); return; }
        if (t0 == 'i' && t1 == 'r') { out(g, "load; "); tpop(g, 2); tpush(g, 'i'); return; }
        break;
    case 14:
        if (t0 == 'r' && t1 == 'i') { out(g, "push int(%u); store; ", pick(r, 4)); tpop(g, 2); return; }
        if (t0 == 'i' && t1 == 'r' && t2 == 'i') { out(g, "store; "); tpop(g, 3); return; }
        if (t0 == 'r') { out(g, "dup; size; swap; push int(0); store; "); tpop(g, 1); return; }
        break;
    case 15:
        if (t0 == 'r' && t1 == 'r') { out(g, "push int(%u); store_ref; ", pick(r, 3)); tpop(g, 2); return; }
        if (t0 == 'r') { out(g, "push int(%u); load_ref; ", pick(r, 3)); return; }
        break;
    case 16: if (t0 == 'r') { out(g, "size; "); tset(g, 0, 'i'); return; } break;
    case 17: if (t0) { out(g, "print; "); tpop(g, 1); return; } break;
    case 18: if (t0 == 'i' && flip(r, 4)) { out(g, "push int(255); and; emit; "); tpop(g, 1); return; } break;
    case 19: case 20:
        if (g->nest < 2) {
            if (t0 != 'i')
                push_small(g);
            out(g, "if { ");
            tpop(g, 1);
            unsigned v = pick(r, 16);
            bool extra = v == 0; /* both branches push: the stack grows */
            gen_block(g, extra || v == 1);
            out(g, "}, { ");
            gen_block(g, extra || v == 2);
            out(g, "}; ");
            if (extra)
                tpush(g, 'i');
            return;
        }
        break;
    case 21:
        if (g->nest < 2) {
            unsigned v = pick(r, 16);
            if (v == 0 && flip(r, 4)) { /* until the fuel runs out */
                out(g, "while { push int(1); }, { }; ");
                return;
            }
            out(g, "push int(%u); while { dup; push int(0); gt; }, { ", pick(r, 6));
            tpush(g, 'i');
            gen_block(g, v == 1);
            out(g, "push int(1); sub; }; pop; ");
            tpop(g, 1);
            return;
        }
        break;
    case 22: case 23: case 24:
        if (callable_proc(g, &sig)) {
            apply_sig(g, &sig, gc_printf("call %s;", sig.name));
            return;
        }
        break;
    case 25: case 26:
        if (machine_alias(g, &sig)) {
            apply_sig(g, &sig, gc_printf("%s;", sig.name));
            return;
        }
        break;
    case 27:
        if (g->in_module && g->nimports) {
            Sig *s = &g->imports[pick(r, g->nimports)];
            apply_sig(g, s, gc_printf("%s.%s;", g->import_port, s->name));
            return;
        }
        if (g->in_module && g->helper && flip(r, 2)) {
            Sig h = {.name = "helper", .in = "i", .out = "i"};
            apply_sig(g, &h, "helper;");
            return;
        }
        break;
    case 28:
        if (g->in_module && g->state_name) {
            if (t0 == g->state_type && flip(r, 2)) {
                out(g, "state_set %s; ", g->state_name);
                tpop(g, 1);
            } else {
                out(g, "state_get %s; ", g->state_name);
                tpush(g, g->state_type);
            }
            return;
        }
        break;
    case 29: case 30:
        if (t0 && (g->ticks || g->in_module)) {
            const Key *k = some_key(g);
            const char *kn = k ? k->name : "HAS_PARITY", *ln = k ? k->lat->name : "PARITY";
            const char *en = k ? k->lat->elems[pick(r, k->lat->nelems)] : "EVEN";
            switch (pick(r, 4)) {
            case 0: out(g, "'push_key %s; 'push_id 0; 'make_key 2; 'lookup; 'pop; ", kn); break;
            case 1: out(g, "'push_key %s; 'push_id 0; 'make_key 2; 'push_val %s, %s; 'make_val 1; 'define; ", kn, ln, en); break;
            case 2: out(g, "'push_key %s; 'push_id 0; 'make_key 2; 'push_val %s, %s; 'make_val 1; 'require \"r\"; ", kn, ln, en); break;
            default:
                out(g, "'push_key %s; 'push_id 0; 'make_key 2; 'lookup; 'expand_val; 'if_at_most %s, %s, { 'push_val %s, %s; 'pop; }, { }; ",
                    kn, ln, en, ln, en);
            }
            return;
        }
        break;
    case 31:
        if (g->ret && g->nest == 0 && flip(r, 2)) {
            conform(g, g->ret);
            out(g, "return; ");
            return;
        }
        break;
    }
    push_int(g);
}

static void gen_ops(Gen *g, unsigned n)
{
    for (unsigned i = 0; i < n && g->b->len < 4000; i++)
        gen_op(g);
}

static Gen gen_new(Rd *r, Session *s, Buf *b)
{
    Gen g = {.r = r, .s = s, .b = b, .machine = s->machine};
    return g;
}

static void gen_body(Gen *g, const Sig *sig)
{
    g->depth = 0;
    g->floor = 0;
    g->ret = sig->out;
    for (const char *t = sig->in; *t; t++)
        tpush(g, *t);
    gen_ops(g, pick(g->r, 6));
    if (!flip(g->r, 12))
        conform(g, sig->out);
}

/* Code over the machine in use, from the REPL's simulated stack. */
static void gen_code(Gen *g, unsigned nops)
{
    const VState *vs = g->s->vs;
    g->depth = 0;
    g->floor = 0;
    uint32_t from = vs->depth > 12 ? vs->depth - 12 : 0; /* the generator looks at the top few */
    for (uint32_t i = from; i < vs->depth; i++)
        tpush(g, tletter(vs->items[i].type) == 'r' ? 'r' : tletter(vs->items[i].type) == 'i' ? 'i' : 0);
    g->floor = 0;
    g->ticks = true;
    gen_ops(g, nops);
    if (flip(g->r, 2))
        drain(g);
    if (g->depth > 12 && flip(g->r, 2))
        conform(g, "");
}

/* ---- definitions ------------------------------------------------------------------------ */

typedef struct IfaceVariant {
    const char *text;
    Sig ops[2];
} IfaceVariant;

static const IfaceVariant iface_variants[] = {
    {".operation op, (a: int, b: int -> r: int);", {{"op", "ii", "i"}}},
    {".operation op, (a: int -> r: int);", {{"op", "i", "i"}}},
    {".operation op, (a: int, b: int -> r: int); .operation op2, ( -> r: int);", {{"op", "ii", "i"}, {"op2", "", "i"}}},
    {".operation op, (a: int, b: int -> r: ref);", {{"op", "ii", "r"}}},
    {".operation op, (a: int, b: int -> r: int), requires HAS_PARITY(a) <= EVEN;", {{"op", "ii", "i"}}},
    {".operation op, (a: int, b: int -> r: int), ensures HAS_PARITY(r) <= EVEN;", {{"op", "ii", "i"}}},
    {".operation op, (r: ref -> n: int);", {{"op", "r", "i"}}},
    {".operation op, ( -> );", {{"op", "", ""}}},
    {".operation op, (x: int -> y: int), ensures HAS_PARITY(y) <= ODD;", {{"op", "i", "i"}}},
};

/* The operations of an interface: as this input defines it, or live. */
static uint32_t iface_ops(Gen *g, const char *name, int variant, Sig *ops)
{
    if (variant >= 0) {
        const IfaceVariant *v = &iface_variants[variant];
        uint32_t n = 0;
        for (uint32_t i = 0; i < 2 && v->ops[i].name; i++)
            ops[n++] = v->ops[i];
        return n;
    }
    const Interface *i = live(g->s, name, DEF_INTERFACE);
    uint32_t n = 0;
    for (uint32_t k = 0; i && k < i->nops && n < 4; k++)
        if (effect_sig(&i->ops[k].eff, i->ops[k].name, &ops[n]))
            n++;
    if (!n)
        ops[n++] = (Sig){"op", "ii", "i"};
    return n;
}

static int gen_interface(Gen *g, const char *name)
{
    int v = (int)pick(g->r, countof(iface_variants));
    out(g, ".define_interface %s, { %s }; ", name, iface_variants[v].text);
    return v;
}

static const char *const module_bases[] = {"core-machine", "core-machine", "parity-machine", "X0", "X1"};

/* .define_module NAME over BASE exporting p of EXPORTED, perhaps importing q of IMPORTED. */
static void gen_module_as(Gen *g, const char *name, const char *exported, int ev, const char *imported, int iv)
{
    Rd *r = g->r;
    const char *base = flip(r, 3) ? "core-machine" : LIVE(g, DEF_MACHINE, module_bases);
    if (!strcmp(base, "parity-machine") && !live(g->s, base, DEF_MACHINE) && !flip(r, 4))
        out(g, ".load_modules parity-machine; ");
    out(g, ".define_module %s, %s, { ", name, base);
    Gen m = gen_new(r, g->s, g->b);
    m.in_module = true;
    m.machine = strcmp(base, "core-machine") ? live(g->s, base, DEF_MACHINE) : NULL;
    if (imported) {
        out(g, ".imports q, %s; ", imported);
        m.import_port = "q";
        m.nimports = iface_ops(g, imported, iv, m.imports);
    }
    out(g, ".exports p, %s; ", exported);
    if (flip(r, 3)) {
        m.state_type = flip(r, 3) ? 'r' : 'i';
        m.state_name = "cnt";
        out(g, ".state cnt, %s; ", tname(m.state_type));
    }
    if (flip(r, 4)) {
        out(g, ".define_operation helper, (x: int -> y: int), { ");
        Sig h = {"helper", "i", "i"};
        gen_body(&m, &h);
        out(g, "}; ");
        m.helper = true;
    }
    Sig ops[4];
    uint32_t n = iface_ops(g, exported, ev, ops);
    for (uint32_t i = 0; i < n; i++) {
        if (flip(r, 16)) /* leave one out */
            continue;
        out(g, ".define_operation port(p), %s, { ", ops[i].name);
        gen_body(&m, &ops[i]);
        out(g, "}; ");
    }
    out(g, "}; ");
}

static void gen_module(Gen *g, const char *name)
{
    const char *imp = flip(g->r, 3) ? LIVE(g, DEF_INTERFACE, iface_names) : NULL;
    gen_module_as(g, name, LIVE(g, DEF_INTERFACE, iface_names), -1, imp, -1);
}

static const char *const comp_modules[] = {"M0", "M1", "M2", "M0", "counter-module", "core-wrappers-module",
                                           "do-as-ternary-module", "parity-module"};

static const Port *nth_port(const Module *m, bool exported, unsigned k)
{
    uint32_t n = 0;
    for (uint32_t i = 0; m && i < m->nports; i++)
        n += m->ports[i]->exported == exported;
    if (!n)
        return NULL;
    k %= n;
    for (uint32_t i = 0; i < m->nports; i++)
        if (m->ports[i]->exported == exported && !k--)
            return m->ports[i];
    return NULL;
}

static void gen_machine(Gen *g, const char *name)
{
    Rd *r = g->r;
    static const char *const bases[] = {"core-machine", "core-machine", "parity-machine", "X0", "X1",
                                        "extended-machine", "counting"};
    const char *base = flip(r, 3) ? "core-machine" : LIVE(g, DEF_MACHINE, bases);
    if (!strcmp(base, name) && !flip(r, 8))
        base = "core-machine";
    if (!strcmp(base, "parity-machine") && !live(g->s, base, DEF_MACHINE) && !flip(r, 4))
        out(g, ".load_modules parity-machine; ");
    out(g, ".define_machine %s, %s, { ", name, base);
    if (flip(r, 3))
        out(g, ".access untrusted; ");
    if (flip(r, 8))
        out(g, ".load_modules parity-machine; ");
    unsigned nc = 1 + pick(r, 3);
    const Module *mods[3];
    for (unsigned k = 0; k < nc; k++) {
        const char *mn = LIVE(g, DEF_MODULE, comp_modules);
        mods[k] = live(g->s, mn, DEF_MODULE);
        out(g, ".instantiate %s, c%u; ", mn, k);
    }
    for (unsigned k = 0; k < nc; k++) {
        const Port *imp = nth_port(mods[k], false, rd(r));
        if (!imp && !(mods[k] == NULL && flip(r, 2)))
            continue;
        unsigned j = pick(r, nc);
        const Port *exp = nth_port(mods[j], true, rd(r));
        out(g, ".link (c%u, %s), (c%u, %s); ", j, exp ? exp->name : "p", k, imp ? imp->name : "q");
    }
    for (unsigned k = 0; k < nc; k++) {
        const Port *exp = nth_port(mods[k], true, rd(r));
        if (!exp && !(mods[k] == NULL && flip(r, 2)))
            continue;
        const char *opn = exp && exp->iface && exp->iface->nops ? exp->iface->ops[pick(r, exp->iface->nops)].name : "op";
        out(g, ".alias_operation c%u, %s, %s, %s; ", k, exp ? exp->name : "p", opn, PICK(r, alias_names));
    }
    if (flip(r, 8))
        out(g, ".hide %s; ", flip(r, 2) ? "add" : "pick");
    out(g, "}; ");
}

static const Sig proc_effects[] = {
    {NULL, "", "i"}, {NULL, "i", "i"}, {NULL, "ii", "i"}, {NULL, "", "r"},
    {NULL, "r", "i"}, {NULL, "", ""},  {NULL, "i", ""},   {NULL, "r", "r"},
};

static void effect_text(Gen *g, const Sig *s)
{
    out(g, "(");
    for (const char *t = s->in; *t; t++)
        out(g, "%sa%d: %s", t == s->in ? "" : ", ", (int)(t - s->in), tname(*t));
    out(g, " -> ");
    for (const char *t = s->out; *t; t++)
        out(g, "%sr%d: %s", t == s->out ? "" : ", ", (int)(t - s->out), tname(*t));
    out(g, ")");
}

static void gen_proc_header(Gen *g, const char *name, Sig *sig)
{
    *sig = proc_effects[pick(g->r, countof(proc_effects))];
    sig->name = name;
    if (g->nlocals < countof(g->locals))
        g->locals[g->nlocals++] = *sig;
}

static void gen_proc_body(Gen *g, const Sig *sig)
{
    out(g, ".define_procedure %s, ", sig->name);
    effect_text(g, sig);
    out(g, ", { ");
    Gen p = *g;
    p.nest = 0;
    p.ticks = false;
    gen_body(&p, sig);
    out(g, "}; ");
}

static void gen_proc(Gen *g)
{
    Sig sig;
    gen_proc_header(g, PICK(g->r, proc_names), &sig);
    gen_proc_body(g, &sig);
}

static const char *const counter_text[] = {
    ".define_interface counter, { .operation next, ( -> n: int); };",
    ".define_interface counter, { .operation next, (x: int -> n: int); };",
    ".define_module counter-module, core-machine, { .exports ctr, counter; .state count, int; .define_operation port(ctr), next, { state_get count; push int(1); add; dup; state_set count; }; };",
    ".define_module counter-module, core-machine, { .exports ctr, counter; .state count, int; .define_operation port(ctr), next, { state_get count; push int(10); add; dup; state_set count; }; };",
    ".define_module counter-module, core-machine, { .exports ctr, counter; .state count, ref; .define_operation port(ctr), next, { state_get count; size; }; };",
    ".define_machine counting, core-machine, { .instantiate counter-module, c; .alias_operation c, ctr, next, next; };",
    ".define_machine counting, core-machine, { .access untrusted; .instantiate counter-module, c; .alias_operation c, ctr, next, tick; };",
};

/* Declared types (issue 16): a pool of blocks (ref, linear or not), tokens
 * (int), holders of them in state slots, each world in one input (a unit's
 * types are declared before the interfaces that name them), redefinitions
 * that make a type linear or change its representation, and code that
 * uses the values well and badly (dup, pop, print of an abstract value, a
 * slot taken twice).  The typed generator leaves declared types alone
 * (effect_sig): these inputs come from this palette only. */
#define POOL_IF ".define_interface pool, { .operation new, (n: int -> b: block); .operation free, (b: block -> ); .operation words, (b: block -> b: block, n: int); }; "
#define POOL_MOD(TYPE, NEW, FREE, WORDS) ".define_module pool-module, core-machine, { .define_type block, " TYPE "; .exports p, pool; .define_operation port(p), new, { " NEW " }; .define_operation port(p), free, { " FREE " }; .define_operation port(p), words, { " WORDS " }; }; "
#define POOL_MACH ".define_machine pool-machine, core-machine, { .access untrusted; .instantiate pool-module, pm; .alias_operation pm, p, new, new; .alias_operation pm, p, free, free; .alias_operation pm, p, words, words; };"
static const char *const type_worlds[] = {
    POOL_IF POOL_MOD("ref, linear", "alloc;", "pop;", "dup; size;") POOL_MACH,
    POOL_IF POOL_MOD("ref", "alloc;", "pop;", "dup; size;") POOL_MACH,
    POOL_IF POOL_MOD("int, linear", "", "pop;", "dup;") POOL_MACH,
    POOL_IF POOL_MOD("int", "push int(7); add;", "pop;", "dup; push int(7); sub;") POOL_MACH,
    POOL_IF POOL_MOD("ref, linear", "push int(1); add; alloc;", "pop;", "dup; size;"),
    ".define_interface toki, { .operation mk, (n: int -> t: tok); .operation val, (t: tok -> n: int); }; .define_module tm, core-machine, { .define_type tok, int; .exports p, toki; .define_operation port(p), mk, { push int(1000); add; }; .define_operation port(p), val, { push int(1000); sub; }; }; .define_machine tmach, core-machine, { .access untrusted; .instantiate tm, t; .alias_operation t, p, mk, mk; .alias_operation t, p, val, val; };",
    ".define_interface toki, { .operation mk, (n: int -> t: tok); .operation val, (t: tok -> n: int); }; .define_module tm, core-machine, { .define_type tok, ref; .exports p, toki; .define_operation port(p), mk, { alloc; }; .define_operation port(p), val, { size; }; };",
    ".define_interface holder, { .operation put, (b: block -> ); .operation take, ( -> b: block); }; .define_module holder-module, pool-machine, { .exports h, holder; .state slot, block; .define_operation port(h), put, { state_get slot; free; state_set slot; }; .define_operation port(h), take, { state_get slot; push int(2); new; state_set slot; }; }; .define_machine hm, pool-machine, { .instantiate holder-module, hc; .alias_operation hc, h, put, put; .alias_operation hc, h, take, take; .access untrusted; };",
    ".define_interface holder, { .operation put, (b: block -> ); .operation take, ( -> b: block); }; .define_module holder-module, pool-machine, { .exports h, holder; .state slot, block; .define_operation port(h), put, { state_set slot; }; .define_operation port(h), take, { state_get slot; }; };",
    ".define_interface holder, { .operation put, (b: block -> ); .operation take, ( -> b: block); }; .define_module holder-module, pool-machine, { .exports h, holder; .state slot, block; .state n, int; .define_operation port(h), put, { state_get slot; swap; state_set slot; words; state_get n; add; state_set n; free; }; .define_operation port(h), take, { push int(3); new; state_get slot; swap; state_set slot; }; }; .define_machine hm, pool-machine, { .instantiate holder-module, hc; .alias_operation hc, h, put, put; .alias_operation hc, h, take, take; };",
    ".define_type stok, int; .define_procedure smk, (n: int -> t: stok), { push int(3); mul; }; .define_procedure sval, (t: stok -> n: int), { };",
    ".define_type stok, int, linear; .define_procedure smk, (n: int -> t: stok), { }; .define_procedure sval, (t: stok -> n: int), { };",
    ".define_procedure keep2, (b: block -> b: block, c: block), { dup; };",
    ".define_procedure size-of, (b: block -> b: block, n: int), { words; };",
    ".define_procedure maybe-free, (b: block, c: int -> ), { if { free; }, { words; print; free; }; };",
    ".define_procedure roundtrip, (n: int -> n: int), { mk; val; };",
};
static const char *const type_code[] = {
    "push int(3); new; words; print; free;", "push int(3); new;", "free;", "words; print;", "push int(2); new; dup;",
    "push int(2); new; pop;", "push int(4); new; print;", "push int(5); mk; val; print;", "push int(5); mk;",
    "val; print;", "print;", "dup; print;", "take; words; print; free;", "push int(6); new; put;", "take;",
    "put;", "push int(2); call smk; call sval; print;", "push int(2); call smk;", "call sval; print;",
    "push int(3); new; call size-of; print; free;", "push int(3); new; push int(0); call maybe-free;",
    "push int(3); call roundtrip; print;", "push int(1); if { push int(2); new; }, { push int(3); new; }; free;",
    "push int(3); new; push int(1); while { dup; }, { pop; push int(0); }; free;", "swap;", "pop;",
    "free; push int(1); push int(0); div;", "push int(2); new; free; push int(0); push int(0); div;",
    "take; push int(1); push int(0); div;",
};
static const char *const type_cmds[] = {":step free;", ":step take; free;", ":step push int(2); new; free;", ":step",
                                        ":step", ":abandon", ":continue", ":facts", ":stack"};
static const char *const type_uses[] = {":use pool-machine", ":use tmach", ":use hm", ":use core-machine"};

static const char *const extended_text[] = {
    ".define_machine extended-machine, core-machine, { .load_interfaces binary-int-op, ternary-int-op; .load_modules do-as-ternary-module, core-wrappers; .instantiate do-as-ternary-module, ternary-add-instance; .instantiate core-wrappers-module, core-wrappers-instance; .link (core-wrappers-instance, binary-add-port), (ternary-add-instance, binary-op-port); .alias_operation ternary-add-instance, ternary-op-port, op, tadd; };",
    ".define_machine extended-machine, parity-machine, { .load_interfaces binary-int-op, ternary-int-op; .load_modules do-as-ternary-module, core-wrappers; .instantiate do-as-ternary-module, t; .instantiate core-wrappers-module, w; .link (w, binary-mul-port), (t, binary-op-port); .alias_operation t, ternary-op-port, op, tadd; .alias_operation w, binary-sub-port, op, bsub; };",
    ".define_machine extended-machine, core-machine, { .load_interfaces binary-int-op, ternary-int-op; .load_modules do-as-ternary-module, core-wrappers; .instantiate do-as-ternary-module, t1; .instantiate do-as-ternary-module, t2; .instantiate core-wrappers-module, w; .link (w, binary-div-port), (t1, binary-op-port); .link (w, binary-add-port), (t2, binary-op-port); .alias_operation t1, ternary-op-port, op, tadd; .alias_operation t2, ternary-op-port, op, tadd2; };",
};

static const char *const lattice_text[] = {
    ".define_lattice L0, { A < T; B < T; };",
    ".define_lattice L0, { A < B; B < T; };",
    ".define_lattice L0, { A < T; };",
    ".define_lattice L0, { A < T; B < T; C < B; };",
    ".define_key K0, L0;",
    ".define_key K0, L0, 2;",
    ".define_key K1, PARITY;",
    ".define_lattice L0, { A < T; B < T; }; .define_key K0, L0;",
};

static const char *const units[] = {"parity-machine", "core-wrappers", "do-as-ternary-module", "parity-module",
                                    "parity-machine"};

/* ---- commands ------------------------------------------------------------------------------ */

static void gen_link(Gen *g)
{
    Rd *r = g->r;
    const Machine *m = g->s->machine;
    const char *dry = flip(r, 5) ? "--dry-run " : "";
    if (!m->ncomps || flip(r, 10)) {
        out(g, ":link %s(c%u, p), (c%u, q)", dry, pick(r, 2), pick(r, 2));
        return;
    }
    const Component *cons = m->comps[pick(r, m->ncomps)];
    const Component *prov = m->comps[pick(r, m->ncomps)];
    const Port *imp = nth_port(cons->module, false, rd(r));
    const Port *exp = nth_port(prov->module, true, rd(r));
    out(g, ":link %s(%s, %s), (%s, %s)", dry, prov->name, exp ? exp->name : "p", cons->name, imp ? imp->name : "q");
}

static void gen_set(Gen *g)
{
    Rd *r = g->r;
    static const unsigned stack[] = {16, 17, 20, 24, 32, 64, 4096};
    static const unsigned fuel[] = {1, 2, 5, 20, 100, 1000, 20000};
    static const unsigned depth[] = {1, 2, 3, 4, 8, 64, 512};
    static const unsigned trace[] = {1, 2, 3, 5, 10, 100, 2000};
    static const unsigned budget[] = {1, 10, 50, 200, 1000, 200000};
    static const unsigned block[] = {0, 1, 2, 4, 4096};
    static const unsigned tick[] = {1, 2, 3, 4, 64};
    static const unsigned opnest[] = {1, 2, 3, 256};
    switch (pick(r, 12)) {
    case 0: case 1: case 2: out(g, ":set stack %u", PICK(r, stack)); break;
    case 3: case 4: out(g, ":set fuel %u", PICK(r, fuel)); break;
    case 5: case 6: out(g, ":set call-depth %u", PICK(r, depth)); break;
    case 7: out(g, ":set trace-limit %u", PICK(r, trace)); break;
    case 8: out(g, ":set verify-budget %u", PICK(r, budget)); break;
    case 9: case 10: out(g, ":set block-words %u", PICK(r, block)); break;
    default: out(g, flip(r, 2) ? ":set tick-stack %u" : ":set op-nesting %u", flip(r, 2) ? PICK(r, tick) : PICK(r, opnest));
    }
}

static const char *const use_names[] = {"core", "core-machine", "parity-machine", "X0", "X1", "extended-machine",
                                        "counting", "X0"};
static const char *const inspect[] = {":stack", ":facts", ":machines", ":modules", ":procedures", ":interfaces"};
static const char *const named[] = {"P0", "P1", "I0", "M0", "M1", "X0", "X1", "parity-machine", "counter-module",
                                    "extended-machine", "go", "L0", "K0"};

typedef enum {
    TP_CODE, TP_PROC, TP_PROC2, TP_IFACE, TP_MODULE, TP_MACHINE, TP_MULTI, TP_COUNTER, TP_EXTENDED, TP_LOAD, TP_LATTICE,
    TP_STEPCODE, TP_STEP, TP_CONTINUE, TP_ABANDON, TP_TRACE, TP_LINK, TP_USE, TP_TRUST, TP_SET, TP_MODSEL, TP_DEFOP,
    TP_INSPECT, TP_RAW, TP_REPEAT, TP_TYPES, TP__COUNT
} Template;

static const uint8_t weights[TP__COUNT] = {
    [TP_CODE] = 36,  [TP_PROC] = 24,    [TP_PROC2] = 8,    [TP_IFACE] = 10,   [TP_MODULE] = 14, [TP_MACHINE] = 14,
    [TP_MULTI] = 16, [TP_COUNTER] = 5,  [TP_EXTENDED] = 4, [TP_LOAD] = 6,     [TP_LATTICE] = 6, [TP_STEPCODE] = 14,
    [TP_STEP] = 12,  [TP_CONTINUE] = 6, [TP_ABANDON] = 3,  [TP_TRACE] = 10,   [TP_LINK] = 10,   [TP_USE] = 10,
    [TP_TRUST] = 5,  [TP_SET] = 8,      [TP_MODSEL] = 6,   [TP_DEFOP] = 10,   [TP_INSPECT] = 3, [TP_RAW] = 4,
    [TP_REPEAT] = 8, [TP_TYPES] = 4, /* the total stays 256: one byte picks, as before */
};

static Template choose(Rd *r)
{
    unsigned total = 0;
    for (int i = 0; i < TP__COUNT; i++)
        total += weights[i];
    unsigned x = pick(r, total);
    for (int i = 0; i < TP__COUNT; i++) {
        if (x < weights[i])
            return (Template)i;
        x -= weights[i];
    }
    return TP_CODE;
}

typedef struct History {
    const char *items[8];
    unsigned n;
} History;

/* One generated input (a line), or NULL at the end of the choices. */
static const char *generate(Rd *r, Session *s, History *h, const char **twin)
{
    *twin = NULL;
    if (r->i >= r->n)
        return NULL;
    Buf b = {0};
    Gen g = gen_new(r, s, &b);
    Template t = choose(r);
    bool is_def = true;
    /* Steer away from what the state makes pointless, most of the time. */
    bool runs = t == TP_CODE || t == TP_STEPCODE || t == TP_TRACE || t == TP_PROC;
    if (s->principal == PRINCIPAL_UNTRUSTED && !s->machine->open_to_untrusted && runs && flip(r, 2))
        t = flip(r, 2) ? TP_TRUST : TP_USE;
    if (s->active && (t == TP_CODE || t == TP_STEPCODE || t == TP_TRACE) && !flip(r, 4)) {
        /* a run is suspended: change the world under it, or go on with it */
        static const Template during[] = {TP_PROC,  TP_PROC,  TP_STEP,  TP_CONTINUE, TP_MULTI,  TP_LINK,  TP_SET,
                                          TP_ABANDON, TP_MODULE, TP_DEFOP, TP_MACHINE,  TP_TRUST, TP_USE, TP_STEP,
                                          TP_COUNTER, TP_IFACE};
        t = PICK(r, during);
    } else if (!s->active && (t == TP_STEP || t == TP_CONTINUE || t == TP_ABANDON) && !flip(r, 4))
        t = TP_STEPCODE;
    if (t == TP_DEFOP && !s->module_sel && !flip(r, 4))
        t = TP_MODSEL;
    if (t == TP_LINK && !s->machine->ncomps && !flip(r, 4))
        t = TP_USE;
    switch (t) {
    case TP_CODE: gen_code(&g, 1 + pick(r, 6)); is_def = false; break;
    case TP_PROC: gen_proc(&g); break;
    case TP_PROC2: {
        Sig a, c;
        unsigned k = pick(r, countof(proc_names));
        gen_proc_header(&g, proc_names[k], &a);
        gen_proc_header(&g, proc_names[(k + 1 + pick(r, 3)) % countof(proc_names)], &c);
        gen_proc_body(&g, &a);
        gen_proc_body(&g, &c);
        if (flip(r, 2))
            gen_code(&g, 1 + pick(r, 3));
        break;
    }
    case TP_IFACE: gen_interface(&g, PICK(r, iface_names)); break;
    case TP_MODULE: gen_module(&g, PICK(r, module_names)); break;
    case TP_MACHINE: gen_machine(&g, PICK(r, machine_names)); break;
    case TP_MULTI: /* a redefinition with its dependants in the same input */
        switch (pick(r, 5)) {
        case 0: {
            const char *in = PICK(r, iface_names);
            int v = gen_interface(&g, in);
            gen_module_as(&g, PICK(r, module_names), in, v, NULL, -1);
            break;
        }
        case 1: {
            const char *in = PICK(r, iface_names), *imp = LIVE(&g, DEF_INTERFACE, iface_names);
            int v = gen_interface(&g, in);
            gen_module_as(&g, PICK(r, module_names), imp, -1, in, v);
            if (flip(r, 2))
                gen_machine(&g, PICK(r, machine_names));
            break;
        }
        case 2:
            gen_module(&g, PICK(r, module_names));
            gen_machine(&g, PICK(r, machine_names));
            break;
        case 3:
            gen_interface(&g, PICK(r, iface_names));
            gen_machine(&g, PICK(r, machine_names));
            break;
        default:
            gen_proc(&g);
            gen_machine(&g, PICK(r, machine_names));
            gen_proc(&g);
        }
        if (flip(r, 3))
            gen_code(&g, 1 + pick(r, 3));
        break;
    case TP_COUNTER: { /* interface, module, machine: one or two of them, in order */
        unsigned k = pick(r, countof(counter_text));
        out(&g, "%s ", counter_text[k]);
        unsigned next = k < 2 ? 2 + pick(r, 3) : k < 5 ? 5 + pick(r, 2) : countof(counter_text);
        if (next < countof(counter_text) && flip(r, 2))
            out(&g, "%s ", counter_text[next]);
        break;
    }
    case TP_TYPES: { /* a world, a machine to use, or code over it (traced, in the checked twin, half the time) */
        /* steer: a world first, then a machine of it, most of the time */
        bool world = live(s, "pool-machine", DEF_MACHINE) || live(s, "tmach", DEF_MACHINE);
        bool over = !strcmp(s->machine->name, "pool-machine") || !strcmp(s->machine->name, "tmach") ||
                    !strcmp(s->machine->name, "hm");
        unsigned k = !world && !flip(r, 4) ? 0 : !over && !flip(r, 3) ? 1 : pick(r, 6);
        switch (k) {
        case 0: out(&g, "%s", PICK(r, type_worlds)); break;
        case 1: out(&g, "%s", PICK(r, type_uses)); is_def = false; break;
        case 2: out(&g, "%s", PICK(r, type_cmds)); is_def = false; break;
        default:
            out(&g, "%s", PICK(r, type_code));
            if (flip(r, 2))
                out(&g, " %s", PICK(r, type_code));
            if (flip(r, 2))
                *twin = gc_printf(":trace %s", buf_str(&b));
            is_def = false;
        }
        break;
    }
    case TP_EXTENDED: out(&g, "%s", PICK(r, extended_text)); break;
    case TP_LOAD: out(&g, ".load_modules %s;", PICK(r, units)); break;
    case TP_LATTICE: {
        unsigned k = pick(r, countof(lattice_text));
        if ((k == 4 || k == 5) && !live(s, "L0", DEF_LATTICE) && !flip(r, 4))
            out(&g, "%s ", lattice_text[pick(r, 4)]);
        if (k == 6 && !live(s, "PARITY", DEF_LATTICE) && !flip(r, 4))
            out(&g, ".load_modules parity-machine; ");
        out(&g, "%s", lattice_text[k]);
        break;
    }
    case TP_STEPCODE:
        out(&g, ":step ");
        if (flip(r, 2)) {
            Sig sig;
            out(&g, "push int(0); pop; ");
            if (callable_proc(&g, &sig))
                apply_sig(&g, &sig, gc_printf("call %s;", sig.name));
            else if (machine_alias(&g, &sig))
                apply_sig(&g, &sig, gc_printf("%s;", sig.name));
        } else
            gen_code(&g, 1 + pick(r, 5));
        is_def = false;
        break;
    case TP_STEP: out(&g, ":step"); is_def = false; break;
    case TP_CONTINUE: out(&g, ":continue"); is_def = false; break;
    case TP_ABANDON: out(&g, ":abandon"); is_def = false; break;
    case TP_TRACE:
        if (flip(r, 2)) { /* the checked twin traces what the fast session runs plainly */
            gen_code(&g, 1 + pick(r, 5));
            *twin = gc_printf(":trace %s", buf_str(&b));
        } else {
            out(&g, ":trace ");
            gen_code(&g, 1 + pick(r, 5));
        }
        is_def = false;
        break;
    case TP_LINK: gen_link(&g); is_def = false; break;
    case TP_USE: {
        const char *m = flip(r, 6) ? "core" : LIVE(&g, DEF_MACHINE, use_names);
        for (int k = 0; k < 3 && s->principal == PRINCIPAL_UNTRUSTED; k++) { /* prefer an open machine */
            const Machine *x = live(s, m, DEF_MACHINE);
            if (x && x->open_to_untrusted)
                break;
            m = LIVE(&g, DEF_MACHINE, use_names);
        }
        out(&g, ":use %s", m);
        is_def = false;
        break;
    }
    case TP_TRUST:
        out(&g, ":trust %s", s->principal == PRINCIPAL_TRUSTED && flip(r, 2) ? "untrusted" : "trusted");
        is_def = false;
        break;
    case TP_SET: gen_set(&g); is_def = false; break;
    case TP_MODSEL: {
        static const char *const sel[] = {"M0", "M1", "M2", "counter-module", "parity-module", "core-wrappers-module",
                                          ""};
        out(&g, ":module %s", flip(r, 8) ? "" : LIVE(&g, DEF_MODULE, sel));
        is_def = false;
        break;
    }
    case TP_DEFOP: {
        const Module *m = s->module_sel ? live(s, s->module_sel, DEF_MODULE) : NULL;
        Gen mg = g;
        mg.in_module = true;
        mg.machine = m && m->impl && m->impl != lookup_core_machine() ? m->impl : NULL;
        for (uint32_t i = 0; m && i < m->nstate; i++)
            if (m->state[i].type == TY_INT || m->state[i].type == TY_REF) {
                mg.state_name = m->state[i].name;
                mg.state_type = tletter(m->state[i].type);
            }
        const Port *imp = nth_port(m, false, 0);
        if (imp && imp->iface) {
            mg.import_port = imp->name;
            for (uint32_t k = 0; k < imp->iface->nops && mg.nimports < 4; k++)
                if (effect_sig(&imp->iface->ops[k].eff, imp->iface->ops[k].name, &mg.imports[mg.nimports]))
                    mg.nimports++;
        }
        const Port *exp = nth_port(m, true, rd(r));
        if (exp && exp->iface && exp->iface->nops && !flip(r, 6)) {
            const OpSig *os = &exp->iface->ops[pick(r, exp->iface->nops)];
            Sig sig;
            if (!effect_sig(&os->eff, os->name, &sig))
                sig = (Sig){os->name, "ii", "i"};
            out(&g, ".define_operation port(%s), %s, { ", exp->name, os->name);
            gen_body(&mg, &sig);
        } else {
            Sig sig = {"helper", "i", "i"};
            if (flip(r, 3))
                sig = (Sig){"helper", "", "i"};
            out(&g, ".define_operation helper, ");
            effect_text(&g, &sig);
            out(&g, ", { ");
            gen_body(&mg, &sig);
        }
        out(&g, "};");
        break;
    }
    case TP_INSPECT:
        if (flip(r, 2))
            out(&g, "%s", PICK(r, inspect));
        else {
            static const char *const cmds[] = {":show", ":deps", ":verify", ":graph"};
            out(&g, "%s %s", PICK(r, cmds), flip(r, 2) ? PICK(r, named) : LIVE(&g, DEF__COUNT, named));
        }
        is_def = false;
        break;
    case TP_RAW: {
        unsigned n = 1 + pick(r, 24);
        for (unsigned i = 0; i < n && r->i < r->n; i++) {
            char c = (char)rd(r);
            buf_putc(&b, c == '\n' || c == '\r' || !c ? ' ' : c);
        }
        is_def = false;
        break;
    }
    case TP_REPEAT:
        if (h->n) {
            out(&g, "%s", h->items[pick(r, h->n < 8 ? h->n : 8)]);
            is_def = false; /* already in the history */
        } else
            gen_proc(&g);
        break;
    default: break;
    }
    const char *text = buf_str(&b);
    if (is_def) {
        h->items[h->n % 8] = text;
        h->n++;
    }
    return text;
}

/* ---- raw lines: the commands allowed ------------------------------------------------------------- */

static bool set_ok(const char *line)
{
    char name[32];
    unsigned long long v;
    if (sscanf(line, " :set %31s %llu", name, &v) != 2)
        return false;
    static const struct { const char *name; unsigned long long lo, hi; } ok[] = {
        {"stack", 16, 4096},      {"fuel", 1, 200000},     {"call-depth", 1, 512},  {"trace-limit", 1, 2000},
        {"verify-budget", 1, 200000}, {"block-words", 0, BLOCK_WORDS},
        {"tick-stack", 1, 64},    {"op-nesting", 1, 256},  {"nesting", 1, 256},    {"body-insns", 1, 1u << 16},
    };
    for (size_t i = 0; i < countof(ok); i++)
        if (!strcmp(name, ok[i].name))
            return v >= ok[i].lo && v <= ok[i].hi;
    return false;
}

static bool raw_ok(const char *line)
{
    const char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p != ':')
        return true;
    if (!strncmp(p, ":set", 4))
        return set_ok(p);
    /* :graph MACHINE, never :graph MACHINE FILE: a fuzzer writes no files. */
    if (!strncmp(p, ":graph ", 7)) {
        const char *q = p + 7 + strspn(p + 7, " \t");
        q += strcspn(q, " \t");
        return !q[strspn(q, " \t")];
    }
    static const char *const more[] = {":help", ":modules", ":interfaces", ":procedures"};
    for (size_t i = 0; i < countof(more); i++)
        if (!strncmp(p, more[i], strlen(more[i])))
            return true;
    return fuzz_line_ok(p);
}

/* ---- the two sessions and the oracles ----------------------------------------------------------- */

typedef struct Snapshot {
    uint32_t depth, ndefs, nunits;
    Value *stack;
    void **cur;
    VState *vs;
    const Machine *machine;
    const Def *machine_def;
    Principal principal;
    const char *module_sel;
    VmLimits limits;
    uint64_t budget, trace_limit;
    XvmLimits xl;
    const void *active;
} Snapshot;

static Snapshot snap(const Session *s)
{
    Snapshot n = {.depth = s->vm->depth, .ndefs = s->ws->defs.len, .nunits = s->loaded_units.len,
                  .machine = s->machine, .machine_def = s->machine_def, .principal = s->principal,
                  .module_sel = s->module_sel, .limits = s->vm->limits, .budget = s->verify_budget,
                  .trace_limit = s->trace_limit, .xl = config_limits, .active = s->active};
    n.stack = gc_calloc(n.depth + 1, sizeof(Value));
    memcpy(n.stack, s->vm->stack, n.depth * sizeof(Value));
    n.cur = gc_calloc(n.ndefs + 1, sizeof(void *));
    for (uint32_t i = 0; i < n.ndefs; i++)
        n.cur[i] = ((Def *)s->ws->defs.items[i])->cur;
    n.vs = vstate_copy(s->vs);
    return n;
}

static const char *differ(const Snapshot *a, const Snapshot *b, bool run_may_end)
{
    if (a->depth != b->depth || memcmp(a->stack, b->stack, a->depth * sizeof(Value)))
        return "the REPL stack";
    if (a->ndefs != b->ndefs || memcmp(a->cur, b->cur, a->ndefs * sizeof(void *)))
        return "a definition";
    if (!vstate_equal(a->vs, b->vs))
        return "the simulated stack";
    if (a->machine != b->machine || a->machine_def != b->machine_def)
        return "the machine in use";
    if (a->principal != b->principal)
        return "the principal";
    if (!a->module_sel != !b->module_sel || (a->module_sel && strcmp(a->module_sel, b->module_sel)))
        return "the module selection";
    if (memcmp(&a->limits, &b->limits, sizeof a->limits) || a->budget != b->budget ||
        a->trace_limit != b->trace_limit || memcmp(&a->xl, &b->xl, sizeof a->xl))
        return "a limit";
    if (a->nunits != b->nunits)
        return "the loaded units";
    if (!run_may_end && a->active != b->active)
        return "the suspended run";
    return NULL;
}

typedef struct Side {
    Repl *r;
    FILE *f;
    char *buf;
    size_t len, seen;
} Side;

typedef struct Ctx {
    Side fast, checked;
    bool diff;           /* the differential oracle still applies */
    bool fuel_oracle;    /* XVM_FUZZ_FUEL_ORACLE=1 */
    bool parity_tainted; /* parity-module or its key has been user-defined */
    FILE *dump;
    bool known; /* a known finding was passed over: stop checking this input */
    int lineno;
    History hist;
} Ctx;

static uint64_t default_fuel = DEFAULT_FUEL;
static XvmLimits initial_limits;

/* XVM_FUZZ_KNOWN="text|text": findings whose description contains one of
 * them are known: not reported (the differential oracle stops for the rest
 * of the input), so a triage run can look past them. */
static bool known(const char *what)
{
    const char *k = getenv("XVM_FUZZ_KNOWN");
    while (k && *k) {
        size_t n = strcspn(k, "|");
        if (n && memmem(what, strlen(what), k, n))
            return true;
        k += n + (k[n] == '|');
    }
    return false;
}

static void finding(Ctx *c, const char *oracle, const char *what, const char *line)
{
    if (known(what)) {
        c->diff = false;
        c->parity_tainted = true;
        c->known = true;
        return;
    }
    fprintf(stderr, "\n==fuzz_session== FINDING [%s] at line %d: %s\n  input: %.300s\n", oracle, c->lineno, what, line);
    if (c->dump)
        fflush(c->dump);
    abort();
}

static Repl *session_repl(FILE *f, bool checked)
{
    Repl *r = fuzz_front(f, checked);
    Session *s = fuzz_s(r);
    s->search_path = (Vec){0}; /* units from the stdlib only: never the current folder */
    vec_push(&s->search_path, "stdlib");
    s->vm = vm_new((VmLimits){.fuel = default_fuel, .stack_slots = 4096, .call_depth = 512,
                              .max_block_words = BLOCK_WORDS},
                   f);
    s->verify_budget = 200000;
    s->trace_limit = 2000;
    return r;
}

static void dump_header(FILE *d)
{
    fprintf(d, ":set fuel %llu\n:set stack 4096\n:set call-depth 512\n:set block-words %u\n"
               ":set verify-budget 200000\n:set trace-limit 2000\n",
            (unsigned long long)default_fuel, BLOCK_WORDS);
}

/* A check that verification should have made impossible, reported by a run. */
static bool verifier_bug(const Error *e)
{
    for (; e; e = e->next)
        if (e->msg && (!strncmp(e->msg, "check failed in checked mode", 28) || !strncmp(e->msg, "DIVERGENCE", 10) ||
                       !strncmp(e->msg, "the simulation rejects step", 27)))
            return true;
    return false;
}

static bool about_fuel(const Error *e)
{
    for (; e; e = e->next)
        if (e->msg && strstr(e->msg, "trap: out of fuel"))
            return true;
    return false;
}

static bool from_stdlib(const Node *def, const char *file)
{
    return def && def->span.src && def->span.src->name && strstr(def->span.src->name, file);
}

/* HAS_PARITY facts of the stdlib's parity-module describe the values. */
static void check_parity(Ctx *c, Session *s, const char *line)
{
    if (c->parity_tainted)
        return;
    const Module *m = live(s, "parity-module", DEF_MODULE);
    const Key *k = live(s, "HAS_PARITY", DEF_KEY);
    const Lattice *l = live(s, "PARITY", DEF_LATTICE);
    Def *md = workspace_find(s->ws, "parity-module"), *kd = workspace_find(s->ws, "HAS_PARITY"),
        *ld = workspace_find(s->ws, "PARITY");
    if (!md && !kd && !ld)
        return;
    if (!m || !k || !l || !from_stdlib(m->def, "stdlib/parity-module.xvm") ||
        !from_stdlib(k->def, "stdlib/parity-module.xvm") || !from_stdlib(l->def, "stdlib/parity-module.xvm") ||
        m->version != 1 || k->version != 1 || l->version != 1 || k->lat != l) {
        c->parity_tainted = true; /* a user's parity-module may mean anything by its facts */
        return;
    }
    uint32_t even, odd;
    if (!lookup_lattice_elem(l, "EVEN", &even) || !lookup_lattice_elem(l, "ODD", &odd))
        return;
    const VState *vs = s->vs;
    for (uint32_t f = 0; f < vs->nfacts; f++) {
        const VFact *fa = &vs->facts[f];
        if (fa->key != k->id || fa->arity != 1 || fact_value_len(fa->value) != 1)
            continue;
        uint32_t e = fact_value_elem(fa->value, 0);
        if (e != even && e != odd)
            continue;
        for (uint32_t i = 0; i < vs->depth && i < s->vm->depth; i++) {
            if (vs->items[i].id != fa->ids[0] || vs->items[i].type != TY_INT)
                continue;
            bool is_even = (s->vm->stack[i] & 1) == 0;
            if (is_even != (e == even))
                finding(c, "soundness", gc_printf("slot %u holds %lld but its HAS_PARITY fact says %s", i,
                                                  (long long)s->vm->stack[i], e == even ? "EVEN" : "ODD"),
                        line);
        }
    }
}

static const char *chunk(Side *sd)
{
    fflush(sd->f);
    const char *t = gc_strndup(sd->buf + sd->seen, sd->len - sd->seen);
    sd->seen = sd->len;
    return t;
}

static bool is_cmd(const char *line, const char *cmd)
{
    while (*line == ' ' || *line == '\t')
        line++;
    return !strncmp(line, cmd, strlen(cmd));
}

/* Feed line to both sessions, or twin instead to the checked one. */
static void feed(Ctx *c, const char *line, const char *twin)
{
    c->lineno++;
    Repl *a = c->fast.r, *b = c->checked.r;
    bool pending = a->pending.len > 0 || b->pending.len > 0;
    if (pending)
        twin = NULL;
    if (c->dump) {
        if (twin)
            fprintf(c->dump, "// the checked twin was given instead: %s\n", twin);
        fprintf(c->dump, "%s\n", line);
    }
    const char *lines[2] = {line, twin ? twin : line};
    Snapshot sa = snap(fuzz_s(a)), sb = snap(fuzz_s(b));
    input_feed_line(a, lines[0], "fuzz", c->lineno);
    input_feed_line(b, lines[1], "fuzz", c->lineno);
    const char *oa = chunk(&c->fast), *ob = chunk(&c->checked);
    if (a->pending.len || b->pending.len) {
        if (!a->pending.len != !b->pending.len)
            finding(c, "differential", "one session waits for more lines, the other does not", line);
        return;
    }
    const Error *ea = fuzz_last_error(a), *eb = fuzz_last_error(b);
    if (c->known)
        return;

    /* 2. soundness */
    if (fuzz_s(b)->violations)
        finding(c, "soundness", gc_printf("checked run: %s", eb && eb->msg ? eb->msg : "violation"), line);
    if (verifier_bug(ea) || verifier_bug(eb))
        finding(c, "soundness", (verifier_bug(ea) ? ea : eb)->msg, line);

    /* 3. a rejected input (or a dry run) changes nothing */
    if (!pending) {
        Side *sides[2] = {&c->fast, &c->checked};
        const Snapshot *before[2] = {&sa, &sb};
        for (int i = 0; i < 2; i++) {
            const char *l = lines[i];
            bool dry = is_cmd(l, ":link") && strstr(l, "--dry-run");
            bool run_may_end = is_cmd(l, ":step") || is_cmd(l, ":continue") || is_cmd(l, ":abandon") ||
                               is_cmd(l, ":trace");
            const Error *e = fuzz_last_error(sides[i]->r);
            if (!dry && (!e || e->code == E_TRAP))
                continue;
            Snapshot after = snap(fuzz_s(sides[i]->r));
            const char *what = differ(before[i], &after, run_may_end && !dry);
            if (what)
                finding(c, "rejected input changes nothing",
                        gc_printf("%s session: %s changed (%s)", i ? "checked" : "fast", what,
                                  e ? err_code_name(e->code) : "dry run"),
                        line);
        }
    }

    /* 4. fast and checked agree */
    if (c->diff) {
        const char *what = NULL;
        Session *x = fuzz_s(a), *y = fuzz_s(b);
        if (!ea != !eb)
            what = gc_printf("the fast session %s, the checked one %s", ea ? ea->msg : "succeeded",
                             eb ? eb->msg : "succeeded");
        else if (ea && ea->code != eb->code && !twin) /* a twin may fail another check first */
            what = gc_printf("error codes differ: %s / %s (%s / %s)", err_code_name(ea->code), err_code_name(eb->code),
                             ea->msg, eb->msg);
        if (what && !c->fuel_oracle && (about_fuel(ea) || about_fuel(eb))) {
            c->diff = false; /* fuel semantics are in flux: stop comparing this input */
            what = NULL;
        }
        if (what && twin && eb && eb->code == E_LIMIT && !strncmp(eb->msg, "trace stopped", 13)) {
            c->diff = false; /* the trace limit is the twin's alone */
            what = NULL;
        }
        if (!what && c->diff) {
            if (x->vm->depth != y->vm->depth || x->vs->depth != y->vs->depth)
                what = gc_printf("stack depths differ: %u / %u", x->vm->depth, y->vm->depth);
            for (uint32_t i = 0; !what && i < x->vs->depth && i < x->vm->depth; i++) {
                /* Each session declares its own types, under ids of its own:
                 * the same type is the same name and representation. */
                TypeId tx = x->vs->items[i].type, ty = y->vs->items[i].type;
                if (strcmp(type_name(tx), type_name(ty)) || type_repr(tx) != type_repr(ty))
                    what = gc_printf("slot %u: types differ (%s / %s)", i, type_name(tx), type_name(ty));
                else if (type_repr(tx) == TY_INT && x->vm->stack[i] != y->vm->stack[i])
                    what = gc_printf("slot %u: %lld / %lld", i, (long long)x->vm->stack[i], (long long)y->vm->stack[i]);
            }
            if (!what && strcmp(x->machine->name, y->machine->name))
                what = "machines in use differ";
            if (!what && !x->active != !y->active)
                what = "one session has a suspended run, the other not";
            if (!what && !twin && strcmp(oa, ob))
                what = gc_printf("outputs differ:\n--- fast\n%.400s\n--- checked\n%.400s", oa, ob);
        }
        if (what)
            finding(c, "differential", what, line);
    }

    /* 2b. facts are true */
    if (!ea)
        check_parity(c, fuzz_s(a), line);
    if (!eb)
        check_parity(c, fuzz_s(b), line);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    GC_INIT();
    initial_limits = config_limits;
    const char *f = getenv("XVM_FUZZ_FUEL");
    if (f && strtoull(f, NULL, 10))
        default_fuel = strtoull(f, NULL, 10);
    return 0;
}

static void side_open(Side *sd, bool checked)
{
    *sd = (Side){0};
    sd->f = open_memstream(&sd->buf, &sd->len);
    sd->r = session_repl(sd->f, checked);
}

static void side_close(Side *sd)
{
    if (fuzz_s(sd->r)->active)
        trace_abandon(fuzz_s(sd->r)); /* its captured output stream */
    fclose(sd->f);
    free(sd->buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 15)
        return 0;
    config_limits = initial_limits; /* :set of a global limit must not outlive its input */
    Ctx c = {.diff = true};
    const char *fo = getenv("XVM_FUZZ_FUEL_ORACLE");
    c.fuel_oracle = fo && *fo == '1';
    const char *dump = getenv("XVM_FUZZ_DUMP");
    if (dump && (c.dump = fopen(dump, "w")))
        dump_header(c.dump);
    side_open(&c.fast, false);
    side_open(&c.checked, true);
    int lines = 0;
    for (size_t i = 0; i < size && lines < MAX_LINES;) {
        const uint8_t *nl = memchr(data + i, '\n', size - i);
        size_t n = nl ? (size_t)(nl - (data + i)) : size - i;
        const uint8_t *p = data + i;
        i += n + 1;
        if (n && p[0] == '@') {
            Rd r = {p + 1, n - 1, 0};
            const char *text;
            const char *twin;
            while (lines < MAX_LINES && (text = generate(&r, fuzz_s(c.fast.r), &c.hist, &twin))) {
                if (raw_ok(text)) {
                    feed(&c, text, twin);
                    lines++;
                }
            }
            continue;
        }
        if (memchr(p, 0, n))
            continue;
        const char *text = gc_strndup((const char *)p, n);
        if (raw_ok(text)) {
            feed(&c, text, NULL);
            lines++;
        }
    }
    if (c.dump)
        fclose(c.dump);
    side_close(&c.fast);
    side_close(&c.checked);
    config_limits = initial_limits;
    return 0;
}
