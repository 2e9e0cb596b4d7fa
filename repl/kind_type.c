/* kind_type.c - types that modules and sessions declare (.define_type).
 * Items, effects and state slots store a type's id, so a version that
 * keeps the representation, owner and principal keeps the id: values
 * already made keep their type, and only what users rely on (linear or
 * not) is checked again through the dependants. */
#include "kinds.h"
#include "trust.h"

#include <string.h>

static Error *stage(Txn *t, DefCtx *c, const Node *st)
{
    (void)t;
    return define_type(c, st);
}

/* A type the session declared ahead of its module, taken over with the
 * same representation: values made so far are its values (decision 49).
 * NULL when neu takes old over, else why not. */
static const char *takeover_refused(const void *old_version, const void *new_version)
{
    const TypeDef *old = old_version, *neu = new_version;
    if (strcmp(old->owner, trust_owner(old->principal)) != 0 || strcmp(neu->owner, trust_owner(neu->principal)) == 0)
        return "only its owner may redefine a type; choose another name";
    if (!trust_hands_over(&old->head, &neu->head))
        return gc_printf("the %s session declared it, and a session hands its types over only to modules of its "
                         "own principal; declare it as %s input, or choose another name",
                         principal_name(old->principal), principal_name(old->principal));
    if (old->repr != neu->repr)
        return gc_printf("a module takes over the session's type only with its representation, %s; declare it "
                         "with %s, or choose another name",
                         type_name(old->repr), type_name(old->repr));
    return NULL;
}

static void carry(Txn *t, Def *d, void *version)
{
    (void)t;
    TypeDef *v = version;
    const TypeDef *old = d->cur;
    v->handle = d;
    v->before = old;
    if (old && old->repr == v->repr && old->principal == v->principal &&
        (!strcmp(old->owner, v->owner) || !takeover_refused(old, v))) {
        v->id = old->id;
        return;
    }
    v->id = type_register(v); /* TY_ANY when the table is full: refused when the type is used */
}

static const char *change(const void *old_version, const void *new_version)
{
    const TypeDef *old = old_version, *neu = new_version;
    if (old->repr != neu->repr)
        return "its representation";
    if (strcmp(old->owner, neu->owner) || old->id != neu->id)
        return "its owner";
    return old->linear != neu->linear ? "whether it is linear" : NULL;
}

static void describe(Buf *out, const TypeDef *v)
{
    buf_printf(out, "represented as %s%s, owned by %s", type_name(v->repr), v->linear ? ", linear" : "",
               show_owner_words(v->owner));
}

static void summary(Buf *out, const void *version) { describe(out, version); }

static void show(Buf *out, const void *version)
{
    const TypeDef *v = version;
    buf_printf(out, "// type %s@v%d, ", v->name, v->version);
    describe(out, v);
    buf_putc(out, '\n');
    node_print(out, v->def, 0);
    buf_putc(out, '\n');
}

const KindOps kind_type = {
    .kind = DEF_TYPE, .stage = stage, .carry = carry, .change = change, .summary = summary, .show = show,
    .owned = true, .takeover_refused = takeover_refused, .rebuilt = "verified again", .redefined = "",
};

static Error *declare_in_module(const DefCtx *c, const Node *st)
{
    if (st->nkids < 3 || st->kids[0]->kind != N_NAME || st->kids[2]->kind != N_BLOCK)
        return NULL; /* staging the module says what is wrong with it */
    DefCtx mine = *c;
    mine.owner = st->kids[0]->name;
    const Node *blk = st->kids[2];
    for (uint32_t i = 0; i < blk->nkids; i++) {
        Error *e = node_is_directive(blk->kids[i], "define_type") ? define_type(&mine, blk->kids[i]) : NULL;
        if (e)
            return e;
    }
    return NULL;
}

Error *kind_type_declare_all(DefCtx *c, const Node *unit)
{
    for (uint32_t i = 0; i < unit->nkids; i++) {
        const Node *st = unit->kids[i];
        Error *e = node_is_directive(st, "define_type")     ? define_type(c, st)
                   : node_is_directive(st, "define_module") ? declare_in_module(c, st)
                                                            : NULL;
        if (e)
            return e;
    }
    return NULL;
}
