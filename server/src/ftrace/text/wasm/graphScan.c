/*
 * WebAssembly scanner for the record lines of a `trace-cmd report`: funcgraph_entry/exit,
 * `function:` hits and plain events. A port of ReportBytes.record/graph/fn: it accepts exactly
 * the lines ReportBytes accepts and marks every other line OTHER, which ReportBytes then parses
 * itself. No globals, no stack, no libc: the object file clang emits is the module (build.mjs).
 *
 * One record per line, REC ints: kind, end ('\n'), pid, cpu, commStart, commEnd, depth,
 * nameStart, nameEnd, tailStart, tailEnd (the exit tail, or the `<-` parent of a function
 * hit), nameId, tailId (ids of the name table, -1 once it is full), line (index from the first
 * line of the scan call), start (of the line), handover (see Model; the record's kind in a
 * RESOLVE record); per line one double: the
 * duration (ns, NaN when absent) of a graph record, the timestamp (ns) of an event. Positions
 * index the input.
 *
 * With a Model, scan also applies the graph records of the tasks the model holds to per-task
 * stacks and counters (ModelBuilder.enterRef/leafRef/exitRef, same arithmetic in the same
 * order) and writes no record for them.
 */
#include <wasm_simd128.h>

typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long long u64;
/* An 8-byte load at any address (names are compared and hashed a word at a time). */
typedef u64 __attribute__((aligned(1))) u64u;

#define REC 16
/* Name table (intern): NAMES ids at most, SLOTS = 2 * NAMES keeps probe runs short. */
#define NAMES 65536
#define SLOTS (2 * NAMES)
#define POOL (1 << 20)
enum { OTHER = 0, ENTER = 1, LEAF = 2, EXIT = 3, FN = 4, EVENT = 5, RESOLVE = 6 };
#define NL 10
#define SP 32
#define TAB 9
#define CR 13
#define MAX_DEPTH 512
#define MIX 0x9e3779b97f4a7c15ull

static int is_name(u8 c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '$';
}
static int is_digit(u8 c) { return c >= '0' && c <= '9'; }
static int is_marker(u8 c) { return c == '+' || c == '!' || c == '#' || c == '*' || c == '@' || c == '$'; }
static int skip_spaces(const u8 *b, int p) { while (b[p] == SP || b[p] == TAB) p++; return p; }

/*
 * Runs of padding and line ends are found 16 bytes at a time. A 16-byte load may read past the
 * line: scan() is only called on input followed by 16 readable bytes, and every search stops
 * at the line's '\n'.
 */
static int skip_blank16(const u8 *b, int p) {
  const v128_t sp = wasm_i8x16_splat(SP), tab = wasm_i8x16_splat(TAB);
  for (;;) {
    v128_t v = wasm_v128_load(b + p);
    int m = wasm_i8x16_bitmask(wasm_v128_or(wasm_i8x16_eq(v, sp), wasm_i8x16_eq(v, tab))) ^ 0xffff;
    if (m) return p + __builtin_ctz(m);
    p += 16;
  }
}

/* First c or '\n' from p. */
static int find2(const u8 *b, int p, u8 c) {
  const v128_t nl = wasm_i8x16_splat(NL), cv = wasm_i8x16_splat(c);
  for (;;) {
    v128_t v = wasm_v128_load(b + p);
    int m = wasm_i8x16_bitmask(wasm_v128_or(wasm_i8x16_eq(v, nl), wasm_i8x16_eq(v, cv)));
    if (m) return p + __builtin_ctz(m);
    p += 16;
  }
}

/* 16 lanes: which bytes are name characters (is_name). */
static v128_t name_lanes(v128_t v) {
  v128_t alpha = wasm_u8x16_lt(wasm_i8x16_sub(wasm_v128_or(v, wasm_i8x16_splat(0x20)), wasm_i8x16_splat('a')), wasm_i8x16_splat(26));
  v128_t digit = wasm_u8x16_lt(wasm_i8x16_sub(v, wasm_i8x16_splat('0')), wasm_i8x16_splat(10));
  v128_t other = wasm_v128_or(wasm_v128_or(wasm_i8x16_eq(v, wasm_i8x16_splat('_')), wasm_i8x16_eq(v, wasm_i8x16_splat('.'))),
                              wasm_i8x16_eq(v, wasm_i8x16_splat('$')));
  return wasm_v128_or(wasm_v128_or(alpha, digit), other);
}

/* First byte from p that is not a name character ('\n' is not one). */
static int name_end(const u8 *b, int p) {
  for (;;) {
    int m = wasm_i8x16_bitmask(name_lanes(wasm_v128_load(b + p))) ^ 0xffff;
    if (m) return p + __builtin_ctz(m);
    p += 16;
  }
}

__attribute__((noinline)) static int timestamp_end_slow(const u8 *b, int q);

/* Lanes of the 16 bytes at p that are decimal digits, as bits (bit 16 set: a stop past them). */
static int digit_bits(const u8 *b, int p) {
  v128_t v = wasm_v128_load(b + p);
  return wasm_i8x16_bitmask(wasm_u8x16_lt(wasm_i8x16_sub(v, wasm_i8x16_splat('0')), wasm_i8x16_splat(10))) | 0x10000;
}

/*
 * `digits.digits:` at q: the colon, else -1 (timestampEnd). Both runs of digits from one load
 * when they fit. Inlined into line(), the rare long forms not: a call per line cost ~5 % of the
 * scan (bench/RESULTS.md).
 */
