/* config.h - every limit in one place: the settings :set changes, with
 * their defaults and bounds, and the fixed limits of the data structures.
 *
 * :set, its listing, the run-time structs that hold the settings
 * (VmLimits, XvmLimits, the session's) and the settings table of
 * docs/reference.md all come from CONFIG_SETTINGS below; the unit test
 * test_config checks the docs against it, so they cannot drift. */
#ifndef XVM_CONFIG_H
#define XVM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

/* ---- fixed limits ------------------------------------------------------------------------ */

/* Parameters of one key, so of a fact (key(ids...) = value) and of a
 * contract (K(x, y) <= E): a fact keeps its identities in a fixed array
 * (VFact), so it is a plain struct states copy and compare without
 * indirection; the arity a key declares is 0..this, and a contract names
 * 1..this parameters. */
#define KEY_MAX_ARITY 4u

/* Elements of one lattice: a fact's value stores each element in 8 bits
 * (vstate_fact_value), and the order is a dense n*n table. */
#define LATTICE_MAX_ELEMS 256

/* Elements in one fact value: three 8-bit elements and an 8-bit length
 * fill the 32-bit value word. */
#define FACT_VALUE_MAX 3

/* The deepest item `pick N` may copy (0 = the top): beyond any stack a
 * program means to index, and small enough that the immediate and the
 * verifier's depth arithmetic never come near overflow. */
#define PICK_MAX 1000000

/* Inputs plus outputs of one stack effect: far beyond any real effect, and
 * small enough that per-parameter tables stay tiny. */
#define EFFECT_MAX_PARAMS 64

/* A module's own operations calling each other: a chain of at most this
 * many operations, so 256 levels of calls, as many as the default of :set
 * op-nesting verifies (define.c reports OWN_NEST_MAX - 1 levels). */
#define OWN_NEST_MAX 257

/* Instructions in one flattened body: inlining operations makes a body
 * larger than it was written (body-insns bounds that), and this bounds the
 * result, at 4 times the default body-insns. */
#define FLAT_MAX_INSNS (1u << 22)

/* Units loading units (a unit names the units it needs): each level
 * recurses through staging on the C stack, and no real chain comes near. */
#define UNIT_NEST_MAX 32

/* Bytes of one file :load, :reload or a unit reads; by default one input
 * (input-bytes) may be as large as a file. */
#define UNIT_MAX_BYTES (16u << 20)

/* The most :set nesting allows.  Parsing, lowering, printing (:show) and
 * tick conditionals recurse once per level; this keeps them inside an 8 MiB
 * stack with room to spare in every build: measured, a plain -O2 build
 * overflows near 21,000 levels and an ASan build (make asan: bigger frames)
 * near 6,900, in lowering nested ifs; 4,000 runs every nested form under
 * ASan. */
#define SYNTAX_MAX_DEPTH_CAP 4000u

/* The most :set op-nesting allows: the verifier recurses once per nested
 * operation, and the link-time cycle search keeps a path of this length. */
#define OP_NESTING_MAX 4096

/* The most :set tick-stack allows: tick operations keep fixed arrays of
 * this many values on the C stack ('roll). */
#define VSTACK_MAX 1024

/* The most :set stack and :set call-depth allow: the stack is one array of
 * 8-byte values (2^28 of them: 2 GiB) the collector scans, and the frame
 * stack may grow to (call-depth + 1) * (op-nesting + 1) frames. */
#define STACK_MAX_SLOTS (1u << 28)

/* The most :set history allows: each kept input stays in memory (up to
 * input-bytes each), and a million is more than a day of typing. */
#define HISTORY_MAX (1u << 20)
#define CALL_DEPTH_MAX (1u << 24)

/* ---- settings ---------------------------------------------------------------------------- */

/* One row per setting, in the order :set lists them:
 *   X(ID, NAME, AT, FIELD, TYPE, DEFAULT, MIN, MAX, ZERO_UNLIMITED, HELP, WHY_MAX, NAMES)
 * NAME is what :set spells; the value lives in FIELD (of TYPE) of the
 * struct AT names: VM (VmLimits, vm.h), SESSION (Session, session.h) or
 * GLOBAL (config_limits); VIEW is kept in the Session too, but only says
 * how things are shown, so untrusted input may set it freely (a limit it
 * may only make stricter); so may it POLICY, kept in the Session too: when
 * code is compiled, which a compile policy only answers (repl/policy.c).  A larger value is looser, except 0 where
 * ZERO_UNLIMITED says 0 means unlimited.  HELP is the line :set prints and
 * the docs' table shows; WHY_MAX, if not NULL, is the hint for a value over
 * MAX.  NAMES, if not NULL, makes a setting a choice: CONFIG_NAMES(...)
 * spells its values 0, 1, ... (MIN..MAX), and :set takes and shows the
 * names, not the numbers.  Defaults keep every run within seconds and a bounded footprint:
 * 1e9 instructions take about a second of the fast executor's time on plain
 * arithmetic; 2^18 stack slots are 2 MiB the collector scans; an alloc is
 * at most 2^24 words (128 MiB of words plus 16 MiB of tags) and the live
 * heap at most 1 GiB; one input may be as large as a file :load takes. */
