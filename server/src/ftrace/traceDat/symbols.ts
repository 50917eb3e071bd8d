/**
 * Address → function name from the kallsyms text a trace.dat carries (text symbols only).
 * Addresses are kept as two 32-bit halves: a 64-bit kernel address does not fit a double, and
 * BigInt per record costs more than the rest of the record's decoding.
 */
export class AddressSymbols {
  private readonly hi: Uint32Array;
  private readonly lo: Uint32Array;
  private readonly names: string[];

  constructor(kallsyms: string) {
    const hi: number[] = [];
    const lo: number[] = [];
    const names: string[] = [];
    for (const line of kallsyms.split('\n')) {
      // `ffffffff81000000 T _stext [module]`
      const sp1 = line.indexOf(' ');
      if (sp1 <= 0 || sp1 > 16 || line.length < sp1 + 4 || line[sp1 + 2] !== ' ') continue;
      const t = line[sp1 + 1];
      if (t !== 't' && t !== 'T' && t !== 'w' && t !== 'W') continue;
      const hex = line.slice(0, sp1);
      if (!/^[0-9a-fA-F]+$/.test(hex)) continue;
      hi.push(sp1 > 8 ? parseInt(hex.slice(0, sp1 - 8), 16) : 0);
      lo.push(parseInt(hex.slice(Math.max(0, sp1 - 8)), 16));
      const rest = line.slice(sp1 + 3);
      const tab = rest.search(/[\t ]/);
      names.push(tab < 0 ? rest : rest.slice(0, tab));
    }
    // Stable: of several names at one address the file's first stays first. The kernel's
    // kallsyms lookup and trace-cmd both print that one (`__do_softirq`, not the section marker
    // `__softirqentry_text_start` at the same address), so it is the only one kept.
    const order = names.map((_, i) => i).sort((a, b) => hi[a] - hi[b] || lo[a] - lo[b]);
    const keep = order.filter((i, k) => k === 0 || hi[i] !== hi[order[k - 1]] || lo[i] !== lo[order[k - 1]]);
    this.hi = Uint32Array.from(keep, (i) => hi[i]);
    this.lo = Uint32Array.from(keep, (i) => lo[i]);
    this.names = keep.map((i) => names[i]);
  }

  get size(): number { return this.names.length; }

  /** Index of the function containing the address `hi:lo`, or -1 when no symbol precedes it. */
  indexOf(hi: number, lo: number): number {
    const H = this.hi;
    const L = this.lo;
    let a = 0;
    let b = H.length - 1;
    if (b < 0 || hi < H[0] || (hi === H[0] && lo < L[0])) return -1;
    while (a < b) {
      const mid = (a + b + 1) >> 1;
      if (H[mid] < hi || (H[mid] === hi && L[mid] <= lo)) a = mid;
      else b = mid - 1;
    }
    return a;
  }

  name(index: number): string { return this.names[index]; }

  /** The name of the function containing `hi:lo`, or the address in hex when none precedes it. */
  lookup(hi: number, lo: number): string {
    const i = this.indexOf(hi, lo);
    return i >= 0 ? this.names[i] : '0x' + (hi > 0 ? hi.toString(16) + lo.toString(16).padStart(8, '0') : lo.toString(16));
  }
}
