// The "Servers and Tools" view: the servers the daemon runs (shared by every window), the
// tools this window holds (all its sessions: VS Code chat's and the extension's own) and the
// servers waiting for approval, read with the daemon's list_running tool.
import * as vscode from 'vscode';
import { OneMcpContext, Running } from './context';

export interface Node {
  label: string;
  description?: string;
  tooltip?: string;
  icon?: string;
  children?: Node[];
  /** 'server' or 'pending': which item commands (package.json menus) it offers. */
  contextValue?: string;
  /** A running server's name (contextValue 'server'), the argument of Stop Server. */
  server?: string;
  /** A pending server's id (contextValue 'pending'), the argument of Approve. */
  serverId?: string;
}

export class ServersTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [];
  private roots: Node[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Told the server count after each read (the status bar). */
  onServerCount: (n: number | undefined) => void = () => undefined;

  constructor(private readonly ctx: OneMcpContext) {
    this.subscriptions.push(ctx.onDidChange(() => void this.refresh()));
    const view = vscode.window.createTreeView('onemcp.servers', { treeDataProvider: this });
    this.subscriptions.push(
      view,
      view.onDidChangeVisibility((e) => (e.visible ? this.poll() : this.stopPolling())),
    );
    if (view.visible) this.poll();
  }

  private poll(): void {
    this.stopPolling();
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), 15_000);
  }

  private stopPolling(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reads the daemon's state again; never starts the daemon. */
  async refresh(): Promise<Node[]> {
    if (this.ctx.state === 'running') {
      try {
        this.roots = toNodes(await this.ctx.listRunning());
        this.onServerCount(this.roots[0]?.children?.length ?? 0);
      } catch (e) {
        this.roots = [{ label: 'Cannot read the daemon', description: (e as Error).message, icon: 'error' }];
        this.onServerCount(undefined);
      }
    } else if (this.ctx.state === 'failed') {
      this.roots = [{ label: 'The daemon failed', description: this.ctx.lastError, icon: 'error' }];
    } else {
      this.roots = [
        { label: 'Daemon not running', description: 'starts when VS Code first uses OneMCP', icon: 'debug-disconnect' },
      ];
    }
    this.changed.fire();
    return this.roots;
  }

  getTreeItem(n: Node): vscode.TreeItem {
    const item = new vscode.TreeItem(
      n.label,
      n.children ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None,
    );
    item.description = n.description;
    item.tooltip = n.tooltip;
    item.contextValue = n.contextValue;
    if (n.icon) item.iconPath = new vscode.ThemeIcon(n.icon);
    return item;
  }

  getChildren(n?: Node): Node[] {
    return n ? n.children ?? [] : this.roots;
  }

  dispose(): void {
    this.stopPolling();
    this.subscriptions.forEach((d) => d.dispose());
    this.changed.dispose();
  }
}

/** list_running's answer as tree nodes: the servers, this window's tools, then the servers
 *  waiting for approval (only when there are some). */
export function toNodes(r: Running): Node[] {
  const servers: Node[] = r.servers.map((s) => ({
    label: s.name,
    description: `${s.up ? 'up' : 'down'} · ${s.tools} tools${s.restarts ? ` · ${s.restarts} restarts` : ''}`,
    tooltip: [s.runs, s.last_error && `last error: ${s.last_error}`].filter(Boolean).join('\n'),
    icon: s.up ? 'server-process' : 'warning',
    contextValue: 'server',
    server: s.name,
  }));
  // A daemon without window tags answers for the extension's own session only.
  const window = r.window
    ? {
        label: 'This window',
        tools: r.window.tools,
        sessions: ` · ${r.window.sessions} session${r.window.sessions === 1 ? '' : 's'}`,
        tooltip:
          `The tools this window's ${r.window.sessions} OneMCP session(s) hold: VS Code chat's, granted by ` +
          "find_tools, and the extension's own (for example by 'Approve a Pending Server Install').",
      }
    : {
        label: "This window's extension session",
        tools: r.session_tools,
        sessions: '',
        tooltip:
          "The tools granted to this window's OneMCP extension session (this daemon does not report the " +
          "window's other sessions).",
      };
  const nodes: Node[] = [
    { label: 'Servers', description: String(servers.length), icon: 'server', children: servers },
    {
      label: window.label,
      description: `${window.tools.length} tools${window.sessions}`,
      tooltip: window.tooltip,
      icon: 'window',
      children: window.tools.map((t) => ({ label: t, icon: 'tools' })),
    },
  ];
  if (r.pending_approvals.length > 0) {
    nodes.push({
      label: 'Waiting for approval',
      description: String(r.pending_approvals.length),
      icon: 'shield',
      children: r.pending_approvals.map((p) => ({
        label: p.name || p.server_id,
        description: p.server_id,
        tooltip: `Needs your approval because ${p.reasons}`,
        icon: 'question',
        contextValue: 'pending',
        serverId: p.server_id,
      })),
    });
  }
  return nodes;
}
