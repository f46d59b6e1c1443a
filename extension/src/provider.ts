// OneMCP as an MCP server of VS Code: one HTTP server definition, resolved lazily so the
// daemon starts only when VS Code first needs the server (then with the Authorization header).
import * as vscode from 'vscode';
import { OneMcpContext } from './context';

export const PROVIDER_ID = 'onemcp';
export const SERVER_LABEL = 'OneMCP';
// Before the daemon runs its port is unknown; resolveMcpServerDefinition sets the real URI.
const PLACEHOLDER = 'http://127.0.0.1/mcp';

export class OneMcpServerProvider implements vscode.McpServerDefinitionProvider<vscode.McpHttpServerDefinition> {
  readonly onDidChangeMcpServerDefinitions: vscode.Event<void>;

  constructor(private readonly ctx: OneMcpContext) {
    // Only a daemon that stopped or restarted (new port or token) makes VS Code resolve
    // again; the first start happens inside resolveMcpServerDefinition itself.
    this.onDidChangeMcpServerDefinitions = ctx.onDidChangeEndpoint;
  }

  provideMcpServerDefinitions(): vscode.McpHttpServerDefinition[] {
    // No token here: a definition is only handed its header when VS Code starts it.
    return [new vscode.McpHttpServerDefinition(SERVER_LABEL, vscode.Uri.parse(this.ctx.endpoint?.url ?? PLACEHOLDER))];
  }

  async resolveMcpServerDefinition(server: vscode.McpHttpServerDefinition): Promise<vscode.McpHttpServerDefinition> {
    const ep = await this.ctx.ensureDaemon();
    server.uri = vscode.Uri.parse(ep.url);
    // The window header lets the daemon tell this window's chat session apart from others'.
    server.headers = { ...server.headers, ...this.ctx.headers(ep) };
    return server;
  }
}

export function registerProvider(ctx: OneMcpContext): vscode.Disposable {
  return vscode.lm.registerMcpServerDefinitionProvider(PROVIDER_ID, new OneMcpServerProvider(ctx));
}
