/* config.c - the settings table and the limits read while parsing, lowering
 * and verifying, both from CONFIG_SETTINGS (config.h); a setting's values
 * as :set spells them. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_ROW(ID, name, at, field, type, def, lo, hi, zero_unlimited, help, why_hi, names) \
    [CONFIG_##ID] = {name, help, why_hi, names, def, lo, hi, zero_unlimited, CONFIG_IS_VIEW_##at},
const ConfigSetting config_settings[CONFIG_COUNT] = {CONFIG_SETTINGS(CONFIG_ROW)};
#undef CONFIG_ROW

#define CONFIG_INIT(ID, name, at, field, type, def, ...) CONFIG_IF(at, GLOBAL, .field = def, )
XvmLimits config_limits = {CONFIG_SETTINGS(CONFIG_INIT)};
#undef CONFIG_INIT

const char *config_value_name(const ConfigSetting *c, uint64_t v)
{
    for (uint64_t i = 0; c->names && c->names[i]; i++)
        if (i == v)
            return c->names[i];
    return NULL;
}

bool config_value_parse(const ConfigSetting *c, const char *text, uint64_t *v)
{
    if (c && c->names) {
        for (uint64_t i = 0; c->names[i]; i++)
            if (!strcmp(text, c->names[i])) {
                *v = i;
                return true;
            }
        return false;
    }
    char *end = NULL;
    errno = 0;
    unsigned long long n = strtoull(text, &end, 10);
    if (text[0] == '-' || end == text || errno || *end)
        return false;
    *v = n;
    return true;
}
