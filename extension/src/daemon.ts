// Finding and starting the daemon. The `onemcp` executable decides whether a daemon is
// live (endpoint file, live pid, lock held) and starts one; this file only runs it and
// reads the endpoint file for the token. No vscode import: the tests use it directly.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Endpoint {
  url: string;
  token: string;
  pid: number;
}

export type Env = NodeJS.ProcessEnv;

function xdg(env: Env, name: string, fallback: string): string {
  const v = env[name];
  return v && path.isAbsolute(v) ? v : path.join(env.HOME || os.homedir(), fallback);
}

/** Where the daemon keeps its endpoint file and log (the same rules as onemcp's paths). */
export function daemonFiles(env: Env = process.env): { endpointFile: string; logFile: string } {
  const state = path.join(xdg(env, 'XDG_STATE_HOME', '.local/state'), 'onemcp');
  const rt = env.XDG_RUNTIME_DIR;
  const runtime = rt && path.isAbsolute(rt) ? path.join(rt, 'onemcp') : path.join(state, 'run');
  return { endpointFile: path.join(runtime, 'daemon.json'), logFile: path.join(state, 'daemon.log') };
}

/** The endpoint file's contents, or undefined when there is none or it does not parse. */
export async function readEndpointFile(env: Env = process.env): Promise<Endpoint | undefined> {
  try {
    const j = JSON.parse(await fs.readFile(daemonFiles(env).endpointFile, 'utf8'));
    if (typeof j.url === 'string' && typeof j.token === 'string' && Number.isInteger(j.pid)) {
      return { url: j.url, token: j.token, pid: j.pid };
    }
  } catch {
    // missing or half-written: no endpoint
  }
  return undefined;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(exe: string, args: string[], env: Env, timeoutMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(exe, args, { env, timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') {
        reject(new Error(`cannot run '${exe}': ${err.message}`));
        return;
      }
      resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
    });
  });
}

const RUNNING = /daemon running: (\S+) \(pid (\d+)\)/;

/** The printed "daemon running: URL (pid N)" matched against the endpoint file. */
async function endpointOf(out: string, env: Env): Promise<Endpoint | undefined> {
  const m = RUNNING.exec(out);
  if (!m) return undefined;
  const ep = await readEndpointFile(env);
  if (!ep || ep.url !== m[1] || ep.pid !== Number(m[2])) return undefined;
  return ep;
}

/** The live daemon's endpoint, or undefined; never starts one. */
export async function findDaemon(exe: string, env: Env = process.env): Promise<Endpoint | undefined> {
  // No endpoint file: no daemon, and no process to run.
  if (!(await readEndpointFile(env))) return undefined;
  const r = await run(exe, ['daemon', 'status'], env, 15_000);
  return r.code === 0 ? endpointOf(r.stdout, env) : undefined;
}

/** The live daemon's endpoint; `onemcp daemon start FLAGS` starts one unless one runs. */
export async function startDaemon(exe: string, flags: string[], env: Env = process.env): Promise<Endpoint> {
  const r = await run(exe, ['daemon', 'start', ...flags], env, 150_000);
  if (r.code !== 0) throw new Error(`onemcp daemon start failed (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`);
  const ep = await endpointOf(r.stdout, env);
  if (!ep) throw new Error(`onemcp daemon start: unexpected answer '${r.stdout.trim()}'`);
  return ep;
}

export async function stopDaemon(exe: string, env: Env = process.env): Promise<void> {
  const r = await run(exe, ['daemon', 'stop'], env, 60_000);
  if (r.code !== 0) throw new Error(`onemcp daemon stop failed (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`);
}
