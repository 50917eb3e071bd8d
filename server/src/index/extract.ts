/**
 * Extracts the facts of one C file from its tree-sitter parse.
 *
 * The text is parsed after `maskAttributes`, so node offsets are offsets in the original text;
 * everything shown to users (signatures, qualifiers) is sliced from the original.
 * Kernel files are full of constructs the grammar mis-reads (a third have ERROR nodes), so every
 * step tolerates odd shapes: it skips what it cannot read instead of guessing.
 */
import Parser = require('tree-sitter');
import type { SyntaxNode } from 'tree-sitter';
import { FUNCTION_POINTER, VALUE_IDENTIFIER } from './bodies';
import { isIdent, scanCalls, type ScannedCall } from './callScan';
import { fieldName, innermostName, namedType, nodeType, readDeclarator, readFunctionFields, toField, toFirstNamed, up, VARIADIC } from './cursorRead';
import { LineTable } from './lineTable';
import { maskAttributes, MASKED_MACROS } from './mask';
import { parseSkeleton } from './skeletonParse';
import { SYSCALL_MACRO, syscallBaseName, syscallSymbols } from './syscalls';
import type {
  CallSite, ExportKind, FileFacts, FunctionDef, IndirectCall, InstanceMacro, OpsAssignment, OpsStructType,
  Param, Position, Qualifier, TracepointCall, TracepointDef, TracepointKind,
} from './model';
import { emptyFacts, QUALIFIERS } from './model';

const QUALIFIER_SET = new Set<string>(QUALIFIERS);
/** Spellings that mean the same qualifier. */
const QUALIFIER_ALIASES = new Map<string, Qualifier>([
  ['__inline', 'inline'], ['__inline__', 'inline'], ['noinline_for_stack', 'noinline'], ['__noinline_for_stack', 'noinline'],
  ['__noinline', 'noinline'],
]);
const ALL_CAPS = /^[A-Z0-9_]+$/;
const NOT_FUNCTIONS = new Set(['NULL', 'true', 'false', 'THIS_MODULE']);

interface Ctx {
  file: string;
  text: string;
  facts: FileFacts;
  /** Function ranges in source order, for mapping a call site to its caller. */
  fnRanges: { start: number; bodyStart: number; end: number; name: string }[];
  /** The text calls are scanned in: attribute and loop macros masked, bodies intact. */
  masked: string;
  lines: LineTable;
}

/** The facts plain text scans find: exports, tracepoint definitions, instance macros. */
export function scanFacts(file: string, text: string, size: number, mtimeMs: number, lines = new LineTable(text)): FileFacts {
  const facts = emptyFacts(file, size, mtimeMs);
  scanExports(text, facts, lines);
  scanTracepointDefs(text, facts, lines);
  scanInstanceMacros(text, facts);
  return facts;
}

export function extractFacts(parser: Parser, file: string, text: string, size: number, mtimeMs: number): FileFacts {
  const lines = new LineTable(text);
  const facts = scanFacts(file, text, size, mtimeMs, lines);
  const masked = maskAttributes(text);
  const tree = parseSkeleton(parser, text, masked, lines);
  const root = tree.rootNode;
  facts.hasError = root.hasError;
  const ctx: Ctx = { file, text, facts, fnRanges: [], masked, lines };
  visitTop(ctx, root);
  extractCalls(ctx);

  const exported = new Map(facts.exports.map((e) => [e.name, e.kind]));
  for (const fn of facts.functions) {
    const kind = exported.get(fn.name);
    if (kind) fn.exported = kind;
  }
  return facts;
}

// ---------------------------------------------------------------------------------------------
// Top level: functions, syscalls, ops initialisers, struct types.

const CONTAINERS = new Set([
  'translation_unit', 'preproc_if', 'preproc_ifdef', 'preproc_else', 'preproc_elif', 'preproc_elifdef',
  'ERROR', 'linkage_specification', 'declaration_list',
]);

/** Node types walkLevel acts on. */
const VISITED = new Set(['function_definition', 'declaration', 'struct_specifier', 'type_definition', 'expression_statement', 'compound_statement', ...CONTAINERS]);

