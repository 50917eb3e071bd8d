/**
 * Reads a function definition's head with a TreeCursor instead of SyntaxNodes.
 *
 * Each SyntaxNode the native binding hands out is a round trip plus a JS object with BigInt ids;
 * reading every definition of a kernel file that way cost as much as parsing it. A cursor moves
 * in native code and answers offsets and types as plain values, so this returns offsets only and
 * leaves the text work to the caller. It follows the same paths a `childForFieldName` reading
 * does (first child in the field; a parenthesised declarator's first named child), so the facts
 * are those of the node-based reading. Every function leaves the cursor where it found it.
 */
import type { TreeCursor } from 'tree-sitter';
import { plainParams } from './paramText';

export interface FunctionHead {
  /** The `type` field's range; -1 when absent. */
  typeStart: number;
  typeEnd: number;
  bodyStart: number;
  /** Innermost declarator of the path, when it is an identifier; -1 otherwise. */
  nameStart: number;
  nameEnd: number;
  /**
   * The parameter list's entries, four numbers each: start, end, name start, name end (-1 when
   * unnamed); a `...` is VARIADIC four times.
   */
  params: number[];
}

export const VARIADIC = -1;

/**
 * Node type and field names by id, learned from the cursor the first time an id is seen:
 * `nodeType` and `currentFieldName` make a new JS string on every call, `nodeTypeId` and
 * `currentFieldId` answer a number, and the readers make millions of these calls over a tree.
 * Ids are a grammar's; a process parses with one (tree-sitter-c). Ids are 16-bit (ERROR is 65535).
 */
const typeNames: (string | undefined)[] = new Array<string | undefined>(65536).fill(undefined);
const fieldNames: (string | undefined)[] = new Array<string | undefined>(65536).fill(undefined);

/** `c.nodeType`, without making a string. */
export function nodeType(c: TreeCursor): string {
  const id = c.nodeTypeId;
  return typeNames[id] ?? (typeNames[id] = c.nodeType);
}

/** Per type id: its name when its nodes are named, null when they are anonymous (a type's nodes are all one or the other). */
const namedTypes: (string | null | undefined)[] = new Array<string | null | undefined>(65536).fill(undefined);

/** `c.nodeIsNamed ? c.nodeType : undefined`, in one native call. */
export function namedType(c: TreeCursor): string | undefined {
  const id = c.nodeTypeId;
  let type = namedTypes[id];
  if (type === undefined) type = namedTypes[id] = c.nodeIsNamed ? nodeType(c) : null;
  return type ?? undefined;
}

/** `c.currentFieldName`, without making a string. */
export function fieldName(c: TreeCursor): string | undefined {
  const id = c.currentFieldId as number | undefined;
  if (id === undefined) return undefined;
  return fieldNames[id] ?? (fieldNames[id] = c.currentFieldName);
}

const IDENTIFIERS = new Set(['identifier', 'field_identifier', 'type_identifier']);

/** Moves to the first child in `field`; stays put and returns false when there is none. */
export function toField(c: TreeCursor, field: string): boolean {
  if (!c.gotoFirstChild()) return false;
  do {
    if (fieldName(c) === field) return true;
  } while (c.gotoNextSibling());
  c.gotoParent();
  return false;
}

export function toFirstNamed(c: TreeCursor): boolean {
  if (!c.gotoFirstChild()) return false;
  do {
    if (namedType(c) !== undefined) return true;
  } while (c.gotoNextSibling());
  c.gotoParent();
  return false;
}

export function up(c: TreeCursor, levels: number): void {
  for (let k = 0; k < levels; k++) c.gotoParent();
}

/**
 * From a declarator, follows `declarator` fields (else the first named child) down to the first
 * identifier-like node: [start, end] of it (a declaration's name), or with `plainOnly` only when it
 * is an `identifier` (a function's or parameter's name); the cursor is back.
 */