__attribute__((always_inline)) static int timestamp_end(const u8 *b, int q) {
  int m = digit_bits(b, q);
  int whole = __builtin_ctz(~m);
  if (whole == 0) return -1;
  if (whole < 15) {
    if (b[q + whole] != '.') return -1;
    int frac = __builtin_ctz(~(m >> (whole + 1)));
    if (whole + 1 + frac < 16) return frac > 0 && b[q + whole + 1 + frac] == ':' ? q + whole + 1 + frac : -1;
  }
  return timestamp_end_slow(b, q);
}

__attribute__((noinline)) static int timestamp_end_slow(const u8 *b, int q) {
  int a = q;
  while (is_digit(b[q])) q++;
  if (q == a || b[q] != '.') return -1;
  int f = ++q;
  while (is_digit(b[q])) q++;
  return q > f && b[q] == ':' ? q : -1;
}

/* Symbol end from p (ReportBytes.symbol): name characters, then an optional `+0x1c/0x50`. */
static int symbol(const u8 *b, int p) {
  p = name_end(b, p);
  if (b[p] == '+') {
    p++;
    while (is_name(b[p]) || b[p] == '/') p++;
  }
  return p;
}

/* ReportBytes.duration, same arithmetic: position after the unit or -1; ns to *dur. */
static int duration(const u8 *b, int p, double *dur) {
  p = skip_spaces(b, p);
  if (is_marker(b[p])) p = skip_spaces(b, p + 1);
  double v = 0, frac = 0, scale = 1;
  int start = p;
  while (is_digit(b[p])) { v = v * 10 + (b[p] - '0'); p++; }
  if (p == start) return -1;
  if (b[p] == '.') {
    int q = p + 1;
    while (is_digit(b[q])) { frac = frac * 10 + (b[q] - '0'); scale *= 10; q++; }
    if (q > p + 1) p = q;
    else { frac = 0; scale = 1; }
  }
  p = skip_spaces(b, p);
  u8 c0 = b[p];
  if (c0 == NL) return -1;
  u8 c1 = b[p + 1];
  double mul;
  if (c1 == 's' && c0 == 'u') { mul = 1e3; p += 2; }
  else if (c1 == 's' && c0 == 'n') { mul = 1; p += 2; }
  else if (c1 == 's' && c0 == 'm') { mul = 1e6; p += 2; }
  else if (c0 == 's' && !is_name(c1)) { mul = 1e9; p += 1; }
  else return -1;
  *dur = v * mul + frac * mul / scale;
  return p;
}

/* Eight characters as the little-endian word a load of them gives (a constant, not data). */
#define W8(a, b, c, d, e, f, g, h) ((u64)(a) | (u64)(b) << 8 | (u64)(c) << 16 | (u64)(d) << 24 | \
                                    (u64)(e) << 32 | (u64)(f) << 40 | (u64)(g) << 48 | (u64)(h) << 56)

/* 1 for `funcgraph_entry:` at p, 2 for `funcgraph_exit:`, else 0: two word compares. */
static int graph_event(const u8 *b, int p) {
  if (*(const u64u *)(b + p) != W8('f', 'u', 'n', 'c', 'g', 'r', 'a', 'p')) return 0;
  u64 w = *(const u64u *)(b + p + 8);
  if (w == W8('h', '_', 'e', 'n', 't', 'r', 'y', ':')) return 1;
  return (w & 0x00ffffffffffffffull) == W8('h', '_', 'e', 'x', 'i', 't', ':', 0) ? 2 : 0;
}

/*
 * The body after `funcgraph_entry:`/`funcgraph_exit:` (ReportBytes.graph); fills r/dur, returns the kind.
 * Not inlined, nor is line(): as one large scan() loop V8 compiles them to code about 10 % slower.
 */
__attribute__((noinline)) static int graph(const u8 *b, int q, int nl, int entry, int *r, double *dur) {
  int p = skip_blank16(b, q);
  *dur = __builtin_nan("");
  if (b[p] != '|') {
    if (b[p] == 'f' && b[p + 4] == '=') return OTHER;
    int after = duration(b, p, dur);
    if (after < 0) return OTHER;
    p = skip_spaces(b, after);
    if (b[p] != '|') return OTHER;
  }
  int s = p + 1;
  int t = skip_blank16(b, s);
  int indent = t - s - 2;
  int depth = indent > 0 ? indent >> 1 : 0;
  if (depth >= MAX_DEPTH) return OTHER;
  r[6] = depth;
  r[9] = r[10] = -1;
  if (b[t] == '}') {
    if (entry) return OTHER;
    int a = skip_spaces(b, t + 1);
    if (b[a] == '/' && b[a + 1] == '*') {
      a = skip_spaces(b, a + 2);
      int z = symbol(b, a);
      if (z > a) { r[9] = a; r[10] = z; }
    }
    return EXIT;
  }
  if (!entry) return OTHER;
  int ne = symbol(b, t);
  if (ne == t || b[ne] != '(') return OTHER;
  r[7] = t;
  r[8] = ne;
  int z = nl - 1;
  while (z > ne && (b[z] == SP || b[z] == TAB || b[z] == CR)) z--;
  if (b[z] == '{') return ENTER;
  if (b[z] == ';' && b[z - 1] == ')' && z - 1 > ne) return LEAF;
  for (int i = ne + 2; i < nl; i++) if (b[i] == ';' && b[i - 1] == ')') return LEAF;
  return OTHER;
}

