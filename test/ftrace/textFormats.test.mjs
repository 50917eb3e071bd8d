// Every text sample in shared/fixtures/traces: format detected, and the model checked against
// numbers counted by hand from the fixture text (stated per test) or, for the large samples,
// against an independent grep/awk count run from the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { fixture, load } from './fixtures.mjs';

const { importTrace, importTraceText } = load('ftrace/importTrace.js');
const { TraceFormatError } = load('ftrace/detect.js');

async function model(t, name) {
  const p = fixture(t, name);
  return p === null ? null : { m: await importTrace(p), p };
}
const fn = (m, name) => m.functions.get(name);
const edge = (m, a, b) => m.edges.get(a)?.get(b) ?? 0;
const us = (ns) => Math.round(ns) / 1000;
const awk = (...args) => execFileSync('awk', args, { encoding: 'utf8' });

test('raw-funcgraph-01: trace_pipe graph with a context-switch banner', async (t) => {
  const r = await model(t, 'raw-funcgraph-01.txt'); if (!r) return;
  const { m } = r;
  assert.equal(m.format, 'tracefs');
  // Hand count: do_nanosleep() { opens twice (before and after the banner), never closed.
  assert.equal(fn(m, 'do_nanosleep').calls, 2);
  assert.equal(fn(m, 'do_nanosleep').timedCalls, 0);
  // clear_buddies(); three leaves; paravirt_get_lazy_mode(); five.
  assert.equal(fn(m, 'clear_buddies').calls, 3);
  assert.equal(fn(m, 'paravirt_get_lazy_mode').calls, 5);
  // load_TLS_descriptor closes with 1.744, 1.583 (with /* tail */), 1.586 us.
  assert.equal(fn(m, 'load_TLS_descriptor').calls, 3);
  assert.equal(us(fn(m, 'load_TLS_descriptor').totalNs), 4.913);
  // lock_hrtimer_base.isra.24 folds to its source name; self = 0.908 - 0.198 and 0.831 - 0.217.
  assert.deepEqual([...fn(m, 'lock_hrtimer_base').variants], ['lock_hrtimer_base.isra.24']);
  assert.equal(us(fn(m, 'lock_hrtimer_base').selfNs), 1.324);
  assert.equal(edge(m, '__schedule', 'xen_load_tls'), 1);
  assert.equal(edge(m, 'do_nanosleep', 'hrtimer_start_range_ns'), 2);
  // The banner names the first task (platfor-3210) and the next (vmstat-2854).
  assert.equal(m.processes.get(3210).comm, 'platfor');
  assert.equal(m.processes.get(2854).comm, 'vmstat');
  // After the banner: do_nanosleep and 8 nested entries/leaves (lines 110-118).
  assert.equal(m.processes.get(2854).calls, 9);
  // do_nanosleep, schedule, __schedule of task 3210 and do_nanosleep of 2854 never return.
  assert.equal(m.unfinishedCalls, 4);
  assert.equal(m.skipped.count, 0);
});

test('raw-funcgraph-02: integer durations overflowing the column', async (t) => {
  const r = await model(t, 'raw-funcgraph-02.txt'); if (!r) return;
  const { m } = r;
  assert.equal(fn(m, '__schedule').totalNs, 1000131e3);
  assert.equal(fn(m, 'do_nanosleep').totalNs, 1000154e3);
  // schedule self = 1000149 - 1000131 - 11.006 us
  assert.equal(us(fn(m, 'schedule').selfNs), 6.994);
});

test('raw-funcgraph-03: no duration column, depth from indentation only', async (t) => {
  const r = await model(t, 'raw-funcgraph-03.txt'); if (!r) return;
  const { m } = r;
  assert.equal(m.functions.size, 13);
  const callees = [...m.edges.get('do_sys_open').keys()].sort();
  assert.deepEqual(callees, ['__fsnotify_parent', 'do_filp_open', 'fd_install', 'fsnotify', 'get_unused_fd_flags', 'getname', 'putname']);
  assert.equal(edge(m, 'putname', 'final_putname'), 1);
  assert.equal(fn(m, 'do_sys_open').timedCalls, 0);
  assert.equal(m.unfinishedCalls, 0);
});

