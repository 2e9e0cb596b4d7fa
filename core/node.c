/* node.c - syntax trees after parsing: their kinds' names, printing them
 * back as text (:show), and building and reading them for the live session. */
#include "node.h"

#include <inttypes.h>
#include <string.h>

static const char *const node_names[N__COUNT] = {
    [N_UNIT] = "unit",         [N_STMT] = "statement",
    [N_ORDER] = "order",       [N_NAME] = "name",
    [N_QNAME] = "qualified name", [N_INT] = "integer",
    [N_STRING] = "string",     [N_APPLY] = "application",
    [N_TUPLE] = "tuple",       [N_BLOCK] = "block",
    [N_EFFECT] = "effect",     [N_PARAM] = "parameter",
    [N_CONTRACT] = "contract",
};

const char *node_kind_name(NodeKind k)
{
    return (unsigned)k < N__COUNT && node_names[k] ? node_names[k] : "node";
}

const char *node_kind_article(NodeKind k)
{
    if (k == N_APPLY)
        return "a form like int(5)";
    const char *n = node_kind_name(k);
    return gc_printf("%s %s", strchr("aeiou", n[0]) ? "an" : "a", n);
}


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

/* ---- printing ---------------------------------------------------------- */

static void put_indent(Buf *out, int indent)
{
    for (int i = 0; i < indent; i++)
        buf_putc(out, ' ');
}

static void print_string(Buf *out, const Node *n)
{
    buf_putc(out, '"');
    for (int64_t i = 0; n->name && i < n->ival; i++) {
        char c = n->name[i];
        if (c == '\n')
            buf_puts(out, "\\n");
        else if (c == '\t')
            buf_puts(out, "\\t");
        else if (c == '"' || c == '\\')
            buf_printf(out, "\\%c", c);
        else
            buf_putc(out, c);
    }
    buf_putc(out, '"');
}

/* kids[from..to) separated by sep */
static void print_list(Buf *out, const Node *n, uint32_t from, uint32_t to,
                       const char *sep, int indent)
{
    for (uint32_t i = from; i < to && i < n->nkids; i++) {
        if (i > from)
            buf_puts(out, sep);
        node_print(out, n->kids[i], indent);
    }
}

static void print_block(Buf *out, const Node *n, int indent)
{
    if (n->nkids == 0) {
        buf_puts(out, "{ }");
        return;
    }
    buf_puts(out, "{\n");
    for (uint32_t i = 0; i < n->nkids; i++) {
        node_print(out, n->kids[i], indent + 2);
        buf_putc(out, '\n');
    }
    put_indent(out, indent);
    buf_putc(out, '}');
}

static void print_effect(Buf *out, const Node *n)
{
    uint32_t nin = n->ival < 0 ? 0 : (uint32_t)n->ival;
    /* (a: int -> r: int), (a: int ->), (-> r: int), (->): as effect_print */
    buf_putc(out, '(');
    print_list(out, n, 0, nin, ", ", 0);
    buf_puts(out, nin ? " ->" : "->");
    if (nin < n->nkids)
        buf_putc(out, ' ');
    print_list(out, n, nin, n->nkids, ", ", 0);
    buf_putc(out, ')');
}

static void print_head(Buf *out, const Node *n)
{
    switch (n->head) {
    case HEAD_DIRECTIVE: buf_printf(out, ".%s", n->name); break;
    case HEAD_TICK: buf_printf(out, "'%s", n->name); break;
    case HEAD_QUALIFIED: buf_printf(out, "%s.%s", n->name, n->name2); break;
    default: buf_puts(out, n->name); break;
    }
}

static void print_stmt(Buf *out, const Node *n, int indent)
{
    put_indent(out, indent);
    print_head(out, n);
    if (n->nkids > 0)
        buf_putc(out, ' ');
    print_list(out, n, 0, n->nkids, ", ", indent);
    buf_putc(out, ';');
}

static void print_contract(Buf *out, const Node *n)
{
    buf_printf(out, "%s ", n->name);
    print_list(out, n, 0, 1, "", 0);
    buf_puts(out, " <= ");
    print_list(out, n, 1, 2, "", 0);
}

static void print_unit(Buf *out, const Node *n, int indent)
{
    for (uint32_t i = 0; i < n->nkids; i++) {
        node_print(out, n->kids[i], indent);
        buf_putc(out, '\n');
    }
}

void node_print(Buf *out, const Node *n, int indent)
{
    if (!n)
        return;
    if (indent < 0)
        indent = 0;
    switch (n->kind) {
    case N_UNIT: print_unit(out, n, indent); break;
    case N_STMT: print_stmt(out, n, indent); break;
    case N_ORDER:
        put_indent(out, indent);
        print_list(out, n, 0, n->nkids, " < ", 0);
        buf_putc(out, ';');
        break;
    case N_NAME: buf_puts(out, n->name); break;
    case N_QNAME: buf_printf(out, "%s.%s", n->name, n->name2); break;
    case N_INT: buf_printf(out, "%" PRId64, n->ival); break;
    case N_STRING: print_string(out, n); break;
    case N_APPLY:
        buf_printf(out, "%s(", n->name);
        print_list(out, n, 0, n->nkids, ", ", indent);
        buf_putc(out, ')');
        break;
    case N_TUPLE:
        buf_putc(out, '(');
        print_list(out, n, 0, n->nkids, ", ", indent);
        buf_putc(out, ')');
        break;
    case N_BLOCK: print_block(out, n, indent); break;
    case N_EFFECT: print_effect(out, n); break;
    case N_PARAM:
        if (n->name)
            buf_printf(out, "%s: ", n->name);
        buf_puts(out, n->name2 ? n->name2 : "?");
        break;
    case N_CONTRACT: print_contract(out, n); break;
    default: buf_puts(out, "<?>"); break;
    }
}
