/* input.c - the input protocol shared by scripts and the terminal: an
 * input is one line, with its continuation lines while brackets are open
 * (DESIGN §5); a colon starts a command. */
#include "commands.h"
#include "forth.h"
#include "input.h"
#include "interactive.h"
#include "print.h"

#include <stdlib.h>
#include <string.h>

const char *input_prompt(const Repl *r, bool cont)
{
    static char buf[160];
    const Machine *m = r->s->machine;
    const char *name = m == lookup_core_machine() ? "core" : m->name;
    /* [step]: a :step run is suspended (:stack and :facts show its state);
     * <N>: the stack depth, with :set prompt depth */
    char depth[16] = "";
    if (r->s->prompt_depth)
        snprintf(depth, sizeof depth, "<%u>", r->s->vm->depth);
    snprintf(buf, sizeof buf, "xvm:%.120s%s%s%s%s ", name, r->forth ? "[forth]" : "", r->s->active ? "[step]" : "",
             depth, cont ? "|" : ">");
    return buf;
}

static bool blank(const char *text)
{
    for (const char *p = text; *p; p++)
        if (!strchr(" \t\r\n", *p))
            return false;
    return true;
}

void input_submit(Repl *r, const char *text, const char *srcname, int first_line)
{
    const char *p = text;
    while (*p == ' ' || *p == '\t')
        p++;
    r->last_error = NULL;
    if (!blank(text))
        session_record_input(r->s, text); /* :history */
    if (*p == ':' && !(r->forth && strchr(" \t\r\n", p[1]))) { /* in Forth mode ": NAME" defines a word */
        commands_run(r, text, srcname, first_line);
        return;
    }
    if (blank(text))
        return;
    if (r->forth) { /* :forth: each input is Forth */
        forth_submit(r, text, srcname, first_line);
        return;
    }
    Error *e = session_eval(r->s, source_new(srcname, text, strlen(text), first_line));
    r->last_error = e;
    if (e) {
        r->failures++;
        print_error(r, e);
    }
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
        if (r->pending.len + (r->open ? 1 : 0) + len > config_limits.input_bytes) {
            /* Keep reading (the brackets say where it ends) but not keeping:
             * an endless input costs no memory. */
            Span at = {.src = source_new(srcname, "", 0, lineno), .line = (uint32_t)lineno, .col = 1};
            print_error(r, err_hint(err_new(E_LIMIT, at,
                                                 "input too large: more than %u bytes (a line with its continuation lines)",
                                                 config_limits.input_bytes),
                                         "it is dropped when its brackets close; split it into several inputs, or "
                                         "raise the limit with :set input-bytes N"));
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
    if (r->forth ? forth_is_open(buf_str(&r->pending)) : lex_scan_open(&r->scan) > 0)
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

void input_refuse_line(Repl *r, Error *e)
{
    if (r->open) { /* the multi-line input it belongs to cannot be whole */
        if (!r->poisoned)
            err_note(e, (Span){0}, "the input this line belongs to is dropped when its brackets close");
        r->poisoned = true;
    }
    print_error(r, e);
    r->failures++;
}

void input_run_stream(Repl *r, FILE *f, const char *srcname)
{
    Buf line;
    size_t n;
    bool nul, cont = false;
    int lineno = 0;
    while (!r->quit && read_line(f, &line, config_limits.line_bytes, &n, &nul)) {
        lineno++;
        const char *text = buf_str(&line);
        if (r->echo)
            fprintf(r->s->out, "%s%.*s%s\n", input_prompt(r, cont), (int)(n > config_limits.line_bytes ? 40 : n), text,
                    n > config_limits.line_bytes ? gc_printf("... (%zu bytes)", n) : "");
        Span at = {.src = source_new(srcname, "", 0, lineno), .line = (uint32_t)lineno, .col = 1};
        if (n > config_limits.line_bytes) {
            input_refuse_line(r, err_hint(err_new(E_LIMIT, at, "line too long: %zu bytes (the limit is %u)", n,
                                           config_limits.line_bytes),
                                   "split the input over several lines, or raise the limit with :set line-bytes N"));
            cont = r->open;
            continue;
        }
        if (nul) {
            input_refuse_line(r, err_new(E_SYNTAX, at, "the line contains a NUL byte"));
            cont = r->open;
            continue;
        }
        cont = input_feed_line(r, text, srcname, lineno);
    }
    input_flush(r, srcname);
}

