/* prim.c - the core primitives: prims.def decoded once into PrimInfo, and their names. */
#include "model.h"

#include <string.h>

/* The letters of prims.def, decoded at compile time (GCC and Clang fold a
 * string literal's characters in an initializer): the k-th letter of s,
 * '\0' past its end. */
#define LETTER(s, k) ((s)[(k) < sizeof(s) ? (k) : sizeof(s) - 1])
#define IS_DIGIT(c) ((c) >= '0' && (c) <= '9')
#define TYPE_OF(c) ((c) == 'i' ? TY_INT : (c) == 'r' ? TY_REF : TY_ANY)
#define IN_TYPES(s) {TYPE_OF(LETTER(s, 0)), TYPE_OF(LETTER(s, 1)), TYPE_OF(LETTER(s, 2))}
#define OUT_ITEM(c)                                                                                                 \
    {IS_DIGIT(c) ? PO_INPUT : (c) == '=' ? PO_IMM : PO_NEW, IS_DIGIT(c) || (c) == '=' ? TY_ANY : TYPE_OF(c),        \
     IS_DIGIT(c) ? (c) - '0' : 0}
#define OUT_ITEMS(s) {OUT_ITEM(LETTER(s, 0)), OUT_ITEM(LETTER(s, 1)), OUT_ITEM(LETTER(s, 2))}

#define X(e, name, imm, in, out, flags, c, expr)                                                                    \
    _Static_assert(sizeof(in) <= PRIM_MAX_ITEMS + 1 && sizeof(out) <= PRIM_MAX_ITEMS + 1, "prims.def: " name);
#include "prims.def"
#undef X

const PrimInfo prim_info[P__COUNT] = {
#define X(e, name, imm, in, out, flags, c, expr)                                                                    \
    {name, imm, flags | (PC_##c == PC_CMP ? PF_COMPARE : 0), PC_##c, sizeof(in) - 1, sizeof(out) - 1, IN_TYPES(in), \
     OUT_ITEMS(out)},
#include "prims.def"
#undef X
};
#undef LETTER
#undef IS_DIGIT
#undef TYPE_OF
#undef IN_TYPES
#undef OUT_ITEM
#undef OUT_ITEMS

bool prim_by_name(const char *name, Prim *out)
{
    for (int i = 0; i < P__COUNT; i++)
        if (strcmp(name, prim_info[i].name) == 0) {
            *out = (Prim)i;
            return true;
        }
    return false;
}

const char *prim_name(int op)
{
    if (op >= 0 && op < P__COUNT)
        return prim_info[op].name;
    return op == P_TICK ? "'tick" : "?";
}
