/**
 * Function names in ftrace text (report, tracefs, profile output) that can link to their source:
 * `name() {`, `name();`, `} /* name *\/`, `name <-parent`, `<-parent`, `<-- parent`, `=> frame`,
 * each optionally spelled with a clone suffix or `+0x14/0x6c`.
 */
export interface NameRange { line: number; start: number; end: number; name: string }

const NAME = '[A-Za-z_][\\w]*(?:\\.[A-Za-z_]\\w*(?:\\.\\d+)?)*(?:\\+0x[0-9a-fA-F]+(?:\\/0x[0-9a-fA-F]+)?)?';
const PATTERNS = [
  new RegExp(`(${NAME})\\(\\)`, 'g'), // graph entries and leaves, profile `Event: func: name()`
  new RegExp(`\\/\\* (${NAME}) \\*\\/`, 'g'), // graph exit tails
  new RegExp(`(${NAME})\\s+<-`, 'g'), // function tracer: callee
  new RegExp(`<-{1,2}\\s*(${NAME})`, 'g'), // function tracer: parent
  new RegExp(`^\\s*=> (${NAME})`, 'g'), // stack trace frames
  new RegExp(`\\bfunction:\\s+(${NAME})`, 'g'), // trace-cmd report function lines
];

/** Ranges of names for which `known(name)` holds; stops after `limit` links (huge files). */
export function functionNameRanges(text: string, known: (name: string) => boolean, limit = 5000): NameRange[] {
  const out: NameRange[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length && out.length < limit; i++) {
    const line = lines[i];
    if (line.length > 4096) continue;
    const seen = new Set<number>();
    for (const re of PATTERNS) {
      re.lastIndex = 0;
      for (let m = re.exec(line); m !== null; m = re.exec(line)) {
        const name = m[1];
        const start = m.index + m[0].indexOf(name);
        if (seen.has(start) || !known(name)) continue;
        seen.add(start);
        out.push({ line: i, start, end: start + name.length, name });
        if (out.length >= limit) break;
      }
    }
  }
  return out;
}
