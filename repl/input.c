/* input.c - the input protocol shared by scripts and the terminal: an
 * input is one line, with its continuation lines while brackets are open
 * (DESIGN §5); a colon starts a command.  Errors are printed here. */
#include "repl.h"

#include <stdlib.h>
#include <string.h>

void repl_print_error(Repl *r, const Error *e)
{
    if (r->quiet)
        return;
    fflush(r->s->out);
    if (r->interactive && e->code == E_TRAP && strstr(e->msg, "interrupted"))
        fputc('\n', stderr); /* after the terminal's ^C */
    for (; e; e = e->next) {
        Buf b = {0};
        err_render(&b, e);
        if (r->codes) { /* after the first line: "file:l:c: error: msg [E_X]" */
            char *nl = strchr(b.s, '\n');
            Buf c = {0};
            buf_printf(&c, "%.*s [%s]%s", (int)(nl - b.s), b.s, err_code_name(e->code), nl);
            b = c;
        }
        fputs(buf_str(&b), stderr);
    }
    fflush(stderr);
}

const char *repl_prompt(const Repl *r, bool cont)
{
    static char buf[160];
    const Machine *m = r->s->machine;
    const char *name = m == core_machine() ? "core" : m->name;
    snprintf(buf, sizeof buf, "xvm:%.140s%s ", name, cont ? "|" : ">");
    return buf;
}

static bool blank(const char *text)
{
    for (const char *p = text; *p; p++)
        if (!strchr(" \t\r\n", *p))
            return false;
    return true;
}

void repl_submit(Repl *r, const char *text, const char *srcname, int first_line)
{
    const char *p = text;
    while (*p == ' ' || *p == '\t')
        p++;
    r->last_error = NULL;
    if (*p == ':') {
        repl_command(r, text, srcname, first_line);
        return;
    }
    if (blank(text))
        return;
    Error *e = session_eval(r->s, source_new(srcname, text, strlen(text), first_line));
    r->last_error = e;
    if (e) {
        r->failures++;
        repl_print_error(r, e);
    }
}

bool repl_feed_line(Repl *r, const char *line, const char *srcname, int lineno)
{
    if (!r->pending.len) {
        r->pending_line = lineno;
        r->scan = (SyntaxScan){0};
    } else {
        buf_putc(&r->pending, '\n');
        syntax_scan(&r->scan, "\n");
    }
    buf_puts(&r->pending, line);
    syntax_scan(&r->scan, line);
    if (syntax_scan_open(&r->scan) > 0)
        return true;
    const char *text = gc_strdup(buf_str(&r->pending));
    r->pending = (Buf){0};
    repl_submit(r, text, srcname, r->pending_line);
    return false;
}

void repl_flush(Repl *r, const char *srcname)
{
    if (!r->pending.len)
        return;
    const char *text = gc_strdup(buf_str(&r->pending));
    r->pending = (Buf){0};
    repl_submit(r, text, srcname, r->pending_line);
}


void repl_run_stream(Repl *r, FILE *f, const char *srcname)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int lineno = 0;
    bool cont = false;
    while (!r->quit && (n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (n > 0 && line[n - 1] == '\n')
            line[--n] = 0;
        if (r->echo)
            fprintf(r->s->out, "%s%s\n", repl_prompt(r, cont), line);
        if ((size_t)n > xvm_limits.line_bytes) {
            Source *src = source_new(srcname, "", 0, lineno);
            repl_print_error(r, err_hint(err_new(E_LIMIT, (Span){.src = src, .line = (uint32_t)lineno, .col = 1},
                                                 "line too long: %zd bytes (the limit is %u)", n, xvm_limits.line_bytes),
                                         "split the input over several lines"));
            r->failures++;
            continue;
        }
        if (strlen(line) != (size_t)n) {
            Source *src = source_new(srcname, "", 0, lineno);
            repl_print_error(r, err_new(E_SYNTAX, (Span){.src = src, .line = (uint32_t)lineno, .col = 1},
                                        "the line contains a NUL byte"));
            r->failures++;
            continue;
        }
        cont = repl_feed_line(r, line, srcname, lineno);
    }
    free(line);
    repl_flush(r, srcname);
}

