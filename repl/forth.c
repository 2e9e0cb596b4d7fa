/* forth.c - the Forth front end: Forth source becomes XVM text over
 * forth-machine (stdlib/forth-machine.xvm), parsed into the one syntax
 * tree whose every span is then moved back onto the Forth token it came
 * from, and fed to the session like any input (session_eval_unit).  So the
 * verifier checks every word, and every error points at the Forth source.
 *
 * A colon definition is a procedure whose effect is its stack comment;
 * interpreted words run as they come (flushed before each definition and
 * each defining word, which reads the value the code left on the stack).
 * IF becomes if, loops labels and jumps; a DO loop's index and limit are
 * two state slots of forth-module (docs/forth.md, decision 52). */
#include "forth.h"
#include "gentext.h"

#include "print.h"
#include "session.h"
#include "syntax.h"
#include "trust.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct FTok {
    const char *text; /* lower case, NUL-terminated */
    Span span;
} FTok;

typedef struct FWord {
    const char *name;  /* as Forth spells it, lower case */
    const char *xname; /* the procedure's name */
    bool is_value;     /* CONSTANT, VARIABLE, CREATE: Forth code gets value folded in */
    bool inferred;     /* a colon definition whose effect was inferred */
    int64_t value;
    uint32_t nin, nout; /* its effect on the data stack */
} FWord;

typedef enum { CS_IF, CS_ELSE, CS_BEGIN, CS_WHILE, CS_DO } CsKind;

/* The depth a definition's code reaches, relative to its entry, followed
 * word by word to infer the effect of a definition with no stack comment.
 * Only a guess for the verifier to check: where paths disagree it takes
 * one, and the verifier reports the disagreement. */
typedef struct Depth {
    int now;   /* items above the entry depth (negative: inputs taken) */
    bool dead; /* after EXIT, LEAVE or AGAIN: no path reaches here */
} Depth;

typedef struct CsEntry {
    CsKind kind;
    Span at;
    int leave; /* CS_DO: the label LEAVE jumps to, 0 if none */
    int top;   /* CS_DO, CS_BEGIN: the label the loop goes back to */
    Depth open; /* at the opening word (after what it takes) */
    Depth other; /* CS_ELSE: where the IF branch ended; CS_WHILE: the exit */
} CsEntry;

enum { FORTH_MAX_NEST = 64 };

typedef struct Forth {
    Session *s;
    const Source *src;
    uint32_t pos, line, line_start; /* the scanner */
    Gentext g;                      /* XVM text not yet evaluated, mapped back onto the Forth */
    Vec words; /* FWord*, latest last */
    CsEntry cs[FORTH_MAX_NEST];
    uint32_t ncs;
    FWord *defining; /* the colon definition being compiled */
    uint32_t nin, nout;
    bool commented;      /* its effect is its stack comment, not inferred */
    Depth depth;         /* where its code is, for inferring the effect */
    int low;             /* the lowest depth reached: -inputs */
    bool exited;         /* an EXIT was reached, at exit_depth */
    int exit_depth;
    uint32_t head_off, head_len; /* its .define_procedure head in gen */
    int labels;
    bool bye;
    bool lit;          /* the last thing emitted was a literal (for PICK) */
    uint32_t flag_neg; /* where the neg; that made the last comparison's flag -1 starts, or 0 */
    uint32_t lit_off;  /* where it starts in gen */
    int64_t lit_value;
    bool lit2;         /* and the thing before it was a literal too (for folding) */
    uint32_t lit2_off;
    int64_t lit2_value;
    Principal as; /* whose input the program is */
    bool check;   /* the whole program is one input, checked and not run */
    uint32_t renamed; /* check: words defined twice get names of their own */
} Forth;

/* The words defined so far in a session, kept between inputs: a Forth
 * file loaded with :load and the lines typed in Forth mode share them. */
static Session *dict_session;
static Vec dict_words;

/* ---- the words that are one piece of XVM text --------------------------------------------- */

static const struct {
    const char *name, *xvm;
    int8_t in, out; /* the data stack effect, for inferring a definition's */
} simple_words[] = {
    {"dup", "dup;", 1, 2}, {"drop", "pop;", 1, 0}, {"swap", "swap;", 2, 2}, {"over", "over;", 2, 3},
    {"rot", "rot;", 3, 3}, {"nip", "swap; pop;", 2, 1}, {"tuck", "swap; over;", 2, 3},
    {"2dup", "over; over;", 2, 4}, {"2drop", "pop; pop;", 2, 0}, {"2swap", "rot; rpush; rot; rpop;", 4, 4},
    {"2over", "pick 3; pick 3;", 4, 6},
    {"+", "add;", 2, 1}, {"-", "sub;", 2, 1}, {"*", "mul;", 2, 1}, {"/", "fdiv;", 2, 1}, {"mod", "fmod;", 2, 1},
    {"/mod", "fdivmod;", 2, 2}, {"negate", "neg;", 1, 1}, {"abs", "dup; push int(0); lt; if { neg; };", 1, 1},
    {"min", "over; over; gt; if { swap; }; pop;", 2, 1}, {"max", "over; over; lt; if { swap; }; pop;", 2, 1},
    {"1+", "push int(1); add;", 1, 1}, {"1-", "push int(1); sub;", 1, 1}, {"2*", "push int(1); shl;", 1, 1},
    {"2/", "push int(1); shr;", 1, 1}, {"and", "and;", 2, 1}, {"or", "or;", 2, 1}, {"xor", "xor;", 2, 1},
    {"invert", "not;", 1, 1}, {"lshift", "shl;", 2, 1}, {"rshift", "shru;", 2, 1},
    {"=", "eq; neg;", 2, 1}, {"<>", "ne; neg;", 2, 1}, {"<", "lt; neg;", 2, 1}, {">", "gt; neg;", 2, 1},
    {"<=", "le; neg;", 2, 1}, {">=", "ge; neg;", 2, 1}, {"0=", "push int(0); eq; neg;", 1, 1},
    {"0<", "push int(0); lt; neg;", 1, 1}, {"0>", "push int(0); gt; neg;", 1, 1},
    {"0<>", "push int(0); ne; neg;", 1, 1},
    {"u<", "ltu; neg;", 2, 1},
    {"true", "push int(-1);", 0, 1}, {"false", "push int(0);", 0, 1},
    {".", "dot;", 1, 0}, {".r", "dot-r;", 2, 0}, {"u.", "u-dot;", 1, 0}, {"cr", "push int(10); emit;", 0, 0},
    {"emit", "emit;", 1, 0}, {"space", "push int(32); emit;", 0, 0}, {"spaces", "spaces;", 1, 0},
    {"@", "fetch;", 1, 1}, {"!", "put;", 2, 0}, {"c@", "cfetch;", 1, 1}, {"c!", "cput;", 2, 0},
    {"+!", "plus-put;", 2, 0}, {"here", "here;", 0, 1}, {"allot", "allot;", 1, 0}, {",", "comma;", 1, 0},
    {"c,", "ccomma;", 1, 0}, {"cells", "push int(3); shl;", 1, 1}, {"cell+", "push int(8); add;", 1, 1},
    {"chars", "", 1, 1}, {"char+", "push int(1); add;", 1, 1},
    {"allocate", "allocate;", 1, 2}, {"free", "free;", 1, 1}, {"resize", "resize;", 2, 2}, 
    {">r", "rpush;", 1, 0}, {"r>", "rpop;", 0, 1}, {"r@", "rpeek;", 0, 1}, {"i", "loop-i;", 0, 1},
    {"j", "loop-j;", 0, 1}, {"unloop", "unloop;", 0, 0},
};

