/* input.c - the input protocol shared by scripts and the terminal: an
 * input is one line, with its continuation lines while brackets are open
 * (DESIGN §5); a colon starts a command. */
#include "forth.h"
#include "input.h"
#include "print.h"

#include <stdlib.h>
#include <string.h>

uint64_t input_limit(Repl *r, const char *name)
{
    uint64_t v = 0;
    xvm_getlimit(r->X, name, &v);
    return v;
}

const char *input_prompt(Repl *r, bool cont)
{
    static char buf[160];
    const char *name = xvm_machine(r->X);
    if (!strcmp(name, "core-machine"))
        name = "core";
    /* [step]: a :step run is suspended (:stack and :facts show its state);
     * <N>: the stack depth, with :set prompt depth */
    char depth[16] = "";
    if (input_limit(r, "prompt"))
        snprintf(depth, sizeof depth, "<%d>", xvm_gettop(r->X));
    snprintf(buf, sizeof buf, "xvm:%.120s%s%s%s%s ", name, xvm_getflags(r->X) & XVM_FORTH ? "[forth]" : "",
             xvm_stepping(r->X) ? "[step]" : "", depth, cont ? "|" : ">");
    return buf;
}

void input_print_errors(Repl *r)
{
    int n = xvm_errcount(r->X);
    xvm_Error *errs = gc_calloc((size_t)n + 1, sizeof *errs);
    xvm_Note **notes = gc_calloc((size_t)n + 1, sizeof *notes);
    for (int i = 0; i < n; i++) {
        xvm_geterror(r->X, i, &errs[i]);
        notes[i] = gc_calloc((size_t)errs[i].nnotes + 1, sizeof **notes);
        for (int j = 0; j < errs[i].nnotes; j++)
            xvm_getnote(r->X, i, j, &notes[i][j]);
    }
    print_errors(r, n, errs, notes);
}

void input_submit(Repl *r, const char *text, const char *srcname, int first_line)
{
    int st = xvm_input(r->X, text, srcname, first_line);
    r->last_status = st;
    int status;
    if (xvm_quitasked(r->X, &status)) {
        r->quit = true;
        r->quit_status = status;
    }
    if (st) {
        r->failures++;
        input_print_errors(r);
    }
}

/* A problem of the input protocol itself, at the start of line `line`:
 * shown as the API's errors are; note: one more line, or NULL. */
static void problem(Repl *r, const char *code, const char *srcname, int line, const char *msg, const char *hint,
                    const char *note)
{
    xvm_Note n = {.message = note};
    xvm_Error e = {.code = code, .message = msg, .hint = hint, .file = srcname, .line = line, .column = 1,
                   .end_line = line, .end_column = 1, .source_line = "", .nnotes = note != NULL};
    print_problem(r, &e, &n);
}

bool input_feed_line(Repl *r, const char *line, const char *srcname, int lineno)
{
    if (!r->open) {
        r->pending = (Buf){0};
        r->pending_line = lineno;
        r->scan = (SyntaxScan){0};
    } else {
        lex_scan(&r->scan, "\n");
    }
    lex_scan(&r->scan, line);
    if (!r->poisoned) {
        size_t len = strlen(line);
        uint64_t most = input_limit(r, "input-bytes");
        if (r->pending.len + (r->open ? 1 : 0) + len > most) {
            /* Keep reading (the brackets say where it ends) but not keeping:
             * an endless input costs no memory. */
            problem(r, "E_LIMIT", srcname, lineno,
                    gc_printf("input too large: more than %llu bytes (a line with its continuation lines)",
                              (unsigned long long)most),
                    "it is dropped when its brackets close; split it into several inputs, or "
                    "raise the limit with :set input-bytes N",
                    NULL);
            r->failures++;
            r->poisoned = true;
            r->pending = (Buf){0};
        } else {
            if (r->open)
                buf_putc(&r->pending, '\n');
            buf_puts(&r->pending, line);
        }
    }
    r->open = true;
    if (xvm_getflags(r->X) & XVM_FORTH ? forth_is_open(buf_str(&r->pending)) : lex_scan_open(&r->scan) > 0)
        return true;
    return input_end(r, srcname);
}

/* The pending input is complete: submit it, unless a line of it was refused
 * (then the whole input is dropped).  Always false: no line is wanted. */
bool input_end(Repl *r, const char *srcname)
{
    bool was_open = r->open, dropped = r->poisoned;
    const char *text = gc_strdup(buf_str(&r->pending));
    r->pending = (Buf){0};
    r->scan = (SyntaxScan){0};
    r->open = false;
    r->poisoned = false;
    if (was_open && !dropped)
        input_submit(r, text, srcname, r->pending_line);
    return false;
}

void input_flush(Repl *r, const char *srcname)
{
    if (r->open)
        input_end(r, srcname);
}

void input_drop(Repl *r)
{
    r->pending = (Buf){0};
    r->scan = (SyntaxScan){0};
    r->open = false;
    r->poisoned = false;
}


/* One line, holding at most limit + 1 of its bytes however long it is:
 * an endless line costs no memory.  False at the end of the input. */
static bool read_line(FILE *f, Buf *line, size_t limit, size_t *len, bool *nul)
{
    int c;
    *line = (Buf){0};
    *len = 0;
    *nul = false;
    while ((c = getc(f)) != EOF && c != '\n') {
        *nul |= c == 0;
        if (*len <= limit)
            buf_putc(line, (char)c);
        (*len)++;
    }
    return c != EOF || *len > 0;
}

void input_refuse_line(Repl *r, const char *code, const char *srcname, int line, const char *msg, const char *hint)
{
    const char *note = NULL;
    if (r->open) { /* the multi-line input it belongs to cannot be whole */
        if (!r->poisoned)
            note = "the input this line belongs to is dropped when its brackets close";
        r->poisoned = true;
    }
    problem(r, code, srcname, line, msg, hint, note);
    r->failures++;
}

void input_refuse_long_line(Repl *r, const char *srcname, int line, size_t n)
{
    input_refuse_line(r, "E_LIMIT", srcname, line,
                      gc_printf("line too long: %zu bytes (the limit is %llu)", n,
                                (unsigned long long)input_limit(r, "line-bytes")),
                      "split the input over several lines, or raise the limit with :set line-bytes N");
}

void input_run_stream(Repl *r, FILE *f, const char *srcname)
{
    Buf line;
    size_t n;
    bool nul, cont = false;
    int lineno = 0;
    size_t most;
    while (!r->quit && read_line(f, &line, most = input_limit(r, "line-bytes"), &n, &nul)) {
        lineno++;
        const char *text = buf_str(&line);
        if (r->echo)
            fprintf(r->out, "%s%.*s%s\n", input_prompt(r, cont), (int)(n > most ? 40 : n), text,
                    n > most ? gc_printf("... (%zu bytes)", n) : "");
        if (n > most) {
            input_refuse_long_line(r, srcname, lineno, n);
            cont = r->open;
            continue;
        }
        if (nul) {
            input_refuse_line(r, "E_SYNTAX", srcname, lineno, "the line contains a NUL byte", NULL);
            cont = r->open;
            continue;
        }
        cont = input_feed_line(r, text, srcname, lineno);
    }
    input_flush(r, srcname);
}
