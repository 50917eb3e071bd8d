/** Client-side attach UI: commands, views and decorations; analysis stays in the server. */
import type * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

export function registerAttachUi(_context: vscode.ExtensionContext, _client: LanguageClient): void {
  // Filled in by the attach feature work.
}
