// The trace features over real traces and the real 6.1 subset index: probe candidates, hover
// section, CodeLens/heat marks, not-seen marks, explorer tree, flame graph, document links.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { subsetIndex } from '../support/subsetIndex.mjs';
import { load, need, ownFixture, repo, sharedFixture } from './support.mjs';
import { hasCommand } from '../ftrace/fixtures.mjs';

const { importTrace } = load('ftrace/importTrace.js');
const { probeCandidates, wantedFor } = load('features/trace/candidates.js');
const { notSeenFunctions } = load('features/trace/notSeen.js');
const { fileMarks } = load('features/trace/fileMarks.js');
const { traceHoverSection } = load('features/trace/hoverSection.js');
const { reverseEdges } = load('features/trace/lookup.js');
const { treeChildren, syscallRoots } = load('features/trace/callTree.js');
const { flameGraph } = load('features/trace/flame.js');
const { functionNameRanges } = load('features/trace/documentLinks.js');
const { explain } = load('features/explain.js');

const PING = ownFixture('tcr-funcgraph-ping-sendto.txt');
const CURL = ownFixture('tcr-funcgraph-curl-sendto.txt');
let index;
let missing;

before(async () => {
  const r = await subsetIndex();
  if (r.missing) missing = r.missing;
  else index = r.index;
});

function needIndex(t) {
  if (missing) { console.log(`# skipped: ${missing}`); t.skip(missing); return false; }
  return true;
}

test('probe candidates for sendto in a real ping trace: ping_v4_sendmsg (ping_prot.sendmsg, struct sock *) first', async (t) => {
  if (!needIndex(t) || !need(t, PING)) return;
  const m = await importTrace(PING);
  const ranked = probeCandidates(m, index, 'sendto');
  assert.equal(ranked[0].name, 'ping_v4_sendmsg', ranked.slice(0, 5).map((c) => `${c.score} ${c.name}`).join(', '));
  assert.match(ranked[0].reasons.join(' '), /ping_prot\.sendmsg/);
  assert.match(ranked[0].reasons.join(' '), /struct sock \*sk/);
  // Every function that ran inside sendto is ranked, the syscall's own entry is not.
  const names = new Set(ranked.map((c) => c.name));
  for (const n of ['__sys_sendto', 'sock_sendmsg', 'inet_sendmsg', 'release_sock', 'move_addr_to_kernel']) assert.ok(names.has(n), n);
  assert.ok(!names.has('__x64_sys_sendto'));
  // A function the tree does not define (an LSM of another config) sinks with a reason.
  const avc = ranked.find((c) => c.name === 'avc_has_perm');
  assert.ok(avc && avc.score < 0 && /no definition/.test(avc.reasons[0]));
});

test('probe candidates follow the wanted data: struct msghdr puts the msghdr-taking sendmsg implementations first', async (t) => {
  if (!needIndex(t) || !need(t, PING)) return;
  const m = await importTrace(PING);
  const ranked = probeCandidates(m, index, 'sendto', { want: 'struct msghdr' });
  const top = ranked.slice(0, 2).map((c) => c.name).sort();
  assert.deepEqual(top, ['inet_sendmsg', 'ping_v4_sendmsg']);
  for (const c of ranked.slice(0, 2)) assert.match(c.reasons[0], /struct msghdr \*msg/);
  assert.equal(wantedFor('connect'), 'struct sock');
  assert.equal(wantedFor('read'), 'struct file');
  assert.equal(wantedFor('nanosleep'), undefined);
});

test('probe candidates take a stability verdict into account when one is given', async (t) => {
  if (!needIndex(t) || !need(t, PING)) return;
  const m = await importTrace(PING);
  const verdictOf = (n) => (n === 'ping_v4_sendmsg' ? { attachable: false, verdict: 'inlined', stableInterface: [] } : undefined);
  const ranked = probeCandidates(m, index, 'sendto', { verdictOf });
  assert.notEqual(ranked[0].name, 'ping_v4_sendmsg');
  assert.match(ranked.find((c) => c.name === 'ping_v4_sendmsg').reasons.join(' '), /not attachable/);
});

