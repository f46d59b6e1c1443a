// Test plumbing: `require('vscode')` answered by a fake window, the extension bundle loaded
// once per simulated window, and a real onemcp daemon isolated in temporary XDG directories.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { createFakeVscode, FakeWindow } from './fakeVscode';

const extensionDir = path.resolve(__dirname, '..', '..');
const repoDir = path.resolve(extensionDir, '..');
const bundle = path.join(extensionDir, 'dist', 'extension.js');

let current: FakeWindow | undefined;
const M = Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
const load = M._load;
M._load = function (request: string, parent: unknown, isMain: boolean) {
  if (request === 'vscode') {
    if (!current) current = createFakeVscode();
    return current.api;
  }
  return load.call(this, request, parent, isMain);
};

/** Makes `w` the window that `require('vscode')` answers with from now on. */
export function useWindow(w: FakeWindow): void {
  current = w;
}

export interface LoadedWindow {
  fake: FakeWindow;
  ext: { activate(c: unknown): any; deactivate(): void };
  ctx: any;
  subscriptions: { dispose(): void }[];
}

/** A simulated VS Code window: a fresh copy of the shipped bundle activated against its own fake. */
export function openWindow(settings: Record<string, unknown>, env: NodeJS.ProcessEnv): LoadedWindow {
  const fake = createFakeVscode(settings);
  useWindow(fake);
  const saved = process.env;
  delete require.cache[bundle];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ext = require(bundle);
  const subscriptions: { dispose(): void }[] = [];
  process.env = env; // the context reads the environment when it is made, as in a real extension host
  let ctx;
  try {
    ctx = ext.activate({ subscriptions });
  } finally {
    process.env = saved;
  }
  return { fake, ext, ctx, subscriptions };
}

export function closeWindow(w: LoadedWindow): void {
  w.ext.deactivate();
  for (const d of w.subscriptions.reverse()) d.dispose();
}

/** The onemcp executable under test: $ONEMCP_BIN, else the CI build in this repository. */
export function onemcpBinary(): string {
  const candidates = [process.env.ONEMCP_BIN, path.join(repoDir, 'build/ci/apps/onemcp/onemcp')];
  for (const c of candidates) if (c && fs.existsSync(c)) return c;
  throw new Error(`no onemcp binary (set ONEMCP_BIN; tried ${candidates.filter(Boolean).join(', ')})`);
}

export interface Sandbox {
  dir: string;
  env: NodeJS.ProcessEnv;
  exe: string;
  endpointFile: string;
  /** `onemcp daemon stop` and the temporary directories removed. */
  cleanup(): void;
}

/** Private XDG runtime/state/data/config directories, so the test daemon is its own. */
export function isolatedDaemon(): Sandbox {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onemcp-ext-'));
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const d of ['run', 'state', 'data', 'config']) fs.mkdirSync(path.join(dir, d), { mode: 0o700 });
  env.XDG_RUNTIME_DIR = path.join(dir, 'run');
  env.XDG_STATE_HOME = path.join(dir, 'state');
  env.XDG_DATA_HOME = path.join(dir, 'data');
  env.XDG_CONFIG_HOME = path.join(dir, 'config');
  const seed = path.join(repoDir, 'data/seed/catalog.jsonl');
  if (!env.ONEMCP_SEED_FILE && fs.existsSync(seed)) env.ONEMCP_SEED_FILE = seed;
  const exe = onemcpBinary();
  return {
    dir,
    env,
    exe,
    endpointFile: path.join(dir, 'run', 'onemcp', 'daemon.json'),
    cleanup() {
      try {
        execFileSync(exe, ['daemon', 'stop'], { env, stdio: 'ignore', timeout: 60_000 });
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** `onemcp daemon status`'s exit code: 0 running, 3 not. */
export function daemonStatus(s: Sandbox): number {
  try {
    execFileSync(s.exe, ['daemon', 'status'], { env: s.env, stdio: 'ignore' });
    return 0;
  } catch (e) {
    return (e as { status: number }).status;
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The daemon process's command line, as its arguments. */
export function cmdline(pid: number): string[] {
  return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
}
