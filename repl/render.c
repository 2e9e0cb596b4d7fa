/* render.c - an error as people read it, from the API's values: its
 * place, message, source line with a caret under the span, notes, detail
 * and hint.  The one renderer: xvm-repl prints it (print.c) and
 * xvm_errtext returns it. */
#include "render.h"

#include <stdio.h>
#include <string.h>

/* The source line (tabs shown as spaces, so the caret lines up) and the
 * caret under it: '^' then '~' for each further byte of the span. */
static void render_source_line(Buf *out, int line, const char *text, int caret, int length)
{
    char num[16];
    snprintf(num, sizeof num, "%d", line);
    buf_printf(out, " %s | ", num);
    for (const char *p = text; *p; p++)
        buf_putc(out, *p == '\t' ? ' ' : *p);
    buf_putc(out, '\n');
    buf_printf(out, " %*s | ", (int)strlen(num), "");
    for (int i = 0; i < caret; i++)
        buf_putc(out, ' ');
    buf_putc(out, '^');
    for (int i = 1; i < length; i++)
        buf_putc(out, '~');
    buf_putc(out, '\n');
}

/* "LABEL: message" after the place, then the place's line. */
static void render_part(Buf *out, const char *label, const char *msg, const char *file, int line, int col,
                        const char *text, int caret, int length)
{
    if (file)
        buf_printf(out, "%s:%d:%d: ", file, line, col);
    buf_printf(out, "%s: %s\n", label, msg);
    if (file && text)
        render_source_line(out, line, text, caret, length);
}

void render_error(Buf *out, const xvm_Error *e, const xvm_Note *notes)
{
    render_part(out, "error", e->message, e->file, e->line, e->column, e->source_line, e->caret_offset,
                e->caret_length);
    for (int i = 0; notes && i < e->nnotes; i++) {
        const xvm_Note *n = &notes[i];
        render_part(out, "note", n->message, n->file, n->line, n->column, n->source_line, n->caret_offset,
                    n->caret_length);
    }
    if (e->detail) {
        buf_puts(out, e->detail);
        if (e->detail[0] && e->detail[strlen(e->detail) - 1] != '\n')
            buf_putc(out, '\n');
    }
    if (e->hint)
        buf_printf(out, "hint: %s\n", e->hint);
}
