// Issue 3 in a real VS Code (code-server + Chromium): the hover on tcp_v4_connect opens with the
// stability headline (attachable, its ops interface, the running kernel's BTF as the source), and
// the CodeLens above it offers the attach. Screenshots land in test/artifacts/e2e/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { release } from 'node:os';
import { INDEX_TIMEOUT_MS, withSubsetEditor } from './session.mjs';
import { locate } from './source.mjs';

test('issue 3: stability headline in the hover and attach CodeLens in a real editor', { timeout: INDEX_TIMEOUT_MS + 300_000 }, (t) => withSubsetEditor(t, { prefix: 'issue3-', missing: () => !existsSync('/sys/kernel/btf/vmlinux') ? 'no /sys/kernel/btf/vmlinux: the headline would come from source heuristics only' : null }, async ({ tree, ed, shot, step }) => {
    await step('the index becomes ready', async () => {
      await ed.openFile('net/ipv4/tcp_ipv4.c');
      const ready = await ed.waitForStatus(/KPN [\d,]+ fns/, INDEX_TIMEOUT_MS);
      assert.match(ready, /KPN [\d,]+ fns/);
    });

    const def = locate(tree, 'net/ipv4/tcp_ipv4.c', /^int (tcp_v4_connect)\(/m);

    await step('hover on tcp_v4_connect starts with the verdict headline', async () => {
      // The first hover after indexing also waits for the build evidence (BTF + kallsyms) to load.
      const text = await ed.hoverAt(def.line, def.col + 2, { match: /attachable · stable interface/, timeout: 90_000 });
      console.log(`# hover: ${text.replace(/\s+/g, ' ').slice(0, 400)}`);
      await shot('hover-verdict');
      const first = text.split('\n')[0];
      assert.match(first, /^attachable · stable interface: tcp_prot\.connect, tcpv6_prot\.connect/);
      assert.ok(first.includes(`BTF of ${release()}`), first);
      assert.match(text, /in BTF of .*: int tcp_v4_connect\(struct sock \*sk, struct sockaddr \*uaddr, int addr_len\)/);
      assert.ok(text.indexOf('attachable') < text.indexOf('Ops registrations'), 'headline above the ops list');
      await ed.closeHover();
    });

    await step('CodeLens above tcp_v4_connect offers the attach', async () => {
      await ed.waitForCodeLens(/attach fentry/);
      const lens = await ed.codeLensAbove('int tcp_v4_connect(');
      console.log(`# CodeLens above tcp_v4_connect: ${lens}`);
      await shot('codelens-attach');
      assert.match(lens ?? '', /attach fentry/);
    });
}));
