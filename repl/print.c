/* print.c - diagnostics for people: every error is printed here, on
 * stderr after the results so far, with its stable code under --codes.
 *
 * Colour is added here, never in core: render_error's plain text is
 * coloured by the shape of its lines (the "error:", "note:" and "hint:"
 * words, the caret line), so what a pipe receives is exactly that text.
 * Progress of long work is drawn here too, on a terminal's stderr only.
 * Under --diagnostics=json each error is a line of JSON instead (diag.c),
 * never coloured. */
#include "print.h"
#include "diag.h"
#include "render.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SGR(codes) "\033[" codes "m"
#define C_RESET SGR("0")
#define C_BOLD SGR("1")
#define C_ERROR SGR("1;31")
#define C_NOTE SGR("1;36")
#define C_HINT SGR("1;32")
#define C_CARET SGR("1;32")
#define C_CHANGE SGR("33")

typedef enum { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER } ColorWhen;

static struct {
    ColorWhen when;
    bool ready;                /* the terminal has been looked at */
    bool err_color, out_color; /* colour stderr, stdout */
    bool err_tty, out_tty;
    double delay_ms;           /* progress appears after this long */
    bool running;              /* the progress clock has started */
    double start_ms, drawn_ms;
    int width;                 /* of the progress line on the screen; 0: none */
    bool json;                 /* --diagnostics=json */
} term;

bool print_color_option(const char *arg)
{
    static const char *const names[] = {"auto", "always", "never"};
    if (strncmp(arg, "--color=", 8) != 0)
        return false;
    for (int i = 0; i < 3; i++)
        if (!strcmp(arg + 8, names[i])) {
            term.when = (ColorWhen)i;
            return true;
        }
    return false;
}

bool print_diagnostics_option(const char *arg)
{
    if (!strcmp(arg, "--diagnostics=json") || !strcmp(arg, "--diagnostics=text")) {
        term.json = arg[14] == 'j';
        return true;
    }
    return false;
}

bool print_diagnostics_json(void) { return term.json; }

static void setup(void)
{
    if (term.ready)
        return;
    term.ready = true;
    ColorWhen when = term.when;
    const char *no = getenv("NO_COLOR"), *t = getenv("TERM");
    bool env = !(no && *no) && t && *t && strcmp(t, "dumb") != 0;
    term.err_tty = isatty(STDERR_FILENO);
    term.out_tty = isatty(STDOUT_FILENO);
    term.err_color = when == COLOR_ALWAYS || (when == COLOR_AUTO && env && term.err_tty);
    term.out_color = when == COLOR_ALWAYS || (when == COLOR_AUTO && env && term.out_tty);
    const char *d = getenv("XVM_REPL_PROGRESS_MS");
    term.delay_ms = d && *d ? strtod(d, NULL) : 1000;
}

/* ---- colouring rendered errors by the shape of their lines ------------------------------------- */

/* The length of a leading "NAME:LINE:COL: " (the first ":D:D: " on the line), or 0. */
static size_t location_len(const char *line, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (line[i] != ':')
            continue;
        size_t j = i + 1, d1, d2;
        for (d1 = j; d1 < len && line[d1] >= '0' && line[d1] <= '9'; d1++)
            ;
        if (d1 == j || d1 >= len || line[d1] != ':')
            continue;
        for (d2 = d1 + 1; d2 < len && line[d2] >= '0' && line[d2] <= '9'; d2++)
            ;
        if (d2 > d1 + 1 && d2 + 1 < len && line[d2] == ':' && line[d2 + 1] == ' ')
            return d2 + 2;
    }
    return 0;
}

/* "[LOC: ]LABEL rest": the location and the rest bold, the label in colour. */
static bool paint_labelled(Buf *o, const char *line, size_t len, const char *label, const char *colour)
{
    size_t ll = strlen(label), at = 0;
    if (len < ll || strncmp(line, label, ll) != 0) {
        at = location_len(line, len);
        if (!at || len - at < ll || strncmp(line + at, label, ll) != 0)
            return false;
    }
    buf_printf(o, C_BOLD "%.*s%s%s" C_RESET C_BOLD "%.*s" C_RESET, (int)at, line, colour, label,
               (int)(len - at - ll), line + at + ll);
    return true;
}

/* "hint: text": only the word coloured. */
static bool paint_hint(Buf *o, const char *line, size_t len)
{
    if (len < 5 || strncmp(line, "hint:", 5) != 0)
        return false;
    buf_printf(o, C_HINT "hint:" C_RESET "%.*s", (int)(len - 5), line + 5);
    return true;
}

