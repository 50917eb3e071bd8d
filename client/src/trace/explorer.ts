/** Trace Explorer: the server's tree (syscalls → call tree, processes, events), one level per request. */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { TreeNode } from './protocol';

export class TraceExplorer implements vscode.TreeDataProvider<TreeNode> {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly client: LanguageClient) {}

  refresh(): void { this.changed.fire(undefined); }

  async getChildren(parent?: TreeNode): Promise<TreeNode[]> {
    const ref = parent && { kind: parent.kind, name: parent.name, path: parent.path, syscall: parent.syscall };
    return this.client.sendRequest<TreeNode[]>('kpn/trace/children', { parent: ref });
  }

  getTreeItem(n: TreeNode): vscode.TreeItem {
    const item = new vscode.TreeItem(n.label, n.expandable ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.description = n.description;
    item.tooltip = n.tooltip ?? (n.location ? `${n.label} — ${vscode.workspace.asRelativePath(vscode.Uri.parse(n.location.uri))}:${n.location.range.start.line + 1}` : undefined);
    item.contextValue = n.kind;
    item.id = [n.kind, n.name ?? n.label, ...(n.path ?? [])].join('/');
    item.iconPath = new vscode.ThemeIcon(ICONS[n.kind]);
    if (n.location) item.command = { command: 'kpn.trace.openLocation', title: 'Open source', arguments: [n.location, true] };
    return item;
  }
}

const ICONS: Record<TreeNode['kind'], string> = {
  info: 'info', group: 'list-tree', syscall: 'symbol-event', function: 'symbol-function', process: 'server-process', event: 'pulse',
};
