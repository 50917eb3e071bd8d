/** Messages of the helper's JSON-lines protocol (bpf-helper/README.md is the reference). */
import type { AttachType } from './names';

export const PROTOCOL_VERSION = 1;

export interface AttachRequest {
  target: string;
  type?: AttachType;
  /** Comma list or array of events, count, comm, latency, stack. */
  collect?: string | string[];
  nargs?: number;
  pid?: number;
  /** Events per second per CPU; 0 for unlimited. */
  rate?: number;
  /** Pick one of several same-named symbols: "0xffffffff81234560". */
  addr?: string;
  /** An absolute path to a compiled object (generated programs). */
  object?: string;
}

export interface LinkInfo {
  link: number;
  attach: AttachType;
  target: string;
  resolved: string;
  generated: boolean;
  programs: string[];
}

export interface AttachResult extends LinkInfo {
  notes: string[];
  /** Where the helper spent the attach, in µs: target checks, ELF open + BTF, verifier load, attach. */
  timing_us?: { prepare: number; open: number; load: number; attach: number };
}

export interface VerifyResult {
  attach: AttachType;
  target: string;
  resolved: string;
  programs: string[];
  attachable: boolean;
  not_attachable_code?: string;
  notes: string[];
}

export interface LinkStats extends LinkInfo {
  hits?: number;
  drops?: number;
  rate_limited?: number;
  events: number;
  decode_errors: number;
  run_time_ns: number;
  run_cnt: number;
  comms?: { pid: number; comm: string; count: number }[];
  latency_log2_ns?: Record<string, number>;
}

export interface HelloReply {
  protocol: number;
  helper: string;
  pid: number;
  euid: number;
  kernel: string;
  max_line: number;
  features: { kprobes: boolean; btf: boolean; tracefs: boolean };
  types: AttachType[];
}

export interface SockaddrValue { family: string | number; addr?: string; port?: number; path?: string }
export type FieldValue = number | string | null | SockaddrValue;

export interface HelperEvent {
  type: 'event';
  link: number;
  kind: 'entry' | 'exit' | 'tracepoint' | 'generated' | 'generated_exit';
  ts_ns: number;
  pid: number;
  tid: number;
  comm: string;
  /** entry: raw argument values as hex strings. */
  args?: string[];
  /** tracepoint: decoded record fields. */
  fields?: Record<string, FieldValue>;
  /** generated: raw values in the generator's layout (see generate.ts decodeGenerated). */
  vals?: string[];
  strs?: (string | null)[];
  ret?: number | string;
  lat_ns?: number;
  stack?: string[];
}

export interface StatsEvent { type: 'stats'; links: LinkStats[] }
export interface ByeEvent { type: 'bye'; reason: string }

export interface ErrorBody {
  code: string;
  message: string;
  detail?: string;
  tried?: { type: AttachType; code: string; message: string }[];
  alternatives?: string[];
}
