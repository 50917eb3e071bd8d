// A hover computes one function's attach context without counting every identifier of its file;
// the CodeLens computes the whole file's in one pass. Both must give the same context, or a verdict
// would change with the order in which the editor asked.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { subsetIndex } from '../support/subsetIndex.mjs';

const require = createRequire(import.meta.url);
const { AttachContextBuilder, countMentions, countIdentifiers, blankNonCode } = require('../../server/out/stability/attachContext.js');

let sub;
before(async () => { sub = await subsetIndex(); });

test('one function at a time equals the whole-file pass, on every function of real files', (t) => {
  if (sub.missing) { console.log(`# skipped: ${sub.missing}`); t.skip(sub.missing); return; }
  const builder = new AttachContextBuilder(sub.index);
  let compared = 0;
  for (const file of ['net/ipv4/tcp_ipv4.c', 'net/ipv4/tcp.c', 'net/socket.c', 'kernel/sched/fair.c', 'fs/ext4/inode.c', 'include/linux/skbuff.h']) {
    const text = fs.readFileSync(path.join(sub.dir, file), 'utf8');
    const whole = builder.contextsForFile(file, text);
    assert.ok(whole.size > 20, `${file}: ${whole.size} functions`);
    for (const [fn, ctx] of whole) {
      assert.deepEqual(builder.contextFor(fn, text), ctx, `${file}: ${fn.name}`);
      compared++;
    }
  }
  console.log(`# ${compared} functions compared`);
});

test('mentions of one name are classified as the whole-file count classifies them', () => {
  const text = 'static int f(int x);\n/* f( in a comment */ int g(void) { return f (1) + h(f) + ff(2) + f_(3); }\nops.cb = f;\nchar *s = "f(";';
  const all = countIdentifiers(text);
  assert.deepEqual(countMentions(blankNonCode(text), 'f'), { callLike: all.callLike.get('f'), other: all.other.get('f') });
  assert.deepEqual(countMentions(blankNonCode(text), 'f'), { callLike: 2, other: 2 });
});