/* Words whose depth is only known at run time: rejected, with why. */
static const char *const dynamic_words[] = {"?dup", "depth", "roll", "execute", "'", "catch"};

/* ---- scanning ---------------------------------------------------------------------------------- */

static Span span_at(Forth *F, uint32_t off, uint32_t len)
{
    return (Span){.src = F->src, .off = off, .len = len, .line = F->line, .col = off - F->line_start + 1};
}

static void skip_space(Forth *F)
{
    const char *t = F->src->text;
    while (F->pos < F->src->len && isspace((unsigned char)t[F->pos])) {
        if (t[F->pos] == '\n') {
            F->line++;
            F->line_start = F->pos + 1;
        }
        F->pos++;
    }
}

/* The next blank-separated token, lower-cased; false at the end. */
static bool next_token(Forth *F, FTok *tok)
{
    skip_space(F);
    const char *t = F->src->text;
    uint32_t start = F->pos;
    while (F->pos < F->src->len && !isspace((unsigned char)t[F->pos]))
        F->pos++;
    if (F->pos == start)
        return false;
    char *w = gc_strndup(t + start, F->pos - start);
    for (char *c = w; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    *tok = (FTok){.text = w, .span = span_at(F, start, F->pos - start)};
    return true;
}

/* Text up to the delimiter (skipping the one blank after the word); the
 * span covers it.  False if the source ends first. */
static bool scan_until(Forth *F, char delim, const char **text, Span *at)
{
    const char *t = F->src->text;
    if (F->pos < F->src->len && isspace((unsigned char)t[F->pos]) && t[F->pos] != '\n')
        F->pos++;
    uint32_t start = F->pos;
    Span first = span_at(F, start, 0);
    while (F->pos < F->src->len && t[F->pos] != delim) {
        if (t[F->pos] == '\n') {
            F->line++;
            F->line_start = F->pos + 1;
        }
        F->pos++;
    }
    *text = gc_strndup(t + start, F->pos - start);
    first.len = F->pos - start;
    *at = first;
    if (F->pos >= F->src->len)
        return false;
    if (t[F->pos++] == '\n') {
        F->line++;
        F->line_start = F->pos;
    }
    return true;
}

/* ---- generating XVM text ------------------------------------------------------------------------ */

static void emit(Forth *F, Span at, const char *xvm)
{
    gentext_emit(&F->g, at, xvm);
    F->lit = F->lit2 = false;
    size_t n = strlen(xvm);
    /* not after ltu: core/compile.c fuses a compare with jump_unless by
     * negating it, which it can for the signed compares only */
    F->flag_neg = n > 6 && !strcmp(xvm + n - 6, "; neg;") && strcmp(xvm, "ltu; neg;") ? (uint32_t)(F->g.text.len - 5) : 0;
}

/* IF, WHILE and UNTIL test a flag for zero: a comparison's 1 does as well
 * as Forth's -1, and without the neg the executor fuses the comparison
 * with the branch. */
static void drop_flag_neg(Forth *F)
{
    if (F->flag_neg && F->flag_neg + 5 == F->g.text.len) {
        F->g.text.len = F->flag_neg;
        F->g.text.s[F->g.text.len] = 0;
    }
    F->flag_neg = 0;
}

/* "flags i +": the literal goes after I, next to the add it then fuses
 * with (push; add is one instruction); + is commutative. */
static void commute_literal(Forth *F)
{
    const char *tail = "loop-i; ";
    size_t tl = strlen(tail);
    if (F->g.nmap < 2 || F->g.text.len < tl || strcmp(F->g.text.s + F->g.text.len - tl, tail))
        return;
    GentextMap *a = &F->g.map[F->g.nmap - 2], *b = &F->g.map[F->g.nmap - 1];
    uint32_t n = b->gen - a->gen;
    const char *lit = F->g.text.s + a->gen;
    if (b->gen + tl != F->g.text.len || n < 12 || strncmp(lit, "push int(", 9) || memchr(lit, ';', n) != lit + n - 2)
        return;
    char *copy = gc_strndup(lit, n);
    memcpy(F->g.text.s + a->gen, tail, tl);
    memcpy(F->g.text.s + a->gen + tl, copy, n);
    Span lit_span = a->span;
    a->span = b->span;
    b->gen = a->gen + (uint32_t)tl;
    b->span = lit_span;
}

/* Take back the literal just emitted (PICK's index, a divisor). */
static void unemit_literal(Forth *F)
{
    F->g.text.len = F->lit_off;
    F->g.text.s[F->g.text.len] = 0;
    F->g.nmap--;
    F->lit = F->lit2; /* the literal before it, if any, is the last thing now */
    F->lit_off = F->lit2_off;
    F->lit_value = F->lit2_value;
    F->lit2 = false;
    if (F->defining && !F->depth.dead)
        F->depth.now--; /* the literal is an operand, not an item */
}

/* ---- the depth, for inferring an effect ----------------------------------------------------------------- */

/* A word that takes in items and leaves out, in the definition being
 * compiled. */
static void track(Forth *F, int in, int out)
{
    if (!F->defining || F->depth.dead)
        return;
    F->depth.now -= in;
    if (F->depth.now < F->low)
        F->low = F->depth.now;
    F->depth.now += out;
}

/* Where two paths meet: a path no one reaches gives way to the other. */
static Depth depth_join(Depth a, Depth b) { return a.dead ? b : a; }

static void track_exit(Forth *F)
{
    if (!F->depth.dead && !F->exited) {
        F->exited = true;
        F->exit_depth = F->depth.now;
    }
    F->depth.dead = true;
}

/* The effect the code followed so far has, when no comment gave one. */
static void infer_effect(Forth *F)
{
    int end = !F->depth.dead ? F->depth.now : F->exited ? F->exit_depth : F->low;
    F->nin = (uint32_t)-F->low;
    F->nout = (uint32_t)(end - F->low);
}

static void emit_word(Forth *F, Span at, const char *xvm, int in, int out)
{
    track(F, in, out);
    emit(F, at, xvm);
}

static void emit_literal(Forth *F, Span at, int64_t v)
{
    uint32_t off = (uint32_t)F->g.text.len;
    bool had = F->lit;
    uint32_t had_off = F->lit_off;
    int64_t had_value = F->lit_value;
    track(F, 0, 1);
    emit(F, at, gc_printf("push int(%lld);", (long long)v));
    F->lit2 = had;
    F->lit2_off = had_off;
    F->lit2_value = had_value;
    F->lit = true;
    F->lit_off = off;
    F->lit_value = v;
}

/* "from line 3 (push int(1))" in a join's paths: the XVM text goes, the
 * Forth line stays. */
static const char *strip_xvm_text(const char *detail)
{
    Buf b = {0};
    for (const char *p = detail; *p;) {
        const char *q = strstr(p, "from line ");
        if (!q) {
            buf_puts(&b, p);
            break;
        }
        q += strlen("from line ");
        q += strspn(q, "0123456789");
        buf_printf(&b, "%.*s", (int)(q - p), p);
        p = q;
        if (strncmp(p, " (", 2))
            continue;
        int open = 0;
        do
            open += *p == '(' ? 1 : *p == ')' ? -1 : 0;
        while (*++p && (open || p[-1] != ')'));
    }
    return buf_str(&b);
}

/* Where the verifier says paths meet, in the XVM the Forth became, and
 * the same place in Forth's words. */
static const char *const join_places[][2] = {
    {"at the end of the 'if'", "where the branches of an IF meet"},
    {"at the start of the 'while' body", "where a loop goes round again"},
    {"at the 'while' condition", "where a loop goes round again"},
    {"at label 'leave", "where a LEAVE meets the end of its loop"},
    {"at label 'top", "where a loop goes round again"},
    {"at label 'end", "where a loop ends"},
};

static const char *forth_join_place(const char *msg)
{
    const char *p = strstr(msg, "where paths meet "), *end = p ? strchr(p, ':') : NULL;
    if (!end)
        return msg;
    const char *place = p + strlen("where paths meet ");
    for (size_t i = 0; i < countof(join_places); i++)
        if (!strncmp(place, join_places[i][0], strlen(join_places[i][0])))
            return gc_printf("%.*s%s%s", (int)(p - msg), msg, join_places[i][1], end);
    return msg;
}

/* The verifier names the XVM instruction; the Forth programmer wrote a
 * word, which the span now covers. */
static void forth_wording(Error *e)
{
    const char *u = "stack underflow: '", *q = e->msg ? strstr(e->msg, "' needs ") : NULL;
    if (e->msg && !strncmp(e->msg, u, strlen(u)) && q)
        e->msg = gc_printf("%s%.*s%s", u, (int)e->span.len, e->span.src->text + e->span.off, q);
    if (e->hint && !strncmp(e->hint, "push the inputs first", 21))
        e->hint = "put the items it takes on the stack first";
    if (e->detail)
        e->detail = strip_xvm_text(e->detail);
    if (e->msg && strstr(e->msg, "where paths meet"))
        e->msg = forth_join_place(e->msg);
}

/* A trap inside one of forth-machine's operations (inlined where a word
 * uses it) is reported at the innermost Forth call it happened under; the
 * operation's own line becomes a note. */
static void trap_at_forth(const Forth *F, Error *e)
{
    if (!e->span.src || e->span.src == F->src)
        return;
    /* The first note outside forth-module is Forth: this input's, or an
     * earlier input's in Forth mode, where each input is a source. */
    for (Note **at = &e->notes, *n; (n = *at); at = &n->next)
        if (n->span.src && n->span.src != e->span.src) {
            Span op = e->span;
            e->span = n->span;
            n->span = op;
            n->msg = "in forth-machine's operation here, reached through that call";
            if (e->msg && !strncmp(e->msg, "trap: THROW", 11))
                *at = n->next; /* the message is the THROW's whole story */
            return;
        }
}

/* Evaluate what is generated so far as one input (checked, not run, if
 * check); its errors, already at the Forth source, in Forth's words. */
static Error *evaluate(Forth *F, bool check)
{
    Error *e = check ? gentext_check(&F->g, F->s, F->src, F->as) : gentext_eval(&F->g, F->s, F->src, F->as);
    F->lit = false;
    for (Error *x = e; x; x = x->next) {
        if (x->code == E_TRAP)
            trap_at_forth(F, x);
        if (x->span.src == F->src) /* spans of the tree were moved before it was verified */
            forth_wording(x);
    }
    return e;
}

/* Run what is generated so far, before a word that needs its result; when
 * checking, it waits to be checked with the rest of the program. */
static Error *flush(Forth *F) { return F->check ? NULL : evaluate(F, false); }

/* ---- words ----------------------------------------------------------------------------------------- */

static FWord *find_word(const Forth *F, const char *name)
{
    for (uint32_t i = F->words.len; i-- > 0;) {
        FWord *w = F->words.items[i];
        if (!strcmp(w->name, name))
            return w;
    }
    for (uint32_t i = F->s == dict_session ? dict_words.len : 0; i-- > 0;) {
        FWord *w = dict_words.items[i];
        if (!strcmp(w->name, name))
            return w;
    }
    return NULL;
}

static bool parse_number(const char *t, int64_t *v)
{
    int base = 10;
    if (*t == '$' || *t == '#') {
        base = *t == '$' ? 16 : 10;
        t++;
    }
    if (!*t || (*t == '-' && !t[1]))
        return false;
    char *end;
    errno = 0;
    long long n = strtoll(t, &end, base);
    if (*end || errno || isspace((unsigned char)*t) || *t == '+')
        return false;
    *v = n;
    return true;
}

static Error *word_error(const FTok *t, const char *what) { return err_new(E_USAGE, t->span, "%s", what); }

static Error *need_compiling(Forth *F, const FTok *t)
{
    if (F->defining)
        return NULL;
    return err_hint(err_new(E_USAGE, t->span, "%s is compile-only: use it inside a colon definition", t->text),
                    "write : NAME ( before -- after ) ... ;");
}

static Error *push_cs(Forth *F, const FTok *t, CsKind k)
{
    if (F->ncs == FORTH_MAX_NEST)
        return err_new(E_LIMIT, t->span, "control structures nest deeper than %d", FORTH_MAX_NEST);
    F->cs[F->ncs++] = (CsEntry){.kind = k, .at = t->span, .open = F->depth};
    return NULL;
}

static const char *cs_opener(CsKind k)
{
    static const char *const names[] = {"IF", "ELSE", "BEGIN", "WHILE", "DO"};
    return names[k];
}

/* Close the innermost structure, which must be one of kinds a or b. */
static Error *pop_cs(Forth *F, const FTok *t, CsKind a, CsKind b, CsEntry *out)
{
    if (!F->ncs)
        return err_hint(err_new(E_USAGE, t->span, "unbalanced %s: nothing open for it to close", t->text),
                        "every THEN, UNTIL, REPEAT, AGAIN and LOOP closes an IF, BEGIN or DO before it");
    CsEntry c = F->cs[F->ncs - 1];
    if (c.kind != a && c.kind != b)
        return err_note(err_new(E_USAGE, t->span, "unbalanced %s: the innermost open structure is %s", t->text,
                                cs_opener(c.kind)),
                        c.at, "%s opened here", cs_opener(c.kind));
    F->ncs--;
    *out = c;
    return NULL;
}

/* ---- control words ----------------------------------------------------------------------------------- */

static Error *control_open(Forth *F, const FTok *t)
{
    const char *w = t->text;
    Error *e = need_compiling(F, t);
    if (e)
        return e;
    if (!strcmp(w, "if")) {
        drop_flag_neg(F);
        emit_word(F, t->span, "if {", 1, 0);
        return push_cs(F, t, CS_IF);
    }
    /* Loops are labels and jumps, the test at the bottom where it fuses
     * with its jump (XVM's while tests at the top). */
    bool begin = !strcmp(w, "begin"), qdo = !strcmp(w, "?do");
    int top = ++F->labels, leave = qdo ? ++F->labels : 0;
    if (!begin)
        emit_word(F, t->span, qdo ? gc_printf("qdo-enter; jump_unless leave%d;", leave) : "do-enter;", 2, 0);
    emit(F, t->span, gc_printf("label top%d;", top));
    if (!(e = push_cs(F, t, begin ? CS_BEGIN : CS_DO))) {
        F->cs[F->ncs - 1].top = top;
        F->cs[F->ncs - 1].leave = leave;
    }
    return e;
}

/* ELSE and WHILE close one part of a structure and open the next. */
static Error *control_middle(Forth *F, const FTok *t)
{
    bool is_else = !strcmp(t->text, "else");
    CsEntry c;
    Error *e = pop_cs(F, t, is_else ? CS_IF : CS_BEGIN, is_else ? CS_IF : CS_BEGIN, &c);
    if (e)
        return e;
    int end = is_else ? 0 : ++F->labels;
    if (!is_else)
        drop_flag_neg(F);
    emit_word(F, t->span, is_else ? "}, {" : gc_printf("jump_unless end%d;", end), !is_else, 0);
    Depth here = F->depth;
    if ((e = push_cs(F, t, is_else ? CS_ELSE : CS_WHILE)))
        return e;
    F->cs[F->ncs - 1].open = c.open;
    F->cs[F->ncs - 1].other = here; /* ELSE: where the IF branch ended; WHILE: the loop's exit */
    F->cs[F->ncs - 1].top = c.top;
    F->cs[F->ncs - 1].leave = end;
    if (is_else)
        F->depth = c.open;
    return NULL;
}

/* LOOP and +LOOP: the step, the test and the jump back (a +LOOP of a
 * literal step compares with it, forth-module.xvm's loop-plus). */
static void loop_back(Forth *F, const FTok *t, int top)
{
    if (*t->text != '+') {
        emit(F, t->span, gc_printf("loop-next; ne; jump_if top%d;", top));
        return;
    }
    if (!F->lit || !F->lit_value) {
        emit_word(F, t->span, gc_printf("ploop-next; eq; jump_if top%d;", top), 1, 0);
        return;
    }
    int64_t n = F->lit_value;
    unemit_literal(F);
    emit(F, t->span, gc_printf("push int(%lld); loop-plus; push int(%lld); %s; jump_if top%d;", (long long)n,
                               (long long)n, n > 0 ? "geu" : "ltu", top));
}

static Error *control_close(Forth *F, const FTok *t)
{
    const char *w = t->text;
    CsEntry c;
    Error *e = need_compiling(F, t);
    if (e)
        return e;
    if (!strcmp(w, "else") || !strcmp(w, "while"))
        return control_middle(F, t);
    if (!strcmp(w, "then"))
        e = pop_cs(F, t, CS_IF, CS_ELSE, &c);
    else if (!strcmp(w, "repeat"))
        e = pop_cs(F, t, CS_WHILE, CS_WHILE, &c);
    else if (!strcmp(w, "until") || !strcmp(w, "again"))
        e = pop_cs(F, t, CS_BEGIN, CS_BEGIN, &c);
    else
        e = pop_cs(F, t, CS_DO, CS_DO, &c);
    if (e)
        return e;
    if (!strcmp(w, "until")) {
        drop_flag_neg(F);
        emit_word(F, t->span, gc_printf("jump_unless top%d;", c.top), 1, 0);
    } else if (!strcmp(w, "again")) {
        emit(F, t->span, gc_printf("jump top%d;", c.top));
        F->depth.dead = true;
    } else if (!strcmp(w, "repeat")) {
        emit(F, t->span, gc_printf("jump top%d; label end%d;", c.top, c.leave));
        F->depth = c.other;
    } else if (!strcmp(w, "loop") || !strcmp(w, "+loop")) {
        loop_back(F, t, c.top);
        if (c.leave)
            emit(F, t->span, gc_printf("label leave%d;", c.leave));
        emit(F, t->span, "unloop;");
        F->depth = c.open; /* the loop ends where it began, LEAVE or not */
    } else {
        emit(F, t->span, "};");
        F->depth = !strcmp(w, "then") ? depth_join(F->depth, c.kind == CS_IF ? c.open : c.other) : c.other;
    }
    return NULL;
}

static Error *control_leave(Forth *F, const FTok *t)
{
    Error *e = need_compiling(F, t);
    uint32_t i = F->ncs;
    while (!e && i > 0 && F->cs[i - 1].kind != CS_DO)
        i--;
    if (!e && !i)
        e = err_new(E_USAGE, t->span, "LEAVE outside a DO loop");
    if (e)
        return e;
    if (!F->cs[i - 1].leave)
        F->cs[i - 1].leave = ++F->labels;
    emit(F, t->span, gc_printf("jump leave%d;", F->cs[i - 1].leave));
    F->depth.dead = true;
    return NULL;
}

/* ---- defining words ---------------------------------------------------------------------------------- */

static Error *need_name(Forth *F, const FTok *t, FTok *name)
{
    if (next_token(F, name))
        return NULL;
    return err_new(E_USAGE, t->span, "%s needs a name after it", t->text);
}

/* The item the code so far left on top of the stack, taken off it (a
 * check takes 0: nothing runs, and any number verifies the same). */
static Error *take_top(Forth *F, const FTok *t, int64_t *v)
{
    *v = 0;
    if (F->check) {
        emit_word(F, t->span, "pop;", 1, 0);
        return NULL;
    }
    Error *e = flush(F);
    if (e)
        return e;
    Session *s = F->s;
    if (s->verify_only) /* the code so far did not run: its item is simulated, the real top is another */
        return err_hint(err_new(E_USAGE, t->span, "%s needs the number the code before it computed, and in "
                                                  "verify-only mode nothing runs", t->text),
                        "verify the definitions that do not need it, or run the program");
    if (!s->vm->depth || !s->vs->depth || s->vs->items[s->vs->depth - 1].type != TY_INT)
        return err_new(E_USAGE, t->span, "%s needs a number on the stack", t->text);
    *v = s->vm->stack[s->vm->depth - 1];
    emit(F, t->span, "pop;");
    return flush(F);
}

/* The procedure for a word.  A check is one input, where a name is
 * defined once: a word the program defines again gets a name of its own. */
static const char *word_xname(Forth *F, const char *name)
{
    const char *x = gentext_name(name);
    if (!F->check)
        return x;
    for (uint32_t i = 0; i < F->words.len; i++)
        if (!strcmp(((FWord *)F->words.items[i])->xname, x))
            return gc_printf("%s--%u", x, ++F->renamed);
    return x;
}

/* A CONSTANT, VARIABLE or CREATE name: Forth code has the value folded
 * in, XVM code calls the procedure that pushes it. */
static void add_value_word(Forth *F, const FTok *name, int64_t value)
{
    FWord *w = gc_alloc(sizeof *w);
    *w = (FWord){.name = name->text, .xname = word_xname(F, name->text), .is_value = true, .value = value, .nout = 1};
    emit(F, name->span, gc_printf(".define_procedure %s, (-> int), { push int(%lld); };", w->xname, (long long)value));
    vec_push(&F->words, w);
}

static Error *define_value(Forth *F, const FTok *t)
{
    FTok name;
    int64_t v = 0;
    Error *e = F->defining ? word_error(t, gc_printf("%s inside a colon definition is not supported", t->text)) : NULL;
    if (!e)
        e = need_name(F, t, &name);
    if (!e && strcmp(t->text, "constant"))
        emit(F, t->span, "here;");
    if (!e)
        e = take_top(F, t, &v);
    if (!e && !strcmp(t->text, "variable"))
        emit(F, t->span, "push int(0); comma;");
    if (!e)
        add_value_word(F, &name, v);
    return e;
}

/* ( a b -- c ): how many items before and after the --.  With no
 * comment the effect is inferred (F->commented false). */
static Error *stack_comment(Forth *F, const FTok *colon, const FTok *name)
{
    FTok t;
    uint32_t pos = F->pos, line = F->line, line_start = F->line_start;
    F->commented = next_token(F, &t) && !strcmp(t.text, "(");
    if (!F->commented) { /* the body's first word: read again */
        F->pos = pos, F->line = line, F->line_start = line_start;
        return NULL;
    }
    bool after = false;
    F->nin = F->nout = 0;
    while (next_token(F, &t) && strcmp(t.text, ")")) {
        if (!strcmp(t.text, "--"))
            after = true;
        else if (after)
            F->nout++;
        else
            F->nin++;
    }
    if (strcmp(t.text, ")") || !after)
        return err_new(E_USAGE, colon->span, "the stack comment of %s needs a -- and a closing )", name->text);
    return NULL;
}

static const char *effect_text(uint32_t nin, uint32_t nout)
{
    Buf b = {0};
    buf_putc(&b, '(');
    for (uint32_t i = 0; i < nin; i++)
        buf_puts(&b, i ? ", int" : "int");
    buf_puts(&b, nin ? " ->" : "->");
    for (uint32_t i = 0; i < nout; i++)
        buf_puts(&b, i ? ", int" : " int");
    buf_putc(&b, ')');
    return buf_str(&b);
}

static const char *head_text(const Forth *F);

static Error *colon(Forth *F, const FTok *t)
{
    FTok name;
    Error *e = F->defining ? err_new(E_USAGE, t->span, "a colon definition inside %s", F->defining->name) : NULL;
    if (!e)
        e = flush(F);
    if (!e)
        e = need_name(F, t, &name);
    if (!e)
        e = stack_comment(F, t, &name);
    if (e)
        return e;
    FWord *w = gc_alloc(sizeof *w);
    *w = (FWord){.name = name.text, .xname = word_xname(F, name.text)};
    F->defining = w;
    F->depth = (Depth){0};
    F->low = 0;
    F->exited = false;
    F->head_off = (uint32_t)F->g.text.len;
    emit(F, name.span, head_text(F));
    F->head_len = (uint32_t)F->g.text.len - F->head_off;
    return NULL;
}

/* The definition's head, once its effect is known (or a placeholder). */
static const char *head_text(const Forth *F)
{
    const char *eff = F->commented ? effect_text(F->nin, F->nout) : "(->)";
    return gc_printf(".define_procedure %s, %s, {", F->defining->xname, eff);
}

/* A definition with no comment: its head gets the inferred effect, and
 * everything generated after it moves to make room. */
static void finish_head(Forth *F)
{
    if (F->commented)
        return;
    infer_effect(F);
    F->commented = true;
    const char *head = head_text(F);
    Buf b = {0};
    buf_printf(&b, "%.*s%s %s", (int)F->head_off, F->g.text.s, head, F->g.text.s + F->head_off + F->head_len);
    int shift = (int)strlen(head) + 1 - (int)F->head_len;
    for (uint32_t i = 0; i < F->g.nmap; i++)
        if (F->g.map[i].gen > F->head_off)
            F->g.map[i].gen = (uint32_t)((int)F->g.map[i].gen + shift);
    F->g.text = b;
}

/* The verifier's "the end of the body leaves <N> ... but 'f' declares"
 * in the words of a Forth programmer. */
static const FWord *word_declaring(const Forth *F, const char *msg)
{
    const char *q = strstr(msg, "but '");
    for (uint32_t i = F->words.len + 1; q && i-- > 0;) {
        const FWord *w = i == F->words.len ? F->defining : F->words.items[i];
        if (w && !w->is_value && strstr(msg, gc_printf("but '%s' declares", w->xname)))
            return w;
    }
    return NULL;
}

static Error *rephrase_one(const Forth *F, Error *e)
{
    const char *p = e->msg ? strstr(e->msg, "leaves <") : NULL;
    const FWord *w = p ? word_declaring(F, e->msg) : NULL;
    if (!w)
        return e;
    long n = strtol(p + 8, NULL, 10);
    if (w->inferred) {
        e->msg = gc_printf("%s leaves %ld item%s here but %u on another path, so its effect cannot be inferred",
                           w->name, n, n == 1 ? "" : "s", w->nout);
        e->hint = gc_printf("give it a stack comment, : %s ( before -- after ) ... ; every path must leave what it says",
                            w->name);
        return e;
    }
    e->msg = gc_printf("%s leaves %ld item%s, its stack comment says %u", w->name, n, n == 1 ? "" : "s", w->nout);
    e->hint = "a stack comment ( before -- after ) is the word's effect, checked on every path";
    return e;
}

static Error *rephrase(const Forth *F, Error *e)
{
    for (Error *x = e; x; x = x->next)
        rephrase_one(F, x);
    return e;
}

static Error *semicolon(Forth *F, const FTok *t)
{
    if (!F->defining)
        return err_new(E_USAGE, t->span, "; outside a colon definition");
    if (F->ncs) {
        CsEntry c = F->cs[F->ncs - 1];
        return err_hint(err_new(E_USAGE, c.at, "unbalanced %s: %s ends before it is closed", cs_opener(c.kind),
                                F->defining->name),
                        "close every IF with THEN, every BEGIN with UNTIL, AGAIN or REPEAT, every DO with LOOP");
    }
    emit(F, t->span, "};");
    F->defining->inferred = !F->commented;
    finish_head(F);
    F->defining->nin = F->nin;
    F->defining->nout = F->nout;
    Error *e = rephrase(F, flush(F));
    if (!e)
        vec_push(&F->words, F->defining);
    F->defining = NULL;
    return e;
}

/* ---- one word ------------------------------------------------------------------------------------------ */

static Error *pick_word(Forth *F, const FTok *t)
{
    if (!F->lit || F->lit_value < 0 || F->lit_value > 255)
        return err_hint(err_new(E_USAGE, t->span, "PICK needs a literal index 0..255 just before it"),
                        "with a computed index the stack depth is only known at run time, so it cannot be verified");
    int64_t n = F->lit_value;
    unemit_literal(F);
    F->lit_value = n;
    emit_word(F, t->span, gc_printf("pick %lld;", (long long)F->lit_value), (int)F->lit_value + 1,
              (int)F->lit_value + 2);
    return NULL;
}

static Error *exit_word(Forth *F, const FTok *t)
{
    Error *e = need_compiling(F, t);
    if (e)
        return e;
    emit(F, t->span, "return;");
    track_exit(F);
    return NULL;
}

/* A word's effect is inferred from the effects of the words it uses, so
 * a word that uses itself needs its effect written down. */
static Error *recurse_word(Forth *F, const FTok *t)
{
    Error *e = need_compiling(F, t);
    if (!e && !F->commented)
        e = err_hint(err_new(E_USAGE, t->span,
                             "%s needs a stack comment: it calls itself, so its effect cannot be inferred",
                             F->defining->name),
                     "write : %s ( before -- after ) ... ; the comment is the word's verified effect",
                     F->defining->name);
    if (!e)
        emit_word(F, t->span, gc_printf("call %s;", F->defining->xname), (int)F->nin, (int)F->nout);
    return e;
}

/* THROW tests its code here, so a THROW of 0 (every ALLOCATE that found
 * room) costs no call, and calls throw-code, which stops the run with
 * gforth's message for the code; the call's span is the THROW, so that is
 * where the trap points.  A literal 0 THROW is nothing at all. */
static Error *throw_word(Forth *F, const FTok *t)
{
    if (F->lit && F->lit_value == 0) {
        unemit_literal(F);
        return NULL;
    }
    emit_word(F, t->span, F->lit ? "throw-code;" : "dup; if { throw-code; }, { pop; };", 1, 0);
    return NULL;
}

static Error *dot_quote(Forth *F, const FTok *t)
{
    const char *text;
    Span at;
    if (!scan_until(F, '"', &text, &at))
        return err_new(E_SYNTAX, t->span, ".\" needs a closing \"");
    for (const char *c = text; *c; c++)
        emit(F, at, gc_printf("push int(%d); emit;", (unsigned char)*c));
    return NULL;
}

static Error *comment(Forth *F, const FTok *t)
{
    const char *text;
    Span at;
    if (!strcmp(t->text, "\\")) {
        scan_until(F, '\n', &text, &at);
        return NULL;
    }
    return scan_until(F, ')', &text, &at) ? NULL : err_new(E_SYNTAX, t->span, "( needs a closing )");
}

static const char *upper(const char *w)
{
    char *u = gc_strndup(w, strlen(w));
    for (char *c = u; *c; c++)
        *c = (char)toupper((unsigned char)*c);
    return u;
}

static Error *unknown_word(const FTok *t)
{
    for (size_t i = 0; i < countof(dynamic_words); i++)
        if (!strcmp(t->text, dynamic_words[i]))
            return err_hint(err_new(E_USAGE, t->span, "%s is not supported: its stack effect is only known at run time",
                                    upper(t->text)),
                            "every word's effect is verified before it runs; see docs/forth.md");
    return err_hint(err_new(E_UNKNOWN, t->span, "unknown word '%s'", t->text),
                    "docs/forth.md lists the words forth-machine supports");
}

static Error *special_word(Forth *F, const FTok *t, bool *done)
{
    const char *w = t->text;
    *done = true;
    if (!strcmp(w, ":"))
        return colon(F, t);
    if (!strcmp(w, ";"))
        return semicolon(F, t);
    if (!strcmp(w, "constant") || !strcmp(w, "variable") || !strcmp(w, "create"))
        return define_value(F, t);
    if (!strcmp(w, "if") || !strcmp(w, "begin") || !strcmp(w, "do") || !strcmp(w, "?do"))
        return control_open(F, t);
    if (!strcmp(w, "else") || !strcmp(w, "then") || !strcmp(w, "while") || !strcmp(w, "repeat") ||
        !strcmp(w, "until") || !strcmp(w, "again") || !strcmp(w, "loop") || !strcmp(w, "+loop"))
        return control_close(F, t);
    if (!strcmp(w, "leave"))
        return control_leave(F, t);
    if (!strcmp(w, "exit"))
        return exit_word(F, t);
    if (!strcmp(w, "recurse"))
        return recurse_word(F, t);
    if (!strcmp(w, "pick"))
        return pick_word(F, t);
    if (!strcmp(w, "throw"))
        return throw_word(F, t);
    if (!strcmp(w, ".\""))
        return dot_quote(F, t);
    if (!strcmp(w, "\\") || !strcmp(w, "("))
        return comment(F, t);
    if (!strcmp(w, "bye")) {
        F->bye = true;
        return F->defining ? err_new(E_USAGE, t->span, "BYE inside a colon definition") : NULL;
    }
    *done = false;
    return NULL;
}

/* / and MOD by a positive literal: floored without forth-machine's general
 * case, a shift or a mask for a power of two. */
static bool divide_by_literal(Forth *F, const FTok *t)
{
    bool mod = !strcmp(t->text, "mod");
    if ((!mod && strcmp(t->text, "/")) || !F->lit || F->lit_value <= 0)
        return false;
    int64_t d = F->lit_value;
    int k = 0;
    while (k < 62 && ((int64_t)1 << k) < d)
        k++;
    unemit_literal(F);
    if (((int64_t)1 << k) == d)
        emit_word(F, t->span, mod ? gc_printf("push int(%lld); and;", (long long)(d - 1)) : gc_printf("push int(%d); shr;", k), 1, 1);
    else if (mod)
        emit_word(F, t->span, gc_printf("push int(%lld); mod; dup; push int(0); lt; if { push int(%lld); add; };",
                                        (long long)d, (long long)d), 1, 1);
    else /* a < 0: ~(~a / d), which cannot overflow */
        emit_word(F, t->span, gc_printf("dup; push int(0); lt; if { not; push int(%lld); div; not; }, { push int(%lld); div; };",
                                        (long long)d, (long long)d), 1, 1);
    return true;
}

/* A word on literals only is its result, computed here ("2 cells" is 16,
 * "limit 1+" one number): fewer instructions, and the literal it leaves
 * may fold further, or let ALLOCATE take its size as known. */
static bool fold_literals(Forth *F, const FTok *t)
{
    static const char *const unary[] = {"1+", "1-", "2*", "cells", "cell+", "chars", "char+", "negate", "invert"};
    static const char *const binary[] = {"+", "-", "*", "and", "or", "xor"};
    const char *w = t->text;
    uint64_t a = (uint64_t)F->lit2_value, b = (uint64_t)F->lit_value, r;
    size_t k = 0;
    if (!F->lit)
        return false;
    while (k < countof(unary) && strcmp(w, unary[k]))
        k++;
    if (k < countof(unary)) {
        const uint64_t add[] = {1, (uint64_t)-1, 0, 0, 8, 0, 1, 0, 0};
        r = k == 2 ? b << 1 : k == 3 ? b << 3 : k == 7 ? 0 - b : k == 8 ? ~b : b + add[k];
        unemit_literal(F);
        emit_literal(F, t->span, (int64_t)r);
        return true;
    }
    for (k = 0; k < countof(binary) && strcmp(w, binary[k]);)
        k++;
    if (k == countof(binary) || !F->lit2)
        return false;
    r = k == 0 ? a + b : k == 1 ? a - b : k == 2 ? a * b : k == 3 ? (a & b) : k == 4 ? (a | b) : (a ^ b);
    unemit_literal(F);
    unemit_literal(F);
    emit_literal(F, t->span, (int64_t)r);
    return true;
}

/* ALLOCATE of a size known here goes straight to the free list of its
 * number of cells; FREE leaves its 0 as a literal, so FREE THROW is no
 * test at all. */
static bool memory_word(Forth *F, const FTok *t)
{
    if (!strcmp(t->text, "free")) {
        emit_word(F, t->span, "free-block;", 1, 0);
        emit_literal(F, t->span, 0);
        return true;
    }
    if (strcmp(t->text, "allocate") || !F->lit || F->lit_value < 0 || F->lit_value > 63 * 8)
        return false;
    int64_t w = F->lit_value <= 8 ? 1 : (F->lit_value + 7) / 8;
    unemit_literal(F);
    emit_word(F, t->span, gc_printf("push int(%lld); allocate-small;", (long long)w), 0, 2);
    return true;
}

static Error *one_word(Forth *F, const FTok *t)
{
    FWord *u = find_word(F, t->text);
    if (u) {
        if (!u->is_value)
            emit_word(F, t->span, gc_printf("call %s;", u->xname), (int)u->nin, (int)u->nout);
        else
            emit_literal(F, t->span, u->value);
        return NULL;
    }
    bool done;
    Error *e = special_word(F, t, &done);
    if (done)
        return e;
    if (divide_by_literal(F, t) || fold_literals(F, t) || memory_word(F, t))
        return NULL;
    for (size_t i = 0; i < countof(simple_words); i++)
        if (!strcmp(t->text, simple_words[i].name)) {
            track(F, simple_words[i].in, simple_words[i].out);
            if (!strcmp(t->text, "+"))
                commute_literal(F);
            if (*simple_words[i].xvm)
                emit(F, t->span, simple_words[i].xvm);
            return NULL;
        }
    int64_t v;
    if (parse_number(t->text, &v)) {
        emit_literal(F, t->span, v);
        return NULL;
    }
    return unknown_word(t);
}

/* ---- a program ----------------------------------------------------------------------------------------- */

bool forth_is_source(const char *path)
{
    const char *dot = strrchr(path, '.');
    return dot && (!strcmp(dot, ".fs") || !strcmp(dot, ".fth") || !strcmp(dot, ".4th"));
}

/* forth-machine is stdlib's trusted-only machine (or, once loaded, what
 * its definition says): untrusted input is refused before it loads. */
static Error *refuse_untrusted(const Forth *F, Span at)
{
    if (F->as != PRINCIPAL_UNTRUSTED)
        return NULL;
    Def *d = workspace_find_kind(F->s->ws, "forth-machine", DEF_MACHINE);
    if (d)
        return trust_check_over(F->as, d->cur, at, "code");
    return err_hint(err_new(E_TRUST, at, "untrusted code cannot run over 'forth-machine': the machine is trusted-only"),
                    "switch with :use to a machine that declares .access untrusted, or :trust trusted");
}

static Error *start(Forth *F)
{
    Session *s = F->s;
    Span at = {.src = F->src, .line = F->src->first_line, .col = 1};
    const Source *boot = source_new(F->src->name, ".load_modules forth-machine;", 28, 1);
    Error *e = refuse_untrusted(F, at);
    if (!e)
        e = session_eval(s, boot);
    if (!e)
        e = session_use(s, "forth-machine", at);
    if (!e)
        emit(F, at, "forth-init;");
    return e;
}

/* What a program defined stays defined, so it joins the session's
 * dictionary, even when a later word fails (after a check, only a trap
 * can fail it). */
static void keep_words(const Forth *F)
{
    if (dict_session != F->s) {
        dict_session = F->s;
        dict_words = (Vec){0};
    }
    for (uint32_t i = 0; i < F->words.len; i++)
        vec_push(&dict_words, F->words.items[i]);
}

static Error *program(Session *s, const Source *src, Principal as, bool check)
{
    Forth F = {.s = s, .src = src, .line = (uint32_t)src->first_line, .as = as, .check = check};
    Error *e = start(&F);
    FTok t;
    while (!e && !F.bye && next_token(&F, &t))
        e = one_word(&F, &t);
    if (!e && F.defining)
        e = err_hint(err_new(E_USAGE, span_at(&F, F.pos, 0), "the definition of %s has no ;", F.defining->name),
                     "end every colon definition with ;");
    if (!e)
        e = rephrase(&F, evaluate(&F, check));
    if (!check)
        keep_words(&F);
    return e;
}

Error *forth_eval(Session *s, const Source *src) { return program(s, src, s->principal, false); }

Error *forth_eval_as(Session *s, const Source *src, Principal as)
{
    Error *e = program(s, src, as, true);
    return e ? e : program(s, src, as, false);
}

Error *forth_mode_start(Session *s)
{
    Error *e = forth_eval(s, source_new("<forth>", "", 0, 1));
    if (!e)
        s->forth = true;
    return e;
}

bool forth_is_open(const char *text)
{
    const char *p = text + strspn(text, " \t");
    if (p[0] == ':' && p[1] && !isspace((unsigned char)p[1]))
        return false; /* a command */
    Source src = {.name = "", .text = text, .len = strlen(text), .first_line = 1};
    Forth F = {.src = &src, .line = 1};
    FTok t;
    const char *skip;
    Span at;
    bool open = false;
    while (next_token(&F, &t)) {
        if (!strcmp(t.text, ":") || !strcmp(t.text, ";"))
            open = *t.text == ':';
        else if (!strcmp(t.text, "\\"))
            scan_until(&F, '\n', &skip, &at);
        else if (!strcmp(t.text, "(") || !strcmp(t.text, ".\""))
            scan_until(&F, *t.text == '(' ? ')' : '"', &skip, &at);
    }
    return open;
}