/* `function:` hit after the event name (ReportBytes.fn). */
static int fn(const u8 *b, int q, int *r) {
  int p = skip_spaces(b, q);
  if (b[p] == 'i' && b[p + 1] == 'p' && b[p + 2] == '=') return OTHER;
  int ne = symbol(b, p);
  if (ne == p) return OTHER;
  r[7] = p;
  r[8] = ne;
  r[9] = r[10] = -1;
  int a = skip_spaces(b, ne);
  if (b[a] == '<' && b[a + 1] == '-') {
    a = skip_spaces(b, a + (b[a + 2] == '-' ? 3 : 2));
    int pe = symbol(b, a);
    if (pe > a) { r[9] = a; r[10] = pe; }
  }
  return FN;
}

/* As timestampNs: seconds and up to 9 fraction digits, in ns. */
static double timestamp_ns(const u8 *b, int p, int colon) {
  double sec = 0, frac = 0;
  while (b[p] != '.') { sec = sec * 10 + (b[p] - '0'); p++; }
  p++;
  int digits = 0;
  while (p < colon && digits < 9) { frac = frac * 10 + (b[p] - '0'); p++; digits++; }
  while (digits < 9) { frac *= 10; digits++; }
  return sec * 1e9 + frac;
}

/* The bytes of [a, a + len) as one word, len in 1..8 (a load past the name, masked). */
static u64 tail_word(const u8 *a, int len) { return *(const u64u *)a & (~0ull >> (64 - 8 * len)); }

/* Hash of the name at a (len ≥ 1), a word at a time: names are hashed on every record. */
static u32 name_hash(const u8 *a, int len) {
  u64 h = (u64)len * MIX;
  int i = 0;
  for (; i + 8 < len; i += 8) h = (h ^ *(const u64u *)(a + i)) * MIX;
  h = (h ^ tail_word(a + i, len - i)) * MIX;
  return (u32)(h >> 32);
}

/* Whether the names at x and y, both len ≥ 1 bytes, are equal. */
static int same_name(const u8 *x, const u8 *y, int len) {
  int i = 0;
  for (; i + 8 < len; i += 8) if (*(const u64u *)(x + i) != *(const u64u *)(y + i)) return 0;
  return tail_word(x + i, len - i) == tail_word(y + i, len - i);
}

/*
 * Name table at t, zeroed by its owner: t[0] ids used, t[1] pool bytes used, then slots (id + 1,
 * 0 = free), per id start, length and hash, then the pool of name bytes (8 spare bytes at its
 * end for the word loads). Returns the id of b[a, e), adding it if new, or -1 when the table
 * is full.
 */
static int intern(const u8 *b, int a, int e, int *t) {
  int *slots = t + 2, *starts = slots + SLOTS, *lens = starts + NAMES, *hashes = lens + NAMES;
  u8 *pool = (u8 *)(hashes + NAMES);
  int len = e - a;
  if (len <= 0) return -1;
  int h = (int)name_hash(b + a, len);
  for (u32 s = (u32)h & (SLOTS - 1);; s = (s + 1) & (SLOTS - 1)) {
    int v = slots[s];
    if (v == 0) {
      int id = t[0];
      if (id >= NAMES || t[1] + len > POOL) return -1;
      for (int i = 0; i < len; i++) pool[t[1] + i] = b[a + i];
      starts[id] = t[1];
      lens[id] = len;
      hashes[id] = h;
      t[0] = id + 1;
      t[1] += len;
      slots[s] = id + 1;
      return id;
    }
    int id = v - 1;
    if (hashes[id] == h && lens[id] == len && same_name(pool + starts[id], b + a, len)) return id;
  }
}

/* The record at line [p, nl): fills r, returns the kind (ReportBytes.record for graph events). */
/*
 * The `comm-pid [cpu]` prefix of the line at p: the position of its ']', r[2..5] = pid, cpu,
 * commStart, commEnd; -1 when the line is no record. Reads nothing past the ']', so a line
 * whose bytes up to there equal an earlier line's has the same prefix (scan reuses it).
 */
__attribute__((noinline)) static int prefix(const u8 *b, int p, int *r) {
  int f = skip_blank16(b, p);
  if (b[f] == '=') return -1;
  int br = find2(b, f, '[');
  if (b[br] == NL) return -1;
  int q = br + 1;
  int cpu = 0;
  while (is_digit(b[q])) { cpu = cpu * 10 + b[q] - '0'; q++; }
  if (q == br + 1 || q - br - 1 > 6 || b[q] != ']') return -1;
  int d = br;
  while (d > p && b[d - 1] == SP) d--;
  int pid_end = d;
  while (d > p && is_digit(b[d - 1])) d--;
  if (d == pid_end || d <= p || b[d - 1] != '-' || pid_end - d > 10) return -1;
  int pid = 0;
  for (int i = d; i < pid_end; i++) pid = pid * 10 + b[i] - '0';
  r[2] = pid;
  r[3] = cpu;
  r[4] = f;
  r[5] = d - 1;
  return q;
}

