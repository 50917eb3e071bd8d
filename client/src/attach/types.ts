/**
 * Shapes of the server's attach requests and notifications: the server's own types (type-only
 * imports, erased at build), plus what server/src/lsp/attachGlue.ts adds on the wire.
 */
import type { SessionInfo } from '../../../server/src/attach/sessions';
import type { Refusal as ServerRefusal } from '../../../server/src/attach/plan';
import type { AttachType } from '../../../server/src/attach/names';

export type { DecodedEvent as ProbeEvent } from '../../../server/src/attach/sessions';

/** The `kpn.attach` command's argument (what the stability and tracepoint CodeLenses send). */
export interface AttachArgs {
  target: string;
  type?: 'auto' | AttachType;
  /** Tree-relative path or file URI. */
  file?: string;
  /** 1-based, as the stability CodeLens gives it. */
  line?: number;
  /** Attach by address when several symbols share the name. */
  addr?: string;
}

export type Session = SessionInfo & { uri?: string };
/** The `data` of a refused attach; the untrusted refusal carries only its code. */
export type Refusal = Pick<ServerRefusal, 'code'> & Partial<Omit<ServerRefusal, 'code'>>;

export interface Generated { path: string; uri: string; fields: string[]; skipped: string[]; programs: string[] }
