// Every generic program and every generated one goes through the real verifier of this kernel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildHelper, startHelper, helperDir, out } from './setup.mjs';

const LOADS = [
  { target: 'tcp_v4_connect', type: 'kprobe', collect: 'events,comm,stack', programs: ['kpn_kprobe'] },
  { target: 'tcp_v4_connect', type: 'kprobe', collect: 'latency', programs: ['kpn_kprobe', 'kpn_kretprobe'] },
  { target: 'tcp_v4_connect', type: 'kretprobe', programs: ['kpn_kretprobe'] },
  { target: 'connect', type: 'ksyscall', collect: 'latency', programs: ['kpn_ksyscall', 'kpn_kretsyscall'] },
  { target: 'syscalls:sys_enter_connect', type: 'tracepoint', collect: 'events,comm,stack', programs: ['kpn_tp'] },
  { target: 'sock:inet_sock_set_state', type: 'raw_tracepoint', programs: ['kpn_raw_tp'] },
  { target: 'sock:inet_sock_set_state', type: 'tp_btf', collect: 'events,stack', programs: ['kpn_tp_btf'] },
];

test('generic programs load through the verifier for every attach type that loads here', async (t) => {
  const why = buildHelper();
  if (why) return t.skip(why);
  const h = await startHelper();
  try {
    for (const { programs, ...req } of LOADS) {
      const r = await h.verify(req);
      assert.deepEqual(r.programs, programs, JSON.stringify(req));
      const kp = ['kprobe', 'kretprobe', 'ksyscall'].includes(req.type);
      if (kp && !h.hello.features.kprobes) assert.equal(r.not_attachable_code, 'ENOKPROBES');
    }
    assert.deepEqual(await h.list(), [], 'verify leaves nothing attached');
  } finally {
    await h.close();
  }
});

test('fentry and fexit loading is refused here with the specific explanation', async (t) => {
  const why = buildHelper();
  if (why) return t.skip(why);
  const h = await startHelper();
  try {
    for (const type of ['fentry', 'fexit']) {
      try {
        await h.verify({ target: 'tcp_v4_connect', type });
        t.diagnostic(`${type} loads on this kernel`);
      } catch (e) {
        assert.equal(e.code, 'EFENTRY_REFUSED', e.message);
        assert.match(e.message, /trampoline/);
        assert.match(e.detail, /Operation not permitted/);
      }
    }
  } finally {
    await h.close();
  }
});

test('generated programs compile with clang and load through the verifier', async (t) => {
  const why = buildHelper();
  if (why) return t.skip(why);
  const { generateProbe, parsePrototype } = await import(out('attach/generate.js'));
  const { compileProbe } = await import(out('attach/compile.js'));
  const cases = [
    ['int tcp_v4_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len)', ['kprobe']],
    ['int ip_rcv(struct sk_buff *skb, struct net_device *dev, struct packet_type *pt, struct net_device *orig_dev)', ['kprobe']],
    ['ssize_t vfs_read(struct file *file, char __user *buf, size_t count, loff_t *pos)', ['kprobe']],
    ['void wake_up_new_task(struct task_struct *p)', ['kprobe']],
  ];
  const h = await startHelper();
  try {
    for (const [proto, types] of cases) {
      const gen = generateProbe(parsePrototype(proto));
      const obj = await compileProbe(gen.source, { helperDir });
      try {
        for (const type of types) {
          const r = await h.verify({ target: gen.target, type, object: obj.object });
          assert.deepEqual(r.programs, ['kpn_gen_kprobe'], proto);
        }
        await assert.rejects(h.verify({ target: gen.target, type: 'fentry', object: obj.object }),
          (e) => e.code === 'EFENTRY_REFUSED' || (t.diagnostic('fentry loads here'), true));
      } finally {
        await obj.dispose();
      }
    }
  } finally {
    await h.close();
  }
});