function visitTop(ctx: Ctx, root: SyntaxNode): void {
  walkLevel(ctx, root.walk());
}

/**
 * Visits one level of top-level nodes with a cursor: headers hold thousands of prototypes and
 * `#define`s, and materialising a SyntaxNode for each (a native round trip) cost more than the
 * parse of the skeleton. Nodes are created only for the kinds that can hold facts.
 */
function walkLevel(ctx: Ctx, cursor: Parser.TreeCursor): void {
  if (!cursor.gotoFirstChild()) return;
  let syscallHead: SyntaxNode | null = null;
  do {
    // Anonymous nodes (`;`, a MISSING token) hold nothing, and do not end a syscall head's wait for its body.
    const type = namedType(cursor);
    if (type === undefined || type === 'comment') continue;
    if (syscallHead === null && !VISITED.has(type)) continue;
    const head = syscallHead;
    syscallHead = null;
    switch (type) {
      case 'function_definition':
        functionDefinition(ctx, cursor);
        break;
      case 'declaration':
        if (mayHoldFacts(ctx, type, cursor.startIndex, cursor.endIndex)) declaration(ctx, cursor);
        break;
      case 'struct_specifier':
      case 'type_definition':
        if (mayHoldFacts(ctx, type, cursor.startIndex, cursor.endIndex)) typeDeclaration(ctx, cursor, type);
        break;
      case 'expression_statement':
        if (SYSCALL_PREFIX.test(ctx.text.slice(cursor.startIndex, cursor.startIndex + 24))) syscallHead = cursor.currentNode;
        break;
      case 'compound_statement':
        if (head) syscallStatement(ctx, head, cursor.currentNode);
        break;
      default:
        if (CONTAINERS.has(type)) walkLevel(ctx, cursor);
    }
  } while (cursor.gotoNextSibling());
  cursor.gotoParent();
}