/* The values of a choice, and trace-layout's. */
#define CONFIG_NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})
enum { CONFIG_LAYOUT_AUTO, CONFIG_LAYOUT_TABLE, CONFIG_LAYOUT_PLAIN };
/* compile's values: the stdlib's policies, then one of the session's own
 * (a component :set compile names; not a value a number can set). */
enum { CONFIG_COMPILE_EAGER, CONFIG_COMPILE_AFTER_N, CONFIG_COMPILE_NEVER, CONFIG_COMPILE_BACKGROUND,
       CONFIG_COMPILE_OWN };

#define CONFIG_SETTINGS(X)                                                                             \
    X(FUEL, "fuel", VM, fuel, uint64_t, 1000000000ull, 0, UINT64_MAX, true,                            \
      "instructions one input may execute (0 = unlimited)", NULL, NULL)                                \
    X(VERIFY_BUDGET, "verify-budget", SESSION, verify_budget, uint64_t, 2000000, 1, UINT64_MAX, false, \
      "verifier steps per body (instructions simulated, plus state sizes at joins)", NULL, NULL)       \
    X(TRACE_LIMIT, "trace-limit", SESSION, trace_limit, uint64_t, 100000, 0, UINT64_MAX, true,         \
      "steps one :trace may take (0 = unlimited)", NULL, NULL)                                         \
    X(TRACE_LAYOUT, "trace-layout", VIEW,    trace_layout, uint32_t, CONFIG_LAYOUT_AUTO, 0, 2, false,  \
      "how :trace and :step show steps (auto = a table on a terminal)", NULL,                          \
      CONFIG_NAMES("auto", "table", "plain"))                                                          \
    X(TRACE_WIDTH, "trace-width", VIEW,    trace_width, uint32_t, 0, 0, 1000, false,                   \
      "columns of the :trace table (0 = the terminal's width, or 80)", NULL, NULL)                     \
    X(PROMPT, "prompt", VIEW,    prompt_depth, uint32_t, 0, 0, 1, false,                               \
      "what the prompt shows (depth = also the stack depth, <2>)", NULL, CONFIG_NAMES("plain", "depth")) \
    X(STACK, "stack", VM, stack_slots, uint32_t, 1u << 18, 16, STACK_MAX_SLOTS, false,                 \
      "operand stack slots", NULL, NULL)                                                               \
    X(CALL_DEPTH, "call-depth", VM, call_depth, uint32_t, 100000, 1, CALL_DEPTH_MAX, false,            \
      "nested procedure calls", NULL, NULL)                                                            \
    X(BLOCK_WORDS, "block-words", VM, max_block_words, int64_t, 1ll << 24, 0, 1ull << 40, false,       \
      "words in one alloc", NULL, NULL)                                                                \
    X(HEAP_LIMIT, "heap-limit", VM, heap_bytes, uint64_t, 1ull << 30, 0, UINT64_MAX, true,             \
      "bytes of live heap data (0 = unlimited)", NULL, NULL)                                           \
    X(BODY_INSNS, "body-insns", GLOBAL, body_insns, uint32_t, 1u << 20, 1, 1u << 30, false,            \
      "instructions in one body", NULL, NULL)                                                          \
    X(NESTING, "nesting", GLOBAL, nesting, uint32_t, 256, 1, SYNTAX_MAX_DEPTH_CAP, false,              \
      "brackets nested in the input",                                                                  \
      "deeper brackets could overflow the C stack of the parser and the lowering", NULL)               \
    X(OP_NESTING, "op-nesting", GLOBAL, op_nesting, uint32_t, 256, 1, OP_NESTING_MAX, false,           \
      "operations nested inside operations",                                                           \
      "deeper operations could overflow the C stack of the verifier", NULL)                            \
    X(TICK_STACK, "tick-stack", GLOBAL, tick_stack, uint32_t, 64, 1, VSTACK_MAX, false,                \
      "values on the verification-time stack", NULL, NULL)                                             \
    X(LINE_BYTES, "line-bytes", GLOBAL, line_bytes, uint32_t, 1u << 20, 64, 1u << 30, false,           \
      "bytes in one input line", NULL, NULL)                                                           \
    X(INPUT_BYTES, "input-bytes", GLOBAL, input_bytes, uint32_t, UNIT_MAX_BYTES, 64, 1u << 30, false,  \
      "bytes in one input (a line with its continuation lines)", NULL, NULL)                           \
    X(HISTORY, "history", SESSION, history, uint32_t, 1000, 0, HISTORY_MAX, false,                     \
      "inputs :history keeps (the oldest are dropped first)",                                          \
      "every kept input stays in memory; a longer record belongs in a file (the terminal's history "   \
      "file keeps $XVM_REPL_HISTSIZE entries, :save the definitions)", NULL)                            \
    X(COMPILE, "compile", POLICY, compile, uint32_t, CONFIG_COMPILE_AFTER_N, 0, CONFIG_COMPILE_BACKGROUND, \
      false, "when procedures become native code: a component of interface compile-policy", NULL,          \
      CONFIG_NAMES("eager", "after-n", "never", "background"))                                              \
    X(COMPILE_AFTER, "compile-after", POLICY, compile_after, uint64_t, 1000, 1, UINT64_MAX, false,          \
      "calls plus loop iterations after which after-n compiles a procedure", NULL, NULL)

