/* forth.c - the Forth front end: Forth source becomes XVM text over
 * forth-machine (stdlib/forth-machine.xvm), parsed into the one syntax
 * tree whose every span is then moved back onto the Forth token it came
 * from, and fed to the session like any input (session_eval_unit).  So the
 * verifier checks every word, and every error points at the Forth source.
 *
 * A colon definition is a procedure whose effect is its stack comment;
 * interpreted words run as they come (flushed before each definition and
 * each defining word, which reads the value the code left on the stack).
 * Control words become if/while; DO loops keep index and limit on the
 * machine's return stack (docs/forth.md). */
#include "forth.h"

#include "gentext.h"
#include "print.h"
#include "session.h"
#include "syntax.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct FTok {
    const char *text; /* lower case, NUL-terminated */
    Span span;
} FTok;

typedef struct FWord {
    const char *name; /* as Forth spells it, lower case */
    const char *xname; /* the procedure's name, or NULL: a constant */
    int64_t value;
} FWord;

typedef enum { CS_IF, CS_ELSE, CS_BEGIN, CS_WHILE, CS_DO } CsKind;

typedef struct CsEntry {
    CsKind kind;
    Span at;
    int leave; /* CS_DO: the label LEAVE jumps to, 0 if none */
} CsEntry;

enum { FORTH_MAX_NEST = 64 };

typedef struct Forth {
    Session *s;
    const Source *src;
    uint32_t pos, line, line_start; /* the scanner */
    Gentext gen;                    /* XVM text not yet evaluated */
    Vec words; /* FWord*, latest last */
    CsEntry cs[FORTH_MAX_NEST];
    uint32_t ncs;
    FWord *defining; /* the colon definition being compiled */
    uint32_t nin, nout;
    int labels;
    bool bye;
    bool lit;          /* the last thing emitted was a literal (for PICK) */
    uint32_t lit_off;  /* where it starts in gen */
    int64_t lit_value;
    Principal as; /* whose input the program is */
} Forth;

/* The words defined so far in a session, kept between inputs: a Forth
 * file loaded with :load and the lines typed in Forth mode share them. */
static Session *dict_session;
static Vec dict_words;

/* ---- the words that are one piece of XVM text --------------------------------------------- */

static const struct {
    const char *name, *xvm;
} simple_words[] = {
    {"dup", "dup;"}, {"drop", "pop;"}, {"swap", "swap;"}, {"over", "over;"}, {"rot", "rot;"},
    {"nip", "swap; pop;"}, {"tuck", "swap; over;"}, {"2dup", "over; over;"}, {"2drop", "pop; pop;"},
    {"2swap", "rot; rpush; rot; rpop;"}, {"2over", "pick 3; pick 3;"},
    {"+", "add;"}, {"-", "sub;"}, {"*", "mul;"}, {"/", "fdiv;"}, {"mod", "fmod;"}, {"/mod", "fdivmod;"},
    {"negate", "neg;"}, {"abs", "dup; push int(0); lt; if { neg; };"},
    {"min", "over; over; gt; if { swap; }; pop;"}, {"max", "over; over; lt; if { swap; }; pop;"},
    {"1+", "push int(1); add;"}, {"1-", "push int(1); sub;"}, {"2*", "push int(1); shl;"},
    {"2/", "push int(1); shr;"}, {"and", "and;"}, {"or", "or;"}, {"xor", "xor;"}, {"invert", "not;"},
    {"lshift", "shl;"}, {"rshift", "rshift;"},
    {"=", "eq; neg;"}, {"<>", "ne; neg;"}, {"<", "lt; neg;"}, {">", "gt; neg;"}, {"<=", "le; neg;"},
    {">=", "ge; neg;"}, {"0=", "push int(0); eq; neg;"}, {"0<", "push int(0); lt; neg;"},
    {"0>", "push int(0); gt; neg;"}, {"0<>", "push int(0); ne; neg;"},
    {"u<", "push int(-9223372036854775807); push int(1); sub; dup; rot; xor; rot; rot; xor; swap; lt; neg;"},
    {"true", "push int(-1);"}, {"false", "push int(0);"},
    {".", "dot;"}, {".r", "dot-r;"}, {"u.", "u-dot;"}, {"cr", "push int(10); emit;"}, {"emit", "emit;"},
    {"space", "push int(32); emit;"}, {"spaces", "spaces;"},
    {"@", "fetch;"}, {"!", "put;"}, {"c@", "cfetch;"}, {"c!", "cput;"}, {"+!", "plus-put;"},
    {"here", "here;"}, {"allot", "allot;"}, {",", "comma;"}, {"c,", "ccomma;"},
    {"cells", "push int(3); shl;"}, {"cell+", "push int(8); add;"}, {"chars", ""}, {"char+", "push int(1); add;"},
    {"allocate", "allocate;"}, {"free", "free;"}, {"throw", "throw;"},
    {">r", "rpush;"}, {"r>", "rpop;"}, {"r@", "rpeek;"}, {"i", "rpeek;"}, {"j", "loop-j;"},
    {"unloop", "unloop;"},
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
    gentext_emit(&F->gen, at, xvm);
    F->lit = false;
}

