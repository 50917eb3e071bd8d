/** Which git tags are kernel releases, and in what order. */

/** Upper bound on tags compared, whatever the settings say: each costs a read and a parse. */
export const MAX_TAGS = 32;

const RELEASE = /^v(\d+)\.(\d+)$/;

/** `v6.12` → [6, 12]; undefined for anything else (`v6.12-rc3`, `v6.1.5`, `next-2024…`). */
function releaseVersion(tag: string): [number, number] | undefined {
  const m = RELEASE.exec(tag);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** The `limit` most recent release tags among `tags`, oldest first. */
export function pickReleaseTags(tags: readonly string[], limit: number): string[] {
  const releases = tags.map((t) => ({ t, v: releaseVersion(t) })).filter((x): x is { t: string; v: [number, number] } => !!x.v);
  releases.sort((a, b) => a.v[0] - b.v[0] || a.v[1] - b.v[1]);
  return releases.slice(Math.max(0, releases.length - limit)).map((x) => x.t);
}

/**
 * Tag and ref names handed to git as arguments: no leading `-` (an option), no `:` (it would
 * change what `TAG:path` names), nothing outside what git allows in a ref anyway.
 */
export function validTagName(tag: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9._\/+-]*$/.test(tag) && !tag.includes('..') && tag.length <= 200;
}

/** Orders Makefile versions (`6.1.192`, `6.12.0-rc1`); unknown versions sort first. */
export function compareKernelVersions(a: string | undefined, b: string | undefined): number {
  const nums = (v: string | undefined) => (v ?? '').split(/[^0-9]+/).filter(Boolean).slice(0, 3).map(Number);
  const x = nums(a);
  const y = nums(b);
  for (let i = 0; i < 3; i++) {
    const d = (x[i] ?? -1) - (y[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}
