// The skeleton parse (function bodies and function-free initialisers left out through tree-sitter's
// included ranges) must see the same top-level structure, at the same offsets and rows/columns,
// as a parse of the masked text with those same ranges blanked to spaces (newlines kept), which
// is how bodies were hidden before; on real kernel files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { ensureSubsetTree, skipWithoutTree } from '../e2e/trees.mjs';
import { maskAttributes } from '../../server/out/index/mask.js';
import { findBodies } from '../../server/out/index/bodies.js';
import { parseSkeleton } from '../../server/out/index/skeletonParse.js';
import { LineTable } from '../../server/out/index/lineTable.js';

const require = createRequire(import.meta.url);
const Parser = require('tree-sitter');
const C = require('tree-sitter-c');

const FILES = ['net/ipv4/tcp_ipv4.c', 'net/ipv4/af_inet.c', 'kernel/sched/fair.c', 'fs/ext4/inode.c', 'net/core/dev.c', 'include/linux/netdevice.h', 'net/ipv4/tcp_input.c'];

/** Top-level named nodes (through preprocessor containers) as comparable strings. */
function topLevel(tree) {
  const out = [];
  const walk = (c) => {
    if (!c.gotoFirstChild()) return;
    do {
      if (!c.nodeIsNamed || c.nodeType === 'comment') continue;
      const s = c.startPosition;
      const e = c.endPosition;
      out.push(`${c.nodeType} ${c.startIndex}-${c.endIndex} ${s.row}:${s.column}-${e.row}:${e.column}`);
      if (/^preproc_(if|ifdef|else|elif)/.test(c.nodeType)) walk(c);
    } while (c.gotoNextSibling());
    c.gotoParent();
  };
  walk(tree.walk());
  return out;
}

function blank(text, ranges) {
  let out = '';
  let copied = 0;
  for (let k = 0; k < ranges.length; k += 2) {
    out += text.slice(copied, ranges[k]) + text.slice(ranges[k], ranges[k + 1]).replace(/[^\n]/g, ' ');
    copied = ranges[k + 1];
  }
  return out + text.slice(copied);
}

test('leaving ranges out of the parse gives the structure and positions of blanking them', async (t) => {
  const subset = await ensureSubsetTree();
  if (skipWithoutTree(subset, t)) return;
  const parser = new Parser();
  parser.setLanguage(C);
  let skippedBytes = 0;
  let total = 0;
  for (const rel of FILES) {
    const text = readFileSync(join(subset.dir, rel), 'utf8');
    const masked = maskAttributes(text);
    const ranges = findBodies(masked, text);
    assert.ok(ranges && ranges.length > 0, `${rel}: no body found`);
    const blanked = blank(masked, ranges);
    const whole = topLevel(parser.parse(blanked, undefined, { bufferSize: blanked.length + 1 }));
    for (let k = 0; k < ranges.length; k += 2) skippedBytes += ranges[k + 1] - ranges[k];
    total += text.length;
    const skeleton = parseSkeleton(parser, text, masked, new LineTable(masked));
    assert.deepEqual(topLevel(skeleton), whole, rel);
    // Node text comes from the masked text, also for a node spanning a skipped body.
    const fn = skeleton.rootNode.descendantsOfType('function_definition')[0];
    assert.equal(fn.text, masked.slice(fn.startIndex, fn.endIndex), rel);
  }
  console.log(`# ${FILES.length} files, ${(100 * skippedBytes / total).toFixed(0)}% of bytes left out of the parse`);
  assert.ok(skippedBytes > total / 3, 'bodies should be most of these files');
});
