// A small stand-in for the `vscode` module: the parts the extension uses, recording what the
// extension registers and shows so the tests can look. One instance is one editor window.
/* eslint-disable @typescript-eslint/no-explicit-any */
import * as crypto from 'node:crypto';

type Listener<T> = (e: T) => unknown;

export class EventEmitter<T> {
  private listeners = new Set<Listener<T>>();
  event = (l: Listener<T>) => {
    this.listeners.add(l);
    return new Disposable(() => this.listeners.delete(l));
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

export class Disposable {
  constructor(private readonly fn: () => unknown = () => undefined) {}
  dispose(): void {
    this.fn();
  }
}

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly value: string,
  ) {}
  static parse(s: string): Uri {
    return new Uri(s.split(':')[0], s);
  }
  static file(p: string): Uri {
    return new Uri('file', p);
  }
  get fsPath(): string {
    return this.value;
  }
  toString(): string {
    return this.value;
  }
}

export class McpHttpServerDefinition {
  constructor(
    public label: string,
    public uri: Uri,
    public headers: Record<string, string> = {},
    public version?: string,
  ) {}
}

export class McpStdioServerDefinition {
  constructor(
    public label: string,
    public command: string,
    public args: string[] = [],
    public env: Record<string, string> = {},
    public version?: string,
  ) {}
}

export class ThemeIcon {
  constructor(readonly id: string) {}
}

export class TreeItem {
  description?: string;
  tooltip?: string;
  iconPath?: ThemeIcon;
  contextValue?: string;
  constructor(
    readonly label: string,
    readonly collapsibleState: number,
  ) {}
}

export const TreeItemCollapsibleState = { None: 0, Collapsed: 1, Expanded: 2 };
export const StatusBarAlignment = { Left: 1, Right: 2 };

export interface FakeWindow {
  api: Record<string, unknown>;
  settings: Record<string, unknown>;
  providers: Map<string, any>;
  commands: Map<string, (...args: unknown[]) => any>;
  statusBarItems: any[];
  trees: Map<string, any>;
  messages: { kind: string; text: string }[];
  opened: string[];
  openedDocuments: string[];
  inputBoxAnswers: (string | undefined)[];
  messageAnswers: (string | undefined)[];
  /** The label of the item each quick pick answers with (undefined: dismissed). */
  quickPickAnswers: (string | undefined)[];
  /** The labels each quick pick offered. */
  quickPicks: string[][];
  changeSettings(values: Record<string, unknown>): void;
}

export function createFakeVscode(settings: Record<string, unknown> = {}): FakeWindow {
  const configChanged = new EventEmitter<{ affectsConfiguration(s: string): boolean }>();
  const w: FakeWindow = {
    api: {},
    settings,
    providers: new Map(),
    commands: new Map(),
    statusBarItems: [],
    trees: new Map(),
    messages: [],
    opened: [],
    openedDocuments: [],
    inputBoxAnswers: [],
    messageAnswers: [],
    quickPickAnswers: [],
    quickPicks: [],
    changeSettings(values) {
      Object.assign(settings, values);
      configChanged.fire({ affectsConfiguration: (s) => Object.keys(values).some((k) => s === `onemcp.${k}`) });
    },
  };
  const message = (kind: string) => async (text: string) => {
    w.messages.push({ kind, text });
    return w.messageAnswers.shift();
  };
  w.api = {
    EventEmitter,
    Disposable,
    Uri,
    McpHttpServerDefinition,
    McpStdioServerDefinition,
    ThemeIcon,
    TreeItem,
    TreeItemCollapsibleState,
    StatusBarAlignment,
    env: {
      sessionId: crypto.randomUUID(),
      openExternal: async (u: Uri) => {
        w.opened.push(u.toString());
        return true;
      },
    },
    lm: {
      registerMcpServerDefinitionProvider(id: string, provider: unknown) {
        w.providers.set(id, provider);
        return new Disposable(() => w.providers.delete(id));
      },
    },
    commands: {
      registerCommand(id: string, fn: (...args: unknown[]) => unknown) {
        if (w.commands.has(id)) throw new Error(`command ${id} already registered`);
        w.commands.set(id, fn);
        return new Disposable(() => w.commands.delete(id));
      },
      executeCommand: async (id: string, ...args: unknown[]) => w.commands.get(id)?.(...args),
    },
    workspace: {
      getConfiguration(section: string) {
        return { get: <T>(key: string) => settings[section === 'onemcp' ? key : `${section}.${key}`] as T };
      },
      onDidChangeConfiguration: configChanged.event,
      openTextDocument: async (u: Uri) => ({ uri: u }),
    },
    window: {
      createOutputChannel: (name: string) => ({ name, lines: [] as string[], appendLine(l: string) { this.lines.push(l); }, show() {}, dispose() {} }),
      createStatusBarItem() {
        const item = { text: '', tooltip: '', command: '', name: '', shown: false, show() { this.shown = true; }, dispose() {} };
        w.statusBarItems.push(item);
        return item;
      },
      createTreeView(id: string, options: { treeDataProvider: unknown }) {
        const visibility = new EventEmitter<{ visible: boolean }>();
        const view = { visible: false, onDidChangeVisibility: visibility.event, dispose() {}, ...options };
        w.trees.set(id, view);
        return view;
      },
      showInformationMessage: message('info'),
      showWarningMessage: message('warning'),
      showErrorMessage: message('error'),
      showInputBox: async () => w.inputBoxAnswers.shift(),
      showQuickPick: async (items: { label: string }[]) => {
        w.quickPicks.push(items.map((i) => i.label));
        const answer = w.quickPickAnswers.shift();
        return items.find((i) => i.label === answer);
      },
      showTextDocument: async (doc: { uri: Uri }) => {
        w.openedDocuments.push(doc.uri.fsPath);
        return doc;
      },
    },
  };
  return w;
}
