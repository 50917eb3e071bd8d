/**
 * What a feature area (stability, trace, attach) gets to plug itself into the server: the
 * connection, the index, path/location helpers, and registries for hover sections and CodeLens.
 * Each area lives in its own `*Glue.ts`; server.ts only composes them.
 */
import type { CodeLens, Connection, Location, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Explanation } from '../features/explain';
import type { Loc } from '../features/locations';
import type { KernelIndex } from '../index/kernelIndex';
import type { IndexService } from './indexService';

export interface InitOptions {
  cacheDir?: string;
  workers?: number;
  exclude?: string[];
  maxFileSizeMB?: number;
  /** Set by the VS Code client: false in an untrusted workspace (attach and tracing refuse to run). */
  trusted?: boolean;
  /** Helper binary from a machine-scoped setting only (never a workspace value); see client/src/attach. */
  helperPath?: string;
  /** `kpn.history` / `kpn.stability` settings for editors that do not answer workspace/configuration. */
  history?: unknown;
  stability?: unknown;
}

/** Markdown placed in a function's hover; undefined = nothing to say. */
export type HoverSection = (e: Explanation, index: KernelIndex) => string | undefined;
/** CodeLenses for one file (path relative to the tree root). */
export type LensProvider = (file: string, index: KernelIndex) => CodeLens[];

export interface FeatureContext {
  readonly connection: Connection;
  readonly documents: TextDocuments<TextDocument>;
  service(): IndexService | undefined;
  root(): string;
  init(): InitOptions;
  /** False in an untrusted workspace until the user grants trust (`kpn/trustGranted`): attach and tracing refuse. */
  trusted(): boolean;
  /** Path relative to the tree root, or undefined when the URI is outside it. */
  rel(uri: string): string | undefined;
  toLocation(l: Loc): Location;
  log(line: string): void;
  /** The headline at the top of a function hover; one area owns it (stability). */
  setHoverHeadline(p: HoverSection): void;
  /** Sections after the ops list, in registration order (trace counts, history, …). */
  addHoverSection(p: HoverSection): void;
  addLensProvider(p: LensProvider): void;
  /** Called each time the index becomes ready (cache loaded, re-index or check done); edits bump index.generation instead. */
  onIndexChanged(cb: () => void): void;
}
