/* principal.c - who wrote a definition or an input: its name. */
#include "model.h"

const char *principal_name(Principal p) { return p == PRINCIPAL_UNTRUSTED ? "untrusted" : "trusted"; }
