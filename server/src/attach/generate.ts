/**
 * Writes a BPF program (.bpf.c) for one function or tracepoint from its prototype, reading the
 * interesting fields of well-known kernel structs with CO-RE, plus the decoder for its events.
 *
 * The generated code never pastes a type or name from the input into C: every parameter gets
 * a type from a fixed set and a name `p<i>`, so a hostile prototype cannot inject code.
 */
import type { HelperEvent } from './protocol';
import { isIdent, splitTracepoint, isSymbol } from './names';

export interface ProbeSignature { name: string; returnType: string; params: { type: string; name: string }[] }

export type ValueKind = 'u64' | 's64' | 'ptr' | 'family' | 'ipv4' | 'ipv6' | 'port' | 'port_be' | 'be16' | 'oct';

export interface GenField { path: string; kind: ValueKind; index: number }
export interface GenString { path: string; slot: number }

export interface GeneratedProbe {
  source: string;
  /** Where each decoded value sits in the event's vals[]. */
  fields: GenField[];
  strings: GenString[];
  /** Program names, which also tell the attach types the object offers. */
  programs: string[];
  /** Parameters that could not be read, with the reason. */
  skipped: string[];
  target: string;
}

const MAX_VALS = 16;
const STRING_SLOTS = 2;
const MAX_KPROBE_ARGS = 5;

const QUALIFIER = /\b(const|volatile|restrict|__user|__rcu|__force|__kernel|__iomem|__percpu|__must_check|register)\b/g;

interface Reader {
  ctype: string;
  vals: { field: string; kind: ValueKind; width?: number; expr: (p: string) => string }[];
  strs: { field: string; expr: (p: string, dst: string) => string }[];
}

/** The structs whose fields are worth decoding; others are shown as pointers. */
const STRUCTS: Record<string, Reader> = {
  sock: {
    ctype: 'struct sock *',
    vals: [
      { field: 'family', kind: 'family', expr: (p) => `BPF_CORE_READ(${p}, __sk_common.skc_family)` },
      { field: 'saddr', kind: 'ipv4', expr: (p) => `BPF_CORE_READ(${p}, __sk_common.skc_rcv_saddr)` },
      { field: 'daddr', kind: 'ipv4', expr: (p) => `BPF_CORE_READ(${p}, __sk_common.skc_daddr)` },
      { field: 'sport', kind: 'port', expr: (p) => `BPF_CORE_READ(${p}, __sk_common.skc_num)` },
      { field: 'dport', kind: 'port_be', expr: (p) => `BPF_CORE_READ(${p}, __sk_common.skc_dport)` },
      { field: 'saddr6', kind: 'ipv6', width: 2, expr: (p) => `${p}, __sk_common.skc_v6_rcv_saddr` },
      { field: 'daddr6', kind: 'ipv6', width: 2, expr: (p) => `${p}, __sk_common.skc_v6_daddr` },
    ],
    strs: [],
  },
  sk_buff: {
    ctype: 'struct sk_buff *',
    vals: [
      { field: 'len', kind: 'u64', expr: (p) => `BPF_CORE_READ(${p}, len)` },
      { field: 'data_len', kind: 'u64', expr: (p) => `BPF_CORE_READ(${p}, data_len)` },
      { field: 'protocol', kind: 'be16', expr: (p) => `BPF_CORE_READ(${p}, protocol)` },
      { field: 'ifindex', kind: 'u64', expr: (p) => `BPF_CORE_READ(${p}, skb_iif)` },
      { field: 'mark', kind: 'u64', expr: (p) => `BPF_CORE_READ(${p}, mark)` },
    ],
    strs: [],
  },
  file: {
    ctype: 'struct file *',
    vals: [
      { field: 'flags', kind: 'oct', expr: (p) => `BPF_CORE_READ(${p}, f_flags)` },
      { field: 'mode', kind: 'u64', expr: (p) => `BPF_CORE_READ(${p}, f_mode)` },
      { field: 'ino', kind: 'u64', expr: (p) => `BPF_CORE_READ(${p}, f_inode, i_ino)` },
      { field: 'size', kind: 's64', expr: (p) => `BPF_CORE_READ(${p}, f_inode, i_size)` },
    ],
    strs: [
      { field: 'name', expr: (p, dst) => `bpf_probe_read_kernel_str(${dst}, KPN_USER_MAX, BPF_CORE_READ(${p}, f_path.dentry, d_name.name))` },
    ],
  },
  task_struct: {
    ctype: 'struct task_struct *',
    vals: [
      { field: 'pid', kind: 's64', expr: (p) => `BPF_CORE_READ(${p}, pid)` },
      { field: 'tgid', kind: 's64', expr: (p) => `BPF_CORE_READ(${p}, tgid)` },
    ],
    strs: [
      { field: 'comm', expr: (p, dst) => `bpf_probe_read_kernel_str(${dst}, KPN_COMM_LEN, &${p}->comm)` },
    ],
  },
};