test('raw-funcgraph-04: abstime, starts mid-stack, exit-only tails; cross-checked with awk', async (t) => {
  const r = await model(t, 'raw-funcgraph-04.txt'); if (!r) return;
  const { m, p } = r;
  assert.equal(m.formatDetail, 'function_graph');
  // Line 194: `19354058 us |  } /* vfs_read */` closes a vfs_read entered before the capture.
  assert.equal(fn(m, 'vfs_read').exitOnlyCalls, 1);
  assert.equal(fn(m, '__schedule').exitOnlyCalls, 1);
  // Independent count: entries and leaves per name, from the text after the last `|`.
  const counted = new Map();
  for (const line of awk('-F|', '{ print $NF }', p).split('\n')) {
    const mm = /^\s*([\w.]+)\(\) \{$|^\s*([\w.]+)\(\);$/.exec(line);
    if (mm) { const n = (mm[1] ?? mm[2]).replace(/\..*/, ''); counted.set(n, (counted.get(n) ?? 0) + 1); }
  }
  for (const [name, n] of counted) assert.equal(fn(m, name).calls, n, name);
  const modelCalls = [...m.functions.values()].reduce((a, f) => a + f.calls, 0);
  assert.equal(modelCalls, [...counted.values()].reduce((a, b) => a + b, 0));
  // Exit-only returns: the tail-commented `}` lines whose entry precedes the capture.
  const exitOnly = [...m.functions.values()].reduce((a, f) => a + f.exitOnlyCalls, 0);
  assert.equal(exitOnly, 7); // finish_task_switch's 6 callers (lines 157-194) + ldsem_down_read (line 208)
});

test('raw-funcgraph-09: events as comments inside the graph, no trailing newline', async (t) => {
  const r = await model(t, 'raw-funcgraph-09.txt'); if (!r) return;
  const { m } = r;
  assert.deepEqual(Object.fromEntries(m.events), { irq_handler_entry: 1, irq_handler_exit: 1, sched_wakeup: 2, sched_switch: 2, trace_printk: 2 });
  assert.equal(us(fn(m, 'bcm2835_mbox_irq').totalNs), 7.084);
  // The last line (no newline) closes bcm2835_mbox_threaded_irq with `! 153.437 us`.
  assert.equal(us(fn(m, 'bcm2835_mbox_threaded_irq').totalNs), 153.437);
  assert.equal(m.processes.get(33).calls, 1);
});

test('raw-funcgraph-10/11: exit-only output of tracing_thresh, with and without proc/abstime', async (t) => {
  const a = await model(t, 'raw-funcgraph-10.txt'); if (!a) return;
  const f = fn(a.m, 'ext3_readpages');
  assert.equal(f.calls, 0);
  assert.equal(f.exitOnlyCalls, 6);
  // 8147.120 + 8135.067 + 12202.93 + 12201.84 + 8142.667 + 12194.14
  assert.equal(us(f.totalNs), 61023.764);
  const b = await model(t, 'raw-funcgraph-11.txt'); if (!b) return;
  assert.equal(fn(b.m, 'ext3_readpages').exitOnlyCalls, 7);
  assert.equal(b.m.processes.get(26695).comm, 'cksum');
  assert.equal(b.m.processes.get(26695).calls, 7);
});

test('raw-function-03: sym-offset names, stack traces, trace_printk is not a call', async (t) => {
  const r = await model(t, 'raw-function-03.txt'); if (!r) return;
  const { m, p } = r;
  const hits = Number(execFileSync('grep', ['-c', ' <-show_interrupts', p], { encoding: 'utf8' }));
  assert.equal(hits, 13);
  assert.deepEqual([...m.functions.keys()], ['rpi_get_interrupt_info']);
  assert.equal(fn(m, 'rpi_get_interrupt_info').calls, hits);
  assert.equal(edge(m, 'show_interrupts', 'rpi_get_interrupt_info'), hits);
  // Each of the 13 `<stack trace>` blocks lists show_interrupts <- seq_read.
  assert.equal(m.stackEdges.get('seq_read').get('show_interrupts'), 13);
  assert.equal(m.events.get('trace_printk'), 13);
  const switches = Number(execFileSync('grep', ['-c', 'sched_switch:', p], { encoding: 'utf8' }));
  assert.equal(m.events.get('sched_switch'), switches);
});

test('raw-function-04: events are not counted as functions; .part clone folded', async (t) => {
  const r = await model(t, 'raw-function-04.txt'); if (!r) return;
  const { m, p } = r;
  assert.deepEqual([...m.functions.keys()].sort(), ['copy_process', 'do_exit']);
  assert.deepEqual([...fn(m, 'copy_process').variants], ['copy_process.part.5+0x14/0x1acc']);
  assert.equal(fn(m, 'do_exit').calls, 2);
  for (const ev of ['sched_switch', 'sched_wakeup', 'signal_generate', 'signal_deliver']) {
    const n = Number(execFileSync('grep', ['-c', ` ${ev}:`, p], { encoding: 'utf8' }));
    assert.equal(m.events.get(ev), n, ev);
  }
});

test('raw-function-05: function tracer, two tasks', async (t) => {
  const r = await model(t, 'raw-function-05.txt'); if (!r) return;
  const { m } = r;
  assert.equal(fn(m, 'do_nanosleep').calls, 10);
  assert.equal(edge(m, 'hrtimer_nanosleep', 'do_nanosleep'), 10);
  assert.equal(m.processes.get(1678).calls, 4);
  assert.equal(m.processes.get(28371).calls, 6);
});

test('raw-function-06: trace_printk lines under a function header are not calls', async (t) => {
  const r = await model(t, 'raw-function-06.txt'); if (!r) return;
  const { m, p } = r;
  assert.equal(m.functions.size, 0);
  assert.equal(m.edges.size, 0);
  assert.equal(m.events.get('do_timer'), Number(execFileSync('grep', ['-c', 'do_timer:', p], { encoding: 'utf8' })));
});

test('tcr-funcgraph-01: report with headers, hand-written separators skipped by line number', async (t) => {
  const r = await model(t, 'tcr-funcgraph-01.txt'); if (!r) return;
  const { m } = r;
  assert.equal(m.format, 'trace-cmd-report');
  assert.deepEqual(m.skipped.samples.map((s) => s.line), [43, 51, 58]);
  assert.equal(fn(m, '_cond_resched').calls, 2);
  // getname closes with `+ 32.205 us`; its children 11.065 + 10.427.
  assert.equal(us(fn(m, 'getname').totalNs), 32.205);
  assert.equal(us(fn(m, 'getname').selfNs), 10.713);
  assert.equal(m.syscalls.get('open').calls, 1);
  assert.equal(m.syscalls.get('open').functions.get('_cond_resched'), 2);
  assert.equal(edge(m, '__link_path_walk', 'do_lookup'), 1);
});

test('tcr-funcgraph-02: do_IRQ pairs with interleaved events and misaligned exit', async (t) => {
  const r = await model(t, 'tcr-funcgraph-02.txt'); if (!r) return;
  const { m } = r;
  assert.equal(fn(m, 'do_IRQ').calls, 5);
  // 36.358 + 24.014 + 22.928 + 37.512 + 25.943
  assert.equal(us(fn(m, 'do_IRQ').totalNs), 146.755);
  assert.equal(m.events.get('irq_handler_entry'), 5);
});

test('tcr-function-01/02: report function tracer, old `<--` and new parentless form', async (t) => {
  const a = await model(t, 'tcr-function-01.txt'); if (!a) return;
  assert.equal(a.m.format, 'trace-cmd-report');
  assert.equal(a.m.functions.size, 7);
  assert.equal(edge(a.m, 'do_page_fault', 'up_read'), 1);
  assert.equal(edge(a.m, '__do_fault', '_raw_spin_unlock'), 1);
  assert.equal(a.m.events.get('sched_switch'), 1);
  const b = await model(t, 'tcr-function-02.txt'); if (!b) return;
  assert.equal(fn(b.m, 'mutex_unlock').calls, 2);
  assert.equal(fn(b.m, 'rcu_lockdep_current_cpu_online').calls, 1);
  assert.equal(b.m.edges.size, 0);
  assert.deepEqual(Object.fromEntries(b.m.events), { lock_release: 2, preempt_disable: 1, preempt_enable: 1 });
});

test('tcr-profile-01: trace-cmd profile totals, cross-checked with awk', async (t) => {
  const r = await model(t, 'tcr-profile-01.txt'); if (!r) return;
  const { m, p } = r;
  assert.equal(m.format, 'trace-cmd-profile');
  assert.equal(fn(m, 'sys_mprotect').calls, 4);
  assert.equal(fn(m, 'sys_mprotect').totalNs, 14382);
  const sums = awk('/Event: func: / { n[$3] += substr($4, 2); t[$3] += $6 } END { for (k in n) print k, n[k], t[k] }', p);
  let checked = 0;
  for (const line of sums.trim().split('\n')) {
    const [name, n, tot] = line.split(' ');
    assert.equal(fn(m, name.replace(/\(\)$/, '')).calls, Number(n), name);
    assert.equal(fn(m, name.replace(/\(\)$/, '')).totalNs, Number(tot), name);
    checked++;
  }
  assert.equal(checked, m.functions.size);
  assert.equal(m.skipped.count, 0);
});

test('events-01/02: event-only reports give an empty function map', async (t) => {
  const a = await model(t, 'events-01.txt'); if (!a) return;
  assert.equal(a.m.format, 'trace-cmd-report');
  assert.equal(a.m.functions.size, 0);
  assert.equal(a.m.events.get('sched_wakeup_new'), 2);
  assert.equal(a.m.processes.get(2962).comm, 'sshd');
  const b = await model(t, 'events-02.txt'); if (!b) return;
  assert.equal(b.m.functions.size, 0);
  assert.equal(b.m.events.get('sched_switch'), 3);
});

test('every text fixture imports with a detected format', async (t) => {
  const dir = fixture(t, '.'); if (!dir) return;
  const want = { raw: 'tracefs', tcr: 'trace-cmd-report', events: 'trace-cmd-report' };
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.txt'))) {
    const m = await importTrace(`${dir}/${f}`);
    const expected = f.startsWith('tcr-profile') ? 'trace-cmd-profile' : want[f.split('-')[0]];
    assert.equal(m.format, expected, f);
    assert.ok(m.records > 0, f);
  }
});