/* Whether the len ≥ 1 bytes at x and y are equal, 16 at a time (both may be read 16 bytes past). */
static int same_bytes(const u8 *x, const u8 *y, int len) {
  int i = 0;
  for (; i + 16 <= len; i += 16) if (!wasm_i8x16_all_true(wasm_i8x16_eq(wasm_v128_load(x + i), wasm_v128_load(y + i)))) return 0;
  if (i == len) return 1;
  /* Lanes past len count as equal. */
  int m = wasm_i8x16_bitmask(wasm_i8x16_eq(wasm_v128_load(x + i), wasm_v128_load(y + i))) | (-1 << (len - i));
  return (m & 0xffff) == 0xffff;
}

/* The record at line [p, nl) after its prefix (q: the prefix's ']'): fills r, returns the kind (ReportBytes.record). */
__attribute__((noinline)) static int line(const u8 *b, int q, int nl, int *r, double *dur) {
  q = skip_spaces(b, q + 1);
  int colon = timestamp_end(b, q);
  if (colon < 0) {
    while (b[q] != SP) { if (b[q] == NL) return OTHER; q++; }
    q = skip_spaces(b, q);
    colon = timestamp_end(b, q);
    if (colon < 0) return OTHER;
  }
  int ts_start = q;
  int ev = skip_spaces(b, colon + 1);
  int g = graph_event(b, ev);
  if (g != 0) return graph(b, ev + (g == 1 ? 16 : 15), nl, g == 1, r, dur);
  int e = name_end(b, ev);
  if (b[e] != ':') return OTHER;
  int len = e - ev;
  if (len == 0) return OTHER;
  if (len == 8 && b[ev] == 'f' && b[ev + 1] == 'u' && b[ev + 2] == 'n' && b[ev + 3] == 'c' && b[ev + 4] == 't' &&
      b[ev + 5] == 'i' && b[ev + 6] == 'o' && b[ev + 7] == 'n') return fn(b, e + 1, r);
  /* kernel_stack starts frame lines: its state lives in the slow path. */
  if (len == 12 && b[ev] == 'k' && b[ev + 1] == 'e' && b[ev + 2] == 'r' && b[ev + 3] == 'n' && b[ev + 4] == 'e' &&
      b[ev + 5] == 'l' && b[ev + 6] == '_' && b[ev + 7] == 's' && b[ev + 8] == 't' && b[ev + 9] == 'a' &&
      b[ev + 10] == 'c' && b[ev + 11] == 'k') return OTHER;
  r[7] = ev;
  r[8] = e;
  *dur = timestamp_ns(b, ts_start, colon);
  return EVENT;
}

/* Bytes the name table needs (see intern). */
__attribute__((export_name("nameTableBytes")))
int name_table_bytes(void) { return (2 + SLOTS + 3 * NAMES) * 4 + POOL + 8; }

/*
 * Model: the graph records of one piece of a report (a PieceParser piece), for the tasks it
 * holds. A task is held from a record that leaves its stack empty (a leaf or exit at depth 0:
 * the stack after it is empty whatever came before, so ModelBuilder has settled the task too)
 * until a record the model cannot apply: a name JS keeps (past the name table or the id range)
 * or a full table. That record goes to JS with `handover` set, and JS takes the task's open
 * calls (take) and applies its records until the next emptying record the scanner sees; a name
 * JS has not resolved yet only pauses the scan (RESOLVE). Records of tasks not held go to JS as
 * before. What the model applies it counts by normalised-name id (norm) and syscall id, which
 * JS assigns once per spelling (spellNorm/spellSys, kept from piece to piece like the name
 * table); JS reads the sums back once per piece (GraphModel.flush) and resets it.
 */
#define NORMS 65535                 /* norm and syscall ids < NORMS: an edge key (a << 16 | b) + 1 fits in 32 bits */
#define TASKS 4096                  /* tasks per piece the model can hold */
#define TASK_SLOTS (2 * TASKS)
#define EDGE_BITS 18
#define EDGE_SLOTS (1 << EDGE_BITS)
#define SYSFN_BITS 16
#define SYSFN_SLOTS (1 << SYSFN_BITS)
#define HEAP_FRAMES (1 << 17)       /* frames of all stacks of a piece */
#define PENDING (1 << 16)           /* callees of unknown calls per piece */
enum { JS = 0, HELD = 1 };

/* norm -1: a call whose entry is not known (ModelBuilder's null name); pending: its callees (Pending list, -1: none). */
typedef struct { int norm; int sys; int root; int pending; double child; } Frame;
typedef struct { int callee; int count; int next; } Pending;
/* seen: JS has had a record of the task in this piece (and named it); calls, events: what the model counted for it. */
typedef struct { int key; int state; int pending; int calls; int size; int cap; int frames; int seen; int events; int pad; } Task;