const SYSCALL_PREFIX = /^(?:COMPAT_)?SYSCALL_DEFINE[0-6]\s*\(/;

/**
 * Whether a top-level declaration can yield a struct type with function-pointer fields or an
 * initialiser naming a function; the others (register tables, plain structs) are most of the
 * braces in headers and are not worth materialising. Each test is implied by what structType or
 * declaration require later, so skipping never loses a fact.
 */
function mayHoldFacts(ctx: Ctx, type: string, from: number, to: number): boolean {
  const brace = ctx.text.indexOf('{', from);
  if (brace < 0 || brace >= to) return false;
  if (FUNCTION_POINTER.test(ctx.masked.slice(from, to))) return true;
  return type === 'declaration' && VALUE_IDENTIFIER.test(ctx.text.slice(from, to));
}

/** A struct definition, or a typedef of one, at the cursor (left where it was). */
function typeDeclaration(ctx: Ctx, c: Parser.TreeCursor, type: string): void {
  if (type === 'struct_specifier') {
    structType(ctx, c);
  } else if (toField(c, 'type')) {
    if (nodeType(c) === 'struct_specifier') structType(ctx, c);
    c.gotoParent();
  }
}

function functionDefinition(ctx: Ctx, c: Parser.TreeCursor): void {
  const head = readFunctionFields(c);
  if (!head) return;
  if (head.typeStart >= 0 && SYSCALL_MACRO.test(ctx.masked.slice(head.typeStart, head.typeEnd))) {
    syscallFunction(ctx, c.currentNode);
    return;
  }
  readDeclarator(c, head, ctx.masked);
  if (head.nameStart < 0) return;
  const nodeStart = c.startIndex;
  const nodeEnd = c.endIndex;
  const name = ctx.masked.slice(head.nameStart, head.nameEnd);
  // A masked-out macro or a keyword leaking through as a name means the parse went wrong.
  if (MASKED_MACROS.has(name) || name === 'void') return;

  // `arch_initcall(x)` without a `;` before a definition is glued to it by the grammar; a return
  // type never holds a `)` before the name (attributes are masked), so the definition starts after the last one.
  let start = nodeStart;
  const glued = ctx.masked.lastIndexOf(')', head.nameStart);
  if (glued >= start) {
    start = glued + 1;
    while (/\s/.test(ctx.text[start])) start++;
  }
  const prefix = ctx.text.slice(start, head.nameStart);
  const { lines } = ctx;
  const fn: FunctionDef = {
    name,
    file: ctx.file,
    span: { start: lines.at(start), end: lines.at(nodeEnd) },
    nameSpan: { start: lines.at(head.nameStart), end: lines.at(head.nameEnd) },
    signature: fold(ctx.text.slice(start, head.bodyStart)),
    returnType: returnTypeOf(prefix),
    params: readParams(ctx, head.params),
    qualifiers: readQualifiers(prefix),
  };
  ctx.facts.functions.push(fn);
  ctx.fnRanges.push({ start, bodyStart: head.bodyStart, end: nodeEnd, name });
}

/** `SYSCALL_DEFINE0(x) {…}` read as a function whose type is the macro (rare: materialised nodes are fine). */
function syscallFunction(ctx: Ctx, node: SyntaxNode): void {
  const body = node.childForFieldName('body')!;
  const typeNode = node.childForFieldName('type')!;
  const decl = node.childForFieldName('declarator');
  if (decl) syscallDefinition(ctx, node, typeNode.text, decl.text.replace(/^\(|\)$/g, ''), node.startIndex, body);
}

/** `SYSCALL_DEFINE3(connect, int, fd, …)` parsed as a call statement followed by a block. */
function syscallStatement(ctx: Ctx, stmt: SyntaxNode, body: SyntaxNode): boolean {
  const call = stmt.namedChild(0);
  if (!call || call.type !== 'call_expression') return false;
  const macro = call.childForFieldName('function');
  const args = call.childForFieldName('arguments');
  if (!macro || !args || !SYSCALL_MACRO.test(macro.text)) return false;
  const inner = ctx.text.slice(args.startIndex + 1, args.endIndex - 1);
  syscallDefinition(ctx, stmt, macro.text, inner, stmt.startIndex, body);
  return true;
}

function syscallDefinition(ctx: Ctx, head: SyntaxNode, macro: string, argText: string, start: number, body: SyntaxNode): void {
  const m = SYSCALL_MACRO.exec(macro)!;
  const compat = m[1] !== undefined;
  const nargs = Number(m[2]);
  const parts = splitTopLevel(argText);
  const sysName = parts[0]?.trim();
  if (!sysName || !/^\w+$/.test(sysName)) return;
  const params: Param[] = [];
  for (let k = 1; k + 1 < parts.length; k += 2) params.push({ type: fold(parts[k]), name: parts[k + 1].trim() });
  const name = syscallBaseName(sysName, compat);
  const nameStart = ctx.text.indexOf(sysName, head.startIndex + macro.length);
  const namePos = positionAt(ctx.text, head, nameStart);
  ctx.facts.functions.push({
    name,
    file: ctx.file,
    span: { start: pos(head.startPosition), end: pos(body.endPosition) },
    nameSpan: { start: namePos, end: { line: namePos.line, col: namePos.col + sysName.length } },
    signature: fold(ctx.text.slice(start, body.startIndex)),
    returnType: 'long',
    params,
    qualifiers: [],
    syscall: { name: sysName, nargs, compat, symbols: syscallSymbols(sysName, nargs, compat) },
  });
  ctx.fnRanges.push({ start, bodyStart: body.startIndex, end: body.endIndex, name });
}

/** Position of an offset known to lie on the node's first lines, without a full line table. */
function positionAt(text: string, anchor: SyntaxNode, offset: number): Position {
  let line = anchor.startPosition.row;
  let lineStart = anchor.startIndex - anchor.startPosition.column;
  for (let k = anchor.startIndex; k < offset; k++) {
    if (text.charCodeAt(k) === 10) { line++; lineStart = k + 1; }
  }
  return { line, col: offset - lineStart };
}

function readQualifiers(prefix: string): Qualifier[] {
  const out: Qualifier[] = [];
  for (const tok of prefix.match(/[A-Za-z_]\w*/g) ?? []) {
    const q = QUALIFIER_SET.has(tok) ? (tok as Qualifier) : QUALIFIER_ALIASES.get(tok);
    if (q && !out.includes(q)) out.push(q);
  }
  return out;
}

const NOT_IN_RETURN_TYPE = new Set<string>([...QUALIFIERS, ...QUALIFIER_ALIASES.keys(), 'register', 'auto']);

function returnTypeOf(prefix: string): string {
  // Most prefixes are plain words (`static inline struct sock *`): read them without the expressions.
  const cleaned = prefix.indexOf('(') < 0 && prefix.indexOf('/*') < 0 ? withoutQualifierWords(prefix) : prefix
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/[A-Za-z_]\w*(\s*\([^()]*(\([^()]*\))*[^()]*\))?/g, (tok, args: string | undefined) => {
      const word = args ? tok.slice(0, tok.length - args.length) : tok;
      return notInReturnType(word) ? ' ' : tok;
    });
  const folded = fold(cleaned);
  return folded.indexOf('*') < 0 ? folded : folded.replace(/\s+\*/g, ' *').replace(/\*\s+(?=\*)/g, '*');
}

