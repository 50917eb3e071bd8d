/**
 * Which lines of a C file a given kernel configuration compiles: `#if`/`#ifdef` blocks are
 * evaluated against a .config where they depend only on CONFIG_ symbols, `IS_ENABLED()` and
 * friends; anything else stays "unknown" (three-valued logic), never guessed.
 */
import * as fs from 'node:fs';

export type ConfigValue = 'y' | 'm' | string;
export type KernelConfig = Map<string, ConfigValue>;

/** `CONFIG_X=y` lines of a .config; `# CONFIG_X is not set` and comments leave X absent. */
export function parseKernelConfig(text: string): KernelConfig {
  const out: KernelConfig = new Map();
  for (const line of text.split('\n')) {
    const m = /^(CONFIG_\w+)=(.*)$/.exec(line.trim());
    if (m) out.set(m[1], m[2].replace(/^"(.*)"$/, '$1'));
  }
  return out;
}

export function readKernelConfig(path: string): KernelConfig {
  try {
    return parseKernelConfig(fs.readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: cannot read kernel config: ${(e as Error).message}`);
  }
}

/** Per line: 1 compiled, 0 not compiled, 2 unknown. */
export const LINE_OFF = 0, LINE_ON = 1, LINE_UNKNOWN = 2;
type Tri = boolean | undefined;

export interface ConditionOptions {
  /** Whether the file is being built as a module (`MODULE` defined). Default: built in. */
  module?: boolean;
}

/** Compiled-ness of each (0-based) line of `text` under `config`. */
export function lineStates(text: string, config: KernelConfig, opts: ConditionOptions = {}): Uint8Array {
  const lines = stripComments(text).split('\n');
  const states = new Uint8Array(lines.length);
  // Each frame: state of the enclosing region, whether some branch was already taken (tri-state), current branch state.
  const stack: { parent: Tri; taken: Tri; cur: Tri }[] = [];
  let cur: Tri = true;
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    const directive = /^\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b(.*)$/.exec(line);
    if (directive) {
      // Continuation lines belong to the directive.
      while (line.endsWith('\\') && i + 1 < lines.length) {
        states[i] = encode(cur);
        line = line.slice(0, -1) + ' ' + lines[++i];
      }
      const [, kind] = directive;
      const rest = /^\s*#\s*\w+(.*)$/.exec(line)![1];
      if (kind === 'if' || kind === 'ifdef' || kind === 'ifndef') {
        const cond = kind === 'if' ? evaluate(rest, config, opts) : kind === 'ifdef' ? isDefined(rest.trim(), config, opts) : not(isDefined(rest.trim(), config, opts));
        stack.push({ parent: cur, taken: cond, cur: and(cur, cond) });
        states[i] = encode(cur);
        cur = and(cur, cond);
        continue;
      }
      const top = stack[stack.length - 1];
      if (!top) { states[i] = encode(cur); continue; } // unbalanced #else/#endif: leave state alone
      if (kind === 'endif') {
        stack.pop();
        cur = top.parent;
        states[i] = encode(cur);
        continue;
      }
      const cond = kind === 'else' ? true : evaluate(rest, config, opts);
      const branch = and(not(top.taken), cond);
      top.taken = or(top.taken, cond);
      top.cur = and(top.parent, branch);
      cur = top.cur;
      states[i] = encode(top.parent);
      continue;
    }
    states[i] = encode(cur);
  }
  return states;
}

function encode(t: Tri): number { return t === true ? LINE_ON : t === false ? LINE_OFF : LINE_UNKNOWN; }
function not(a: Tri): Tri { return a === undefined ? undefined : !a; }
function and(a: Tri, b: Tri): Tri { return a === false || b === false ? false : a === true && b === true ? true : undefined; }
function or(a: Tri, b: Tri): Tri { return a === true || b === true ? true : a === false && b === false ? false : undefined; }

function isDefined(sym: string, config: KernelConfig, opts: ConditionOptions): Tri {
  const name = /^\w+/.exec(sym)?.[0] ?? '';
  if (name === 'MODULE') return !!opts.module;
  const mod = /^(CONFIG_\w+)_MODULE$/.exec(name);
  if (mod) return config.get(mod[1]) === 'm';
  if (name.startsWith('CONFIG_')) {
    const v = config.get(name);
    return v !== undefined && v !== 'm' && v !== 'n';
  }
  return undefined;
}

function configNumber(name: string, config: KernelConfig): number | undefined {
  const v = config.get(name);
  if (v === undefined || v === 'm') return 0; // autoconf.h defines neither CONFIG_X for =m nor unset ones
  if (v === 'y') return 1;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** Recursive-descent evaluation of an `#if` expression; `undefined` = cannot tell from the config. */
function evaluate(expr: string, config: KernelConfig, opts: ConditionOptions): Tri {
  const toks = expr.match(/\w+|&&|\|\||==|!=|<=|>=|[!()<>,]|\S/g) ?? [];
  let p = 0;
  const peek = () => toks[p];
  type Num = number | undefined;
  const truth = (n: Num): Tri => (n === undefined ? undefined : n !== 0);
  const num = (t: Tri): Num => (t === undefined ? undefined : t ? 1 : 0);

  function primary(): Num {
    const t = toks[p++];
    if (t === undefined) return undefined;
    if (t === '(') { const v = orExpr(); if (peek() === ')') p++; return v; }
    if (t === '!') return num(not(truth(primary())));
    if (t === 'defined') {
      const paren = peek() === '(';
      if (paren) p++;
      const sym = toks[p++] ?? '';
      if (paren && peek() === ')') p++;
      return num(isDefined(sym, config, opts));
    }
    if (/^(IS_ENABLED|IS_BUILTIN|IS_MODULE|IS_REACHABLE)$/.test(t) && peek() === '(') {
      p++;
      const sym = toks[p++] ?? '';
      if (peek() === ')') p++;
      if (!sym.startsWith('CONFIG_')) return undefined;
      const v = config.get(sym);
      if (t === 'IS_BUILTIN') return num(v === 'y');
      if (t === 'IS_MODULE') return num(v === 'm');
      if (t === 'IS_REACHABLE') return num(v === 'y' || (v === 'm' && !!opts.module));
      return num(v === 'y' || v === 'm');
    }
    if (/^\d/.test(t)) { const n = parseInt(t, t.startsWith('0x') ? 16 : 10); return Number.isFinite(n) ? n : undefined; }
    if (t.startsWith('CONFIG_')) return configNumber(t, config);
    if (/^\w+$/.test(t) && peek() === '(') { skipParens(); return undefined; } // unknown function-like macro
    return undefined;
  }
  function skipParens(): void {
    let depth = 0;
    do {
      const t = toks[p++];
      if (t === '(') depth++;
      else if (t === ')') depth--;
    } while (depth > 0 && p < toks.length);
  }
  function compare(): Num {
    let a = primary();
    while (['==', '!=', '<', '>', '<=', '>='].includes(peek())) {
      const op = toks[p++];
      const b = primary();
      if (a === undefined || b === undefined) { a = undefined; continue; }
      a = num(op === '==' ? a === b : op === '!=' ? a !== b : op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b);
    }
    return a;
  }
  function andExpr(): Num {
    let a: Tri = truth(compare());
    while (peek() === '&&') { p++; a = and(a, truth(compare())); }
    return num(a);
  }
  function orExpr(): Num {
    let a: Tri = truth(andExpr());
    while (peek() === '||') { p++; a = or(a, truth(andExpr())); }
    return num(a);
  }
  const v = truth(orExpr());
  // Trailing tokens we did not understand (arithmetic, ternaries) make the result unreliable.
  return p < toks.length ? undefined : v;
}

/** Comments replaced by spaces (newlines kept) so directive lines keep their numbers. */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (m) => m.replace(/[^\n]/g, ' '));
}
