/**
 * Compares a source prototype (as the indexer reads it) with the one BTF recorded for the built
 * function, and says in words what differs. Spelling differences that mean the same C type
 * (whitespace, `const`/`volatile`, sparse annotations like `__user`, `struct` tags,
 * `unsigned long` vs BTF's `long unsigned int`, `char buf[]` vs `char *buf`) are not differences.
 */
import type { Param } from '../index/model';
import { Btf } from './btf';

export interface PrototypeComparison {
  matches: boolean;
  /** One sentence per difference; empty when `matches`. */
  differences: string[];
  /** Parameter names that differ while the types agree: harmless for probes, but worth showing. */
  nameDifferences: string[];
}

/** Words that do not change which type a parameter has, as far as a probe is concerned. */
const IGNORED_WORDS = new Set([
  'const', 'volatile', 'restrict', '__restrict', '__restrict__', 'register', 'struct', 'union', 'enum',
  '__user', '__kernel', '__iomem', '__rcu', '__force', '__percpu', '__bitwise', '__must_check',
  '__maybe_unused', '__always_unused', '__unused', '__nocast', '__safe', '__private', '__data_racy',
  '__counted_by', '__aligned', '__attribute__', '__attribute', 'inline',
]);
const INT_WORDS = new Set(['signed', 'unsigned', 'short', 'long', 'int', 'char']);

/** Canonical spelling of a C type for comparison. */
export function normaliseType(type: string): string {
  const spaced = type
    .replace(/\[[^\]]*\]/g, '*') // array parameters decay to pointers
    .replace(/([*()[\],])/g, ' $1 ')
    .trim();
  const words = spaced.split(/\s+/).filter((w) => w !== '' && !IGNORED_WORDS.has(w));
  const out: string[] = [];
  for (let i = 0; i < words.length;) {
    if (INT_WORDS.has(words[i])) {
      const run: string[] = [];
      while (i < words.length && INT_WORDS.has(words[i])) run.push(words[i++]);
      out.push(canonicalInt(run));
    } else {
      out.push(words[i++]);
    }
  }
  return dropInnerNames(out).join(' ').replace(/ \* /g, ' *').replace(/ \*$/, ' *').replace(/\( /g, '(').replace(/ \)/g, ')').replace(/ ,/g, ',');
}

/**
 * Parameter names inside a function-pointer type (`void (*)(struct sock *newsk)`) are not part of
 * the type; BTF never records them. A list item of two or more tokens ending in an identifier
 * that is not an integer keyword ends in such a name.
 */
function dropInnerNames(tokens: string[]): string[] {
  const out: string[] = [];
  let itemStart = -1;
  for (const tok of tokens) {
    if (tok === '(') {
      out.push(tok);
      itemStart = out.length;
      continue;
    }
    if ((tok === ',' || tok === ')') && itemStart >= 0 && out.length - itemStart >= 2) {
      const last = out[out.length - 1];
      if (/^[A-Za-z_]\w*$/.test(last) && !INT_CANON.has(last)) out.pop();
    }
    out.push(tok);
    itemStart = tok === ',' ? out.length : tok === ')' ? -1 : itemStart;
  }
  return out;
}

const INT_CANON = new Set(['char', 'int', 'short', 'long', 'unsigned', 'signed']);

/** `unsigned long` = `long unsigned int`; `signed` only matters for `char`. */
function canonicalInt(words: string[]): string {
  const count = (w: string) => words.filter((x) => x === w).length;
  const unsigned = count('unsigned') > 0;
  const signed = count('signed') > 0;
  const longs = count('long');
  if (count('char')) return unsigned ? 'unsigned char' : signed ? 'signed char' : 'char';
  const size = count('short') ? 'short' : longs >= 2 ? 'long long' : longs === 1 ? 'long' : 'int';
  return unsigned ? `unsigned ${size}` : size;
}

/** A parameter as C spells it: `struct sock *sk`, `int flags`. */
export function showParam(p: Param): string {
  if (!p.name) return p.type;
  const star = p.type.endsWith('*') ? '' : ' ';
  return `${p.type}${star}${p.name}`;
}

/** BTF's view of a FUNC's parameters, in the same shape as the indexer's. */
export function btfParams(btf: Btf, funcId: number): { returnType: string; params: Param[] } {
  const proto = btf.funcProto(funcId);
  const params: Param[] = proto.params.map((p) => ({ type: btf.declaration(p.type), name: p.name }));
  if (proto.variadic) params.push({ type: '...', name: '' });
  return { returnType: btf.declaration(proto.returnType), params };
}

export function comparePrototypes(
  source: { returnType: string; params: readonly Param[] },
  built: { returnType: string; params: readonly Param[] },
): PrototypeComparison {
  const differences: string[] = [];
  const nameDifferences: string[] = [];
  if (normaliseType(source.returnType) !== normaliseType(built.returnType)) {
    differences.push(`return type: source \`${source.returnType}\`, BTF \`${built.returnType}\``);
  }
  const n = Math.max(source.params.length, built.params.length);
  for (let i = 0; i < n; i++) {
    const s = source.params[i];
    const b = built.params[i];
    if (!b) differences.push(`parameter ${i + 1} \`${showParam(s)}\` missing in BTF`);
    else if (!s) differences.push(`parameter ${i + 1} \`${showParam(b)}\` in BTF but not in the source`);
    else if (normaliseType(s.type) !== normaliseType(b.type)) {
      differences.push(`parameter ${i + 1} type: source \`${showParam(s)}\`, BTF \`${showParam(b)}\``);
    } else if (s.name && b.name && s.name !== b.name) {
      nameDifferences.push(`parameter ${i + 1} is \`${s.name}\` in the source, \`${b.name}\` in BTF`);
    }
  }
  return { matches: differences.length === 0, differences, nameDifferences };
}
