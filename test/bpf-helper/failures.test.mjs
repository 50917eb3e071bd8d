// Why a probe cannot attach must be specific: no kprobes, refused fentry, unknown or ambiguous names, clones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildHelper, startHelper } from './setup.mjs';

function kallsymsFacts() {
  const names = new Map();
  for (const line of readFileSync('/proc/kallsyms', 'utf8').split('\n')) {
    const [addr, type, name, mod] = line.split(/\s+/);
    if (!name || !/^[tT]$/.test(type) || mod) continue;
    if (!names.has(name)) names.set(name, []);
    names.get(name).push(addr);
  }
  const clonesOf = new Map();
  for (const name of names.keys()) {
    const m = /^([A-Za-z_]\w*)\.(isra|constprop|part)\.\d+/.exec(name);
    if (m && !name.endsWith('.cold')) clonesOf.set(m[1], (clonesOf.get(m[1]) ?? 0) + 1);
  }
  let clone, dup;
  for (const [name, addrs] of names) {
    const m = /^([A-Za-z_]\w*)\.isra\.\d+$/.exec(name);
    // a clone is attachable by its base name only when it is the one copy and the base is gone
    if (!clone && m && !m[1].startsWith('__pfx_') && !names.has(m[1]) && clonesOf.get(m[1]) === 1 && addrs.length === 1) clone = { base: m[1], name };
    if (!dup && addrs.length > 1 && /^[A-Za-z_]\w*$/.test(name) && !name.startsWith('__pfx_')) dup = { name, addrs };
    if (clone && dup) break;
  }
  return { clone, dup };
}

test('a kprobe attach explains the missing CONFIG_KPROBES and offers the tracepoint', async (t) => {
  const why = buildHelper();
  if (why) return t.skip(why);
  const h = await startHelper();
  try {
    if (h.hello.features.kprobes) return t.skip('this kernel has kprobes');
    await assert.rejects(h.attach({ target: 'tcp_v4_connect', type: 'kprobe' }), (e) => {
      assert.equal(e.code, 'ENOKPROBES');
      assert.match(e.message, /CONFIG_KPROBES/);
      assert.equal(e.alternatives[0], 'syscalls:sys_enter_connect');
      return true;
    });
    // auto: every candidate type is accounted for
    await assert.rejects(h.attach({ target: '__x64_sys_connect' }), (e) => {
      assert.equal(e.code, 'ENOATTACH');
      assert.deepEqual(e.tried.map((x) => x.type), ['fentry', 'kprobe']);
      assert.ok(e.alternatives.includes('syscalls:sys_enter_connect'));
      return true;
    });
    await assert.rejects(h.attach({ target: 'connect', type: 'ksyscall' }), (e) => e.code === 'ENOKPROBES' && /sys_enter_connect/.test(e.message));
  } finally {
    await h.close();
  }
});

test('names that are not in the kernel, clones and collisions are told apart', async (t) => {
  const why = buildHelper();
  if (why) return t.skip(why);
  const { clone, dup } = kallsymsFacts();
  const h = await startHelper();
  try {
    await assert.rejects(h.verify({ target: 'kpn_no_such_function_xyz', type: 'kprobe' }), (e) => e.code === 'ENOTFOUND' && /kallsyms/.test(e.message));
    await assert.rejects(h.verify({ target: 'kpn_no_such_function_xyz', type: 'fentry' }), (e) => e.code === 'ENOBTF');
    await assert.rejects(h.verify({ target: 'nosuchcat:nosuchevent', type: 'tracepoint' }), (e) => e.code === 'ENOTFOUND');
    if (clone) {
      const r = await h.verify({ target: clone.base, type: 'kprobe' });
      assert.equal(r.resolved, clone.name);
      assert.match(r.notes.join('\n'), /clone/);
    } else t.diagnostic('no .isra-only function in this kernel');
    if (dup) {
      await assert.rejects(h.verify({ target: dup.name, type: 'kprobe' }), (e) => {
        assert.equal(e.code, 'EAMBIGUOUS');
        assert.ok(e.alternatives.some((a) => a.includes(`@0x${dup.addrs[0]}`)));
        return true;
      });
      const r = await h.verify({ target: dup.name, type: 'kprobe', addr: `0x${dup.addrs[1]}` });
      assert.equal(r.resolved, `${dup.name}@0x${dup.addrs[1]}`);
    } else t.diagnostic('no duplicated function name in this kernel');
  } finally {
    await h.close();
  }
});
