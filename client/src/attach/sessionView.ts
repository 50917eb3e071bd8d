/** The "Live Probes" tree: one row per attached probe with its hit rate and drops. */
import * as vscode from 'vscode';
import type { Session } from './types';

type Node = { session: Session } | { detail: string; parent: Session };

export function describe(s: Session): string {
  const rate = s.hitRate >= 10 ? Math.round(s.hitRate).toString() : s.hitRate.toFixed(1);
  return `${s.attach} · ${s.hits} hits · ${rate}/s · ${s.drops} dropped`;
}

export class SessionView implements vscode.TreeDataProvider<Node> {
  private sessions: Session[] = [];
  private readonly lastEvent = new Map<number, string>();
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  update(sessions: Session[]): void {
    this.sessions = sessions;
    for (const link of [...this.lastEvent.keys()]) if (!sessions.some((s) => s.link === link)) this.lastEvent.delete(link);
    this.changed.fire(undefined);
  }

  noteEvent(link: number, text: string): void {
    this.lastEvent.set(link, text);
  }

  getChildren(node?: Node): Node[] {
    if (!node) return this.sessions.map((session) => ({ session }));
    if (!('session' in node)) return [];
    const s = node.session;
    const out = [
      `resolved ${s.resolved}${s.generated ? ' (generated program)' : ''}`,
      `${s.events} events · ${s.rateLimited} rate-limited · ${s.notForwarded} not shown · ${s.decodeErrors} decode errors`,
      ...s.notes,
    ];
    const last = this.lastEvent.get(s.link);
    if (last) out.push(`last: ${last}`);
    return out.map((detail) => ({ detail, parent: s }));
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (!('session' in node)) {
      const item = new vscode.TreeItem(node.detail);
      item.tooltip = node.detail;
      return item;
    }
    const s = node.session;
    const item = new vscode.TreeItem(s.target, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `kpn-probe-${s.link}`;
    item.description = describe(s);
    item.tooltip = `${s.target} (${s.attach}, link ${s.link})\n${describe(s)}\n${s.rateLimited} rate-limited, ${s.notForwarded} not shown in the editor`;
    item.contextValue = 'kpnProbe';
    item.iconPath = new vscode.ThemeIcon(s.drops > 0 ? 'warning' : 'pulse');
    if (s.uri && s.line !== undefined) {
      item.command = {
        command: 'vscode.open', title: 'Go to probe',
        arguments: [vscode.Uri.parse(s.uri), { selection: new vscode.Range(s.line, 0, s.line, 0) }],
      };
    }
    return item;
  }

  /** The link of a row (or of a detail row's probe), for Detach. */
  static linkOf(node: unknown): number | undefined {
    const n = node as Node | undefined;
    if (!n) return undefined;
    return 'session' in n ? n.session.link : n.parent.link;
  }
}
