/* complete.c - what may come next where an input is being typed: the
 * words that complete the one under the cursor, from the text before it
 * and the session (commands, settings, components and ports after :link,
 * a lattice's elements, units on the search path, operations, definitions
 * and directives).  xvm_complete hands them out; readline is xvm-repl's. */
#include "complete.h"

#include "commands.h"
#include "units.h"

#include <string.h>

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
static void collect_link_names(const Session *s, Vec *v, const char *before)
{
    const Machine *m = s->machine;
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
static bool collect_lattice_names(const Session *s, Vec *v, const char *before)
{
    Workspace *ws = s->ws;
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
static bool collect_unit_names(Session *s, Vec *v, const char *before)
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
    const char **units = units_on_path(s, &count);
    for (uint32_t i = 0; i < count; i++)
        vec_push(v, (void *)units[i]);
    return true;
}

/* The code's names: operations of the machine in use, definitions, directives. */
static void collect_code_names(const Session *s, Vec *v)
{
    const Machine *m = s->machine;
    for (uint32_t i = 0; i < m->nops; i++)
        vec_push(v, (void *)m->ops[i].name);
    uint32_t n;
    const char **names = workspace_names(s->ws, DEF__COUNT, &n);
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

/* The candidates for the word after `before`, and the prefix ':' for commands. */
static void collect_names(Session *s, Vec *v, const char *before, const char *word, const char **prefix)
{
    *prefix = "";
    if (command_is(before, ":link")) {
        collect_link_names(s, v, before);
    } else if (command_is(before, ":set")) {
        if (!*skip_space(skip_space(before) + strlen(":set"))) /* the setting's name, not its value */
            for (size_t i = 0; i < CONFIG_COUNT; i++)
                vec_push(v, (void *)config_settings[i].name);
    } else if (!*skip_space(before) && word[0] == ':') {
        for (const char *const *c = commands_names(); *c; c++)
            vec_push(v, (void *)*c);
        *prefix = ":";
    } else if (!collect_lattice_names(s, v, before) && !collect_unit_names(s, v, before)) {
        collect_code_names(s, v);
    }
}

const char *const *complete_words(Session *s, const char *line, int start, bool *files)
{
    *files = start > 0 && strncmp(line, ":load", 5) == 0; /* file names: the host's to complete */
    Vec out = {0};
    if (!*files) {
        Vec v = {0};
        const char *prefix, *word = line + start;
        collect_names(s, &v, gc_strndup(line, (size_t)start), word, &prefix);
        size_t wlen = strlen(word);
        for (uint32_t i = 0; i < v.len; i++) {
            const char *name = v.items[i] ? gc_printf("%s%s", prefix, (const char *)v.items[i]) : NULL;
            if (name && strncmp(name, word, wlen) == 0)
                vec_push(&out, (void *)name);
        }
    }
    vec_push(&out, NULL);
    return (const char *const *)out.items;
}
