/**
 * Splits decoded chunks into lines without copying them: each line reaches the sink as
 * (chunk, start, end, lineNo). A line longer than MAX_LINE is reported and dropped instead of
 * growing the carry without bound (a binary or newline-free file must not exhaust memory).
 */
export type LineSink = (s: string, start: number, end: number, lineNo: number) => void;

export const MAX_LINE = 1 << 20;

export class LineSplitter {
  private carry = '';
  private dropping = false;
  lineNo = 0;

  constructor(private readonly sink: LineSink, private readonly onLongLine: (lineNo: number) => void) {}

  feed(chunk: string): void {
    let s = chunk;
    let p = 0;
    if (this.carry.length > 0) {
      const nl = chunk.indexOf('\n');
      if (nl < 0) { this.grow(chunk); return; }
      // Only the straddling line is joined, never the whole chunk.
      const line = this.carry + chunk.slice(0, nl);
      this.carry = '';
      this.emit(line, 0, line.length);
      p = nl + 1;
    } else if (this.dropping) {
      const nl = chunk.indexOf('\n');
      if (nl < 0) return;
      this.dropping = false;
      this.lineNo++;
      p = nl + 1;
    }
    for (;;) {
      const nl = s.indexOf('\n', p);
      if (nl < 0) break;
      this.emit(s, p, nl);
      p = nl + 1;
    }
    if (p < s.length) this.grow(s.slice(p));
    s = '';
  }

  end(): void {
    if (this.carry.length > 0) {
      const line = this.carry;
      this.carry = '';
      this.emit(line, 0, line.length);
    }
  }

  private emit(s: string, start: number, end: number): void {
    this.lineNo++;
    this.sink(s, start, end, this.lineNo);
  }

  private grow(part: string): void {
    if (this.dropping) return;
    if (this.carry.length + part.length > MAX_LINE) {
      this.carry = '';
      this.dropping = true;
      this.onLongLine(this.lineNo + 1);
      return;
    }
    this.carry += part;
  }
}
