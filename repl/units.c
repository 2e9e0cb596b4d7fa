/* units.c - loading units by name from the search path: the current
 * folder, then XVM_PATH, then the stdlib.  A unit is loaded at most once
 * per session; one that is missing names every place searched. */
#include "print.h"
#include "txn.h"
#include "units.h"
#include "suggest.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool unit_known(const Txn *t, const char *unit)
{
    for (uint32_t i = 0; i < t->s->loaded_units.len; i++)
        if (strcmp(t->s->loaded_units.items[i], unit) == 0)
            return true;
    for (uint32_t i = 0; i < t->units.len; i++)
        if (strcmp(t->units.items[i], unit) == 0)
            return true;
    return false;
}

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

Error *units_read_bytes(const char *path, Span at, char **text, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_new(E_IO, at, "cannot open '%s': %s", path, strerror(errno));
    Buf b = {0};
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len <= UNIT_MAX_BYTES) {
        for (size_t i = 0; i < n; i++)
            buf_putc(&b, chunk[i]);
    }
    bool bad = ferror(f);
    fclose(f);
    if (bad)
        return err_new(E_IO, at, "cannot read '%s'", path);
    if (b.len > UNIT_MAX_BYTES)
        return err_new(E_LIMIT, at, "'%s' is larger than %u bytes", path, UNIT_MAX_BYTES);
    *text = b.s ? b.s : gc_strdup("");
    *len = b.len;
    return NULL;
}

Error *units_read_file(const char *path, Span at, char **text, size_t *len)
{
    Error *e = units_read_bytes(path, at, text, len);
    if (e)
        return e;
    Buf b = {.s = *text, .len = *len};
    if (b.s && memchr(b.s, 0, b.len))
        return err_new(E_IO, at, "'%s' contains a NUL byte; is it a text file?", path);
    for (const char *line = b.s, *nl; line && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        size_t len_line = nl ? (size_t)(nl - line) : strlen(line);
        if (len_line > config_limits.line_bytes)
            return err_hint(err_new(E_LIMIT, at, "'%s' has a line of %zu bytes (the limit is %u)", path, len_line,
                                    config_limits.line_bytes),
                            "split the line, or raise the limit with :set line-bytes N");
    }
    *text = b.s ? b.s : gc_strdup("");
    *len = b.len;
    return NULL;
}

static int by_name(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* Sorted, so that of two equally near units the same one is suggested
 * whatever order the folders list them in. */
const char **units_on_path(const Session *s, uint32_t *n)
{
    Vec names = {0};
    for (uint32_t i = 0; i < s->search_path.len; i++) {
        DIR *dir = opendir(s->search_path.items[i]);
        for (struct dirent *d; dir && (d = readdir(dir));) {
            size_t len = strlen(d->d_name);
            if (len > 4 && !strcmp(d->d_name + len - 4, ".xvm"))
                vec_push(&names, gc_strndup(d->d_name, len - 4));
        }
        if (dir)
            closedir(dir);
    }
    if (names.len)
        qsort(names.items, names.len, sizeof *names.items, by_name);
    *n = names.len;
    return (const char **)names.items;
}

Error *units_suggest(const Session *s, const char *path, Error *e)
{
    if (e->code != E_IO || strchr(path, '/') || is_file(path))
        return e;
    size_t len = strlen(path);
    const char *unit = len > 4 && !strcmp(path + len - 4, ".xvm") ? gc_strndup(path, len - 4) : path;
    uint32_t n;
    const char **units = units_on_path(s, &n);
    return suggest_unknown_as(e, "'.load_modules %s;'", unit, units, n, NULL);
}

static bool valid_unit_name(const char *unit)
{
    return *unit && !strchr(unit, '/') && strcmp(unit, ".") && strcmp(unit, "..");
}

Error *units_load(void *ctx, const char *unit, Span at)
{
    Txn *t = ctx;
    Session *s = t->s;
    if (unit_known(t, unit))
        return NULL; /* loading a unit twice is a no-op */
    if (!valid_unit_name(unit))
        return err_hint(err_new(E_ARGS, at, "'%s' is not a unit name", unit), "a unit is a file name without .xvm or a folder");
    if (t->unit_depth >= UNIT_NEST_MAX)
        return err_new(E_LIMIT, at, "units load each other more than %d deep", UNIT_NEST_MAX);
    Buf tried = {0};
    for (uint32_t i = 0; i < s->search_path.len; i++) {
        const char *dir = s->search_path.items[i];
        const char *path = gc_printf("%s/%s.xvm", dir, unit);
        if (!is_file(path)) {
            buf_printf(&tried, "  %s\n", path);
            continue;
        }
        char *text;
        size_t len;
        Error *e = units_read_file(path, at, &text, &len);
        if (e)
            return e;
        vec_push(&t->units, (void *)unit);
        print_progress("loading units", t->units.len, 0);
        bool from_stdlib = s->stdlib_dir && strcmp(dir, s->stdlib_dir) == 0;
        /* Name stdlib files the same wherever it is installed. */
        const char *shown = from_stdlib ? gc_printf("stdlib/%s.xvm", unit) : path;
        t->unit_depth++;
        e = txn_stage_unit_text(t, source_new(shown, text, len, 1), from_stdlib ? PRINCIPAL_TRUSTED : t->principal,
                                true);
        t->unit_depth--;
        if (e)
            return err_note(e, at, "while loading unit '%s' from %s", unit, shown);
        vec_push(&t->notes, gc_printf("loaded unit %s from %s", unit, shown));
        return NULL;
    }
    uint32_t n;
    const char **units = units_on_path(s, &n);
    return err_detail(suggest_unknown(err_new(E_IO, at, "cannot find unit '%s'", unit), unit, units, n,
                                      "put %s.xvm in the current folder, a folder on XVM_PATH, or the stdlib", unit),
                      gc_printf("  looked for:\n%s", buf_str(&tried)));
}
