/** Address → function name from the kallsyms text a trace.dat carries (text symbols only). */
export class AddressSymbols {
  private readonly addrs: BigUint64Array;
  private readonly names: string[];

  constructor(kallsyms: string) {
    const list: { a: bigint; n: string }[] = [];
    for (const line of kallsyms.split('\n')) {
      // `ffffffff81000000 T _stext [module]`
      const sp1 = line.indexOf(' ');
      if (sp1 <= 0 || line.length < sp1 + 4 || line[sp1 + 2] !== ' ') continue;
      const t = line[sp1 + 1];
      if (t !== 't' && t !== 'T' && t !== 'w' && t !== 'W') continue;
      let a: bigint;
      try { a = BigInt('0x' + line.slice(0, sp1)); } catch { continue; }
      const rest = line.slice(sp1 + 3);
      const tab = rest.search(/[\t ]/);
      list.push({ a, n: tab < 0 ? rest : rest.slice(0, tab) });
    }
    list.sort((x, y) => (x.a < y.a ? -1 : x.a > y.a ? 1 : 0));
    this.addrs = BigUint64Array.from(list.map((x) => x.a));
    this.names = list.map((x) => x.n);
  }

  get size(): number { return this.names.length; }

  /** The function containing `addr`, or its hex form when no symbol precedes it. */
  lookup(addr: bigint): string {
    const a = this.addrs;
    let lo = 0;
    let hi = a.length - 1;
    if (hi < 0 || addr < a[0]) return '0x' + addr.toString(16);
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (a[mid] <= addr) lo = mid;
      else hi = mid - 1;
    }
    return this.names[lo];
  }
}
