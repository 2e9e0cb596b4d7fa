/* call.c - verifying calls of machine operations (DESIGN §4).
 *
 * A call through a port of a module verified on its own is abstract: the
 * interface's effect and contracts.  Every other call is concrete: the
 * callee's body is verified on the caller's items (their identities and
 * facts), through its links, and the result is spliced back, so facts flow
 * through layers of operations.  Results are memoised per operation,
 * component and entry state. */
#include "tick.h"
#include "suggest.h"

#include <string.h>

#define MEMO_MAX 4096

typedef struct MemoEntry {
    const Component *comp;
    const OpDef *op;
    VState *entry, *exit;
    uint32_t next; /* the next entry of the same (comp, op), or NO_ENTRY */
} MemoEntry;

#define NO_ENTRY UINT32_MAX
#define MEMO_BUCKETS 1024

/* Entries chained per (component, operation), so a lookup compares states
 * only with those of the same operation, however many are memoised. */
struct VerifyMemo {
    MemoEntry *items;
    uint32_t n, cap;
    uint32_t *head; /* MEMO_BUCKETS chains, made on first use */
};

/* Small until used: most bodies call no machine operation at all. */
VerifyMemo *call_memo_new(void) { return gc_alloc(sizeof(VerifyMemo)); }

static uint32_t memo_bucket(const Component *comp, const OpDef *op)
{
    uint64_t h = (uint64_t)(uintptr_t)comp * 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)op * 0xc2b2ae3d27d4eb4full;
    return (uint32_t)(h >> 40) % MEMO_BUCKETS;
}

static VState *memo_find(const VerifyMemo *m, const Component *comp, const OpDef *op, const VState *entry)
{
    if (!m || !m->head)
        return NULL;
    for (uint32_t i = m->head[memo_bucket(comp, op)]; i != NO_ENTRY; i = m->items[i].next)
        if (m->items[i].op == op && m->items[i].comp == comp && vstate_equal(m->items[i].entry, entry))
            return m->items[i].exit;
    return NULL;
}

static void memo_put(VerifyMemo *m, const Component *comp, const OpDef *op, VState *entry, VState *exit)
{
    if (!m || m->n >= MEMO_MAX)
        return;
    if (!m->head) {
        m->head = gc_alloc_atomic(MEMO_BUCKETS * sizeof(uint32_t));
        memset(m->head, 0xff, MEMO_BUCKETS * sizeof(uint32_t));
    }
    uint32_t b = memo_bucket(comp, op);
    VEC_PUSH(m->items, m->n, m->cap, (MemoEntry){comp, op, entry, exit, m->head[b]});
    m->head[b] = m->n - 1;
}

/* ---- inputs and contracts ----------------------------------------------------------------------- */

static const char *insn_name(const Insn *in) { return in->label ? in->label : prim_name(in->op); }

const char *call_viewer(const VerifyOpts *o) { return o->owner ? o->owner : "<session>"; }

void call_hint_abstract(Error *e, const VState *vs, uint32_t n)
{
    for (uint32_t k = vs->depth - n; k < vs->depth; k++) {
        TypeId t = vs->items[k].type;
        if (t >= TY__COUNT && !e->hint) {
            err_hint(e, "%s is a type of %s: only its operations see it as %s; pass it to an operation whose "
                        "effect names %s",
                     type_name(t), show_owner_words(type_owner(t)), type_name(type_repr(t)), type_name(t));
            return;
        }
    }
}

Error *call_check_inputs(const VState *vs, const Insn *in, const Effect *eff, const char *viewer)
{
    Buf sig = {0};
    for (uint32_t k = 0; k < eff->nin; k++)
        buf_printf(&sig, "%s%s", k ? ", " : "", type_name(eff->in[k].type));
    if (vs->depth < eff->nin)
        return err_hint(err_new(E_STACK, in->span, "stack underflow: '%s' needs %u item%s (%s), the stack has %u",
                                insn_name(in), eff->nin, eff->nin == 1 ? "" : "s", buf_str(&sig), vs->depth),
                        "push the inputs first");
    for (uint32_t k = 0; k < eff->nin; k++)
        if (vs->items[vs->depth - eff->nin + k].type != type_seen(eff->in[k].type, viewer)) {
            Buf found = {0};
            for (uint32_t j = 0; j < eff->nin; j++)
                buf_printf(&found, "%s%s", j ? ", " : "", type_name(vs->items[vs->depth - eff->nin + j].type));
            Error *e = err_new(E_TYPE, in->span, "type mismatch: '%s' needs (%s) on top of the stack, found (%s)",
                               insn_name(in), buf_str(&sig), buf_str(&found));
            call_hint_abstract(e, vs, eff->nin);
            return e;
        }
    return NULL;
}

