/** A small argument parser: positional words plus `--flag` and `--key value` options. */
export interface Parsed { positional: string[]; flags: Set<string>; options: Map<string, string>; rest: string[] }

export class UsageError extends Error {}

const OPTION_LIKE = /^--[A-Za-z][\w-]*$/;

export function parseArgs(argv: string[], valued: readonly string[]): Parsed {
  const out: Parsed = { positional: [], flags: new Set(), options: new Map(), rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { out.rest = argv.slice(i + 1); break; }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const key = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (valued.includes(key)) {
        const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
        // `--cache --json` forgot the value: taking `--json` as a directory would create one. A value
        // like `--upload-pack=x` is left to the command, which refuses it with its own reason.
        if (v === undefined || v === '' || (eq < 0 && OPTION_LIKE.test(v))) throw new UsageError(`--${key} needs a value`);
        out.options.set(key, v);
      } else {
        out.flags.add(key);
      }
    } else {
      out.positional.push(a);
    }
  }
  return out;
}
