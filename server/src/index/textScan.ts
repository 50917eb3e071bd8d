/** Cheap byte-level checks made before a file is decoded and parsed. */

/** A NUL byte in the first 8 KiB: the same test git and grep use to call a file binary. */
export function looksBinary(buf: Buffer): boolean {
  return buf.subarray(0, 8192).indexOf(0) >= 0;
}

/**
 * True when every line outside comments is a preprocessor line (or its continuation).
 * Such files (e.g. the AMD register headers, 36% of a 6.12 tree by size) hold no function,
 * initialiser or call, so scanning them for exports and tracepoints is all the indexer needs.
 * When unsure (a stray quote, odd comments) it answers false, so the file is parsed.
 */
export function isPreprocessorOnly(text: string): boolean {
  const n = text.length;
  const slash = new NextSlash(text);
  let inComment = false;
  let continuation = false;
  let i = 0;
  while (i < n) {
    let e = text.indexOf('\n', i);
    if (e < 0) e = n;
    let j = i;
    let significant = -1;
    while (j < e) {
      if (inComment) {
        const close = text.indexOf('*/', j);
        if (close < 0 || close >= e) { j = e; break; }
        inComment = false;
        j = close + 2;
        continue;
      }
      const c = text.charCodeAt(j);
      if (c === 32 || c === 9 || c === 13 || c === 12) { j++; continue; }
      if (c === 47 && text.charCodeAt(j + 1) === 42) { inComment = true; j += 2; continue; }
      if (c === 47 && text.charCodeAt(j + 1) === 47) { j = e; break; }
      significant = j;
      break;
    }
    if (significant >= 0) {
      if (!continuation && text.charCodeAt(significant) !== 35 /* # */) return false;
      const state = slash.before(significant, e) ? commentStateAfter(text, significant, e) : false;
      if (state === undefined) return false;
      inComment = state;
    }
    let last = e - 1;
    if (last >= i && text.charCodeAt(last) === 13) last--;
    continuation = (significant >= 0 || continuation) && !inComment && last >= i && text.charCodeAt(last) === 92;
    i = e + 1;
  }
  return true;
}

/**
 * Where the next `/` is, found once and reused while the scan moves forward: a search per
 * directive line went on to the end of the file whenever its line had none (a register header
 * is thousands of such lines), which made the whole test quadratic.
 */
class NextSlash {
  private next = -1;
  constructor(private readonly text: string) {}

  /** Whether a `/` occurs in [from, end). */
  before(from: number, end: number): boolean {
    if (this.next < from) {
      this.next = this.text.indexOf('/', from);
      if (this.next < 0) this.next = this.text.length;
    }
    return this.next < end;
  }
}

/** Whether a block comment is open at `end`, scanning a directive's tail; undefined on a quote. */
function commentStateAfter(text: string, from: number, end: number): boolean | undefined {
  let open = false;
  for (let k = from; k < end; k++) {
    const c = text.charCodeAt(k);
    if (open) {
      if (c === 42 && text.charCodeAt(k + 1) === 47) { open = false; k++; }
    } else if (c === 34 || c === 39) {
      return undefined;
    } else if (c === 47) {
      const d = text.charCodeAt(k + 1);
      if (d === 47) return false;
      if (d === 42) { open = true; k++; }
    }
  }
  return open;
}
