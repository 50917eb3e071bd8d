/** The status bar item that shows the index state: progress while indexing, function count when ready. */
import * as vscode from 'vscode';

export interface IndexStatus {
  state: 'starting' | 'indexing' | 'ready' | 'cancelled' | 'error';
  files: number;
  functions: number;
  done: number;
  total: number;
  kernelVersion?: string;
  isKernelTree: boolean;
  message?: string;
}

const fmt = (n: number) => n.toLocaleString('en-US');

export class IndexStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('kpn.status', vscode.StatusBarAlignment.Left, 10);
  status: IndexStatus | undefined;

  constructor() {
    this.item.name = 'Kernel Probe Navigator index';
    this.item.command = 'kpn.showIndexStatus';
    this.item.text = '$(sync~spin) KPN starting';
    this.item.show();
  }

  update(s: IndexStatus): void {
    this.status = s;
    switch (s.state) {
      case 'starting':
        this.item.text = '$(sync~spin) KPN starting';
        break;
      case 'indexing':
        this.item.text = s.total ? `$(sync~spin) KPN indexing ${fmt(s.done)}/${fmt(s.total)} files` : '$(sync~spin) KPN listing files';
        break;
      case 'ready':
        this.item.text = `$(check) KPN ${fmt(s.functions)} fns`;
        break;
      case 'cancelled':
        this.item.text = '$(circle-slash) KPN cancelled';
        break;
      case 'error':
        this.item.text = '$(error) KPN error';
        break;
    }
    const lines = [
      s.kernelVersion ? `Linux ${s.kernelVersion}` : 'not a kernel tree (no kernel Makefile): indexed as plain C',
      `${fmt(s.files)} files, ${fmt(s.functions)} functions`,
    ];
    if (s.message) lines.push(s.message);
    this.item.tooltip = lines.join('\n');
  }

  dispose(): void {
    this.item.dispose();
  }
}
