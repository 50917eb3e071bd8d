/**
 * Parses a file's top-level structure: tree-sitter is given the masked text with the interiors
 * of function bodies and the top-level text no fact comes from left out (included ranges, see
 * bodies.ts for which), so it never lexes those bytes. Offsets and rows/columns in the tree stay
 * those of the text.
 *
 * This replaced blanking the interiors to spaces and parsing the whole string: the parser still
 * had to skip every blank, and the bodies are most of a kernel file (parse CPU −35% on a sample).
 */
import type Parser = require('tree-sitter');
import { findBodies } from './bodies';
import type { LineTable } from './lineTable';

export function parseSkeleton(parser: Parser, text: string, masked: string, lines: LineTable): Parser.Tree {
  const bodies = findBodies(masked, text);
  if (bodies === undefined || bodies.length === 0) {
    return parser.parse(masked, undefined, { bufferSize: Math.max(masked.length + 1, 32 * 1024) });
  }
  const ranges: Parser.Range[] = [];
  let from = 0;
  for (let k = 0; k <= bodies.length; k += 2) {
    const to = k < bodies.length ? bodies[k] : masked.length;
    ranges.push({ startIndex: from, endIndex: to, startPosition: point(lines, from), endPosition: point(lines, to) });
    from = bodies[k + 1];
  }
  // The binding reads a string input from its start to its end on every jump; a callback that
  // answers up to the end of the current range reads each included byte once.
  let k = 0;
  const read = (offset: number): string => {
    if (k >= ranges.length || offset < ranges[k].startIndex) k = 0;
    while (k < ranges.length && ranges[k].endIndex <= offset) k++;
    return k < ranges.length ? masked.slice(offset, ranges[k].endIndex) : '';
  };
  const tree = parser.parse(read, undefined, { includedRanges: ranges, bufferSize: Math.max(masked.length + 1, 32 * 1024) });
  // Node text is read back through the input; the text of a node spanning a body is the masked text.
  const readable = tree as unknown as { input: unknown; getText: (n: { startIndex: number; endIndex: number }) => string };
  readable.input = masked;
  readable.getText = (n) => masked.substring(n.startIndex, n.endIndex);
  return tree;
}

function point(lines: LineTable, offset: number): Parser.Point {
  const p = lines.at(offset);
  return { row: p.line, column: p.col };
}
