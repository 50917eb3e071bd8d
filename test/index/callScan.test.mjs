// The lexical call scanner (bodies are left out of the parse, so it is the only reader of calls)
// against an independent reading: tree-sitter's call_expression nodes in a full parse of the same
// masked text, on real 6.1 files. Both are compared as (caller, callee, line) sets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { ensureSubsetTree } from '../e2e/trees.mjs';
import { extractFacts } from '../../server/out/index/extract.js';
import { maskAttributes } from '../../server/out/index/mask.js';

const require = createRequire(import.meta.url);
const Parser = require('tree-sitter');
const C = require('tree-sitter-c');

const FILES = ['net/ipv4/tcp_ipv4.c', 'net/ipv4/af_inet.c', 'net/ipv4/tcp_input.c', 'kernel/sched/fair.c', 'fs/ext4/inode.c', 'net/core/dev.c', 'include/linux/netdevice.h'];

function treeSitterCalls(parser, text, functions) {
  const tree = parser.parse(maskAttributes(text), undefined, { bufferSize: text.length + 1 });
  const out = new Set();
  for (const node of tree.rootNode.descendantsOfType('call_expression')) {
    const fn = node.childForFieldName('function');
    if (!fn || fn.type !== 'identifier' || /^[A-Z0-9_]+$/.test(fn.text)) continue;
    const line = fn.startPosition.row;
    const caller = functions.find((f) => line >= f.span.start.line && line <= f.span.end.line);
    if (!caller) continue;
    out.add(`${caller.name} ${fn.text} ${line}`);
  }
  return out;
}

test('lexical call sites agree with tree-sitter call_expressions on real files', async (t) => {
  const tree = await ensureSubsetTree();
  if (tree.missing) { t.skip(tree.missing); return; }
  const parser = new Parser();
  parser.setLanguage(C);
  let common = 0;
  let onlyLexical = 0;
  let onlyTree = 0;
  const examples = [];
  for (const rel of FILES) {
    const text = readFileSync(join(tree.dir, rel), 'utf8');
    const facts = extractFacts(parser, rel, text, text.length, 0);
    const lexical = new Set([...facts.calls.map((c) => `${c.caller} ${c.callee} ${c.pos.line}`),
      ...facts.tracepointCalls.map((c) => `${c.caller} trace_${c.name} ${c.pos.line}`)]);
    const reference = treeSitterCalls(parser, text, facts.functions);
    for (const k of lexical) if (reference.has(k)) common++; else { onlyLexical++; if (examples.length < 8) examples.push(`${rel}: lexical only ${k}`); }
    for (const k of reference) if (!lexical.has(k)) { onlyTree++; if (examples.length < 16) examples.push(`${rel}: tree-sitter only ${k}`); }
  }
  const precision = common / (common + onlyLexical);
  const recall = common / (common + onlyTree);
  t.diagnostic(`${common} common, ${onlyLexical} lexical only, ${onlyTree} tree-sitter only; precision ${(precision * 100).toFixed(2)}%, recall ${(recall * 100).toFixed(2)}%`);
  for (const e of examples) t.diagnostic(e);
  assert.ok(common > 5000, String(common));
  assert.ok(precision >= 0.98 && recall >= 0.98, `precision ${precision}, recall ${recall}`);
});