typedef struct ContractKey {
    const Key *key;
    uint32_t elem;
    uint32_t ids[KEY_MAX_ARITY];
} ContractKey;

/* Resolve a contract against a state: the key, the element, and the
 * identities of the items its parameters name.  items = the nin inputs
 * followed by the nout outputs, as identities. */
static Error *contract_resolve(Workspace *ws, const Contract *ct, const uint32_t *items, ContractKey *out)
{
    Key *k = ws ? define_find_key(ws, ct->key_name) : NULL;
    uint32_t n = 0;
    const char **keys = k || !ws ? NULL : workspace_names(ws, DEF_KEY, &n);
    if (!k)
        return suggest_unknown(err_new(E_UNKNOWN, ct->span, "contract names unknown key '%s'", ct->key_name),
                               ct->key_name, keys, n, "declare it with .define_key");
    if (k->arity != ct->nparams)
        return err_new(E_ARGS, ct->span, "key '%s' is about %u item%s, the contract names %u", k->name, k->arity,
                       k->arity == 1 ? "" : "s", ct->nparams);
    if (!lookup_lattice_elem(k->lat, ct->elem_name, &out->elem))
        return suggest_unknown(err_new(E_UNKNOWN, ct->span, "lattice '%s' has no element '%s'", k->lat->name, ct->elem_name),
                               ct->elem_name, k->lat->elems, k->lat->nelems, "use an element of %s", k->lat->name);
    out->key = k;
    for (uint32_t i = 0; i < ct->nparams; i++)
        out->ids[i] = items[ct->params[i]];
    return NULL;
}

static uint32_t fact_elem_or_top(const VState *vs, const ContractKey *ck)
{
    const VFact *f = vstate_fact(vs, ck->key->id, ck->ids, ck->key->arity);
    return f && fact_value_len(f->value) == 1 ? fact_value_elem(f->value, 0) : ck->key->lat->top;
}

/* A contract that does not hold on vs: the fact, the state it was checked
 * on (DESIGN §4: the VS at the failure), and where the contract is. */
static Error *contract_unmet(const Contract *ct, const ContractKey *ck, uint32_t have, const VState *vs, Span at,
                             const char *what)
{
    const char *found = ck->key->lat->elems[have];
    Error *e = err_new(E_CONTRACT, at, "%s: %s %s(%s) <= %s, but the fact is %s", what,
                       ct->ensures ? "ensures" : "requires", ct->key_name, ct->param_text, ct->elem_name, found);
    err_detail(e, gc_printf("  stack here: %s", vstate_text(vs)));
    if (ct->ensures)
        err_hint(e, "the operation must establish the fact before it returns ('define it; %s owns the key)",
                 show_owner_words(ck->key->owner));
    else
        err_hint(e, "establish the fact before the call (with operations that 'define %s; %s owns the key)", ck->key->name,
                 show_owner_words(ck->key->owner));
    return err_note(e, ct->span, "the contract is declared here");
}

static uint32_t *input_ids(const VState *vs, const Effect *eff)
{
    uint32_t *ids = gc_calloc(eff->nin + eff->nout + 1, sizeof(uint32_t));
    for (uint32_t i = 0; i < eff->nin; i++)
        ids[i] = vs->items[vs->depth - eff->nin + i].id;
    return ids;
}

/* The contracts of sig of one kind (requires or ensures), each resolved on
 * the items ids names: the next one at or after *i into ck, false when
 * none is left or one cannot be resolved (then *e says why). */
static bool next_contract(Workspace *ws, const OpSig *sig, const uint32_t *ids, bool ensures, uint32_t *i,
                          const Contract **ct, ContractKey *ck, Error **e)
{
    for (*e = NULL; sig && *i < sig->ncontracts; (*i)++) {
        *ct = &sig->contracts[*i];
        if ((*ct)->ensures == ensures)
            return !(*e = contract_resolve(ws, *ct, ids, ck));
    }
    return false;
}

/* Every contract of sig of one kind holds on vs.  The failure says it was
 * in `who`, or (who NULL) in the call in. */
static Error *check_contracts(Workspace *ws, const VState *vs, const OpSig *sig, const uint32_t *ids, bool ensures,
                              Span at, const char *who, const Insn *in)
{
    const Contract *ct;
    ContractKey ck;
    Error *e;
    for (uint32_t i = 0; next_contract(ws, sig, ids, ensures, &i, &ct, &ck, &e); i++) {
        uint32_t have = fact_elem_or_top(vs, &ck);
        if (!lattice_leq(ck.key->lat, have, ck.elem))
            return contract_unmet(ct, &ck, have, vs, at, who ? who : gc_printf("call of '%s'", insn_name(in)));
    }
    return e;
}

