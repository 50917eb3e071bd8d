// The attachability rules on hand-made cases (each verdict), and the context builder on a small
// real-looking file indexed by the real extractor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { predictAttachability } = require('../../server/out/stability/attachability.js');
const { countIdentifiers } = require('../../server/out/stability/attachContext.js');

const ctx = (over = {}) => ({
  callsInFile: 2, callsInTree: 2, nonCallRefs: 0, callLikeMentions: 3, inOpsStruct: false, definitionsWithName: 1,
  bodyLines: 20, unusedParams: 0, inHeader: false, fileWithoutFtrace: false, ...over,
});
const fn = (qualifiers, over = {}) => ({ name: 'f', file: 'net/x.c', qualifiers, returnType: 'int', params: [], span: { start: { line: 0, col: 0 }, end: { line: 19, col: 1 } }, ...over });

test('verdicts', () => {
  const p = (f, c) => predictAttachability(f, c);
  assert.equal(p(fn([]), ctx()).verdict, 'attachable');
  const nt = p(fn(['notrace']), ctx());
  assert.deepEqual([nt.verdict, nt.attachable, nt.emitted], ['notrace', false, true], 'notrace functions exist but cannot be probed');
  assert.equal(p(fn(['static', 'noinstr']), ctx()).verdict, 'notrace');
  assert.equal(p(fn([]), ctx({ fileWithoutFtrace: true })).verdict, 'notrace');
  assert.equal(p(fn(['static', '__init']), ctx()).verdict, 'init');
  assert.equal(p(fn(['static', '__init']), ctx({ callsInFile: 1 })).emitted, false, 'an __init helper called once is inlined too');
  assert.equal(p(fn(['static']), ctx({ callsInFile: 3, bodyLines: 40 })).verdict, 'attachable');
  assert.equal(p(fn(['static']), ctx({ callsInFile: 3, bodyLines: 5 })).verdict, 'maybe-inlined');
  assert.equal(p(fn(['static']), ctx({ callsInFile: 3, bodyLines: 40, unusedParams: 1 })).emitted, false, 'IPA-SRA renames it .isra');
  assert.equal(p(fn(['static']), ctx({ callsInFile: 0, callLikeMentions: 1 })).emitted, true, 'reached through a macro-pasted name');
  assert.equal(p(fn(['static', '__always_inline']), ctx()).verdict, 'inlined');
  assert.equal(p(fn(['static', 'inline']), ctx({ inHeader: true, file: 'include/x.h' })).verdict, 'header-static');
  assert.equal(p(fn(['static', 'noinline']), ctx({ callsInFile: 1 })).attachable, true);
  assert.equal(p(fn([], { syscall: { name: 'connect', nargs: 3, compat: false, symbols: ['__x64_sys_connect'] } }), ctx()).verdict, 'syscall-wrapper');
  const ops = p(fn(['static']), ctx({ callsInFile: 0, inOpsStruct: true }));
  assert.equal(ops.attachable, true);
  assert.ok(ops.reasons.some((r) => r.includes('ops struct')));
  const once = p(fn(['static']), ctx({ callsInFile: 1, callLikeMentions: 2 }));
  assert.equal(once.attachable, false);
  assert.equal(once.verdict, 'inlined');
  assert.ok(once.reasons.length > 0);
});

test('countIdentifiers separates calls from references, ignoring comments and strings', () => {
  const c = countIdentifiers(`
static int helper(int x);
static int helper(int x) { return x; }
/* helper is great */
static const struct ops o = { .run = helper, .other = other_fn };
int main(void) { pr_info("helper"); return helper (1) + helper(2); }
EXPORT_SYMBOL(main);
`);
  assert.equal(c.callLike.get('helper'), 4);
  assert.equal(c.other.get('helper'), 1);
  assert.equal(c.other.get('main'), 1);
  assert.equal(c.other.get('other_fn'), 1);
});

test('AttachContextBuilder on a file indexed by the real extractor', () => {
  const { factsFromText } = require('../../server/out/index/singleFile.js');
  const { KernelIndex } = require('../../server/out/index/kernelIndex.js');
  const { AttachContextBuilder } = require('../../server/out/stability/attachContext.js');
  const text = `
static int once(int x) { return x + 1; }
static int twice(int x) { return x * 2; }
static int via_ops(struct sock *sk) { return 0; }
static inline int tiny(void) { return 1; }
int global_fn(int a) { return once(a) + twice(a) + twice(a) + tiny(); }
static const struct proto_ops my_ops = { .release = via_ops };
`;
  const index = new KernelIndex('/nonexistent');
  index.setFile(factsFromText('net/demo.c', text));
  const ctxs = new AttachContextBuilder(index).contextsForFile('net/demo.c', text);
  const byName = new Map([...ctxs].map(([fn, c]) => [fn.name, { fn, c }]));
  assert.equal(byName.get('once').c.callsInFile, 1);
  assert.equal(byName.get('twice').c.callsInFile, 2);
  assert.equal(byName.get('via_ops').c.inOpsStruct, true);
  assert.equal(byName.get('via_ops').c.nonCallRefs, 1);
  assert.equal(byName.get('via_ops').c.unusedParams, 1, '`sk` is never used');
  assert.equal(byName.get('twice').c.unusedParams, 0);
  const verdict = (n) => predictAttachability(byName.get(n).fn, byName.get(n).c).verdict;
  assert.equal(verdict('once'), 'inlined');
  assert.equal(verdict('twice'), 'maybe-inlined', 'one line, two calls: small enough to inline');
  assert.equal(verdict('via_ops'), 'attachable');
  assert.equal(verdict('tiny'), 'inlined');
  assert.equal(verdict('global_fn'), 'attachable');
});