test('with the real stability verdicts (source heuristics on the 6.1 subset) ping_v4_sendmsg stays first', async (t) => {
  if (!needIndex(t) || !need(t, PING)) return;
  const { functionVerdict } = load('stability/verdict.js');
  const m = await importTrace(PING);
  const ranked = probeCandidates(m, index, 'sendto', { verdictOf: (n) => functionVerdict(index, n, undefined, { alternatives: false }) });
  assert.equal(ranked[0].name, 'ping_v4_sendmsg');
  assert.ok(ranked[0].verdict, 'a verdict is attached');
  assert.match(ranked[0].reasons.at(-1), /^stability: /);
  // Whatever the verdicts say, a function judged not attachable never outranks its equal that is.
  assert.ok(ranked.some((c) => c.verdict && /not attachable/.test(c.reasons.join(' '))), 'some candidate is judged not attachable');
  for (const c of ranked) if (c.verdict && /not attachable/.test(c.reasons.join(' '))) assert.ok(c.score < ranked[0].score, c.name);
});

test('a trace cut off mid-syscall (the seed article curl excerpt) still ranks, and nothing is invented', async (t) => {
  if (!needIndex(t) || !need(t, CURL)) return;
  const m = await importTrace(CURL);
  assert.deepEqual([...m.syscalls.keys()], ['sendto']);
  const ranked = probeCandidates(m, index, 'sendto');
  assert.deepEqual(ranked.map((c) => c.name).sort(), ['__cond_resched', '__fdget', '__sys_sendto', 'aa_inet_msg_perm', 'apparmor_socket_sendmsg',
    'rcu_all_qs', 'security_socket_sendmsg', 'sockfd_lookup_light', 'x64_sys_call'].sort());
  // No duration ever came back for the top frames: the flame graph falls back to call counts.
  const g = flameGraph(m);
  assert.equal(g.unit, 'calls');
  assert.equal(g.root.children[0].name, '__x64_sys_sendto');
});

test('hover section: counts, durations, callers and callees from the trace; syscall symbols map to SYSCALL_DEFINE', async (t) => {
  if (!needIndex(t) || !need(t, PING)) return;
  const m = await importTrace(PING);
  const lt = { model: m, source: PING, loadedAt: 0 };
  const ns = notSeenFunctions(m, index);
  const md = traceHoverSection(lt, explain(index, 'ping_v4_sendmsg')[0], reverseEdges(m), ns);
  assert.match(md, /^\*\*Trace\*\* \(tcr-funcgraph-ping-sendto\.txt\): 1 call · 76\.1 µs \(self 17 µs, avg 76\.1 µs\)/);
  assert.match(md, /called from `inet_sendmsg` ×1/);
  assert.match(md, /calls .*`ip_push_pending_frames` ×1/);
  const sys = traceHoverSection(lt, explain(index, 'sys_sendto')[0], reverseEdges(m), ns);
  assert.match(sys, /1 call · 81\.5 µs/);
  assert.match(sys, /as `__x64_sys_sendto`/);
  // Never in a function_graph trace and no traced caller: "never called".
  assert.match(traceHoverSection(lt, explain(index, 'tcp_v4_connect')[0], reverseEdges(m), ns), /never called/);
});

test('hover on a trace that lost events: counts are lower bounds, and "never called" may have run', async (t) => {
  const LOST = ownFixture('lost-events-ls.dat');
  if (!needIndex(t) || !need(t, LOST)) return;
  const m = await importTrace(LOST);
  const lt = { model: m, source: LOST, loadedAt: 0 };
  const ns = notSeenFunctions(m, index);
  const md = traceHoverSection(lt, explain(index, 'try_to_wake_up')[0], reverseEdges(m), ns);
  assert.match(md, /^\*\*Trace\*\* \(lost-events-ls\.dat\): \d+ calls? /);
  assert.match(md, /counts are lower bounds: the recording lost events$/);
  // ls / opens no TCP socket: never called, but with events lost that is not certain.
  assert.match(traceHoverSection(lt, explain(index, 'tcp_v4_connect')[0], reverseEdges(m), ns), /never called\. The recording lost events, so it may still have run\./);
  // A trace that lost nothing says neither.
  const ping = await importTrace(PING);
  assert.doesNotMatch(traceHoverSection({ model: ping, source: PING, loadedAt: 0 }, explain(index, 'ping_v4_sendmsg')[0], reverseEdges(ping), notSeenFunctions(ping, index)), /lost/);
});