function notInReturnType(word: string): boolean {
  return NOT_IN_RETURN_TYPE.has(word) || MASKED_MACROS.has(word);
}

/** `prefix` (no parentheses, no comments) with qualifier and masked words made one space each, as the replace above does. */
function withoutQualifierWords(prefix: string): string {
  let out = '';
  let copied = 0;
  for (let i = 0; i < prefix.length; i++) {
    const c = prefix.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95)) continue;
    let e = i + 1;
    while (e < prefix.length && isIdent(prefix.charCodeAt(e))) e++;
    if (notInReturnType(prefix.slice(i, e))) {
      out += prefix.slice(copied, i) + ' ';
      copied = e;
    }
    i = e - 1;
  }
  return copied === 0 ? prefix : out + prefix.slice(copied);
}

/** Parameters from their offsets (cursorRead.ts); types are sliced from the original text. */
function readParams(ctx: Ctx, ranges: readonly number[]): Param[] {
  const out: Param[] = [];
  for (let k = 0; k < ranges.length; k += 4) {
    const start = ranges[k];
    if (start === VARIADIC) { out.push({ type: '...', name: '' }); continue; }
    const whole = ctx.text.slice(start, ranges[k + 1]);
    const nameStart = ranges[k + 2];
    if (nameStart >= 0) {
      const name = ctx.masked.slice(nameStart, ranges[k + 3]);
      const a = nameStart - start;
      const type = fold(whole.slice(0, a) + whole.slice(a + name.length));
      out.push({ type: type.indexOf('*') < 0 ? type : type.replace(/\s+\*/g, ' *'), name });
    } else {
      out.push({ type: fold(whole), name: '' });
    }
  }
  if (out.length === 1 && out[0].type === 'void' && out[0].name === '') return [];
  return out;
}

// ---------------------------------------------------------------------------------------------
// Declarations: ops-struct instances and their initialisers.

/**
 * A declaration at the cursor (left where it was), read with the cursor: ops tables are most of
 * the declarations that reach here, and a SyntaxNode per field cost more than their walk.
 * It follows the node reading's paths: the first child in each field, `declarator` else the
 * first named child down to the name.
 */
function declaration(ctx: Ctx, c: Parser.TreeCursor): void {
  if (!toField(c, 'type')) return;
  let struct = '';
  let macroInstance: string | undefined;
  const typeType = nodeType(c);
  if (typeType === 'struct_specifier') {
    if (toField(c, 'name')) {
      struct = ctx.masked.slice(c.startIndex, c.endIndex);
      c.gotoParent();
    }
    if (toField(c, 'body')) {
      c.gotoParent();
      structType(ctx, c);
    }
  } else if (typeType === 'type_identifier') {
    // `DEFINE_SCHED_CLASS(fair) = {…}`: the macro is read as a type and its argument as the declarator.
    const name = ctx.masked.slice(c.startIndex, c.endIndex);
    if (ALL_CAPS.test(name)) macroInstance = name;
  }
  c.gotoParent();
  if (!c.gotoFirstChild()) return;
  do {
    if (nodeType(c) === 'init_declarator') initDeclarator(ctx, c, struct, macroInstance);
  } while (c.gotoNextSibling());
  c.gotoParent();
}

