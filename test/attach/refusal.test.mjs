// How a refusal is explained depends on the kernel's real config: this machine's (no kprobes)
// versus Debian 6.1's (kprobes built in), so the message never blames an option that is set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseKernelConfig, runningKernelConfig } from '../../server/out/attach/kernelConfig.js';
import { explainRefusal } from '../../server/out/attach/plan.js';
import { debian61Config } from '../btf/fixtures.mjs';

// the helper's refusal of a kprobe on a kernel without a kprobe PMU, as it sends it
const NO_KPROBES = {
  code: 'ENOKPROBES',
  message: 'this kernel has no kprobes (CONFIG_KPROBES is not set: no kprobe PMU in /sys/bus/event_source/devices); use a tracepoint',
  alternatives: ['syscalls:sys_enter_connect', 'xdp:mem_connect'],
  tried: [{ type: 'kprobe', code: 'ENOKPROBES', message: 'this kernel has no kprobes (CONFIG_KPROBES is not set: no kprobe PMU in /sys/bus/event_source/devices); use a tracepoint' }],
};

test('this machine: the running config is read and named as the evidence', (t) => {
  const config = runningKernelConfig();
  if (!config) { console.log('# skipped: no /proc/config.gz or /boot/config-*'); return t.skip('no kernel config readable'); }
  if (config.get('CONFIG_KPROBES') !== undefined) { console.log('# skipped: this kernel has kprobes'); return t.skip('kernel has kprobes'); }
  const r = explainRefusal(NO_KPROBES, config, ['tcp:tcp_destroy_sock']);
  assert.match(r.message, new RegExp(`CONFIG_KPROBES is not set \\(${config.source.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)`));
  assert.match(r.reasons[0], /^kprobe: .* \(.*: # CONFIG_KPROBES is not set\)$/);
  // the index's own offers come first, then the helper's, without duplicates
  assert.deepEqual(r.alternatives, ['tcp:tcp_destroy_sock', 'syscalls:sys_enter_connect', 'xdp:mem_connect']);
  assert.match(r.message, /Try the tracepoint tcp:tcp_destroy_sock instead\.$/);
});

test('Debian 6.1 config (CONFIG_KPROBES=y): the option is not blamed', (t) => {
  const debian = debian61Config();
  if (typeof debian !== 'string') { console.log(`# skipped: ${debian.skip}`); return t.skip(debian.skip); }
  const config = parseKernelConfig(readFileSync(debian, 'utf8'), debian);
  assert.equal(config.get('CONFIG_KPROBES'), 'y');
  assert.equal(config.get('CONFIG_NO_SUCH_OPTION'), undefined);
  const r = explainRefusal(NO_KPROBES, config, []);
  assert.doesNotMatch(r.message, /^No kprobes on this kernel: CONFIG_KPROBES is not set/);
  assert.equal(r.message, `${NO_KPROBES.message}. Try the tracepoint syscalls:sys_enter_connect instead.`);
  assert.doesNotMatch(r.reasons[0], /# CONFIG_KPROBES is not set\)$/);
});

test('a refusal with nothing to offer says so plainly', () => {
  const r = explainRefusal({ code: 'ENOTFOUND', message: 'no_such_fn is not in /proc/kallsyms' }, null, []);
  assert.equal(r.message, 'no_such_fn is not in /proc/kallsyms');
  assert.deepEqual(r.reasons, ['no_such_fn is not in /proc/kallsyms']);
  assert.deepEqual(r.alternatives, []);
  assert.deepEqual(r.tried, []);
});