test('not seen: ping_v4_push_pending_frames, called by the traced ping_v4_sendmsg in 6.1 but absent (inlined)', async (t) => {
  if (!needIndex(t) || !need(t, PING)) return;
  const m = await importTrace(PING);
  const ns = notSeenFunctions(m, index);
  assert.deepEqual(ns.get('ping_v4_push_pending_frames')?.callers, ['ping_v4_sendmsg']);
  // Leaves may sit at max_graph_depth: what ip_append_data calls is not claimed to be missing.
  const ipAppend = index.resolve('ip_append_data')[0];
  for (const site of index.calleesOf(ipAppend)) {
    if (!m.functions.has(site.callee)) assert.ok(!ns.get(site.callee)?.callers.includes('ip_append_data'), site.callee);
  }
  // Only names the tree defines: macros and builtins called like functions are not marked.
  for (const name of ns.keys()) assert.ok(index.resolve(name).length > 0, name);
  const md = traceHoverSection({ model: m, source: PING, loadedAt: 0 }, explain(index, 'ping_v4_push_pending_frames')[0], reverseEdges(m), ns);
  assert.match(md, /not seen: inlined or not called — its caller `ping_v4_sendmsg` ran/);
});

test('file marks for net/ipv4/ping.c: lens titles, heat intensities and a not-seen mark', async (t) => {
  if (!needIndex(t) || !need(t, PING)) return;
  const m = await importTrace(PING);
  const marks = fileMarks(m, index, 'net/ipv4/ping.c', notSeenFunctions(m, index));
  const by = Object.fromEntries(marks.map((x) => [x.name, x]));
  assert.equal(by.ping_v4_sendmsg.title, '1 call · 76.1 µs');
  assert.equal(by.ping_common_sendmsg.title, '1 call · 421 ns');
  assert.equal(by.ping_v4_push_pending_frames.kind, 'notSeen');
  assert.ok(by.ping_v4_sendmsg.intensity > by.ping_common_sendmsg.intensity && by.ping_v4_sendmsg.intensity <= 1);
  const def = index.resolve('ping_v4_sendmsg')[0];
  assert.equal(by.ping_v4_sendmsg.nameLine, def.nameSpan.start.line);
  // Files without traced functions get no marks.
  assert.deepEqual(fileMarks(m, index, 'net/ipv4/tcp_ipv4.c', new Map()), []);
});

test('explorer tree: syscalls → entry → call tree with counts; processes; events-only traces have no call tree', async (t) => {
  if (!need(t, PING, sharedFixture('events-01.txt'))) return;
  const m = await importTrace(PING);
  const root = treeChildren(m, PING);
  assert.deepEqual(root.map((n) => n.label), ['tcr-funcgraph-ping-sendto.txt', 'Syscalls', 'Processes', 'Functions by time']);
  const [sendto] = treeChildren(m, PING, { kind: 'group', name: 'syscalls' });
  assert.equal(sendto.name, 'sendto');
  // 27 = every distinct function under __x64_sys_sendto, counted by hand from the fixture.
  assert.match(sendto.description, /^1 call · 81\.5 µs · 27 functions$/);
  assert.deepEqual(syscallRoots(m, 'sendto'), ['__x64_sys_sendto']);
  const [entry] = treeChildren(m, PING, sendto);
  const sys = treeChildren(m, PING, entry);
  assert.deepEqual(sys.map((n) => n.name), ['__sys_sendto']);
  assert.deepEqual(treeChildren(m, PING, sys[0]).map((n) => n.name), ['move_addr_to_kernel', 'sock_sendmsg', 'sockfd_lookup_light']);
  assert.deepEqual(sys[0].path, ['__x64_sys_sendto', '__sys_sendto']);
  const procs = treeChildren(m, PING, { kind: 'group', name: 'processes' }).map((n) => n.label);
  assert.deepEqual(procs, ['ping-327643', 'Chrome_ChildIOT-316857']);
  const ev = await importTrace(sharedFixture('events-01.txt'));
  const evRoot = treeChildren(ev, 'events-01.txt').map((n) => n.label);
  assert.ok(evRoot.includes('Events') && !evRoot.includes('Functions by time'));
});

