// The one Disposable that owns this window's connection to the daemon: where it is (its
// endpoint), starting it on demand, and the window's own MCP session for reading state.
// The daemon is shared by every window, so disposing this never stops it.
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Config, daemonFlags, readConfig } from './config';
import { daemonFiles, Endpoint, Env, findDaemon, startDaemon, stopDaemon } from './daemon';

export type DaemonState = 'unknown' | 'stopped' | 'starting' | 'running' | 'failed';

/** The header that tells the daemon which window a session belongs to (VS Code chat's
 *  session and the extension's own carry the same value), so list_running can report the
 *  tools the whole window holds. */
export const WINDOW_HEADER = 'X-OneMCP-Window';

/** list_running's structuredContent, as the daemon sends it. */
export interface RunningServer {
  name: string;
  up: boolean;
  /** How many tools it has. */
  tools: number;
  restarts: number;
  last_error: string;
  runs: string;
}
export interface PendingApproval {
  server_id: string;
  name: string;
  reasons: string;
}
export interface Running {
  servers: RunningServer[];
  /** The tools of the calling session (the extension's own). */
  session_tools: string[];
  pending_approvals: PendingApproval[];
  /** What every session of this window holds (chat's and the extension's); absent from a
   *  daemon that does not know the window header. */
  window?: { id: string; sessions: number; tools: string[] };
}

export interface ContextOptions {
  config?: () => Config;
  env?: Env;
  clientName?: string;
  /** This window's id for the daemon (default: a random UUID per window). */
  windowId?: string;
}

export class OneMcpContext implements vscode.Disposable {
  readonly output: vscode.OutputChannel;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the daemon's state or endpoint changes. */
  readonly onDidChange = this.changed.event;
  private readonly moved = new vscode.EventEmitter<void>();
  /** Fires when a known endpoint is gone or replaced (the daemon stopped or restarted). */
  readonly onDidChangeEndpoint = this.moved.event;
  private readonly config: () => Config;
  private readonly env: Env;
  private readonly clientName: string;
  /** Sent as X-OneMCP-Window with every session this window opens at the daemon. */
  readonly windowId: string;
  private stateValue: DaemonState = 'unknown';
  private endpointValue: Endpoint | undefined;
  private lastErrorValue = '';
  private starting: Promise<Endpoint> | undefined;
  private connecting: Promise<Client> | undefined;
  private session: { client: Client; transport: StreamableHTTPClientTransport; endpoint: Endpoint } | undefined;
  private disposed = false;

  constructor(options: ContextOptions = {}) {
    this.config = options.config ?? (() => readConfig());
    this.env = options.env ?? process.env;
    this.clientName = options.clientName ?? `vscode-onemcp-${vscode.env.sessionId}`;
    this.windowId = options.windowId ?? randomUUID();
    this.output = vscode.window.createOutputChannel('OneMCP');
  }

  get state(): DaemonState {
    return this.stateValue;
  }
  get endpoint(): Endpoint | undefined {
    return this.endpointValue;
  }
  get lastError(): string {
    return this.lastErrorValue;
  }
  get logFile(): string {
    return daemonFiles(this.env).logFile;
  }
  /** The MCP session id this window holds at the daemon, once it has one. */
  get sessionId(): string | undefined {
    return this.session?.transport.sessionId;
  }

  private set(state: DaemonState, endpoint: Endpoint | undefined, error = ''): void {
    const moved = endpoint?.url !== this.endpointValue?.url || endpoint?.token !== this.endpointValue?.token;
    if (moved) void this.closeSession();
    const replaced = moved && this.endpointValue !== undefined;
    const fire = moved || state !== this.stateValue || error !== this.lastErrorValue;
    this.stateValue = state;
    this.endpointValue = endpoint;
    this.lastErrorValue = error;
    if (error) this.output.appendLine(`error: ${error}`);
    if (fire && !this.disposed) this.changed.fire();
    if (replaced && !this.disposed) this.moved.fire();
  }

  /** Looks for a live daemon without starting one. */
  async discover(): Promise<Endpoint | undefined> {
    if (this.starting) return this.starting.catch(() => undefined);
    try {
      const ep = await findDaemon(this.config().path, this.env);
      this.set(ep ? 'running' : 'stopped', ep);
      return ep;
    } catch (e) {
      this.set('failed', undefined, String((e as Error).message));
      return undefined;
    }
  }

