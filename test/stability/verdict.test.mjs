// Verdicts over the real 6.1 subset: the taxonomy on known functions, alternatives, and — with a
// real build supplied — agreement with that build on every function the subset defines.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { subsetIndex } from '../support/subsetIndex.mjs';
import { debian61Vmlinux } from '../btf/fixtures.mjs';

const require = createRequire(import.meta.url);
const { functionVerdict } = require('../../server/out/stability/verdict.js');
const { loadEvidence } = require('../../server/out/stability/evidenceStore.js');
const { setNoFtraceRules } = require('../../server/out/stability/contextCache.js');
const { scanNoFtrace } = require('../../server/out/stability/ftraceFlags.js');

const INIT = ['__init', '__exit', '__meminit', '__cpuinit'];
let sub;
before(async () => {
  sub = await subsetIndex();
  if (!sub.missing) setNoFtraceRules(sub.index, await scanNoFtrace(sub.dir));
});

function skipIfMissing(t) {
  if (sub.missing) { console.log(`# skipped: ${sub.missing}`); t.skip(sub.missing); return true; }
  return false;
}

/** What the build says, independently of the verdict code: BTF FUNC (or symbol) of the name, syscall symbols for SYSCALL_DEFINE. */
function buildSays(ev, def) {
  const btf = ev.sources.btf?.btf;
  const syms = ev.sources.symbols ?? [];
  const has = (n) => (btf?.hasFunc(n) ?? false) || syms.some((t) => t.hasExact(n));
  if (def.syscall) return def.syscall.symbols.some((s) => has(s));
  if (def.qualifiers.some((q) => INIT.includes(q))) return false;
  return has(def.name);
}

function agreement(index, ev) {
  const names = [...new Set([...index.allFunctions()].map((f) => f.name))];
  const wrong = [];
  let attachable = 0;
  for (const name of names) {
    const v = functionVerdict(index, name, ev);
    const def = index.resolve(name).find((d) => d.file === v.file && d.nameSpan.start.line + 1 === v.line);
    const truth = buildSays(ev, def);
    if (v.attachable) attachable++;
    if (v.attachable !== truth) wrong.push(`${name} (${def.file}): verdict ${v.verdict}/${v.attachable}, build ${truth}`);
    assert.equal(v.source, ev.label, name);
  }
  return { names: names.length, attachable, wrong };
}

test('tcp_v4_connect: attachable, with its ops interface and sibling in the headline', (t) => {
  if (skipIfMissing(t)) return;
  const v = functionVerdict(sub.index, 'tcp_v4_connect', { sources: {}, problems: [], label: 'none' });
  assert.equal(v.attachable, true);
  assert.equal(v.source, 'source heuristics');
  assert.match(v.headline, /^attachable · stable interface: tcp_prot\.connect, tcpv6_prot\.connect/);
  assert.ok(v.stableInterface.includes('EXPORT_SYMBOL'));
  assert.equal(v.file, 'net/ipv4/tcp_ipv4.c');
  assert.deepEqual(v.alternatives, [], 'no alternatives needed');
});

test('static inline with one caller: inlined, and the caller is offered', (t) => {
  if (skipIfMissing(t)) return;
  const v = functionVerdict(sub.index, 'tcp_mark_urg', { sources: {}, problems: [], label: 'none' });
  assert.equal(v.attachable, false);
  assert.equal(v.verdict, 'inlined');
  assert.match(v.headline, /^not attachable: inlined/);
  const caller = v.alternatives.find((a) => a.kind === 'caller');
  assert.equal(caller?.name, 'tcp_push', JSON.stringify(v.alternatives));
  assert.equal(caller.file, 'net/ipv4/tcp.c');
});

test('syscalls: attach as __x64_sys_, ksyscall form named', (t) => {
  if (skipIfMissing(t)) return;
  const v = functionVerdict(sub.index, '__x64_sys_connect', { sources: {}, problems: [], label: 'none' });
  assert.equal(v.verdict, 'syscall');
  assert.equal(v.attachAs, '__x64_sys_connect');
  assert.equal(v.attachType, 'ksyscall');
  assert.ok(v.reasons.some((r) => r.includes('ksyscall/connect')), v.reasons.join('\n'));
});

test('__init functions are not attachable after boot', (t) => {
  if (skipIfMissing(t)) return;
  const v = functionVerdict(sub.index, 'tcp_v4_init', { sources: {}, problems: [], label: 'none' });
  assert.equal(v.verdict, 'init');
  assert.equal(v.attachable, false);
});

test('name collision: a static name defined in several .c files', (t) => {
  if (skipIfMissing(t)) return;
  // Find one in the tree rather than naming it: two .c files, both static, not #ifdef variants of one file.
  let found;
  for (const name of new Set([...sub.index.allFunctions()].map((f) => f.name))) {
    const defs = sub.index.resolve(name).filter((d) => d.qualifiers.includes('static') && d.file.endsWith('.c'));
    if (defs.length >= 2 && new Set(defs.map((d) => d.file)).size >= 2) {
      const v = functionVerdict(sub.index, name, { sources: {}, problems: [], label: 'none' });
      if (v.attachable) { found = v; break; }
    }
  }
  assert.ok(found, 'the subset has colliding static names');
  assert.equal(found.verdict, 'collision', JSON.stringify(found));
  assert.match(found.headline, /ambiguous name/);
});

test('with Debian 6.1 BTF, every verdict over the 6.1 subset agrees with the build', (t) => {
  if (skipIfMissing(t)) return;
  const vmlinux = debian61Vmlinux();
  if (vmlinux.skip) { console.log(`# skipped: ${vmlinux.skip}`); t.skip(vmlinux.skip); return; }
  const ev = loadEvidence({ runningKernel: false, btf: vmlinux });
  assert.deepEqual(ev.problems, []);
  const r = agreement(sub.index, ev);
  console.log(`# Debian 6.1 BTF: ${r.names} names, ${r.attachable} attachable, ${r.wrong.length} disagreements`);
  assert.ok(r.names > 20000, String(r.names));
  assert.ok(r.attachable > 5000 && r.attachable < r.names, 'both outcomes occur');
  assert.deepEqual(r.wrong.slice(0, 20), []);
});

test('with this machine\'s BTF and /proc/kallsyms, every verdict agrees with the build', (t) => {
  if (skipIfMissing(t)) return;
  if (!fs.existsSync('/sys/kernel/btf/vmlinux')) { console.log('# skipped: no /sys/kernel/btf/vmlinux'); t.skip('no running-kernel BTF'); return; }
  const ev = loadEvidence({ runningKernel: true });
  assert.ok(ev.sources.btf, ev.problems.join('; '));
  const r = agreement(sub.index, ev);
  console.log(`# running kernel (${ev.label}): ${r.names} names, ${r.attachable} attachable, ${r.wrong.length} disagreements`);
  assert.deepEqual(r.wrong.slice(0, 20), []);
  // A clone-only name says which symbol to attach instead.
  const ks = ev.sources.symbols[0];
  const clone = [...sub.index.allFunctions()].find((f) => f.file.endsWith('.c') && !f.syscall && !ks.hasExact(f.name) && ks.clones(f.name).length > 0 && !ev.sources.btf.btf.hasFunc(f.name));
  if (clone) {
    const v = functionVerdict(sub.index, clone.name, ev);
    assert.equal(v.verdict, 'clone');
    assert.ok(ks.clones(clone.name).includes(v.attachAs), `${clone.name}: ${v.attachAs}`);
  }
});