typedef struct {
  /* Read by JS (GraphModel): counters of the piece, then `take`'s answer. */
  int records, unfinished, mismatched, ntasks, nfns, nsys, ncalled, nedges, nsysfns, heap, took, unmatched, npend;
  int edge, sf;                             /* reserve_call's slots (no stack: nothing may take a local's address) */
  int hits, events;                         /* function-tracer hits and events counted here */
  int spellNorm[NAMES], spellSys[NAMES];    /* per name-table id: norm + 1 (0: not resolved yet, -1: JS keeps it), syscall + 1 (0: none) */
  u8 called[NAMES];                         /* per spelling: called in this piece (ModelBuilder.called notes variants) */
  u8 named[NAMES];                          /* per name-table id: JS has its string (an event's name) */
  int evCount[NAMES], evList[NAMES];        /* per event name id, this piece */
  int nev;
  int calledList[NAMES];
  int fnCalls[NORMS], fnTimed[NORMS], fnExitOnly[NORMS];
  double fnTotal[NORMS], fnSelf[NORMS];
  u8 fnSeen[NORMS];
  int fnList[NORMS];
  int sysCalls[NORMS], sysTimed[NORMS];
  double sysTotal[NORMS];
  u8 sysSeen[NORMS];
  int sysList[NORMS];
  u32 edgeKey[EDGE_SLOTS];                  /* (caller << 16 | callee) + 1, 0: free */
  int edgeCount[EDGE_SLOTS], edgeList[EDGE_SLOTS / 2];
  u32 sysfnKey[SYSFN_SLOTS];                /* (syscall << 16 | norm) + 1 */
  int sysfnCount[SYSFN_SLOTS], sysfnList[SYSFN_SLOTS / 2];
  int taskSlot[TASK_SLOTS];                 /* task index + 1, 0: free */
  Task tasks[TASKS];
  Frame frames[HEAP_FRAMES];
  Pending pend[PENDING];
} Model;

__attribute__((export_name("modelBytes")))
int model_bytes(void) { return sizeof(Model); }

/* Offsets JS reads the model through (GraphModel), in the order of its Layout. */
__attribute__((export_name("modelLayout")))
void model_layout(Model *m, int *out) {
  int base = (int)m;
  out[0] = (int)m->spellNorm - base; out[1] = (int)m->spellSys - base; out[2] = (int)m->calledList - base;
  out[3] = (int)m->fnCalls - base; out[4] = (int)m->fnTimed - base; out[5] = (int)m->fnTotal - base;
  out[6] = (int)m->fnSelf - base; out[7] = (int)m->fnList - base; out[8] = (int)m->sysCalls - base;
  out[9] = (int)m->sysTimed - base; out[10] = (int)m->sysTotal - base; out[11] = (int)m->sysList - base;
  out[12] = (int)m->edgeKey - base; out[13] = (int)m->edgeCount - base; out[14] = (int)m->edgeList - base;
  out[15] = (int)m->sysfnKey - base; out[16] = (int)m->sysfnCount - base; out[17] = (int)m->sysfnList - base;
  out[18] = (int)m->tasks - base; out[19] = (int)m->frames - base; out[20] = sizeof(Task); out[21] = sizeof(Frame);
  out[22] = (int)m->fnExitOnly - base; out[23] = (int)m->pend - base; out[24] = (int)m->named - base;
  out[25] = (int)m->evCount - base; out[26] = (int)m->evList - base; out[27] = (int)&m->nev - base;
}

/* Forgets the piece (counters, sums, tasks, stacks), keeping the spellings' ids. */
__attribute__((export_name("modelReset")))
void model_reset(Model *m) {
  for (int i = 0; i < m->ncalled; i++) m->called[m->calledList[i]] = 0;
  for (int i = 0; i < m->nev; i++) m->evCount[m->evList[i]] = 0;
  for (int i = 0; i < m->nfns; i++) {
    int n = m->fnList[i];
    m->fnCalls[n] = m->fnTimed[n] = m->fnExitOnly[n] = 0; m->fnTotal[n] = m->fnSelf[n] = 0; m->fnSeen[n] = 0;
  }
  for (int i = 0; i < m->nsys; i++) {
    int n = m->sysList[i];
    m->sysCalls[n] = m->sysTimed[n] = 0; m->sysTotal[n] = 0; m->sysSeen[n] = 0;
  }
  for (int i = 0; i < m->nedges; i++) { m->edgeKey[m->edgeList[i]] = 0; m->edgeCount[m->edgeList[i]] = 0; }
  for (int i = 0; i < m->nsysfns; i++) { m->sysfnKey[m->sysfnList[i]] = 0; m->sysfnCount[m->sysfnList[i]] = 0; }
  for (int i = 0; i < TASK_SLOTS; i++) m->taskSlot[i] = 0;
  m->records = m->unfinished = m->mismatched = m->ntasks = m->nfns = m->nsys = 0;
  m->ncalled = m->nedges = m->nsysfns = m->heap = m->took = m->unmatched = m->npend = 0;
  m->hits = m->events = m->nev = 0;
}

/* The task of context key `key`, added (not held) if new; null when the table is full. */
static Task *task_of(Model *m, int key) {
  for (u32 s = (u32)key * 0x9e3779b1u >> 19;; s = (s + 1) & (TASK_SLOTS - 1)) {
    int v = m->taskSlot[s];
    if (v == 0) {
      if (m->ntasks >= TASKS) return 0;
      Task *t = &m->tasks[m->ntasks];
      t->key = key; t->state = JS; t->pending = 0; t->calls = 0; t->size = 0; t->cap = 0; t->frames = 0;
      t->seen = 0; t->events = 0;
      m->taskSlot[s] = ++m->ntasks;
      return t;
    }
    if (m->tasks[v - 1].key == key) return &m->tasks[v - 1];
  }
}

/* The slot of key k (≠ 0) in a table of 1 << bits slots, added with count 0 if new; -1 when the table is half full. */
static int slot_of(u32 *keys, int *list, int *used, int bits, u32 k) {
  int size = 1 << bits;
  for (u32 s = (k * 0x9e3779b1u) >> (32 - bits);; s = (s + 1) & (size - 1)) {
    u32 v = keys[s];
    if (v == k) return s;
    if (v == 0) {
      if (*used >= size / 2) return -1;
      keys[s] = k;
      list[(*used)++] = s;
      return s;
    }
  }
}

