// Issue 2 end to end: a probe author opens a kernel tree in a real VS Code (code-server +
// Chromium), waits for the index, and uses hover, go to definition and CodeLens on tcp_v4_connect.
// Screenshots of every step land in test/artifacts/e2e/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { INDEX_TIMEOUT_MS, withSubsetEditor } from './session.mjs';
import { locate } from './source.mjs';

test('issue 2: hover, go to definition and CodeLens in a real editor', { timeout: INDEX_TIMEOUT_MS + 300_000 }, (t) => withSubsetEditor(t, { prefix: 'issue2-' }, async ({ tree, ed, shot, step }) => {
    await step('workbench opens the tree', async () => {
      await shot('workbench');
    });

    await step('opening a C file starts the index, which becomes ready', async () => {
      await ed.openFile('net/ipv4/tcp_ipv4.c');
      const first = await ed.waitForStatus(/KPN/, 60_000);
      console.log(`# status bar: ${first}`);
      await shot('indexing');
      let lastProgress = '';
      const ready = await ed.waitForStatus(/KPN [\d,]+ fns/, INDEX_TIMEOUT_MS, (items) => {
        const kpn = items.find((i) => /KPN/.test(i.text))?.text ?? '';
        if (kpn !== lastProgress) { lastProgress = kpn; console.log(`# status bar: ${kpn}`); }
      });
      console.log(`# status bar: ${ready}`);
      assert.match(ready, /KPN [\d,]+ fns/);
      await shot('index-ready');
    });

    const def = locate(tree, 'net/ipv4/tcp_ipv4.c', /^int (tcp_v4_connect)\(/m);

    await step('hover on tcp_v4_connect shows its ops membership', async () => {
      const text = await ed.hoverAt(def.line, def.col + 2, { match: /tcp_prot\.connect/ });
      console.log(`# hover: ${text.replace(/\s+/g, ' ').slice(0, 300)}`);
      await shot('hover-tcp_v4_connect');
      assert.match(text, /tcp_prot\.connect/);
      assert.match(text, /struct proto/);
      assert.match(text, /net\/ipv4\/tcp_ipv4\.c/);
      await ed.closeHover();
    });

    await step('CodeLens above tcp_v4_connect counts its ops registrations', async () => {
      await ed.waitForCodeLens(/\d+ ops registrations?/);
      const lens = await ed.codeLensAbove('int tcp_v4_connect(');
      console.log(`# CodeLens above tcp_v4_connect: ${lens}`);
      await shot('codelens');
      assert.match(lens ?? '', /\d+ ops registrations?/);
    });

    await step('go to definition from the call in tcp_v6_connect lands on tcp_v4_connect', async () => {
      // tcp_v6_connect() hands v4-mapped addresses to tcp_v4_connect().
      const call = locate(tree, 'net/ipv6/tcp_ipv6.c', /=\s*(tcp_v4_connect)\(/);
      await ed.openFile('net/ipv6/tcp_ipv6.c');
      await ed.gotoLine(call.line, call.col + 2);
      await shot('call-site');
      const landed = await ed.goToDefinition();
      console.log(`# definition: ${JSON.stringify(landed)}`);
      await shot('definition');
      assert.ok(!landed.peek, `one definition expected, got a peek list: ${landed.text}`);
      assert.equal(landed.path, join(tree, 'net/ipv4/tcp_ipv4.c'));
      assert.equal(landed.line, def.line);
    });
}));