/** `name = {…}` at the cursor (left where it was): its initialiser's functions. */
function initDeclarator(ctx: Ctx, c: Parser.TreeCursor, struct: string, macroInstance: string | undefined): void {
  if (!c.gotoFirstChild()) return;
  let instance: string | undefined;
  let isArray = false;
  let instancePos: Position | undefined;
  let declarator = false;
  let value = false;
  do {
    const field = fieldName(c);
    if (field === 'declarator' && !declarator) {
      declarator = true;
      const type = nodeType(c);
      if (macroInstance) {
        if (type === 'parenthesized_declarator') instance = `${macroInstance}(${ctx.masked.slice(c.startIndex + 1, c.endIndex - 1).trim()})`;
      } else {
        const id = innermostName(c);
        if (id) instance = ctx.masked.slice(id[0], id[1]);
        isArray = type === 'array_declarator';
      }
      if (instance !== undefined) instancePos = pos(c.startPosition);
    } else if (field === 'value' && !value) {
      value = true;
      // Register and firmware tables hold thousands of numbers and no function: walking their
      // nodes cost more than parsing them. Only a plain identifier in value position can register one.
      if (instance !== undefined && nodeType(c) === 'initializer_list' && VALUE_IDENTIFIER.test(ctx.text.slice(c.startIndex, c.endIndex))) {
        initializer(ctx, c, instance, struct, isArray ? 'array' : 'struct', '', instancePos!);
      }
    }
  } while (c.gotoNextSibling());
  c.gotoParent();
}

/**
 * Walks the initialiser list at the cursor, which is left where it was. In an array each element
 * is its own instance (`arr[IDX]`); in a struct nested lists extend the field path (`ops.open`).
 * A cursor, not SyntaxNodes: ops tables are large, and a node per item cost 10 % of indexing.
 */
function initializer(ctx: Ctx, c: Parser.TreeCursor, instance: string, struct: string, kind: 'array' | 'struct', path: string, instancePos: Position): void {
  if (!c.gotoFirstChild()) return;
  let positional = 0;
  do {
    const type = namedType(c);
    if (type === undefined || type === 'comment') continue;
    if (type !== 'initializer_pair') {
      const key = `[${positional}]`;
      positional++;
      initializerValue(ctx, c, type, key, instance, struct, kind, path, instancePos);
      continue;
    }
    // `.a.b[2] = value`: designators, then the value.
    if (!c.gotoFirstChild()) continue;
    let key = '';
    // `[3] = …` moves the position of the next positional element; only the last designator counts.
    let next = -1;
    do {
      const field = fieldName(c);
      if (field === 'designator') {
        const d = ctx.masked.slice(c.startIndex, c.endIndex);
        const designator = nodeType(c);
        next = -1;
        if (designator === 'field_designator') {
          // `.name`, rarely `. name`.
          key += '.' + (d.charCodeAt(0) === 46 && isIdent(d.charCodeAt(1)) ? d.slice(1) : d.replace(/^\.\s*/, ''));
        } else {
          const idx = d.replace(/^\[\s*|\s*\]$/g, '');
          key += `[${idx}]`;
          if (designator === 'subscript_designator' && /^\d+$/.test(idx)) next = Number(idx) + 1;
        }
      } else if (field === 'value') {
        initializerValue(ctx, c, nodeType(c), key, instance, struct, kind, path, instancePos);
        break;
      }
    } while (c.gotoNextSibling());
    c.gotoParent();
    if (next >= 0) positional = next;
  } while (c.gotoNextSibling());
  c.gotoParent();
}

/** One value of an initialiser list at the cursor, of node type `type`, under `key` (`.open`, `[3]`). */
function initializerValue(ctx: Ctx, c: Parser.TreeCursor, type: string, key: string, instance: string, struct: string, kind: 'array' | 'struct', path: string, instancePos: Position): void {
  const list = type === 'initializer_list';
  if (kind === 'array' && path === '') {
    const element = `${instance}${key.startsWith('[') ? key : '[' + key + ']'}`;
    if (list) initializer(ctx, c, element, struct, 'struct', '', pos(c.startPosition));
    else member(ctx, c, type, instance, struct, key, instancePos);
    return;
  }
  const field = path + (key.startsWith('.') ? (path ? key : key.slice(1)) : key);
  if (list) initializer(ctx, c, instance, struct, 'struct', field, instancePos);
  else member(ctx, c, type, instance, struct, field, instancePos);
}

