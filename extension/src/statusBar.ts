// The status bar item: the daemon's state and how many servers it runs.
import * as vscode from 'vscode';
import { OneMcpContext } from './context';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 10);
  private readonly subscription: vscode.Disposable;
  private servers: number | undefined;

  constructor(private readonly ctx: OneMcpContext) {
    this.item.command = 'workbench.view.extension.onemcp';
    this.item.name = 'OneMCP';
    this.subscription = ctx.onDidChange(() => this.render());
    this.render();
    this.item.show();
  }

  /** Called by the tree view whenever it has read list_running. */
  setServerCount(n: number | undefined): void {
    this.servers = n;
    this.render();
  }

  get text(): string {
    return this.item.text;
  }

  private render(): void {
    const s = this.ctx.state;
    if (s === 'running') {
      const n = this.servers;
      this.item.text = `$(plug) OneMCP${n === undefined ? '' : `: ${n} server${n === 1 ? '' : 's'}`}`;
      this.item.tooltip = `OneMCP daemon at ${this.ctx.endpoint?.url} (pid ${this.ctx.endpoint?.pid})`;
    } else if (s === 'starting') {
      this.item.text = '$(sync~spin) OneMCP: starting';
      this.item.tooltip = 'Starting the OneMCP daemon';
    } else if (s === 'failed') {
      this.item.text = '$(error) OneMCP';
      this.item.tooltip = `OneMCP: ${this.ctx.lastError}`;
    } else {
      this.item.text = '$(debug-disconnect) OneMCP: stopped';
      this.item.tooltip = 'The OneMCP daemon is not running; it starts when VS Code first uses the OneMCP server.';
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
