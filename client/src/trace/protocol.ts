/**
 * Shapes of the kpn/trace/* requests: the server's own types (type-only imports, erased at build),
 * plus what server/src/lsp/traceGlue.ts adds on the wire (locations, signatures).
 */
import type * as lsp from 'vscode-languageclient/node';
import type { TreeNode as ServerTreeNode } from '../../../server/src/features/trace/callTree';
import type { Candidate as ServerCandidate } from '../../../server/src/features/trace/candidates';

export type { FunctionMark } from '../../../server/src/features/trace/fileMarks';
export type { TraceSummary } from '../../../server/src/lsp/traceGlue';

export type TreeNode = ServerTreeNode & { location?: lsp.Location };
export type Candidate = Omit<ServerCandidate, 'def'> & { signature?: string; location?: lsp.Location };

/** Notification name; a value, so it is repeated here rather than imported from server code. */
export const TRACE_CHANGED = 'kpn/trace/changed';
