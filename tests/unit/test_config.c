/* test_config.c - the settings table (core/config.h) and every copy of it:
 * the table in docs/reference.md, the list in docs/xvm-repl.1 and the :set
 * listing shown in docs/reference.md (which tests/sh/doc_examples.sh runs
 * against the binary), so none of them can drift from the table.  Run
 * from the repository root (tests/run.sh does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gc.h>

#include "flatten.h"
#include "vm.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s (run the test from the repository root)", path);
    Buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk - 1, f)) > 0) {
        chunk[n] = 0;
        buf_puts(&b, chunk);
    }
    fclose(f);
    return gc_strdup(buf_str(&b));
}

/* The text of doc from the line that starts with first, up to (not
 * including) the first line after it that starts with stop. */
static char *excerpt(const char *doc, const char *first, const char *stop)
{
    const char *at = strstr(doc, first);
    if (!at)
        fail_msg("no line starting '%s'", first);
    const char *end = at;
    do
        end = strchr(end, '\n') ? strchr(end, '\n') + 1 : end + strlen(end);
    while (*end && strncmp(end, stop, strlen(stop)));
    return gc_strndup(at, (size_t)(end - at));
}

/* cmocka cuts long messages: name the first line that differs. */
static void expect_text(const char *what, const char *want, const char *got)
{
    for (int line = 1; strcmp(want, got); line++) {
        size_t nw = strcspn(want, "\n"), ng = strcspn(got, "\n");
        if (nw != ng || strncmp(want, got, nw))
            fail_msg("%s differs from core/config.h at its line %d:\n  want: %.*s\n  have: %.*s", what, line,
                     (int)nw, want, (int)ng, got);
        want += nw + (want[nw] != 0);
        got += ng + (got[ng] != 0);
    }
}

static unsigned long long ull(uint64_t v) { return (unsigned long long)v; }

/* A value as the docs spell it: a choice's name, else the number. */
static const char *value(const ConfigSetting *c, uint64_t v)
{
    return c->names ? config_value_name(c, v) : gc_printf("%llu", ull(v));
}

/* The values a setting takes: "auto, table, plain" for a choice, else
 * "LO..HI"; with the word before them in the man page. */
static const char *range(const ConfigSetting *c, bool man)
{
    if (!c->names)
        return gc_printf("%s%llu..%llu", man ? "range " : "", ull(c->lo), ull(c->hi));
    Buf b = {0};
    buf_puts(&b, man ? "one of " : "");
    for (uint32_t i = 0; c->names[i]; i++)
        buf_printf(&b, "%s%s", i ? ", " : "", c->names[i]);
    return buf_str(&b);
}

static void test_reference_table(void **state)
{
    (void)state;
    Buf want = {0};
    buf_puts(&want, "| setting | default | range | what |\n|---|---|---|---|\n");
    for (int i = 0; i < CONFIG_COUNT; i++) {
        const ConfigSetting *c = &config_settings[i];
        buf_printf(&want, "| `%s` | %s | %s | %s |\n", c->name, value(c, c->def), range(c, false), c->help);
    }
    const char *doc = slurp("docs/reference.md");
    expect_text("the settings table of docs/reference.md", buf_str(&want),
                excerpt(doc, "| setting | default | range | what |\n", "\n"));
}

/* The :set listing in the reference's ":set, :time, :gc" example: what a
 * fresh session prints, so the defaults; doc_examples.sh checks it is what
 * the binary prints. */
static void test_reference_set_listing(void **state)
{
    (void)state;
    Buf want = {0};
    for (int i = 0; i < CONFIG_COUNT; i++) {
        const ConfigSetting *c = &config_settings[i];
        buf_printf(&want, "%-14s %-12s %s\n", c->name, value(c, c->def), c->help);
    }
    const char *doc = slurp("docs/reference.md");
    const char *first = gc_printf("%-14s %-12llu ", config_settings[0].name, ull(config_settings[0].def));
    const char *last = gc_printf("%s =", config_settings[0].name);
    expect_text("the :set listing in docs/reference.md", buf_str(&want), excerpt(doc, first, last));
}

static void test_man_page(void **state)
{
    (void)state;
    Buf want = {0};
    buf_puts(&want, ".\\\" The settings of core/config.h; tests/unit/test_config.c checks them.\n");
    for (int i = 0; i < CONFIG_COUNT; i++) {
        const ConfigSetting *c = &config_settings[i];
        buf_puts(&want, ".TP\n.B ");
        for (const char *p = c->name; *p; p++)
            buf_puts(&want, *p == '-' ? "\\-" : (char[]){*p, 0});
        buf_printf(&want, "\n%s; default %s, %s.\n", c->help, value(c, c->def), range(c, true));
    }
    const char *man = slurp("docs/xvm-repl.1");
    expect_text("the settings in docs/xvm-repl.1", buf_str(&want), excerpt(man, ".\\\" The settings of", ".RE\n"));
}

/* Every default is a value :set accepts, every name is spelled once, and
 * the structs the table generates start at the defaults. */
static void test_table_consistent(void **state)
{
    (void)state;
    for (int i = 0; i < CONFIG_COUNT; i++) {
        const ConfigSetting *c = &config_settings[i];
        assert_true(c->lo <= c->def && c->def <= c->hi);
        assert_true(c->help && *c->help);
        assert_true(!c->zero_unlimited || c->lo == 0);
        for (uint64_t v = 0; c->names && v <= c->hi; v++) /* a choice names each of its values */
            assert_non_null(config_value_name(c, v));
        assert_true(!c->names || (c->lo == 0 && !config_value_name(c, c->hi + 1)));
        for (int k = 0; k < i; k++)
            assert_string_not_equal(c->name, config_settings[k].name);
    }
    Vm *vm = vm_new((VmLimits){.fuel = config_default(CONFIG_FUEL)}, stdout);
#define CHECK_DEFAULT(ID, name, at, field, ...)                                                        \
    CONFIG_IF(at, GLOBAL, assert_int_equal(config_limits.field, config_default(CONFIG_##ID));)         \
    CONFIG_IF(at, VM, assert_int_equal(vm->limits.field, config_default(CONFIG_##ID));)
    CONFIG_SETTINGS(CHECK_DEFAULT)
#undef CHECK_DEFAULT
}

int main(void)
{
    GC_INIT();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_table),
        cmocka_unit_test(test_reference_set_listing),
        cmocka_unit_test(test_man_page),
        cmocka_unit_test(test_table_consistent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