static void emit_literal(Forth *F, Span at, int64_t v)
{
    uint32_t off = (uint32_t)F->gen.text.len;
    emit(F, at, gc_printf("push int(%lld);", (long long)v));
    F->lit = true;
    F->lit_off = off;
    F->lit_value = v;
}

/* Evaluate what is generated so far as one input. */
static Error *flush(Forth *F)
{
    F->lit = false;
    return gentext_eval(&F->gen, F->s, F->src, F->as);
}

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

/* A procedure name for a Forth word: itself if XVM can spell it, else
 * with every other character as _XX. */
static const char *xvm_name(const char *name)
{
    bool ok = isalpha((unsigned char)name[0]) || name[0] == '_';
    for (const char *c = name; *c && ok; c++)
        ok = isalnum((unsigned char)*c) || *c == '_' || *c == '-';
    if (ok)
        return name;
    Buf b = {0};
    buf_puts(&b, "w_");
    for (const char *c = name; *c; c++)
        if (isalnum((unsigned char)*c) || *c == '-')
            buf_putc(&b, *c);
        else
            buf_printf(&b, "_%02x", (unsigned char)*c);
    return buf_str(&b);
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
    F->cs[F->ncs++] = (CsEntry){.kind = k, .at = t->span};
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
        emit(F, t->span, "if {");
        return push_cs(F, t, CS_IF);
    }
    if (!strcmp(w, "begin")) {
        emit(F, t->span, "while {");
        return push_cs(F, t, CS_BEGIN);
    }
    emit(F, t->span, strcmp(w, "do") ? "qdo-enter; while { }, {" : "do-enter; push int(1); while { }, {");
    return push_cs(F, t, CS_DO);
}

static Error *control_close(Forth *F, const FTok *t)
{
    const char *w = t->text;
    CsEntry c;
    Error *e = need_compiling(F, t);
    if (e)
        return e;
    if (!strcmp(w, "else")) {
        if (!(e = pop_cs(F, t, CS_IF, CS_IF, &c)))
            emit(F, t->span, "}, {");
        return e ? e : push_cs(F, t, CS_ELSE);
    }
    if (!strcmp(w, "then"))
        e = pop_cs(F, t, CS_IF, CS_ELSE, &c);
    else if (!strcmp(w, "while")) {
        if (!(e = pop_cs(F, t, CS_BEGIN, CS_BEGIN, &c)))
            emit(F, t->span, "}, {");
        return e ? e : push_cs(F, t, CS_WHILE);
    } else if (!strcmp(w, "repeat"))
        e = pop_cs(F, t, CS_WHILE, CS_WHILE, &c);
    else if (!strcmp(w, "until") || !strcmp(w, "again"))
        e = pop_cs(F, t, CS_BEGIN, CS_BEGIN, &c);
    else
        e = pop_cs(F, t, CS_DO, CS_DO, &c);
    if (e)
        return e;
    if (!strcmp(w, "until"))
        emit(F, t->span, "push int(0); eq; }, { };");
    else if (!strcmp(w, "again"))
        emit(F, t->span, "push int(1); }, { };");
    else if (!strcmp(w, "loop") || !strcmp(w, "+loop")) {
        emit(F, t->span, strcmp(w, "loop") ? "ploop-next; };" : "loop-next; };");
        if (c.leave)
            emit(F, t->span, gc_printf("label leave%d;", c.leave));
        emit(F, t->span, "unloop;");
    } else
        emit(F, t->span, "};");
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
    return NULL;
}

/* ---- defining words ---------------------------------------------------------------------------------- */

static Error *need_name(Forth *F, const FTok *t, FTok *name)
{
    if (next_token(F, name))
        return NULL;
    return err_new(E_USAGE, t->span, "%s needs a name after it", t->text);
}

/* The item the code so far left on top of the stack, taken off it. */
static Error *take_top(Forth *F, const FTok *t, int64_t *v)
{
    Error *e = flush(F);
    if (e)
        return e;
    Session *s = F->s;
    if (!s->vm->depth || !s->vs->depth || s->vs->items[s->vs->depth - 1].type != TY_INT)
        return err_new(E_USAGE, t->span, "%s needs a number on the stack", t->text);
    *v = s->vm->stack[s->vm->depth - 1];
    emit(F, t->span, "pop;");
    return flush(F);
}

static void add_word(Forth *F, const char *name, const char *xname, int64_t value)
{
    FWord *w = gc_alloc(sizeof *w);
    *w = (FWord){.name = name, .xname = xname, .value = value};
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
        add_word(F, name.text, NULL, v);
    return e;
}

/* ( a b -- c ): how many items before and after the --. */
static Error *stack_comment(Forth *F, const FTok *colon, const FTok *name)
{
    FTok t;
    if (!next_token(F, &t) || strcmp(t.text, "("))
        return err_hint(err_new(E_USAGE, name->span, "%s needs a stack comment: effects are not inferred yet", name->text),
                        "write : %s ( before -- after ) ... ; the comment is the word's verified effect", name->text);
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
    *w = (FWord){.name = name.text, .xname = xvm_name(name.text)};
    F->defining = w;
    emit(F, name.span, gc_printf(".define_procedure %s, %s, {", w->xname, effect_text(F->nin, F->nout)));
    return NULL;
}

