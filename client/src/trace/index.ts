/** Client-side trace UI: commands, views and decorations; analysis stays in the server. */
import type * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

export function registerTraceUi(_context: vscode.ExtensionContext, _client: LanguageClient): void {
  // Filled in by the trace feature work.
}
