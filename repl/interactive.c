/* interactive.c - the terminal front end: GNU readline (callback interface,
 * so Ctrl-C can clear the line without leaving the loop), persistent
 * history, tab completion, and SIGINT delivered to the running program. */
#include "commands.h"
#include "input.h"
#include "interactive.h"
#include "print.h"
#include "units.h"

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
        vm_request_interrupt(g_repl->s->vm);
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

/* ---- completion --------------------------------------------------------------------------- */

static char *complete_from(const char *text, int state, const char *const *names, size_t n, const char *prefix)
{
    static size_t i;
    if (!state)
        i = 0;
    size_t len = strlen(text);
    while (i < n) {
        const char *name = names[i++];
        if (name && strncmp(name, text, len) == 0) {
            char *m = malloc(strlen(prefix) + strlen(name) + 1); /* readline frees it */
            if (m)
                strcat(strcpy(m, prefix), name);
            return m;
        }
    }
    return NULL;
}

static const char **g_names;
static size_t g_nnames;
static const char *g_prefix;

static char *name_generator(const char *text, int state)
{
    return complete_from(text + strlen(g_prefix), state, g_names, g_nnames, g_prefix);
}

/* ---- what the word is, from the text before it ---- */

static const char *skip_space(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* The name just before a ',' that ends `before` (spaces allowed around it), or NULL. */
static const char *name_before_comma(const char *before, const char **name_start)
{
    const char *end = before + strlen(before);
    while (end > before && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    if (end == before || end[-1] != ',')
        return NULL;
    end--;
    while (end > before && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    const char *start = end;
    while (start > before && !strchr(" \t(,'", start[-1]))
        start--;
    *name_start = start;
    return start < end ? gc_strndup(start, (size_t)(end - start)) : NULL;
}

static const Component *component_named(const Machine *m, const char *name)
{
    for (uint32_t i = 0; name && i < m->ncomps; i++)
        if (!strcmp(m->comps[i]->name, name))
            return m->comps[i];
    return NULL;
}

/* After :link: in "(C, " the ports of component C, else the components of
 * the machine in use (and --dry-run before the first pair). */
static void collect_link_names(Vec *v, const char *before)
{
    const Machine *m = g_repl->s->machine;
    const char *open = strrchr(before, '(');
    if (open && !strchr(open, ')') && strchr(open, ',')) {
        const char *start;
        const Component *c = component_named(m, name_before_comma(before, &start));
        for (uint32_t k = 0; c && start == skip_space(open + 1) && k < c->module->nports; k++)
            vec_push(v, (void *)c->module->ports[k]->name);
        return;
    }
    for (uint32_t i = 0; i < m->ncomps; i++)
        vec_push(v, (void *)m->comps[i]->name);
    if (!open)
        vec_push(v, "--dry-run");
}

/* "'push_val L, " (or any tick operation's "L, "): the elements of lattice L;
 * "'push_val ": the lattices.  False if the word is not there. */
static bool collect_lattice_names(Vec *v, const char *before)
{
    Workspace *ws = g_repl->s->ws;
    const char *tick = strrchr(before, '\'');
    if (!tick || strpbrk(tick, ";{}"))
        return false;
    size_t oplen = strcspn(tick, " \t");
    const char *rest = skip_space(tick + oplen);
    if (oplen == strlen("'push_val") && !strncmp(tick, "'push_val", oplen) && rest > tick + oplen && !*rest) {
        uint32_t n;
        const char **names = workspace_names(ws, DEF_LATTICE, &n);
        for (uint32_t i = 0; i < n; i++)
            vec_push(v, (void *)names[i]);
        return true;
    }
    const char *start;
    const char *name = name_before_comma(before, &start);
    Def *d = name && start == rest ? workspace_find_kind(ws, name, DEF_LATTICE) : NULL;
    const Lattice *l = d ? def_current(d) : NULL;
    for (uint32_t i = 0; l && i < l->nelems; i++)
        vec_push(v, (void *)l->elems[i]);
    return l != NULL;
}

/* ".load_modules " or ".load_interfaces " (and after each ", "): the units
 * on the search path. */
static bool collect_unit_names(Vec *v, const char *before)
{
    const char *at = NULL;
    for (const char *p = before; (p = strstr(p, ".load_")); p++)
        at = p;
    if (!at || strchr(at, ';'))
        return false;
    size_t n = strcspn(at, " \t");
    if (!((n == strlen(".load_modules") && !strncmp(at, ".load_modules", n)) ||
          (n == strlen(".load_interfaces") && !strncmp(at, ".load_interfaces", n))) ||
        !at[n])
        return false;
    uint32_t count;
    const char **units = units_on_path(g_repl->s, &count);
    for (uint32_t i = 0; i < count; i++)
        vec_push(v, (void *)units[i]);
    return true;
}

/* The code's names: operations of the machine in use, definitions, directives. */
static void collect_code_names(Vec *v)
{
    const Machine *m = g_repl->s->machine;
    for (uint32_t i = 0; i < m->nops; i++)
        vec_push(v, (void *)m->ops[i].name);
    uint32_t n;
    const char **names = workspace_names(g_repl->s->ws, DEF__COUNT, &n);
    for (uint32_t i = 0; i < n; i++)
        vec_push(v, (void *)names[i]);
    static const char *const directives[] = {".define_procedure", ".define_interface", ".define_module",
                                             ".define_machine",   ".define_lattice",   ".define_key",
                                             ".load_modules",     ".load_interfaces"};
    for (size_t i = 0; i < countof(directives); i++)
        vec_push(v, (void *)directives[i]);
}

static bool command_is(const char *line, const char *name)
{
    size_t n = strlen(name);
    line = skip_space(line);
    return !strncmp(line, name, n) && (line[n] == ' ' || line[n] == '\t');
}

static void collect_names(const char *text, int start)
{
    Vec v = {0};
    const char *before = gc_strndup(rl_line_buffer, (size_t)start);
    g_prefix = "";
    if (command_is(before, ":link")) {
        collect_link_names(&v, before);
    } else if (command_is(before, ":set")) {
        if (!*skip_space(skip_space(before) + strlen(":set"))) /* the setting's name, not its value */
            for (size_t i = 0; i < CONFIG_COUNT; i++)
                vec_push(&v, (void *)config_settings[i].name);
    } else if (!*skip_space(before) && text[0] == ':') {
        for (const char *const *c = commands_names(); *c; c++)
            vec_push(&v, (void *)*c);
        g_prefix = ":";
    } else if (!collect_lattice_names(&v, before) && !collect_unit_names(&v, before)) {
        collect_code_names(&v);
    }
    g_names = (const char **)v.items;
    g_nnames = v.len;
}

static char **complete(const char *text, int start, int end)
{
    (void)end;
    if (start > 0 && strncmp(rl_line_buffer, ":load", 5) == 0)
        return NULL; /* file names: readline's default */
    rl_attempted_completion_over = 1;
    collect_names(text, start);
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
    if (strlen(line) > config_limits.line_bytes) {
        Span at = {.src = source_new("<stdin>", "", 0, g_lineno), .line = (uint32_t)g_lineno, .col = 1};
        input_refuse_line(g_repl, err_hint(err_new(E_LIMIT, at, "line too long: %zu bytes (the limit is %u)",
                                                  strlen(line), config_limits.line_bytes),
                                          "split the input over several lines, or raise the limit with :set line-bytes N"));
        return;
    }
    if (g_entry.len + strlen(line) < config_limits.input_bytes) { /* the history entry: bounded like the input */
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
    printf("xvm-repl %s: the core machine is ready. :help lists commands, Ctrl-D leaves.\n", XVM_VERSION);
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