/** A value that names a function (`fn`, `&fn`, `(cast)fn`, `(fn)`) at the cursor, of node type `valueType`, which is left where it was. */
function member(ctx: Ctx, c: Parser.TreeCursor, valueType: string, instance: string, struct: string, field: string, instancePos: Position): void {
  let levels = 0;
  let type = valueType;
  for (;; type = nodeType(c)) {
    const moved = type === 'pointer_expression' ? toField(c, 'argument')
      : type === 'cast_expression' ? toField(c, 'value')
      : type === 'parenthesized_expression' ? toFirstNamed(c)
      : undefined;
    if (moved === undefined) break;
    if (!moved) { up(c, levels); return; }
    levels++;
  }
  if (type === 'identifier') {
    const name = ctx.masked.slice(c.startIndex, c.endIndex);
    if (!NOT_FUNCTIONS.has(name) && !ALL_CAPS.test(name)) {
      const ops: OpsAssignment = { instance, struct, field, fn: name, file: ctx.file, pos: pos(c.startPosition), instancePos };
      ctx.facts.ops.push(ops);
    }
  }
  up(c, levels);
}

/**
 * A struct type with function-pointer fields, at the cursor (left where it was). With the
 * cursor: headers define hundreds of these, and a SyntaxNode per field cost more than the walk.
 * The paths are the node reading's: the first child in a field, `declarator` else the first
 * named child down to the field's name.
 */
function structType(ctx: Ctx, c: Parser.TreeCursor): void {
  if (!c.gotoFirstChild()) return;
  let name: [number, number] | undefined;
  let namePos: Position | undefined;
  let fields: string[] | undefined;
  let fnFields: string[] | undefined;
  do {
    const field = fieldName(c);
    if (field === 'name' && name === undefined) {
      name = [c.startIndex, c.endIndex];
      namePos = pos(c.startPosition);
    } else if (field === 'body' && fields === undefined) {
      fields = [];
      fnFields = [];
      structFields(ctx, c, fields, fnFields);
    }
  } while (c.gotoNextSibling());
  c.gotoParent();
  if (!name || !fnFields || fnFields.length === 0) return;
  const t: OpsStructType = { name: ctx.masked.slice(name[0], name[1]), file: ctx.file, pos: namePos!, fields: fields!, fnFields };
  ctx.facts.opsTypes.push(t);
}

/** The field names of the struct body at the cursor (left where it was), and which are function pointers. */
function structFields(ctx: Ctx, c: Parser.TreeCursor, fields: string[], fnFields: string[]): void {
  if (!c.gotoFirstChild()) return;
  do {
    if (namedType(c) !== 'field_declaration' || !c.gotoFirstChild()) continue;
    do {
      if (fieldName(c) !== 'declarator') continue;
      const id = innermostName(c);
      if (!id) continue;
      const name = ctx.masked.slice(id[0], id[1]);
      fields.push(name);
      if (isFunctionPointer(ctx, c)) fnFields.push(name);
    } while (c.gotoNextSibling());
    c.gotoParent();
  } while (c.gotoNextSibling());
  c.gotoParent();
}

/** `int (*connect)(…)` at the cursor (left where it was): a function_declarator whose declarator is a parenthesised pointer. */
function isFunctionPointer(ctx: Ctx, c: Parser.TreeCursor): boolean {
  let depth = 0;
  let found = false;
  for (;;) {
    if (nodeType(c) === 'function_declarator') {
      if (toField(c, 'declarator')) {
        found = nodeType(c) === 'parenthesized_declarator' && ctx.masked.slice(c.startIndex, c.endIndex).replace(/\s/g, '').startsWith('(*');
        c.gotoParent();
      }
      break;
    }
    if (!toField(c, 'declarator')) break;
    depth++;
  }
  up(c, depth);
  return found;
}