Error *call_check_requires(Workspace *ws, const VState *vs, const Insn *in, const OpSig *sig)
{
    if (!sig)
        return NULL;
    return check_contracts(ws, vs, sig, input_ids(vs, &sig->eff), false, in->span, NULL, in);
}

/* Assume a contract kind on a state: the entry of an implementation
 * (requires) or the result of an abstract call (ensures). */
static Error *assume(Workspace *ws, VState *vs, const OpSig *sig, const uint32_t *ids, bool ensures)
{
    const Contract *ct;
    ContractKey ck;
    Error *e;
    for (uint32_t i = 0; next_contract(ws, sig, ids, ensures, &i, &ct, &ck, &e); i++) {
        VFact f = {.key = ck.key->id, .arity = ck.key->arity, .value = vstate_fact_value(&ck.elem, 1)};
        memcpy(f.ids, ck.ids, sizeof f.ids);
        vstate_set_fact(vs, f);
    }
    return e;
}

Error *call_assume_requires(Workspace *ws, VState *entry, const OpSig *sig)
{
    return assume(ws, entry, sig, input_ids(entry, &sig->eff), false);
}

/* Each ensures of sig must hold of the outputs on top of vs (ids of the
 * inputs given, as the implementation saw them at entry). */
Error *call_check_ensures(Workspace *ws, const VState *vs, const OpSig *sig, const uint32_t *in_ids, Span at,
                            const char *who)
{
    if (!sig)
        return NULL;
    uint32_t *ids = gc_calloc(sig->eff.nin + sig->eff.nout + 1, sizeof(uint32_t));
    memcpy(ids, in_ids, sig->eff.nin * sizeof(uint32_t));
    for (uint32_t i = 0; i < sig->eff.nout; i++)
        ids[sig->eff.nin + i] = vs->items[vs->depth - sig->eff.nout + i].id;
    return check_contracts(ws, vs, sig, ids, true, at, who, NULL);
}

/* ---- abstract calls: the interface's effect --------------------------------------------------------- */

Error *call_abstract(const VerifyOpts *o, VState *vs, const Insn *in, const OpSig *sig)
{
    Workspace *ws = o->ws;
    Error *e = call_check_inputs(vs, in, &sig->eff, call_viewer(o));
    if (!e)
        e = call_check_requires(ws, vs, in, sig);
    if (e)
        return e;
    uint32_t *ids = input_ids(vs, &sig->eff);
    vs->depth -= sig->eff.nin;
    for (uint32_t i = 0; i < sig->eff.nout; i++)
        ids[sig->eff.nin + i] = vstate_push(vs, type_seen(sig->eff.out[i].type, call_viewer(o)));
    return assume(ws, vs, sig, ids, true);
}

/* ---- concrete calls: the callee's body on the caller's items ------------------------------------------ */

/* The callee's entry: the top nin items, their identities pinned as
 * 0..k-1 (items sharing an identity share a pinned one), and the facts
 * that speak only of them. */
static VState *callee_entry(const VState *vs, uint32_t nin, uint32_t *caller_id)
{
    VState *s = vstate_new();
    uint32_t k = 0;
    for (uint32_t i = 0; i < nin; i++) {
        uint32_t id = vs->items[vs->depth - nin + i].id, pin = k;
        for (uint32_t j = 0; j < k; j++)
            if (caller_id[j] == id)
                pin = j;
        if (pin == k)
            caller_id[k++] = id;
        vstate_push_item(s, (VItem){pin, vs->items[vs->depth - nin + i].type});
    }
    s->pinned = s->next_id = k;
    for (uint32_t f = 0; f < vs->nfacts; f++) {
        VFact fact = vs->facts[f];
        bool inside = true;
        for (uint32_t a = 0; a < fact.arity && inside; a++) {
            inside = false;
            for (uint32_t j = 0; j < k; j++)
                if (caller_id[j] == fact.ids[a]) {
                    fact.ids[a] = j;
                    inside = true;
                    break;
                }
        }
        if (inside)
            vstate_set_fact(s, fact);
    }
    vstate_canon(s);
    return s;
}

static bool fact_mentions(const VFact *f, const uint32_t *ids, uint32_t n)
{
    for (uint32_t a = 0; a < f->arity; a++)
        for (uint32_t j = 0; j < n; j++)
            if (f->ids[a] == ids[j])
                return true;
    return false;
}

static uint32_t map_back(uint32_t id, const VState *exit, const uint32_t *caller_id, uint32_t *fresh, VState *vs)
{
    if (id < exit->pinned)
        return caller_id[id];
    if (fresh[id - exit->pinned] == UINT32_MAX)
        fresh[id - exit->pinned] = vs->next_id++;
    return fresh[id - exit->pinned];
}

/* Replace the inputs on vs by the callee's outputs, with their facts.
 * The outputs have the types the effect declares, as the caller sees
 * them: the callee may have seen its own types as representations. */
