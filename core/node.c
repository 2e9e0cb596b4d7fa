/* node.c - building and reading syntax trees after parsing. */
#include "node.h"

#include <string.h>

Node *node_with_block(const Node *stmt, uint32_t block_at, const Vec *stmts)
{
    Node *n = gc_alloc(sizeof *n);
    *n = *stmt;
    n->kids = gc_calloc(stmt->nkids + 1, sizeof(Node *));
    memcpy(n->kids, stmt->kids, stmt->nkids * sizeof(Node *));
    Node *blk = gc_alloc(sizeof *blk);
    *blk = *stmt->kids[block_at];
    blk->kids = (Node **)stmts->items;
    blk->nkids = stmts->len;
    n->kids[block_at] = blk;
    return n;
}

bool node_is_directive(const Node *s, const char *name)
{
    return s->kind == N_STMT && s->head == HEAD_DIRECTIVE && !strcmp(s->name, name);
}

bool node_same_name(const Node *a, const Node *b)
{
    return a->kind == N_NAME && b->kind == N_NAME && !strcmp(a->name, b->name);
}

Span node_block_end(const Node *block)
{
    Span sp = block->span;
    if (!sp.src || !sp.len)
        return sp;
    sp.off += sp.len - 1;
    sp.len = 1;
    uint32_t line = (uint32_t)sp.src->first_line, col = 1;
    for (uint32_t i = 0; i < sp.off && i < sp.src->len; i++) {
        bool nl = sp.src->text[i] == '\n';
        line += nl;
        col = nl ? 1 : col + 1;
    }
    sp.line = line;
    sp.col = col;
    return sp;
}