/* The caret line under a source line: spaces, '|', spaces, then ^~~~. */
static bool paint_caret(Buf *o, const char *line, size_t len)
{
    size_t i = 0;
    while (i < len && line[i] == ' ')
        i++;
    if (i == 0 || i >= len || line[i] != '|')
        return false;
    for (i++; i < len && line[i] == ' '; i++)
        ;
    if (i >= len || line[i] != '^')
        return false;
    for (size_t k = i + 1; k < len; k++)
        if (line[k] != '~')
            return false;
    buf_printf(o, "%.*s" C_CARET "%.*s" C_RESET, (int)i, line, (int)(len - i), line + i);
    return true;
}

static const char *paint(const char *text)
{
    Buf o = {0};
    for (const char *line = text; *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        if (!paint_labelled(&o, line, len, "error:", C_ERROR) && !paint_labelled(&o, line, len, "note:", C_NOTE) &&
            !paint_hint(&o, line, len) && !paint_caret(&o, line, len))
            buf_printf(&o, "%.*s", (int)len, line);
        if (nl)
            buf_putc(&o, '\n');
        line += len + (nl != NULL);
    }
    return buf_str(&o);
}

/* One error as the user sees it, or as a line of JSON. */
static void print_one(const Repl *r, const xvm_Error *e, const xvm_Note *notes)
{
    Buf b = {0};
    if (term.json) {
        diag_json(&b, e, notes);
        fputs(buf_str(&b), stderr);
        return;
    }
    render_error(&b, e, notes);
    if (r->codes) { /* after the first line: "file:l:c: error: msg [E_X]" */
        char *nl = strchr(b.s, '\n');
        Buf c = {0};
        buf_printf(&c, "%.*s [%s]%s", (int)(nl - b.s), b.s, e->code, nl);
        b = c;
    }
    fputs(term.err_color ? paint(buf_str(&b)) : buf_str(&b), stderr);
}

/* Before the first error of a batch: results so far first. */
static bool print_start(const Repl *r, const xvm_Error *first)
{
    if (r->quiet)
        return false;
    setup();
    print_progress_end();
    fflush(r->out);
    if (r->interactive && !term.json && !strcmp(first->code, "E_TRAP") && strstr(first->message, "interrupted"))
        fputc('\n', stderr); /* after the terminal's ^C */
    return true;
}

void print_errors(const Repl *r, int n, const xvm_Error *errs, xvm_Note *const *notes)
{
    if (n <= 0 || !print_start(r, &errs[0]))
        return;
    for (int i = 0; i < n; i++)
        print_one(r, &errs[i], notes[i]);
    fflush(stderr);
}

void print_problem(const Repl *r, const xvm_Error *e, xvm_Note *notes)
{
    print_errors(r, 1, e, &notes);
}

/* The facts a step added ("+KEY(s1) = EVEN +..."): coloured up to the
 * two spaces before the tick stack or "enter", which stay plain. */
const char *print_changes(const char *facts)
{
    setup();
    if (!term.out_color || facts[0] != '+')
        return facts;
    const char *end = strstr(facts, "  ");
    size_t n = end ? (size_t)(end - facts) : strlen(facts);
    return gc_printf(C_CHANGE "%.*s" C_RESET "%s", (int)n, facts, facts + n);
}

/* ---- progress ---------------------------------------------------------------------------------- */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void print_progress(const char *what, uint64_t done, uint64_t total)
{
    setup();
    if (!term.err_tty)
        return;
    double now = now_ms();
    if (!term.running) {
        term.running = true;
        term.start_ms = now;
        term.drawn_ms = now - 1e9;
    }
    if (now - term.start_ms < term.delay_ms || now - term.drawn_ms < 100)
        return;
    term.drawn_ms = now;
    char line[160];
    int n = total ? snprintf(line, sizeof line, "%s... %llu/%llu", what, (unsigned long long)done,
                             (unsigned long long)total)
                  : snprintf(line, sizeof line, "%s... %llu", what, (unsigned long long)done);
    n = n < 0 ? 0 : n >= (int)sizeof line ? (int)sizeof line - 1 : n;
    fprintf(stderr, "\r%s%*s", line, term.width > n ? term.width - n : 0, "");
    term.width = term.width > n ? term.width : n;
    fflush(stderr);
}

void print_progress_beside(const char *what, uint64_t done, uint64_t total)
{
    setup();
    if (!term.out_tty)
        print_progress(what, done, total);
}

void print_progress_end(void)
{
    if (term.width) {
        fprintf(stderr, "\r%*s\r", term.width, "");
        fflush(stderr);
    }
    term.width = 0;
    term.running = false;
}