// ---------------------------------------------------------------------------------------------
// Calls: read lexically from each body (bodies were left out of the parse; see bodies.ts).

function extractCalls(ctx: Ctx): void {
  const { facts, file, text, masked, lines } = ctx;
  const scanned: ScannedCall[] = [];
  for (const r of ctx.fnRanges) {
    scanned.length = 0;
    scanCalls(masked, r.bodyStart, r.end, scanned);
    const structOf = new Map<string, string | undefined>();
    for (const s of scanned) {
      const p = lines.at(s.nameOffset);
      if (s.object === undefined) {
        if (ALL_CAPS.test(s.name)) continue;
        if (s.name.startsWith('trace_') && s.name.length > 6) {
          const tc: TracepointCall = { caller: r.name, name: s.name.slice(6), file, pos: p };
          facts.tracepointCalls.push(tc);
        } else {
          const cs: CallSite = { caller: r.name, callee: s.name, file, pos: p };
          facts.calls.push(cs);
        }
        continue;
      }
      const ic: IndirectCall = { caller: r.name, field: s.name, expr: s.expr!, file, pos: p };
      if (/^[A-Za-z_]\w*$/.test(s.object)) {
        if (!structOf.has(s.object)) structOf.set(s.object, declaredStruct(text, r.start, s.offset, s.object));
        const st = structOf.get(s.object);
        if (st) ic.struct = st;
      }
      facts.indirectCalls.push(ic);
    }
  }
}

/** `struct net_device_ops *ops` declared between the function's start and the call. */
function declaredStruct(text: string, from: number, to: number, variable: string): string | undefined {
  const re = declarationOf(variable);
  re.lastIndex = 0;
  const body = text.slice(from, to);
  let found: string | undefined;
  for (let m = re.exec(body); m; m = re.exec(body)) found = m[1];
  return found;
}

/** The expressions by variable name, kept across files: the same few names (`dev`, `ops`, `sk`) recur. */
const declarations = new Map<string, RegExp>();

function declarationOf(variable: string): RegExp {
  let re = declarations.get(variable);
  if (re === undefined) {
    if (declarations.size >= 4096) declarations.clear();
    re = new RegExp(`struct\\s+(\\w+)\\s*(?:const\\s+)?\\*\\s*(?:const\\s+)?${variable}\\b`, 'g');
    declarations.set(variable, re);
  }
  return re;
}

// ---------------------------------------------------------------------------------------------
// Text scans for what the grammar cannot see: exports, TRACE_EVENT bodies, instance macros.

