/* diag.h - diagnostics for programs (diag.c): an error as one JSON object,
 * in the shape of GCC's -fdiagnostics-format=json, for --diagnostics=json. */
#ifndef XVM_DIAG_H
#define XVM_DIAG_H

#include "base.h"
#include "xvm.h"

/* Append e with its e->nnotes notes (xvm.h's values) as one line of JSON:
 *   {"kind": "error", "code": "E_TYPE", "message": "...",
 *    "locations": [{"caret": {"file", "line", "column", "byte-column"},
 *                   "finish": {...}}],
 *    "children": [{"kind": "note", "message": "...", "locations": [...]}],
 *    "hint": "...", "detail": "...", "column-origin": 1}
 * Lines and columns count from 1, columns in bytes; "finish" is the last
 * byte of the span; "locations" is empty for an error with no place, and
 * "hint" and "detail" are there only when the error has them. */
void diag_json(Buf *out, const xvm_Error *e, const xvm_Note *notes);

/* Append the n bytes of s as a JSON string, quotes included: '"', '\\' and
 * control characters escaped, well-formed UTF-8 passed through, every byte
 * that is not part of a well-formed sequence written as \ufffd. */
void diag_json_string(Buf *out, const char *s, size_t n);

#endif