type ParamClass =
  | { kind: 'struct'; reader: Reader }
  | { kind: 'ptr' }
  | { kind: 'int'; signed: boolean }
  | { kind: 'unsupported'; why: string };

const UNSIGNED = /^(unsigned\b.*|u8|u16|u32|u64|__u8|__u16|__u32|__u64|size_t|uintptr_t|dev_t|gfp_t|fmode_t|umode_t|uid_t|gid_t|__be16|__be32|__le16|__le32|__be64|__le64|sector_t|blkcnt_t|ino_t|__poll_t|slab_flags_t|phys_addr_t|dma_addr_t|pgoff_t|uint\w*)$/;
const SIGNED = /^(int|long|long long|long int|short|char|signed\b.*|s8|s16|s32|s64|__s8|__s16|__s32|__s64|ssize_t|loff_t|off_t|pid_t|bool|_Bool|time64_t|ktime_t|clockid_t|int\w*_t|enum \w+)$/;

export function normaliseType(type: string): string {
  return type.replace(QUALIFIER, ' ').replace(/\s+/g, ' ').replace(/\s*\*\s*/g, ' *').replace(/ \*/g, ' *').trim()
    .replace(/ (\*+)$/, ' $1');
}

export function classifyParam(type: string): ParamClass {
  const t = normaliseType(type);
  const m = /^struct (\w+) \*$/.exec(t);
  if (m && STRUCTS[m[1]]) return { kind: 'struct', reader: STRUCTS[m[1]] };
  if (t.includes('*') || t.includes('(')) return { kind: 'ptr' };
  if (t === '...') return { kind: 'unsupported', why: 'variadic arguments' };
  if (/^(struct|union) /.test(t)) return { kind: 'unsupported', why: `${t} passed by value` };
  if (UNSIGNED.test(t)) return { kind: 'int', signed: false };
  if (SIGNED.test(t)) return { kind: 'int', signed: true };
  // an unknown typedef: most kernel typedefs of scalars are unsigned-ish handles; the raw value is still useful
  if (/^\w+$/.test(t)) return { kind: 'int', signed: false };
  return { kind: 'unsupported', why: `type ${t} not understood` };
}

/** Reads `int tcp_v4_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len)`. */
export function parsePrototype(proto: string): ProbeSignature {
  const m = /^\s*([^()]*?)\b([A-Za-z_]\w*)\s*\(([^()]*)\)\s*;?\s*$/.exec(proto.replace(/\s+/g, ' '));
  if (!m) throw new Error(`not a C prototype: ${proto}`);
  const params: { type: string; name: string }[] = [];
  const inner = m[3].trim();
  if (inner && inner !== 'void') {
    for (const [i, raw] of inner.split(',').entries()) {
      const p = raw.trim();
      if (p === '...') { params.push({ type: '...', name: '' }); continue; }
      const pm = /^(.*?)([A-Za-z_]\w*)\s*(\[\s*\w*\s*\])?$/.exec(p);
      if (!pm || !pm[1].trim()) params.push({ type: p, name: `arg${i}` });
      else params.push({ type: pm[1].trim() + (pm[3] ? ' *' : ''), name: pm[2] });
    }
  }
  return { name: m[2], returnType: m[1].trim() || 'int', params };
}

interface Plan { ctype: string; cname: string; label: string; cls: ParamClass }

