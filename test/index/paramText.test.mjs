// Parameters read from the text (paramText.ts) must equal the cursor walk of tree-sitter's
// parameter_list for every definition where the text reader answers, on real kernel sources:
// the 6.1 subset, plus any tree named in KPN_PARAMS_CHECK_TREE (a whole tree takes minutes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { ensureSubsetTree, skipWithoutTree } from '../e2e/trees.mjs';
import { maskAttributes } from '../../server/out/index/mask.js';
import { parseSkeleton } from '../../server/out/index/skeletonParse.js';
import { LineTable } from '../../server/out/index/lineTable.js';
import { readFunctionFields, readDeclarator } from '../../server/out/index/cursorRead.js';
import { plainParams } from '../../server/out/index/paramText.js';
import { isPreprocessorOnly } from '../../server/out/index/textScan.js';

const require = createRequire(import.meta.url);
const Parser = require('tree-sitter');
const C = require('tree-sitter-c');

function sourceFiles(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) sourceFiles(p, out);
    else if (e.isFile() && /\.[ch]$/.test(e.name)) out.push(p);
  }
  return out;
}

/** Visits every function_definition the extractor visits (through preprocessor containers and ERRORs). */
function* definitions(cursor) {
  if (!cursor.gotoFirstChild()) return;
  do {
    const type = cursor.nodeType;
    if (type === 'function_definition') yield cursor;
    else if (/^(translation_unit|preproc_\w+|ERROR|linkage_specification|declaration_list)$/.test(type)) yield* definitions(cursor);
  } while (cursor.gotoNextSibling());
  cursor.gotoParent();
}

function compareTree(parser, root) {
  const stats = { definitions: 0, plain: 0, mismatches: [] };
  for (const file of sourceFiles(root)) {
    const text = readFileSync(file, 'utf8');
    if (text.indexOf('\0') >= 0 || isPreprocessorOnly(text)) continue;
    const masked = maskAttributes(text);
    const tree = parseSkeleton(parser, text, masked, new LineTable(masked));
    for (const c of definitions(tree.walk())) {
      const walked = readFunctionFields(c);
      if (!walked) continue;
      const textual = { ...walked, params: [] };
      readDeclarator(c, walked);
      readDeclarator(c, textual, masked);
      if (walked.nameStart < 0) continue;
      stats.definitions++;
      if (textual.params !== walked.params && JSON.stringify(textual.params) !== JSON.stringify(walked.params)) {
        stats.mismatches.push(`${file}:${masked.slice(0, walked.nameStart).split('\n').length}: text ${JSON.stringify(textual.params)} tree ${JSON.stringify(walked.params)}`);
      }
    }
  }
  return stats;
}

test('plain parameter lists read from text equal the tree walk on real kernel files', async (t) => {
  const subset = await ensureSubsetTree();
  if (skipWithoutTree(subset, t)) return;
  const parser = new Parser();
  parser.setLanguage(C);
  const roots = [subset.dir];
  if (process.env.KPN_PARAMS_CHECK_TREE) roots.push(process.env.KPN_PARAMS_CHECK_TREE);
  for (const root of roots) {
    const s = compareTree(parser, root);
    console.log(`# ${root}: ${s.definitions} definitions, mismatches ${s.mismatches.length}`);
    assert.ok(s.definitions > 10000, `too few definitions seen in ${root}`);
    assert.deepEqual(s.mismatches.slice(0, 20), []);
  }
});

test('the text reader declines what only the tree can read', () => {
  const cases = {
    'int (*cb)(void)': undefined, 'char buf[16]': undefined, 'int a, ...': undefined, 'int /* x */ a': undefined,
    'int a b': undefined, 'int a,': undefined, 'int *': undefined, 'u32 const x': undefined, 'static int a': undefined,
  };
  for (const [inner, want] of Object.entries(cases)) assert.equal(plainParams(`(${inner})`, 0, inner.length + 1), want, inner);
  assert.deepEqual(plainParams('(struct sock *sk, unsigned long flags)', 0, 37), [1, 16, 14, 16, 18, 37, 32, 37]);
  assert.deepEqual(plainParams('()', 0, 1), []);
  assert.deepEqual(plainParams('(void)', 0, 5), [1, 5, -1, -1]);
});
