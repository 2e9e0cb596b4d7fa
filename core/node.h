/* node.h - syntax trees after parsing: kind names, printing, and what the
 * live session needs to edit a definition's text and point at its parts. */
#ifndef XVM_NODE_H
#define XVM_NODE_H

#include "syntax.h"

const char *node_kind_name(NodeKind k); /* "name", "block", "effect", ... */
const char *node_kind_article(NodeKind k); /* "a name", "an integer", ... */
/* Print a node back in the language (canonical spacing, 2-space indent). */
void node_print(Buf *out, const Node *n, int indent);

/* A copy of stmt whose kid block_at is a block holding stmts. */
Node *node_with_block(const Node *stmt, uint32_t block_at, const Vec *stmts);
/* Is s the directive statement .NAME? */
bool node_is_directive(const Node *s, const char *name);
/* Are a and b both names, and the same name? */
bool node_same_name(const Node *a, const Node *b);
/* The closing brace of a block: where falling off the end returns. */
Span node_block_end(const Node *block);

#endif
