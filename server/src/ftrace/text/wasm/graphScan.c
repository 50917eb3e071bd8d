/*
 * WebAssembly scanner for the record lines of a `trace-cmd report`: funcgraph_entry/exit,
 * `function:` hits and plain events. A port of ReportBytes.record/graph/fn: it accepts exactly
 * the lines ReportBytes accepts and marks every other line OTHER, which ReportBytes then parses
 * itself. No globals, no stack, no libc: the object file clang emits is the module (build.mjs).
 *
 * One record per line, REC ints: kind, end ('\n'), pid, cpu, commStart, commEnd, depth,
 * nameStart, nameEnd, tailStart, tailEnd (the exit tail, or the `<-` parent of a function
 * hit), nameId, tailId (ids of the name table, -1 once it is full); per line one double: the
 * duration (ns, NaN when absent) of a graph record, the timestamp (ns) of an event. Positions
 * index the input.
 */
#include <wasm_simd128.h>

typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long long u64;
/* An 8-byte load at any address (names are compared and hashed a word at a time). */
typedef u64 __attribute__((aligned(1))) u64u;

#define REC 13
/* Name table (intern): NAMES ids at most, SLOTS = 2 * NAMES keeps probe runs short. */
#define NAMES 65536
#define SLOTS (2 * NAMES)
#define POOL (1 << 20)
enum { OTHER = 0, ENTER = 1, LEAF = 2, EXIT = 3, FN = 4, EVENT = 5 };
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

static int timestamp_end_slow(const u8 *b, int q);

/* Lanes of the 16 bytes at p that are decimal digits, as bits (bit 16 set: a stop past them). */
static int digit_bits(const u8 *b, int p) {
  v128_t v = wasm_v128_load(b + p);
  return wasm_i8x16_bitmask(wasm_u8x16_lt(wasm_i8x16_sub(v, wasm_i8x16_splat('0')), wasm_i8x16_splat(10))) | 0x10000;
}

/* `digits.digits:` at q: the colon, else -1 (timestampEnd). Both runs of digits from one load when they fit. */
static int timestamp_end(const u8 *b, int q) {
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

static int timestamp_end_slow(const u8 *b, int q) {
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
__attribute__((noinline)) static int line(const u8 *b, int p, int nl, int *r, double *dur) {
  int f = skip_blank16(b, p);
  if (b[f] == '=') return OTHER;
  int br = find2(b, f, '[');
  if (b[br] == NL) return OTHER;
  int q = br + 1;
  int cpu = 0;
  while (is_digit(b[q])) { cpu = cpu * 10 + b[q] - '0'; q++; }
  if (q == br + 1 || q - br - 1 > 6 || b[q] != ']') return OTHER;
  int d = br;
  while (d > p && b[d - 1] == SP) d--;
  int pid_end = d;
  while (d > p && is_digit(b[d - 1])) d--;
  if (d == pid_end || d <= p || b[d - 1] != '-' || pid_end - d > 10) return OTHER;
  int pid = 0;
  for (int i = d; i < pid_end; i++) pid = pid * 10 + b[i] - '0';
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
  r[2] = pid;
  r[3] = cpu;
  r[4] = f;
  r[5] = d - 1;
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
 * Scans the lines of b[start, stop] (b[stop] is '\n', and the input is followed by 16 zero
 * bytes) into at most cap records; returns how many lines it read.
 */
__attribute__((export_name("scan")))
int scan(const u8 *b, int start, int stop, int *out, double *durs, int cap, int *names) {
  int n = 0;
  int p = start;
  while (p <= stop && n < cap) {
    int nl = find2(b, p, NL);
    int *r = out + n * REC;
    r[1] = nl;
    int kind = line(b, p, nl, r, durs + n);
    r[0] = kind;
    if (kind != OTHER) {
      r[11] = kind == EXIT ? -1 : intern(b, r[7], r[8], names);
      r[12] = (kind == EXIT || kind == FN) && r[9] >= 0 ? intern(b, r[9], r[10], names) : -1;
    }
    n++;
    p = nl + 1;
  }
  return n;
}