static void splice(VState *vs, const Effect *eff, const char *viewer, const VState *exit, const uint32_t *caller_id)
{
    uint32_t *fresh = gc_calloc(exit->next_id + 1, sizeof(uint32_t));
    memset(fresh, 0xff, (exit->next_id + 1) * sizeof(uint32_t));
    vs->depth -= eff->nin;
    for (uint32_t i = 0; i < exit->depth; i++)
        vstate_push_item(vs, (VItem){map_back(exit->items[i].id, exit, caller_id, fresh, vs),
                                     i < eff->nout ? type_seen(eff->out[i].type, viewer) : exit->items[i].type});
    uint32_t kept = 0;
    for (uint32_t f = 0; f < vs->nfacts; f++)
        if (!fact_mentions(&vs->facts[f], caller_id, exit->pinned))
            vs->facts[kept++] = vs->facts[f];
    vs->nfacts = kept;
    for (uint32_t f = 0; f < exit->nfacts; f++) {
        VFact fact = exit->facts[f];
        for (uint32_t a = 0; a < fact.arity; a++)
            fact.ids[a] = map_back(fact.ids[a], exit, caller_id, fresh, vs);
        vstate_set_fact(vs, fact);
    }
}

/* One level of an operation path (DESIGN §4: machine -> component ->
 * operation); a module's own operation verified on its own has no
 * component. */
static const char *op_path(const Component *comp, const OpDef *op)
{
    if (!comp || !comp->machine)
        return gc_printf("module %s -> %s", op->module->name, op->body->name);
    return gc_printf("%s -> %s (module %s) -> %s", comp->machine->name, comp->name, op->module->name, op->body->name);
}

#define PATH_NOTE "called here; operation path: "

/* An error inside a callee gets one note, at the outermost call, with the
 * whole path down to the failure: each enclosing call moves the note made
 * below it to its own call site and puts its level in front. */
static Error *with_path(Error *e, Span at, const char *level)
{
    Note *last = e->notes;
    while (last && last->next)
        last = last->next;
    if (!last || strncmp(last->msg, PATH_NOTE, strlen(PATH_NOTE)) != 0)
        return err_note(e, at, PATH_NOTE "%s", level);
    last->span = at;
    last->msg = gc_printf(PATH_NOTE "%s, then %s", level, last->msg + strlen(PATH_NOTE));
    return e;
}

Error *call_concrete(const VerifyOpts *o, VState *vs, const Insn *in, Component *comp, OpDef *op,
                     const OpSig *sig)
{
    Error *e = call_check_inputs(vs, in, &op->eff, call_viewer(o));
    if (!e)
        e = call_check_requires(o->ws, vs, in, sig);
    if (e)
        return e;
    if (o->nest >= config_limits.op_nesting)
        return err_hint(err_new(E_LIMIT, in->span, "operations nest deeper than %u levels", config_limits.op_nesting),
                        "raise the limit with :set op-nesting N");
    uint32_t *caller_id = gc_calloc(op->eff.nin + 1, sizeof(uint32_t));
    VState *entry = callee_entry(vs, op->eff.nin, caller_id);
    VState *exit = memo_find(o->memo, comp, op, entry);
    if (!exit) {
        VerifyOpts sub = *o;
        sub.log = NULL;
        sub.verified = NULL; /* the callee's own verification made its code */
        sub.comp = comp;
        sub.module = op->module;
        sub.owner = op->module->name;
        sub.nest = o->nest + 1;
        e = verify_body(op->body, entry, &op->eff, &sub, &exit);
        if (!e) {
            uint32_t *in_ids = gc_calloc(op->eff.nin + 1, sizeof(uint32_t));
            for (uint32_t i = 0; i < op->eff.nin; i++)
                in_ids[i] = entry->items[i].id;
            e = call_check_ensures(o->ws, exit, sig, in_ids, in->span, gc_printf("operation '%s'", op->body->name));
        }
        if (e)
            return with_path(e, in->span, op_path(comp, op));
        memo_put(o->memo, comp, op, entry, exit);
    }
    /* Entering and splicing read every fact of the caller for each input
     * and each fact of the result: charged, so many facts cannot make many
     * calls slow inside the budget. */
    uint64_t budget = o->budget ? o->budget : config_default(CONFIG_VERIFY_BUDGET);
    if (o->steps && (*o->steps += (uint64_t)vs->nfacts * (op->eff.nin + exit->nfacts + 1)) > budget)
        return err_hint(err_new(E_BUDGET, in->span, "verification budget exhausted after %llu steps",
                                (unsigned long long)budget),
                        "simplify the control flow, or raise the budget with :set verify-budget N");
    splice(vs, &op->eff, call_viewer(o), exit, caller_id);
    return NULL;
}