export function innermostName(c: TreeCursor, plainOnly = false): [number, number] | undefined {
  let depth = 0;
  let found: [number, number] | undefined;
  for (;;) {
    const type = nodeType(c);
    if (IDENTIFIERS.has(type)) {
      if (!plainOnly || type === 'identifier') found = [c.startIndex, c.endIndex];
      break;
    }
    if (toField(c, 'declarator') || toFirstNamed(c)) depth++;
    else break;
  }
  up(c, depth);
  return found;
}

/**
 * Reads the `type` and `body` fields of the function_definition under the cursor; undefined when
 * it has no body. `readDeclarator` completes the head.
 */
export function readFunctionFields(c: TreeCursor): FunctionHead | undefined {
  const head: FunctionHead = { typeStart: -1, typeEnd: -1, bodyStart: -1, nameStart: -1, nameEnd: -1, params: [] };
  // The body is the last child (a node has one child per field at most): with it known, the walk
  // stops at the type, near the start. Each step is a native round trip.
  if (!c.gotoLastChild()) return undefined;
  if (fieldName(c) === 'body') head.bodyStart = c.startIndex;
  c.gotoParent();
  c.gotoFirstChild();
  do {
    const field = fieldName(c);
    if (field === 'body' && head.bodyStart < 0) head.bodyStart = c.startIndex;
    else if (field === 'type' && head.typeStart < 0) {
      head.typeStart = c.startIndex;
      head.typeEnd = c.endIndex;
      if (head.bodyStart >= 0) break;
    }
  } while (c.gotoNextSibling());
  c.gotoParent();
  return head.bodyStart < 0 ? undefined : head;
}

/**
 * Completes the head: the name and the parameters. With `text` (what the parser saw), a plain
 * parameter list is read from the text (paramText.ts) instead of walked; without, always walked.
 */
export function readDeclarator(c: TreeCursor, head: FunctionHead, text?: string): void {
  // The innermost function_declarator on the declarator path names the function:
  // `int (*get_handler(int))(void)` nests one in another.
  if (!toField(c, 'declarator')) return;
  let depth = 1;
  let fnDepth = -1;
  for (;;) {
    const type = nodeType(c);
    if (type === 'function_declarator') fnDepth = depth;
    if (toField(c, 'declarator') || (type === 'parenthesized_declarator' && toFirstNamed(c))) depth++;
    else break;
  }
  if (fnDepth < 0) { up(c, depth); return; }
  up(c, depth - fnDepth);
  if (toField(c, 'declarator')) {
    const name = innermostName(c, true);
    if (name) [head.nameStart, head.nameEnd] = name;
    c.gotoParent();
  }
  if (toField(c, 'parameters')) {
    const plain = text === undefined ? undefined : plainList(text, c.startIndex, c.endIndex, head.bodyStart);
    if (plain) head.params = plain;
    else readParams(c, head.params);
    c.gotoParent();
  }
  up(c, fnDepth);
}

/** Only a list directly followed by the body: K&R definitions declare their parameters in between. */
function plainList(text: string, start: number, end: number, bodyStart: number): number[] | undefined {
  for (let i = end; i < bodyStart; i++) {
    const ch = text.charCodeAt(i);
    if (ch !== 32 && ch !== 10 && ch !== 9 && ch !== 13) return undefined;
  }
  return plainParams(text, start, end - 1);
}

function readParams(c: TreeCursor, out: number[]): void {
  if (!c.gotoFirstChild()) return;
  do {
    const type = namedType(c);
    if (type === undefined) continue;
    if (type === 'variadic_parameter') { out.push(VARIADIC, VARIADIC, -1, -1); continue; }
    if (type !== 'parameter_declaration') continue;
    const start = c.startIndex;
    const end = c.endIndex;
    let name: [number, number] | undefined;
    if (toField(c, 'declarator')) {
      name = innermostName(c, true);
      c.gotoParent();
    }
    out.push(start, end, name ? name[0] : -1, name ? name[1] : -1);
  } while (c.gotoNextSibling());
  c.gotoParent();
}