/* The verifier's "the end of the body leaves <N> ... but 'f' declares"
 * in the words of a Forth programmer. */
static Error *rephrase(const Forth *F, Error *e)
{
    const FWord *w = F->defining;
    const char *p = e && e->msg ? strstr(e->msg, "leaves <") : NULL;
    if (!p || !strstr(e->msg, gc_printf("but '%s' declares", w->xname)))
        return e;
    long n = strtol(p + 8, NULL, 10);
    e->msg = gc_printf("%s leaves %ld item%s, its stack comment says %u", w->name, n, n == 1 ? "" : "s", F->nout);
    e->hint = "a stack comment ( before -- after ) is the word's effect, checked on every path";
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
    F->gen.text.len = F->lit_off;
    F->gen.text.s[F->gen.text.len] = 0;
    F->gen.nmap--;
    emit(F, t->span, gc_printf("pick %lld;", (long long)F->lit_value));
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

static Error *unknown_word(const FTok *t)
{
    for (size_t i = 0; i < countof(dynamic_words); i++)
        if (!strcmp(t->text, dynamic_words[i]))
            return err_hint(err_new(E_USAGE, t->span, "%s is not supported: its stack effect is only known at run time",
                                    t->text),
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
    if (!strcmp(w, "exit") || !strcmp(w, "recurse")) {
        Error *e = need_compiling(F, t);
        if (!e)
            emit(F, t->span, *w == 'e' ? "return;" : gc_printf("call %s;", F->defining->xname));
        return e;
    }
    if (!strcmp(w, "pick"))
        return pick_word(F, t);
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

static Error *one_word(Forth *F, const FTok *t)
{
    FWord *u = find_word(F, t->text);
    if (u) {
        if (u->xname)
            emit(F, t->span, gc_printf("call %s;", u->xname));
        else
            emit_literal(F, t->span, u->value);
        return NULL;
    }
    bool done;
    Error *e = special_word(F, t, &done);
    if (done)
        return e;
    for (size_t i = 0; i < countof(simple_words); i++)
        if (!strcmp(t->text, simple_words[i].name)) {
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

static Error *start(Forth *F)
{
    Session *s = F->s;
    const Source *boot = source_new(F->src->name, ".load_modules forth-machine;", 28, 1);
    Error *e = session_eval(s, boot);
    if (!e)
        e = session_use(s, "forth-machine", (Span){.src = F->src, .line = 1, .col = 1});
    if (!e)
        emit(F, (Span){.src = F->src, .line = 1, .col = 1}, "forth-init;");
    return e;
}

/* What a program defined stays defined (each word is installed as it
 * comes, as gforth does), so it joins the session's dictionary even when
 * a later word fails. */
static void keep_words(const Forth *F)
{
    if (dict_session != F->s) {
        dict_session = F->s;
        dict_words = (Vec){0};
    }
    for (uint32_t i = 0; i < F->words.len; i++)
        vec_push(&dict_words, F->words.items[i]);
}

Error *forth_eval(Session *s, const Source *src) { return forth_eval_as(s, src, s->principal); }

Error *forth_eval_as(Session *s, const Source *src, Principal as)
{
    Forth F = {.s = s, .src = src, .line = (uint32_t)src->first_line, .as = as};
    Error *e = start(&F);
    FTok t;
    while (!e && !F.bye && next_token(&F, &t))
        e = one_word(&F, &t);
    if (!e && F.defining)
        e = err_hint(err_new(E_USAGE, span_at(&F, F.pos, 0), "the definition of %s has no ;", F.defining->name),
                     "end every colon definition with ;");
    if (!e)
        e = flush(&F);
    keep_words(&F);
    return e;
}

void forth_run_stream(Repl *r, FILE *f, const char *path)
{
    Buf text = {0};
    int c;
    while ((c = getc(f)) != EOF)
        buf_putc(&text, (char)c);
    bool quiet = r->s->quiet;
    uint64_t fuel = r->s->vm->limits.fuel;
    r->s->quiet = true; /* only what the program prints, as gforth */
    r->s->vm->limits.fuel = 0; /* as long as it takes, as gforth (Ctrl-C still stops it) */
    Error *e = forth_eval(r->s, source_new(path, buf_str(&text), text.len, 1));
    r->s->quiet = quiet;
    r->s->vm->limits.fuel = fuel;
    fflush(r->s->out);
    if (e) {
        print_error(r, e);
        r->failures++;
    }
}

Error *forth_mode_start(Repl *r)
{
    Error *e = forth_eval(r->s, source_new("<forth>", "", 0, 1));
    if (!e)
        r->forth = true;
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

void forth_submit(Repl *r, const char *text, const char *srcname, int first_line)
{
    Error *e = forth_eval(r->s, source_new(srcname, text, strlen(text), first_line));
    r->last_error = e;
    fflush(r->s->out);
    if (e) {
        print_error(r, e);
        r->failures++;
    }
}