/* Room for frames [0, need) of t: stacks grow by doubling, in the piece's heap. */
static int reserve(Model *m, Task *t, int need) {
  if (need <= t->cap) return 1;
  int cap = t->cap < 8 ? 8 : 2 * t->cap;
  while (cap < need) cap *= 2;
  if (m->heap + cap > HEAP_FRAMES) return 0;
  Frame *to = &m->frames[m->heap], *from = &m->frames[t->frames];
  for (int i = 0; i < t->size; i++) to[i] = from[i];
  t->frames = m->heap;
  t->cap = cap;
  m->heap += cap;
  return 1;
}

static void fn_seen(Model *m, int n) { if (!m->fnSeen[n]) { m->fnSeen[n] = 1; m->fnList[m->nfns++] = n; } }
static void sys_seen(Model *m, int s) { if (!m->sysSeen[s]) { m->sysSeen[s] = 1; m->sysList[m->nsys++] = s; } }

/* ModelBuilder.graphCall. */
static void graph_call(Model *m, Task *t, int spell, int n) {
  fn_seen(m, n);
  if (!m->called[spell]) { m->called[spell] = 1; m->calledList[m->ncalled++] = spell; }
  m->fnCalls[n]++;
  t->calls++;
  m->records++;
}

/* ModelBuilder.sysCall; `sf` is the (syscall, function) slot reserved for a call that is not the root. */
static void sys_call(Model *m, int sys, int sf, int root, double dur) {
  sys_seen(m, sys);
  if (root) {
    m->sysCalls[sys]++;
    if (dur == dur) { m->sysTimed[sys]++; m->sysTotal[sys] += dur; }
  } else {
    m->sysfnCount[sf]++;
  }
}

/* Whether name id `id` is resolved (1), waits for JS to resolve it (RESOLVE), or stays with JS (0). */
static int name_known(const Model *m, int id) {
  if (id < 0 || m->spellNorm[id] < 0) return 0;
  return m->spellNorm[id] == 0 ? RESOLVE : 1;
}

/* As name_known for the names of record r (an exit's tail, a hit's name and parent). */
static int names_known(const Model *m, int kind, const int *r) {
  if (kind == EXIT) return r[9] >= 0 ? name_known(m, r[12]) : 1;
  int a = name_known(m, r[11]);
  if (kind != FN || r[9] < 0 || a == 0) return a;
  int p = name_known(m, r[12]);
  return p == 1 ? a : p;
}

/* ModelBuilder.drop: frees frames ≥ size, counting the named ones as unfinished. */
static void drop(Model *m, Task *t, Frame *fr, int size) {
  for (int i = size; i < t->size; i++) if (fr[i].norm >= 0) m->unfinished++;
  t->size = size;
}

/* ModelBuilder.openSlot (room for depth frames reserved): frees frames ≥ depth, fills unknown calls below it. */
static void open_slot(Model *m, Task *t, Frame *fr, int depth) {
  if (t->size > depth) drop(m, t, fr, depth);
  while (t->size < depth) {
    Frame *f = &fr[t->size++];
    f->norm = -1; f->sys = -1; f->root = 0; f->pending = -1; f->child = 0;
  }
}

/* The node of callee n in an unknown call's pending list (room for one new node checked). */
static void pend(Model *m, Frame *f, int n) {
  for (int i = f->pending; i >= 0; i = m->pend[i].next) if (m->pend[i].callee == n) { m->pend[i].count++; return; }
  Pending *p = &m->pend[m->npend];
  p->callee = n; p->count = 1; p->next = f->pending;
  f->pending = m->npend++;
}

/*
 * What a call of norm n under a parent (pn, ps: its norm and syscall, -1 for none or an unknown
 * call, has: whether there is a parent) needs reserved: the edge slot m->edge (named parent) or
 * a pending node (unknown parent), and the (syscall, function) slot m->sf when it runs inside
 * its parent's syscall. 0 when a table is full.
 */
static int reserve_call(Model *m, int has, int pn, int ps, int n) {
  if (has && pn >= 0) {
    m->edge = slot_of(m->edgeKey, m->edgeList, &m->nedges, EDGE_BITS, ((u32)pn << 16 | (u32)n) + 1);
    if (m->edge < 0) return 0;
  } else if (has && m->npend >= PENDING) {
    return 0;
  }
  if (ps >= 0) {
    m->sf = slot_of(m->sysfnKey, m->sysfnList, &m->nsysfns, SYSFN_BITS, ((u32)ps << 16 | (u32)n) + 1);
    if (m->sf < 0) return 0;
  }
  return 1;
}

/* ModelBuilder.link with the slot reserve_call found. */
static void link(Model *m, Frame *parent, int edge, int n) {
  if (parent == 0) return;
  if (parent->norm >= 0) m->edgeCount[edge]++;
  else pend(m, parent, n);
}

