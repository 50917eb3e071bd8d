/**
 * Cuts a byte stream into blocks of whole lines without copying them: each block reaches the
 * sink as (buf, start, stop, firstLineNo) with buf[stop] the block's last '\n', so the parser
 * finds line ends itself while scanning fields. Only a line that straddles two chunks is
 * copied. A line longer than MAX_LINE is reported and dropped instead of growing the carry
 * without bound (a binary or newline-free file must not exhaust memory).
 */
export interface LineBlockSink {
  /** Parses every line of buf[start, stop]; returns how many there were. */
  block(buf: Buffer, start: number, stop: number, firstLineNo: number): number;
}

export const MAX_LINE = 1 << 20;
const NL = 0x0a;

export class LineSplitter {
  private carry: Buffer[] = [];
  private carryLen = 0;
  private dropping = false;
  lineNo = 0;

  constructor(private readonly sink: LineBlockSink, private readonly onLongLine: (lineNo: number) => void) {}

  /** `chunk` is only read during the call; the caller may reuse it afterwards. */
  feed(chunk: Buffer): void {
    let p = 0;
    if (this.carryLen > 0 || this.dropping) {
      const nl = chunk.indexOf(NL);
      if (nl < 0) { this.grow(chunk, 0); return; }
      if (this.dropping) {
        this.dropping = false;
        this.lineNo++;
      } else {
        // Only the straddling line is joined, never the whole chunk.
        this.carry.push(chunk.subarray(0, nl + 1));
        const line = Buffer.concat(this.carry);
        this.carry = [];
        this.carryLen = 0;
        this.lineNo += this.sink.block(line, 0, line.length - 1, this.lineNo + 1);
      }
      p = nl + 1;
    }
    const last = chunk.lastIndexOf(NL);
    if (last >= p) {
      this.lineNo += this.sink.block(chunk, p, last, this.lineNo + 1);
      p = last + 1;
    }
    if (p < chunk.length) this.grow(chunk, p);
  }

  end(): void {
    if (this.carryLen === 0) return;
    this.carry.push(Buffer.from([NL]));
    const line = Buffer.concat(this.carry);
    this.carry = [];
    this.carryLen = 0;
    this.lineNo += this.sink.block(line, 0, line.length - 1, this.lineNo + 1);
  }

  private grow(chunk: Buffer, from: number): void {
    if (this.dropping) return;
    const n = chunk.length - from;
    if (this.carryLen + n > MAX_LINE) {
      this.carry = [];
      this.carryLen = 0;
      this.dropping = true;
      this.onLongLine(this.lineNo + 1);
      return;
    }
    // A copy: the caller reuses its read buffer.
    this.carry.push(Buffer.from(chunk.subarray(from)));
    this.carryLen += n;
  }
}