test('graph forms the samples lack: funcgraph-proc + latency columns, glued markers, units, CRLF', () => {
  // Lines as the kernel's print_graph_prologue lays them out with funcgraph-proc and latency-format (perf ftrace --graph-verbose).
  const text = [
    '# tracer: function_graph',
    ' 1)   sleep-1234   |  d..1  |               |  do_sys_open() {\r',
    ' 1)   sleep-1234   |  d..1  |   0.500 us    |    getname();\r',
    ' 1)   sleep-1234   |  d..1  | $ 2.5 s       |    do_filp_open();',
    ' 1)   sleep-1234   |  d..1  |  !150.000 us  |  } /* do_sys_open */',
    ' 1)   sleep-1234   |  d..1  |   300 ns      |  __x64_sys_close();',
  ].join('\n');
  const m = importTraceText(text);
  assert.equal(m.processes.get(1234).comm, 'sleep');
  assert.equal(m.functions.get('getname').totalNs, 500);
  assert.equal(m.functions.get('do_filp_open').totalNs, 2.5e9);
  assert.equal(m.functions.get('do_sys_open').totalNs, 150e3);
  assert.equal(m.functions.get('__x64_sys_close').totalNs, 300);
  assert.equal(m.syscalls.get('close').calls, 1);
  assert.equal(m.mismatchedExits, 0);
});

test('report -R raw fields and -t nanosecond timestamps', () => {
  const text = [
    'cpus=1',
    '   a-10 [000] 1.000000001: funcgraph_entry: func=0xffffffff81000010 depth=0',
    '   a-10 [000] 1.000000002: funcgraph_exit: func=0xffffffff81000010 calltime=1000 rettime=4000 overrun=0 depth=0',
    '   a-10 [000] 1.000000003: function: ip=0xffffffff81000020 parent_ip=0xffffffff81000010',
  ].join('\n');
  const m = importTraceText(text);
  assert.equal(m.functions.get('0xffffffff81000010').totalNs, 3000);
  assert.equal(m.edges.get('0xffffffff81000010').get('0xffffffff81000020'), 1);
});

test('non-trace text fails naming the line', () => {
  assert.throws(() => importTraceText('\n\nhello world\nthis is not a trace\n'), (e) => e instanceof TraceFormatError && /^line 3: /.test(e.message));
});