test('flame graph of the ping trace: widths are time, children fit in their parent', async (t) => {
  if (!need(t, PING)) return;
  const m = await importTrace(PING);
  const g = flameGraph(m);
  assert.equal(g.unit, 'ns');
  assert.equal(g.root.value, 81531 + 856);
  const path = ['__x64_sys_sendto', '__sys_sendto', 'sock_sendmsg', 'inet_sendmsg', 'ping_v4_sendmsg'];
  let node = g.root;
  for (const name of path) node = node.children.find((c) => c.name === name);
  assert.equal(Math.round(node.value), 76091);
  const check = (n) => {
    const sum = n.children.reduce((a, c) => a + c.value, 0);
    if (n !== g.root) assert.ok(sum <= n.value * 1.0001, `${n.name}: children ${sum} > ${n.value}`);
    n.children.forEach(check);
  };
  check(g.root);
});

test('flame graph of an events-only trace shows syscalls', () => {
  const { ModelBuilder } = load('ftrace/model.js');
  const b = new ModelBuilder('tracefs');
  b.event(7, 'sys_enter_openat', 1000);
  b.event(7, 'sys_exit_openat', 4000);
  b.event(7, 'sys_enter_read', 5000);
  b.event(7, 'sys_exit_read', 5500);
  const g = flameGraph(b.finish());
  assert.equal(g.unit, 'ns');
  assert.deepEqual(g.root.children.map((c) => [c.name, c.value]), [['syscall openat', 3000], ['syscall read', 500]]);
});

test('document links: every traced name the tree defines, with clone and offset spellings', async (t) => {
  if (!needIndex(t) || !need(t, PING, sharedFixture('raw-function-03.txt'), sharedFixture('raw-funcgraph-04.txt'))) return;
  const text = fs.readFileSync(PING, 'latin1');
  const ranges = functionNameRanges(text, (n) => index.resolve(n).length > 0);
  const names = ranges.map((r) => r.name);
  assert.ok(names.includes('ping_v4_sendmsg') && names.includes('move_addr_to_kernel.part.0') && names.includes('__x64_sys_sendto'));
  assert.ok(!names.some((n) => /Chrome|funcgraph|ping-/.test(n)));
  for (const r of ranges) assert.equal(text.split('\n')[r.line].slice(r.start, r.end), r.name);
  // Function-tracer lines with sym-offset, `<-` parents and `=>` stack frames.
  const t3 = fs.readFileSync(sharedFixture('raw-function-03.txt'), 'latin1').split('\n');
  const i = t3.findIndex((l) => l.includes('rpi_get_interrupt_info+0x14/0x6c <-show_interrupts+0x2dc/0x3e0'));
  const all = functionNameRanges(t3.slice(i, i + 4).join('\n'), () => true).map((r) => r.name);
  assert.deepEqual(all.slice(0, 2), ['rpi_get_interrupt_info+0x14/0x6c', 'show_interrupts+0x2dc/0x3e0']);
  // `} /* name */` exit tails in tracefs function_graph output.
  const t4 = fs.readFileSync(sharedFixture('raw-funcgraph-04.txt'), 'latin1');
  const tail = /\/\* (\w+) \*\//.exec(t4);
  if (tail) assert.ok(functionNameRanges(tail[0], () => true).some((r) => r.name === tail[1]));
  // A huge file stops at the limit.
  assert.equal(functionNameRanges(text.repeat(50), () => true, 100).length, 100);
});

// The acceptance check of issue 4 on a TCP client: a real function_graph trace of curl connecting
// over IPv4 and IPv6 (Debian's 6.1 kernel in a VM, scripts/tcp-client-trace-vm.sh; see the
// .source.md), read natively and, where trace-cmd is installed, as `trace-cmd report` text.
const TCP = ownFixture('tcp-client-curl.dat');