/* An exit of an unknown call (frame null: none open at depth) named by its tail (ModelBuilder.exitRef). */
static int exit_only(Model *m, Task *t, int depth, int tail, int tailSpell, int tailSys, Frame *frame, double dur) {
  Frame *fr = &m->frames[t->frames];
  int has = depth > 0;
  int pn = -1, ps = -1;
  if (has && depth - 1 < t->size) { pn = fr[depth - 1].norm; ps = fr[depth - 1].sys; }
  if (!reserve_call(m, has, pn, ps, tail)) return 0;
  if (frame != 0) {
    for (int i = frame->pending; i >= 0; i = m->pend[i].next) {
      if (slot_of(m->edgeKey, m->edgeList, &m->nedges, EDGE_BITS, ((u32)tail << 16 | (u32)m->pend[i].callee) + 1) < 0) return 0;
    }
  }
  m->records++;
  if (frame == 0) open_slot(m, t, fr, depth);
  Frame *parent = has ? &fr[depth - 1] : 0;
  fn_seen(m, tail);
  if (!m->called[tailSpell]) { m->called[tailSpell] = 1; m->calledList[m->ncalled++] = tailSpell; }
  m->fnExitOnly[tail]++;
  t->calls++;
  if (frame != 0) {
    for (int i = frame->pending; i >= 0; i = m->pend[i].next) {
      int s = slot_of(m->edgeKey, m->edgeList, &m->nedges, EDGE_BITS, ((u32)tail << 16 | (u32)m->pend[i].callee) + 1);
      m->edgeCount[s] += m->pend[i].count;
    }
  }
  link(m, parent, m->edge, tail);
  int sys = ps >= 0 ? ps : tailSys;
  if (sys >= 0) sys_call(m, sys, m->sf, ps < 0, dur);
  if (dur == dur) {
    m->fnTimed[tail]++;
    m->fnTotal[tail] += dur;
    double self = dur - (frame != 0 ? frame->child : 0);
    if (self > 0) m->fnSelf[tail] += self; /* never below zero: ModelBuilder.exitRef */
    if (parent) parent->child += dur;
  }
  t->size = depth;
  return 1;
}

/*
 * Applies an entry/leaf/exit of held task t (names known) as ModelBuilder.enterRef/leafRef/
 * exitRef do; 0 when a table or the stack heap is full. What it changed by then (an exit's drop
 * of deeper calls) is what JS would change first, and leaves JS nothing to redo.
 */
static int apply(Model *m, Task *t, int kind, int depth, const int *r, double dur) {
  if (!reserve(m, t, kind == ENTER ? depth + 1 : depth)) return 0;
  Frame *fr = &m->frames[t->frames];
  if (kind == EXIT) {
    int tailSpell = r[9] >= 0 ? r[12] : -1;
    int tail = tailSpell >= 0 ? m->spellNorm[tailSpell] - 1 : -1;
    if (t->size > depth + 1) drop(m, t, fr, depth + 1);
    Frame *f = t->size == depth + 1 ? &fr[depth] : 0;
    if (f != 0 && f->norm >= 0) {
      m->records++;
      int n = f->norm;
      if (tail >= 0 && tail != n) m->mismatched++;
      if (f->root && dur == dur) { sys_seen(m, f->sys); m->sysTimed[f->sys]++; m->sysTotal[f->sys] += dur; }
      if (dur == dur) {
        m->fnTimed[n]++;
        m->fnTotal[n] += dur;
        if (dur - f->child > 0) m->fnSelf[n] += dur - f->child;
        if (depth > 0) fr[depth - 1].child += dur;
      }
      t->size = depth;
      return 1;
    }
    if (tail < 0) {
      m->records++;
      if (f == 0) open_slot(m, t, fr, depth);
      m->unmatched++;
      if (depth > 0 && dur == dur) fr[depth - 1].child += dur;
      t->size = depth;
      return 1;
    }
    return exit_only(m, t, depth, tail, tailSpell, m->spellSys[tailSpell] - 1, f, dur);
  }
  int spell = r[11];
  int n = m->spellNorm[spell] - 1, rsys = m->spellSys[spell] - 1;
  int has = depth > 0;
  int pn = -1, ps = -1;
  if (has && depth - 1 < t->size) { pn = fr[depth - 1].norm; ps = fr[depth - 1].sys; }
  if (!reserve_call(m, has, pn, ps, n)) return 0;
  open_slot(m, t, fr, depth);
  Frame *parent = has ? &fr[depth - 1] : 0;
  graph_call(m, t, spell, n);
  link(m, parent, m->edge, n);
  /* Entry: the frame's syscall is the parent's, else its own; leaf: the same, the root when the parent has none. */
  int sys = ps >= 0 ? ps : rsys;
  if (kind == ENTER) {
    Frame *f = &fr[depth];
    f->norm = n;
    f->child = 0;
    f->pending = -1;
    f->sys = sys;
    f->root = ps < 0 && sys >= 0;
    if (sys >= 0) sys_call(m, sys, m->sf, f->root, __builtin_nan(""));
    t->size = depth + 1;
  } else {
    if (sys >= 0) sys_call(m, sys, m->sf, ps < 0, dur);
    if (dur == dur) {
      m->fnTimed[n]++;
      m->fnTotal[n] += dur;
      m->fnSelf[n] += dur;
      if (parent) parent->child += dur;
    }
  }
  return 1;
}

/* A function-tracer hit `name <-parent` of a task JS has seen (ModelBuilder.functionHitRef); 0 when the edge table is full. */
static int hit(Model *m, Task *t, const int *r) {
  int spell = r[11];
  int n = m->spellNorm[spell] - 1;
  int pn = r[9] >= 0 ? m->spellNorm[r[12]] - 1 : -1;
  if (pn >= 0 && !reserve_call(m, 1, pn, -1, n)) return 0;
  fn_seen(m, n);
  if (!m->called[spell]) { m->called[spell] = 1; m->calledList[m->ncalled++] = spell; }
  m->fnCalls[n]++;
  t->calls++;
  m->hits++;
  if (pn >= 0) m->edgeCount[m->edge]++;
  return 1;
}