export function generateProbe(sig: ProbeSignature): GeneratedProbe {
  const tracepoint = sig.name.includes(':');
  if (tracepoint ? !splitTracepoint(sig.name) : !isSymbol(sig.name)) throw new Error(`invalid probe target ${JSON.stringify(sig.name)}`);
  const fields: GenField[] = [];
  const strings: GenString[] = [];
  const skipped: string[] = [];
  const plans: Plan[] = [];
  let complete = true;
  for (const [i, p] of sig.params.entries()) {
    const label = isIdent(p.name) ? p.name : `arg${i}`;
    const cls = classifyParam(p.type);
    if (cls.kind === 'unsupported') {
      // later arguments would sit in unknown registers/slots: stop here
      skipped.push(...sig.params.slice(i).map((q, k) => `${isIdent(q.name) ? q.name : `arg${i + k}`}: ${k === 0 ? cls.why : 'follows an unreadable argument'}`));
      complete = false;
      break;
    }
    const ctype = cls.kind === 'struct' ? cls.reader.ctype : cls.kind === 'ptr' ? 'void *' : cls.signed ? 'long' : 'unsigned long';
    plans.push({ ctype, cname: `p${i}`, label, cls });
  }

  const body: string[] = [];
  let next = 0;
  let slot = 0;
  for (const p of plans) {
    if (p.cls.kind === 'struct') {
      for (const v of p.cls.reader.vals) {
        const width = v.width ?? 1;
        if (next + width > MAX_VALS) { skipped.push(`${p.label}.${v.field}: no room in the event`); continue; }
        if (v.kind === 'ipv6') body.push(`\tBPF_CORE_READ_INTO(&e->vals[${next}], ${v.expr(p.cname)});`);
        else body.push(`\te->vals[${next}] = ${v.expr(p.cname)};`);
        fields.push({ path: `${p.label}.${v.field}`, kind: v.kind, index: next });
        next += width;
      }
      for (const s of p.cls.reader.strs) {
        if (slot >= STRING_SLOTS) { skipped.push(`${p.label}.${s.field}: no string slot left`); continue; }
        body.push(`\te->user_len[${slot}] = ${s.expr(p.cname, `e->user[${slot}]`)};`);
        strings.push({ path: `${p.label}.${s.field}`, slot });
        slot++;
      }
    } else {
      if (next >= MAX_VALS) { skipped.push(`${p.label}: no room in the event`); continue; }
      body.push(`\te->vals[${next}] = (__u64)${p.cname};`);
      const c = p.cls;
      fields.push({ path: p.label, kind: c.kind === 'ptr' ? 'ptr' : c.kind === 'int' && c.signed ? 's64' : 'u64', index: next });
      next++;
    }
  }
  body.push(`\te->nvals = ${next};`);

  const decl = (ps: Plan[]) => ps.map((p) => `${p.ctype}${p.ctype.endsWith('*') ? '' : ' '}${p.cname}`).join(', ');
  const call = (ps: Plan[]) => ps.map((p) => p.cname).join(', ');
  const out: string[] = [];
  const programs: string[] = [];
  out.push(
    '// SPDX-License-Identifier: GPL-2.0',
    // only word characters and a little punctuation reach the comment, so it cannot be closed early
    `/* Generated by Kernel Probe Navigator for ${sig.name}: ${`${sig.returnType} (${sig.params.map((p) => `${p.type} ${p.name}`).join(', ')})`.replace(/[^\w *,.:()]/g, '?')} */`,
    '#include "kpn_common.bpf.h"',
    '',
    `static __always_inline void kpn_fill(struct kpn_event *e${plans.length ? ', ' + decl(plans) : ''})`,
    '{',
    ...body,
    '}',
    '',
    `static __always_inline int kpn_emit(void *ctx${plans.length ? ', ' + decl(plans) : ''})`,
    '{',
    '\tstruct kpn_event *e;',
    '',
    '\tif (!kpn_hit())',
    '\t\treturn 0;',
    '\te = kpn_reserve(ctx, KPN_EV_GEN);',
    '\tif (!e)',
    '\t\treturn 0;',
    `\tkpn_fill(e${plans.length ? ', ' + call(plans) : ''});`,
    '\tkpn_submit(e);',
    '\treturn 0;',
    '}',
    '',
  );
  const args = (ps: Plan[]) => (ps.length ? ', ' + decl(ps) : '');
  const pass = (ps: Plan[]) => (ps.length ? ', ' + call(ps) : '');
  if (tracepoint) {
    // tp_btf checks argument types against the kernel's BTF; raw_tp reads the same slots untyped
    out.push('SEC("tp_btf")', `int BPF_PROG(kpn_gen_tp_btf${args(plans)})`, '{', `\treturn kpn_emit(ctx${pass(plans)});`, '}', '');
    out.push('SEC("raw_tp")', `int BPF_PROG(kpn_gen_raw_tp${args(plans)})`, '{', `\treturn kpn_emit(ctx${pass(plans)});`, '}', '');
    programs.push('kpn_gen_tp_btf', 'kpn_gen_raw_tp');
  } else {
    const kp = plans.slice(0, MAX_KPROBE_ARGS);
    if (plans.length > MAX_KPROBE_ARGS) skipped.push(`kprobe: only the first ${MAX_KPROBE_ARGS} arguments are in registers libbpf reads`);
    out.push('SEC("kprobe")', `int BPF_KPROBE(kpn_gen_kprobe${args(kp)})`, '{');
    // arguments past the fifth are not read by the kprobe variant: pass zeros
    const rest = plans.slice(MAX_KPROBE_ARGS).map(() => '0');
    out.push(`\treturn kpn_emit(ctx${pass(kp)}${rest.length ? ', ' + rest.join(', ') : ''});`, '}', '');
    out.push('SEC("fentry")', `int BPF_PROG(kpn_gen_fentry${args(plans)})`, '{', `\treturn kpn_emit(ctx${pass(plans)});`, '}', '');
    programs.push('kpn_gen_kprobe', 'kpn_gen_fentry');
    if (complete && !/^void$/.test(normaliseType(sig.returnType))) {
      // fexit sees the arguments and the return value, but only when every argument slot is known
      out.push(
        'SEC("fexit")', `int BPF_PROG(kpn_gen_fexit${args(plans)}, long ret)`, '{',
        '\tstruct kpn_event *e;', '',
        '\tif (!kpn_hit())', '\t\treturn 0;',
        '\te = kpn_reserve(ctx, KPN_EV_GEN_EXIT);', '\tif (!e)', '\t\treturn 0;',
        `\tkpn_fill(e${pass(plans)});`, '\te->ret = ret;',
        '\tkpn_submit(e);', '\treturn 0;', '}', '',
      );
      programs.push('kpn_gen_fexit');
    }
  }
  return { source: out.join('\n'), fields, strings, programs, skipped, target: sig.name };
}