#define CONFIG_ID(ID, ...) CONFIG_##ID,
typedef enum { CONFIG_SETTINGS(CONFIG_ID) CONFIG_COUNT } ConfigId;
#undef CONFIG_ID

typedef struct ConfigSetting {
    const char *name, *help, *why_hi;
    const char *const *names; /* a choice's values by name, NULL-terminated; NULL for a number */
    uint64_t def, lo, hi;
    bool zero_unlimited;
    bool view; /* only how things are shown (AT is VIEW) */
} ConfigSetting;
extern const ConfigSetting config_settings[CONFIG_COUNT];

/* CONFIG_IF(AT, WANT, x): x for a row kept at AT when the rows of WANT are
 * wanted, else nothing; so one struct's members come from the table. */
#define CONFIG_IF(at, want, ...) CONFIG_IF_##at##_##want(__VA_ARGS__)
#define CONFIG_IF_VM_VM(...) __VA_ARGS__
#define CONFIG_IF_VM_SESSION(...)
#define CONFIG_IF_VM_GLOBAL(...)
#define CONFIG_IF_SESSION_VM(...)
#define CONFIG_IF_SESSION_SESSION(...) __VA_ARGS__
#define CONFIG_IF_SESSION_GLOBAL(...)
#define CONFIG_IF_GLOBAL_VM(...)
#define CONFIG_IF_GLOBAL_SESSION(...)
#define CONFIG_IF_GLOBAL_GLOBAL(...) __VA_ARGS__
#define CONFIG_IF_VIEW_VM(...)
#define CONFIG_IF_VIEW_SESSION(...) __VA_ARGS__
#define CONFIG_IF_VIEW_GLOBAL(...)
#define CONFIG_IF_POLICY_VM(...)
#define CONFIG_IF_POLICY_SESSION(...) __VA_ARGS__
#define CONFIG_IF_POLICY_GLOBAL(...)
#define CONFIG_IS_VIEW_VM false
#define CONFIG_IS_VIEW_SESSION false
#define CONFIG_IS_VIEW_GLOBAL false
#define CONFIG_IS_VIEW_VIEW true
#define CONFIG_IS_VIEW_POLICY true

#define CONFIG_MEMBER_VM(ID, name, at, field, type, ...) CONFIG_IF(at, VM, type field;)
#define CONFIG_MEMBER_SESSION(ID, name, at, field, type, ...) CONFIG_IF(at, SESSION, type field;)
#define CONFIG_MEMBER_GLOBAL(ID, name, at, field, type, ...) CONFIG_IF(at, GLOBAL, type field;)

/* The settings that bound the work any input can cause while it is read,
 * parsed, lowered and verified (the run-time ones live in VmLimits). */
typedef struct XvmLimits {
    CONFIG_SETTINGS(CONFIG_MEMBER_GLOBAL)
} XvmLimits;
extern XvmLimits config_limits;

/* The name of value v of a choice; NULL for a number (or no such value). */
const char *config_value_name(const ConfigSetting *c, uint64_t v);
/* text as a value of c: a name of a choice, else (c a number, or NULL) a
 * whole number, not yet checked against MIN..MAX; false if it is neither. */
bool config_value_parse(const ConfigSetting *c, const char *text, uint64_t *v);

/* A setting's default, e.g. config_default(CONFIG_FUEL). */
static inline uint64_t config_default(ConfigId id) { return config_settings[id].def; }

#endif
