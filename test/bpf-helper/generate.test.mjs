// The generator without a kernel: what it reads, what it refuses to paste into C, how it decodes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { out } from './setup.mjs';

const { generateProbe, parsePrototype, decodeGenerated, classifyParam } = await import(out('attach/generate.js'));

test('a prototype becomes typed parameters and CO-RE reads of struct sock', () => {
  const sig = parsePrototype('int tcp_v4_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len)');
  assert.deepEqual(sig.params.map((p) => p.name), ['sk', 'uaddr', 'addr_len']);
  const g = generateProbe(sig);
  assert.match(g.source, /BPF_CORE_READ\(p0, __sk_common\.skc_dport\)/);
  assert.deepEqual(g.programs, ['kpn_gen_kprobe', 'kpn_gen_fentry', 'kpn_gen_fexit']);
  assert.deepEqual(g.fields.map((f) => f.path).slice(0, 5), ['sk.family', 'sk.saddr', 'sk.daddr', 'sk.sport', 'sk.dport']);
});

test('types and names from the input never reach the C code', () => {
  const g = generateProbe({
    name: 'f', returnType: 'int */ system("x"); /*',
    params: [{ type: 'int); system("rm"); (int', name: 'a;b' }, { type: 'struct sock *', name: 'sk */' }],
  });
  const lines = g.source.split('\n');
  const header = lines.find((l) => l.startsWith('/* Generated'));
  // the prototype is echoed in a comment, defanged: no quote, and the comment closes only at its end
  assert.equal(header.indexOf('*/'), header.length - 2);
  assert.doesNotMatch(header, /"/);
  assert.doesNotMatch(lines.filter((l) => l !== header).join('\n'), /system|rm"|;b/);
  assert.throws(() => generateProbe({ name: 'f(); x', returnType: 'int', params: [] }), /invalid probe target/);
});

test('arguments after one passed by value are skipped, not guessed', () => {
  const g = generateProbe(parsePrototype('int f(struct foo x, int y)'));
  assert.equal(g.fields.length, 0);
  assert.equal(g.skipped.length, 2);
  assert.ok(!g.programs.includes('kpn_gen_fexit'));
  assert.equal(classifyParam('const char __user *').kind, 'ptr');
  assert.deepEqual(classifyParam('unsigned int'), { kind: 'int', signed: false });
});

test('events decode into named, byte-order-corrected values', () => {
  const g = generateProbe(parsePrototype('int tcp_v4_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len)'));
  // family AF_INET, 127.0.0.1 twice (network order in a little-endian u32), sport 40000, dport 8080 big-endian
  const vals = [2, 0x0100007f, 0x0100007f, 40000, ((8080 & 0xff) << 8) | (8080 >> 8), 0, 0, 0, 0, 0x1234, 0xfffffffffffffff0n]
    .map((v) => '0x' + BigInt(v).toString(16));
  const v = decodeGenerated(g, { type: 'event', kind: 'generated', vals, strs: [null, null] });
  assert.deepEqual(v.sk, { family: 'AF_INET', saddr: '127.0.0.1', daddr: '127.0.0.1', sport: 40000, dport: 8080 });
  assert.equal(v.uaddr, '0x1234');
  assert.equal(v.addr_len, -16);
});