const FAMILIES: Record<number, string> = { 1: 'AF_UNIX', 2: 'AF_INET', 10: 'AF_INET6', 16: 'AF_NETLINK', 17: 'AF_PACKET' };

function ipv4(v: bigint): string {
  const n = Number(v & 0xffffffffn);
  return [n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >>> 24) & 255].join('.');
}

function ipv6(lo: bigint, hi: bigint): string {
  const bytes: number[] = [];
  for (const q of [lo, hi]) for (let i = 0; i < 8; i++) bytes.push(Number((q >> BigInt(8 * i)) & 0xffn));
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return groups.join(':').replace(/\b(?:0:){2,}0?\b|^0:0:(?:0:)*/, '::').replace(/:{3,}/, '::');
}

function swap16(v: number): number { return ((v & 0xff) << 8) | ((v >> 8) & 0xff); }

/** Turns a generated program's event into named values: { sk: { daddr: '127.0.0.1', dport: 80, … }, addr_len: 16 }. */
export function decodeGenerated(gen: Pick<GeneratedProbe, 'fields' | 'strings'>, ev: HelperEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const vals = (ev.vals ?? []).map((s) => BigInt(s));
  const set = (p: string, v: unknown) => {
    const parts = p.split('.');
    let o = out;
    for (const k of parts.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
    o[parts[parts.length - 1]] = v;
  };
  const family = new Map<string, number>();
  for (const f of gen.fields) if (f.kind === 'family' && f.index < vals.length) family.set(f.path.split('.')[0], Number(vals[f.index]));
  for (const f of gen.fields) {
    if (f.index >= vals.length) continue;
    const v = vals[f.index];
    const owner = f.path.split('.')[0];
    switch (f.kind) {
      case 'family': set(f.path, FAMILIES[Number(v)] ?? Number(v)); break;
      case 'ipv4': if (family.get(owner) !== 10) set(f.path, ipv4(v)); break;
      case 'ipv6': if (family.get(owner) === 10 && f.index + 1 < vals.length) set(f.path, ipv6(v, vals[f.index + 1])); break;
      case 'port': set(f.path, Number(v & 0xffffn)); break;
      case 'port_be': case 'be16': set(f.path, swap16(Number(v & 0xffffn))); break;
      case 's64': set(f.path, Number(BigInt.asIntN(64, v))); break;
      case 'oct': set(f.path, '0' + v.toString(8)); break;
      case 'ptr': set(f.path, '0x' + v.toString(16)); break;
      default: set(f.path, v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : '0x' + v.toString(16));
    }
  }
  for (const s of gen.strings) if (ev.strs && s.slot < ev.strs.length && ev.strs[s.slot] !== null) set(s.path, ev.strs[s.slot]);
  if (ev.ret !== undefined) out.return = ev.ret;
  return out;
}
