/** Locations as features return them: relative file plus 0-based span, mapped to URIs by the LSP layer. */
import type { Position } from '../index/model';

export interface Loc { file: string; start: Position; end: Position }

export function pointLoc(file: string, p: Position, length = 0): Loc {
  return { file, start: p, end: { line: p.line, col: p.col + length } };
}