// Each expression below is tried only at the start of a line holding one of its words, found
// with indexOf: run as /^…/gm over the whole text, they cost 1.6 s of CPU on the 479 MB of AMD
// register headers alone (thousands of lines with `_EVENT` in a register name each).
const EXPORT_AT = /[ \t]*(EXPORT_SYMBOL(?:_GPL)?(?:_NS(?:_GPL)?)?|EXPORT_SYMBOL_GPL_FOR_MODULES)[ \t]*\([ \t]*(\w+)/y;

function scanExports(text: string, facts: FileFacts, lines: LineTable): void {
  let end = 0; // where the last match ended: the next one starts on a later line
  // indexOf of a pattern of 7 or more characters is 2-5× slower than of a short one.
  for (let at = text.indexOf('XPORT'); at >= 0; at = text.indexOf('XPORT', at + 5)) {
    if (at < 1 || !text.startsWith('EXPORT_SYMBOL', at - 1)) continue;
    const m = matchOnLine(EXPORT_AT, text, at - 1, end);
    if (m === null) continue;
    end = m.index + m[0].length;
    facts.exports.push({ name: m[2], kind: m[1] as ExportKind, pos: lines.at(end - m[2].length) });
  }
}

const TP_AT = /[ \t]*(TRACE_EVENT|TRACE_EVENT_CONDITION|TRACE_EVENT_FN|DEFINE_EVENT|DEFINE_EVENT_CONDITION|DEFINE_EVENT_FN|DEFINE_EVENT_PRINT|DECLARE_EVENT_CLASS)[ \t]*\(\s*(\w+)(?:\s*,\s*(\w+))?/y;
const TRACE_SYSTEM_RE = /^[ \t]*#[ \t]*define[ \t]+TRACE_SYSTEM[ \t]+(\w+)/m;

function scanTracepointDefs(text: string, facts: FileFacts, lines: LineTable): void {
  let end = 0;
  let system: string | undefined;
  for (let at = text.indexOf('EVENT'); at >= 0; at = text.indexOf('EVENT', at + 5)) {
    // `EVENT` inside TRACE_EVENT…, DEFINE_EVENT… or DECLARE_EVENT_CLASS: where the word starts.
    const word = at >= 6 && text.startsWith('TRACE_', at - 6) ? at - 6 : at >= 7 && text.startsWith('DEFINE_', at - 7) ? at - 7
      : at >= 8 && text.startsWith('DECLARE_', at - 8) ? at - 8 : -1;
    if (word < 0) continue;
    const m = matchOnLine(TP_AT, text, word, end);
    if (m === null) continue;
    end = m.index + m[0].length;
    const kind = m[1] as TracepointKind;
    const isInstance = kind.startsWith('DEFINE_EVENT');
    const name = isInstance ? m[3] : m[2];
    if (!name) continue;
    system ??= TRACE_SYSTEM_RE.exec(text)?.[1] ?? '';
    const nameOffset = isInstance ? end - name.length : m.index + m[0].indexOf(name, m[1].length);
    const tp: TracepointDef = { name, kind, system, file: facts.file, pos: lines.at(nameOffset) };
    if (isInstance) tp.eventClass = m[2];
    facts.tracepoints.push(tp);
  }
}

/**
 * The sticky `re` (a /^[ \t]*…/gm expression without its `^`) tried at the start of the line
 * holding `word`, when only blanks precede the word there and that start is not before
 * `notBefore` (the end of the previous match): what the /gm form finds, match for match.
 */
function matchOnLine(re: RegExp, text: string, word: number, notBefore: number): RegExpExecArray | null {
  let start = word;
  while (start > 0 && (text.charCodeAt(start - 1) === 32 || text.charCodeAt(start - 1) === 9)) start--;
  if (start > 0) {
    // Line terminators for `^` under the m flag.
    const c = text.charCodeAt(start - 1);
    if (c !== 10 && c !== 13 && c !== 0x2028 && c !== 0x2029) return null;
  }
  if (start < notBefore) return null;
  re.lastIndex = start;
  return re.exec(text);
}

const INSTANCE_MACRO_RE = /^[ \t]*#[ \t]*define[ \t]+([A-Z][A-Z0-9_]*)\((\w+)\)[^\n]*?(?:\\\n[^\n]*?)*?struct[ \t]+(\w+)[ \t]+(\w*?)(?:##)?\2(?:##(\w+))?\b/gm;

function scanInstanceMacros(text: string, facts: FileFacts): void {
  if (text.indexOf('##') < 0) return;
  INSTANCE_MACRO_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = INSTANCE_MACRO_RE.exec(text)) !== null) {
    const im: InstanceMacro = { macro: m[1], struct: m[3], prefix: m[4] ?? '', suffix: m[5] ?? '' };
    if (im.prefix || im.suffix) facts.instanceMacros.push(im);
  }
}

// ---------------------------------------------------------------------------------------------

function pos(p: Parser.Point): Position {
  return { line: p.row, col: p.column };
}

/** Comments blanked, runs of blanks made one space (signatures, types): called several times per definition. */
function fold(s: string): string {
  const t = s.indexOf('/*') < 0 ? s : s.replace(/\/\*[\s\S]*?\*\//g, ' ');
  return (MULTI_BLANK.test(t) ? t.replace(/\s+/g, ' ') : t).trim();
}

/** Blanks that fold would rewrite: two in a row, or one that is not a space. */
const MULTI_BLANK = /\s\s|[\t\n\r\f\v\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/;

/** Splits macro arguments on commas outside parentheses. */
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 40) depth++;
    else if (c === 41) depth--;
    else if (c === 44 && depth === 0) { out.push(s.slice(last, i)); last = i + 1; }
  }
  out.push(s.slice(last));
  return out;
}