/* An event of a task JS has seen (ModelBuilder.event); syscall events stay with JS (their pairing lives there). */
static int event(Model *m, Task *t, const u8 *b, const int *r) {
  int id = r[11];
  if (id < 0 || (r[8] - r[7] > 4 && b[r[7]] == 's' && b[r[7] + 1] == 'y' && b[r[7] + 2] == 's' && b[r[7] + 3] == '_')) return 0;
  if (!m->named[id]) return RESOLVE;
  if (m->evCount[id]++ == 0) m->evList[m->nev++] = id;
  t->events++;
  m->events++;
  return 1;
}

/*
 * 1 when record r was applied here, RESOLVE when it waits for JS to resolve its names, else 0:
 * it goes to JS, with *handover = 1 when JS must first take the task's open calls. The first
 * record of a task in the piece always goes to JS, which names the task from it.
 */
static int consume(Model *m, const u8 *b, int kind, const int *r, int *handover, double dur) {
  int pid = r[2];
  Task *t = task_of(m, pid == 0 ? -1 - r[3] : pid);
  *handover = 0;
  if (t == 0) return 0;
  if (!t->seen) { t->seen = 1; if (kind > EXIT) return 0; }
  if (kind == EVENT) return event(m, t, b, r);
  if (kind == FN) {
    int known = names_known(m, kind, r);
    return known == 1 ? hit(m, t, r) : known;
  }
  int depth = r[6];
  if (t->state == HELD) {
    int known = names_known(m, kind, r);
    if (known == RESOLVE) return RESOLVE;
    if (known && apply(m, t, kind, depth, r, dur)) return 1;
    t->state = JS;
    t->pending = 1;
    *handover = 1;
    return 0;
  }
  /* JS applies this one; if it empties the stack, the task is held from the next record (unless JS has yet to take its frames). */
  if (kind != ENTER && depth == 0 && !t->pending) { t->state = HELD; t->size = 0; }
  return 0;
}

/*
 * JS takes the open calls of task `key` (a handover, or a record JS parsed itself while the
 * model held the task): returns how many, at frames index m->took, or -1 when the model does
 * not hold them. The task is JS's from then on.
 */
__attribute__((export_name("take")))
int take(Model *m, int key, int handover) {
  Task *t = task_of(m, key);
  if (t == 0) return -1;
  if (handover ? !t->pending : t->state != HELD) return -1;
  t->pending = 0;
  t->state = JS;
  m->took = t->frames;
  return t->size;
}

/*
 * Scans the lines of b[start, stop] (b[stop] is '\n', and the input is followed by 16 zero
 * bytes) into at most cap records; returns how many records it wrote. With a model (m ≠ 0) the
 * graph records it applies get no record, and a line it leaves to JS (OTHER) ends the call, so
 * JS's slow path sees the tasks' state as of that line; so do a handover (the task is held again
 * from its next emptying record, which the next call may see) and a record of a held task whose
 * names JS has not resolved yet (RESOLVE: the line is not counted, the next call reads it again).
 * out[cap * REC] is the number of lines read, out[cap * REC + 1] the position after them.
 */
__attribute__((export_name("scan")))
int scan(const u8 *b, int start, int stop, int *out, double *durs, int cap, int *names, Model *m) {
  int n = 0;
  int p = start;
  int lines = 0;
  /* The last prefix read: its line's start, length (through ']'), pid, cpu, comm start and end (from the start). */
  int pp = 0, pl = 0, ppid = 0, pcpu = 0, pcs = 0, pce = 0;
  while (p <= stop && n < cap) {
    int nl = find2(b, p, NL);
    int *r = out + n * REC;
    r[1] = nl;
    int kind = OTHER;
    /* Runs of lines of one task share the prefix byte for byte (the columns are padded). */
    if (pl > 0 && pl <= nl - p && same_bytes(b + p, b + pp, pl)) {
      r[2] = ppid; r[3] = pcpu; r[4] = p + pcs; r[5] = p + pce;
      kind = line(b, p + pl - 1, nl, r, durs + n);
    } else {
      int q = prefix(b, p, r);
      pl = 0;
      if (q >= 0) {
        pp = p; pl = q + 1 - p; ppid = r[2]; pcpu = r[3]; pcs = r[4] - p; pce = r[5] - p;
        kind = line(b, q, nl, r, durs + n);
      }
    }
    r[0] = kind;
    r[13] = lines;
    r[14] = p;
    r[15] = 0;
    lines++;
    p = nl + 1;
    if (kind != OTHER) {
      r[11] = kind == EXIT ? -1 : intern(b, r[7], r[8], names);
      r[12] = (kind == EXIT || kind == FN) && r[9] >= 0 ? intern(b, r[9], r[10], names) : -1;
      if (m != 0) {
        int c = consume(m, b, kind, r, &r[15], durs[n]);
        if (c == 1) continue;
        if (c == RESOLVE) { r[15] = kind; r[0] = RESOLVE; lines--; p = r[14]; n++; break; }
      }
    }
    n++;
    if (m != 0 && (kind == OTHER || r[15])) break;
  }
  out[cap * REC] = lines;
  out[cap * REC + 1] = p;
  return n;
}
