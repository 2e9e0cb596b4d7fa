/* config.c - the settings table and the limits read while parsing, lowering
 * and verifying, both from CONFIG_SETTINGS (config.h). */
#include "config.h"

#include <stddef.h>

#define CONFIG_ROW(ID, name, at, field, type, def, lo, hi, zero_unlimited, help, why_hi) \
    [CONFIG_##ID] = {name, help, why_hi, def, lo, hi, zero_unlimited},
const ConfigSetting config_settings[CONFIG_COUNT] = {CONFIG_SETTINGS(CONFIG_ROW)};
#undef CONFIG_ROW

#define CONFIG_INIT(ID, name, at, field, type, def, ...) CONFIG_IF(at, GLOBAL, .field = def, )
XvmLimits config_limits = {CONFIG_SETTINGS(CONFIG_INIT)};
#undef CONFIG_INIT
