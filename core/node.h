/* node.h - building and reading syntax trees after parsing: what the live
 * session needs to edit a definition's text and to point at its parts. */
#ifndef XVM_NODE_H
#define XVM_NODE_H

#include "syntax.h"

/* A copy of stmt whose kid block_at is a block holding stmts. */
Node *node_with_block(const Node *stmt, uint32_t block_at, const Vec *stmts);
/* Is s the directive statement .NAME? */
bool node_is_directive(const Node *s, const char *name);
/* Are a and b both names, and the same name? */
bool node_same_name(const Node *a, const Node *b);
/* The closing brace of a block: where falling off the end returns. */
Span node_block_end(const Node *block);

#endif
