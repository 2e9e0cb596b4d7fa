/* interactive.c - the terminal front end: GNU readline (callback interface,
 * so Ctrl-C can clear the line without leaving the loop), persistent
 * history, tab completion, and SIGINT delivered to the running program. */
#include "input.h"
#include "interactive.h"

#include <errno.h>
#include <readline/history.h>
#include <readline/readline.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <unistd.h>

static Repl *g_repl;
static volatile sig_atomic_t g_sigint;
static int g_lineno;

/* Safe in a signal handler: two flag stores. */
static void on_sigint(int sig)
{
    (void)sig;
    g_sigint = 1;
    if (g_repl)
        xvm_interrupt(g_repl->X);
}

void interactive_install_signals(Repl *r)
{
    g_repl = r;
    struct sigaction sa = {0};
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
}

bool interactive_take_sigint(void)
{
    bool was = g_sigint;
    g_sigint = 0;
    return was;
}

/* ---- history ------------------------------------------------------------------------------ */

static void mkdir_parents(const char *path)
{
    char *p = gc_strdup(path);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = 0;
            mkdir(p, 0700);
            *s = '/';
        }
}

/* An entry may span lines (a multi-line input): the file gives each entry a
 * "#TIME" line before it (readline's timestamps), so the lines of one input
 * read back as one entry.  A file written before that has one entry a line:
 * it is read so, then written again in the new form. */
static bool history_file_stamped(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return true;
    int c0 = getc(f), c1 = getc(f);
    fclose(f);
    return c0 == EOF || (c0 == '#' && c1 >= '0' && c1 <= '9');
}

static int g_appended; /* entries appended since the file was last written whole */

static void history_open(Repl *r)
{
    if (!r->histfile)
        return;
    mkdir_parents(r->histfile);
    stifle_history(r->histsize > 0 ? r->histsize : 0);
    history_comment_char = '#';
    history_write_timestamps = 1;
    bool stamped = history_file_stamped(r->histfile);
    history_multiline_entries = stamped;
    read_history(r->histfile);
    history_multiline_entries = 1;
    if (!stamped && r->histsize > 0)
        write_history(r->histfile);
}

static void history_remember(Repl *r, const char *entry)
{
    if (!r->histfile || !*entry || r->histsize <= 0)
        return;
    HIST_ENTRY *last = history_length ? history_get(history_base + history_length - 1) : NULL;
    if (last && strcmp(last->line, entry) == 0)
        return; /* consecutive duplicates are noise */
    add_history(entry);
    /* Appending keeps what other sessions add meanwhile; writing the whole
     * (stifled) list now and then keeps the file within about twice the size. */
    if (++g_appended >= r->histsize || append_history(1, r->histfile) != 0) {
        write_history(r->histfile);
        g_appended = 0;
    }
}

/* ---- completion: the words come from the API (xvm_complete) -------------------------------- */

static const char *const *g_words;

static char *name_generator(const char *text, int state)
{
    (void)text; /* the words already begin with it */
    static size_t i;
    if (!state)
        i = 0;
    const char *w = g_words && g_words[i] ? g_words[i++] : NULL;
    return w ? strdup(w) : NULL; /* readline frees it */
}

static char **complete(const char *text, int start, int end)
{
    int files;
    g_words = xvm_complete(g_repl->X, rl_line_buffer, start, end, &files);
    if (files)
        return NULL; /* file names: readline's default */
    rl_attempted_completion_over = 1;
    return rl_completion_matches(text, name_generator);
}

/* ---- the loop ----------------------------------------------------------------------------- */

static bool g_cont;
static bool g_eof_warned; /* Ctrl-D in an open input has warned once */
static Buf g_entry;       /* the input so far, for one history entry */

/* End the line Ctrl-D was typed on: readline does it itself when it had
 * bracketed paste on (readline 8.1 and later). */
static void eof_newline(void)
{
    const char *paste = rl_variable_value("enable-bracketed-paste");
    if (!paste || strcmp(paste, "on"))
        fputc('\n', stdout);
}

/* Ctrl-D: leave, but not silently over an input still open. */
static void on_eof(void)
{
    eof_newline();
    if (g_cont && !g_eof_warned) {
        g_eof_warned = true;
        printf("an input is still open (from line %d); Ctrl-D again to discard it and leave\n", g_repl->pending_line);
        return;
    }
    g_repl->quit = true;
    rl_callback_handler_remove(); /* or readline redraws the prompt */
}

/* One line, as typed. */
static void feed_line(const char *line)
{
    g_lineno++;
    g_eof_warned = false;
    if (strlen(line) > input_limit(g_repl, "line-bytes")) {
        input_refuse_long_line(g_repl, "<stdin>", g_lineno, strlen(line));
        return;
    }
    if (g_entry.len + strlen(line) < input_limit(g_repl, "input-bytes")) { /* the history entry: bounded like the input */
        if (g_cont)
            buf_putc(&g_entry, '\n');
        buf_puts(&g_entry, line);
    }
    g_cont = input_feed_line(g_repl, line, "<stdin>", g_lineno);
    if (!g_cont) {
        history_remember(g_repl, buf_str(&g_entry)); /* one entry per input, its newlines kept */
        g_entry = (Buf){0};
    }
}

/* What readline hands over may hold newlines (a bracketed paste, a
 * multi-line entry recalled from history): each line is taken as if it
 * were typed on its own, up to a :quit or a Ctrl-C. */
static void on_line(char *line)
{
    if (!line) {
        on_eof();
        return;
    }
    for (char *p = line;;) {
        size_t n = strcspn(p, "\r\n");
        char end = p[n];
        p[n] = 0;
        feed_line(p);
        if (!end || g_repl->quit || g_sigint)
            break;
        p += n + 1;
        if (end == '\r' && *p == '\n')
            p++;
    }
    free(line);
    rl_set_prompt(input_prompt(g_repl, g_cont));
}

static void clear_line_after_sigint(Repl *r)
{
    input_drop(r);
    g_entry = (Buf){0};
    g_cont = false;
    g_eof_warned = false;
    rl_free_line_state();
    rl_callback_sigcleanup();
    rl_replace_line("", 0);
    fputs("^C\n", stdout);
    rl_callback_handler_remove();
    rl_callback_handler_install(input_prompt(g_repl, false), on_line);
}

void interactive_run(Repl *r)
{
    g_repl = r;
    rl_readline_name = "xvm-repl";
    rl_attempted_completion_function = complete;
    rl_completer_word_break_characters = " \t\n\"\\'`@$><=;|&{(,"; /* readline's, and ',' (":link (C,PORT") */
    rl_catch_signals = 0;
    history_open(r);
    interactive_install_signals(r);
    printf("xvm-repl %s: the core machine is ready. :help lists commands, Ctrl-D leaves.\n", xvm_version());
    rl_callback_handler_install(input_prompt(g_repl, false), on_line);
    while (!r->quit) {
        fd_set fds;
        FD_ZERO(&fds);
        FD_SET(STDIN_FILENO, &fds);
        int n = select(STDIN_FILENO + 1, &fds, NULL, NULL, NULL);
        if (interactive_take_sigint()) {
            clear_line_after_sigint(r);
            continue;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        rl_callback_read_char();
        if (interactive_take_sigint() && !r->quit) {
            /* Ctrl-C while a program ran: the run was interrupted; new prompt. */
            rl_callback_handler_remove();
            rl_callback_handler_install(input_prompt(g_repl, g_cont), on_line);
        }
    }
    rl_callback_handler_remove();
}