  /** The live daemon's endpoint, starting the daemon with the settings if none runs. */
  ensureDaemon(): Promise<Endpoint> {
    if (!this.starting) {
      const c = this.config();
      this.set('starting', this.endpointValue);
      this.output.appendLine(`starting: ${c.path} daemon start ${daemonFlags(c).join(' ')}`);
      this.starting = startDaemon(c.path, daemonFlags(c), this.env)
        .then((ep) => {
          this.output.appendLine(`daemon running: ${ep.url} (pid ${ep.pid})`);
          this.set('running', ep);
          return ep;
        })
        .catch((e: Error) => {
          this.set('failed', undefined, e.message);
          throw e;
        })
        .finally(() => {
          this.starting = undefined;
        });
    }
    return this.starting;
  }

  async stopDaemon(): Promise<void> {
    await this.closeSession();
    await stopDaemon(this.config().path, this.env);
    this.output.appendLine('daemon stopped');
    this.set('stopped', undefined);
  }

  /** Stops the daemon and starts it again with the current settings. */
  async restartDaemon(): Promise<Endpoint> {
    await this.stopDaemon();
    return this.ensureDaemon();
  }

  /** This window's MCP session at the daemon (opened on first use; never starts the daemon). */
  private async client(): Promise<Client> {
    const ep = this.endpointValue ?? (await this.discover());
    if (!ep) throw new Error('the OneMCP daemon is not running');
    const s = this.session;
    if (s && s.endpoint.url === ep.url && s.endpoint.token === ep.token) return s.client;
    // One connection at a time: concurrent callers share it rather than replace each other's.
    if (!this.connecting) {
      this.connecting = this.connect(ep).finally(() => {
        this.connecting = undefined;
      });
    }
    return this.connecting;
  }

  private async connect(ep: Endpoint): Promise<Client> {
    await this.closeSession();
    const transport = new StreamableHTTPClientTransport(new URL(ep.url), {
      requestInit: { headers: this.headers(ep) },
    });
    const client = new Client({ name: this.clientName, version: '0.1.0' });
    await client.connect(transport);
    this.session = { client, transport, endpoint: ep };
    return client;
  }

  /** The headers every session of this window sends: the token and the window's id. */
  headers(ep: Endpoint): Record<string, string> {
    return { Authorization: `Bearer ${ep.token}`, [WINDOW_HEADER]: this.windowId };
  }

  private async closeSession(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    if (!s) return;
    try {
      await s.transport.terminateSession();
    } catch {
      // the daemon may be gone already
    }
    await s.client.close().catch(() => undefined);
  }

  /** Calls one of the daemon's tools in this window's session; a failed call throws. A call
   *  that may start a server (approve_server, find_tools) needs a longer `timeoutMs` than the
   *  SDK's 60 s: the first start of a server installs its package in the sandbox. */
  async callTool(name: string, args: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<Record<string, unknown>> {
    const client = await this.client();
    const call = (c: Client) => c.callTool({ name, arguments: args }, undefined, { timeout: timeoutMs });
    let result;
    try {
      result = await call(client);
    } catch (e) {
      if ((e as { code?: number }).code === -32001) throw e; // timed out: the daemon is there, and busy
      // The daemon may have restarted: look again once, with a new session.
      await this.closeSession();
      const ep = await this.discover();
      if (!ep) throw e;
      result = await call(await this.client());
    }
    const text = Array.isArray(result.content)
      ? result.content.map((c: { type: string; text?: string }) => (c.type === 'text' ? c.text : '')).join('\n')
      : '';
    if (result.isError) throw new Error(text || `${name} failed`);
    return (result.structuredContent as Record<string, unknown>) ?? { text };
  }

  async listRunning(): Promise<Running> {
    const r = await this.callTool('list_running');
    const w = r.window as Running['window'] | undefined;
    return {
      servers: Array.isArray(r.servers) ? (r.servers as RunningServer[]) : [],
      session_tools: Array.isArray(r.session_tools) ? (r.session_tools as string[]) : [],
      pending_approvals: Array.isArray(r.pending_approvals) ? (r.pending_approvals as PendingApproval[]) : [],
      window: w && Array.isArray(w.tools) ? w : undefined,
    };
  }

  /** The tools this window's session can call (MCP tools/list). */
  async listTools(): Promise<string[]> {
    const r = await (await this.client()).listTools();
    return r.tools.map((t) => t.name);
  }

  dispose(): void {
    this.disposed = true;
    void this.closeSession();
    this.changed.dispose();
    this.moved.dispose();
    this.output.dispose();
  }
}