async function tcpClientModels(t) {
  const models = [['trace.dat', await importTrace(TCP)]];
  if (!hasCommand('trace-cmd')) {
    console.log('# trace-cmd not installed: the report form of tcp-client-curl.dat is not checked');
    return models;
  }
  const dir = path.join(repo, 'test', '.data', 'trace');
  fs.mkdirSync(dir, { recursive: true });
  const report = path.join(dir, 'tcp-client-curl.txt');
  fs.writeFileSync(report, execFileSync('trace-cmd', ['report', TCP], { maxBuffer: 1 << 27 }));
  models.push(['trace-cmd report', await importTrace(report)]);
  return models;
}

test('TCP client trace: tcp_v4_connect and tcp_v6_connect top the connect candidates, tcp_sendmsg the sendto ones', async (t) => {
  if (!needIndex(t) || !need(t, TCP)) return;
  const models = await tcpClientModels(t);
  for (const [form, m] of models) {
    assert.equal(m.format, form === 'trace.dat' ? 'trace.dat' : 'trace-cmd-report');
    // curl made two connections (127.0.0.1, then ::1), each connect → send → receive.
    assert.equal(m.syscalls.get('connect').calls, 4, form);
    assert.equal(m.syscalls.get('sendto').calls, 2, form);
    const ranked = (sys) => probeCandidates(m, index, sys);
    const connect = ranked('connect');
    assert.deepEqual(connect.slice(0, 2).map((c) => c.name), ['tcp_v4_connect', 'tcp_v6_connect'], `${form}: ${connect.slice(0, 5).map((c) => c.name)}`);
    assert.match(connect[0].reasons.join(' '), /tcp_prot\.connect/);
    assert.match(connect[1].reasons.join(' '), /tcpv6_prot\.connect/);
    assert.match(connect[0].reasons.join(' '), /struct sock \*sk/);
    const sendto = ranked('sendto');
    assert.equal(sendto[0].name, 'tcp_sendmsg', `${form}: ${sendto.slice(0, 5).map((c) => c.name)}`);
    assert.match(sendto[0].reasons.join(' '), /tcp_prot\.sendmsg/);
    assert.equal(ranked('recvfrom')[0].name, 'tcp_recvmsg', form);
    // The syscall's own entry and the functions it ran before the socket layer are not on top.
    assert.ok(!connect.some((c) => c.name === '__x64_sys_connect'));
    assert.ok(connect.findIndex((c) => c.name === '__sys_connect') > 5);
  }
  if (models.length === 2) {
    // Same calls in both forms. Where several symbols share an address trace-cmd prints any one of
    // them (qsort + bsearch) and the native reader the kernel's own choice (the first in kallsyms
    // order): the report's names are mapped to that one before comparing.
    const [dat, text] = models.map(([, m]) => m);
    const first = await firstAliases(TCP);
    const calls = (m, canon) => new Map([...m.functions].map(([n, f]) => [canon(n), f.calls]));
    const fromText = calls(text, (n) => first.get(n) ?? n);
    assert.ok([...text.functions.keys()].some((n) => first.get(n) !== undefined && first.get(n) !== n), 'the report names some alias differently');
    assert.deepEqual(fromText, calls(dat, (n) => n));
  }
});

/** name → the first name at the same address in the file's kallsyms, for names with aliases. */
async function firstAliases(file) {
  const { TraceDat } = load('ftrace/traceDat/traceDatReader.js');
  const fh = await fs.promises.open(file);
  let kallsyms;
  try { kallsyms = (await TraceDat.open(fh, (await fh.stat()).size)).layout.kallsyms; } finally { await fh.close(); }
  const byAddr = new Map();
  const out = new Map();
  for (const line of kallsyms.split('\n')) {
    const [addr, type, name] = line.split(/\s+/);
    if (!/^[tTwW]$/.test(type ?? '')) continue;
    const f = byAddr.get(addr);
    if (f === undefined) byAddr.set(addr, name);
    else out.set(name, f).set(f, f);
  }
  return out;
}
