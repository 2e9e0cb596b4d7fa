/* print.c - diagnostics for people: every error is printed here, on
 * stderr after the results so far, with its stable code under --codes. */
#include "print.h"

#include <string.h>

void print_error(Repl *r, const Error *e)
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
