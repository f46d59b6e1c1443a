// The orchestrator's benchmark, driven by a real MCP client (the official TypeScript SDK's)
// through `onemcp stdio`, on a fresh daemon per round (its own XDG folders):
//   - task → tool callable: find_tools for TASK (consent given through elicitation), until
//     the first call of the granted tool answers; the runtime image is built and the
//     package installed beforehand (the first, warm-up round does that), so a round is
//     what a user waits for once the caches are warm;
//   - the baseline: a bare `docker run -i` of the same container (same image, package
//     volume, command and user, read from the daemon's own container) plus the MCP
//     handshake and tools/list, with the same client;
//   - tool-schema tokens a session is sent against exposing every installed tool (chars/4);
//   - the daemon's resident memory when idle (no server) and with the server running.
//   node daemon_bench.mjs NODE_MODULES_DIR ONEMCP_BINARY ROUNDS "TASK" TOOL "OTHER TASK"
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [modules, onemcp, roundsText, task, tool, otherTask] = process.argv.slice(2);
if (!modules || !onemcp || !roundsText || !task || !tool || !otherTask) {
  console.error("usage: node daemon_bench.mjs NODE_MODULES_DIR ONEMCP_BINARY ROUNDS TASK TOOL OTHER_TASK");
  process.exit(2);
}
const rounds = Number(roundsText);
const require = createRequire(path.join(modules, "noop.js"));
const load = (p) => import(pathToFileURL(require.resolve(p)).href);
const { Client } = await load("@modelcontextprotocol/sdk/client/index.js");
const { StdioClientTransport } = await load("@modelcontextprotocol/sdk/client/stdio.js");
const { ElicitRequestSchema } = await load("@modelcontextprotocol/sdk/types.js");

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]; };
const p90 = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil(0.9 * s.length) - 1)]; };
const now = () => Number(process.hrtime.bigint()) / 1e6;
const rssMiB = (pid) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
};

async function connect(env) {
  const client = new Client({ name: "onemcp-bench", version: "1.0.0" }, { capabilities: { elicitation: {} } });
  client.setRequestHandler(ElicitRequestSchema, async () => ({ action: "accept", content: {} }));
  await client.connect(new StdioClientTransport({ command: onemcp, args: ["stdio"], env, stderr: "ignore" }));
  return client;
}

const schemaTokens = (tools) => Math.round(JSON.stringify(tools).length / 4);

// One round on a fresh daemon; returns its figures and the container it started.
async function round() {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "onemcp-bench-"));
  const env = { ...process.env, XDG_STATE_HOME: `${home}/state`, XDG_RUNTIME_DIR: `${home}/run`,
                XDG_CONFIG_HOME: `${home}/config`, XDG_DATA_HOME: `${home}/data` };
  fs.mkdirSync(`${home}/run`, { mode: 0o700 });
  const client = await connect(env);
  const endpoint = JSON.parse(fs.readFileSync(`${home}/run/onemcp/daemon.json`, "utf8"));
  const idleRss = rssMiB(endpoint.pid);
  const t0 = now();
  const found = await client.callTool({ name: "find_tools", arguments: { task } }, undefined, { timeout: 600000 });
  const tools = (await client.listTools()).tools;
  const granted = tools.find((t) => t.name.endsWith(`__${tool}`));
  if (!granted) throw new Error(`no tool ending in __${tool}: ${JSON.stringify(found.content)}`);
  const called = await client.callTool({ name: granted.name, arguments: {} });
  const callable = now() - t0;
  if (called.isError) throw new Error(`${granted.name} failed: ${JSON.stringify(called.content)}`);
  const server = granted.name.slice(0, -(`__${tool}`.length));
  // A second need in the same session installs a second server; a fresh session that asks
  // for the first need again is sent only that server's tools.
  await client.callTool({ name: "find_tools", arguments: { task: otherTask } }, undefined, { timeout: 600000 });
  const all = (await client.listTools()).tools.filter((t) => t.name.includes("__"));
  const second = await connect(env);
  await second.callTool({ name: "find_tools", arguments: { task } }, undefined, { timeout: 600000 });
  const own = (await second.listTools()).tools.filter((t) => t.name.includes("__"));
  const runningRss = rssMiB(endpoint.pid);
  // The container behind that server: list_running names its run spec ("sandbox: NAME (stdio)").
  const running = await client.callTool({ name: "list_running", arguments: {} });
  const entry = running.structuredContent.servers.find((s) => s.name === server);
  const specName = /^sandbox: (\S+)/.exec(entry?.runs ?? "")?.[1];
  const ids = execFileSync("docker", ["ps", "-q", "--filter", `label=io.onemcp.server=${specName}`], { encoding: "utf8" })
    .split("\n").filter(Boolean);
  const inspect = ids.length ? JSON.parse(execFileSync("docker", ["inspect", ids[0]], { encoding: "utf8" }))[0] : null;
  if (!inspect) throw new Error(`no container for ${server} (${entry?.runs})`);
  await second.close();
  await client.close();
  execFileSync(onemcp, ["daemon", "stop"], { env, stdio: "ignore" });
  fs.rmSync(home, { recursive: true, force: true });
  return { callable, idleRss, runningRss, sessionTokens: schemaTokens(own), allTokens: schemaTokens(all),
           sessionTools: own.length, allTools: all.length, inspect, server };
}

// `docker run -i` of the container the daemon made, without OneMCP, plus the handshake.
async function bare(c) {
  const args = ["run", "-i", "--rm", "--network", "none", "--read-only", "--tmpfs", "/tmp", "--cap-drop", "ALL",
                "--security-opt", "no-new-privileges", "-u", c.Config.User || "1000:1000"];
  if (c.Config.WorkingDir) args.push("-w", c.Config.WorkingDir);
  for (const e of c.Config.Env ?? []) args.push("-e", e);
  for (const m of c.Mounts ?? []) {
    if (m.Type === "volume") args.push("-v", `${m.Name}:${m.Destination}${m.RW ? "" : ":ro"}`);
  }
  args.push(c.Config.Image, ...(c.Config.Entrypoint ?? []), ...(c.Config.Cmd ?? []));
  const t0 = now();
  const client = new Client({ name: "bare", version: "1.0.0" }, { capabilities: {} });
  await client.connect(new StdioClientTransport({ command: "docker", args, stderr: "ignore" }));
  const tools = (await client.listTools()).tools;
  const t = now() - t0;
  await client.close();
  if (!tools.some((x) => x.name === tool)) throw new Error(`bare run lists no ${tool}`);
  return t;
}

console.error("warm-up round (builds the image and installs the package if needed)");
const warm = await round();
const figures = [];
for (let i = 0; i < rounds; ++i) figures.push(await round());
const bareTimes = [];
for (let i = 0; i < rounds; ++i) bareTimes.push(await bare(warm.inspect ?? figures[0].inspect));
const callable = figures.map((f) => f.callable);
const out = {
  task, tool, rounds, server: figures[0].server,
  task_to_callable_ms: { median: median(callable), p90: p90(callable) },
  bare_docker_run_handshake_ms: { median: median(bareTimes), p90: p90(bareTimes) },
  ratio_median: median(callable) / median(bareTimes),
  schema_tokens: { session: figures[0].sessionTokens, all_installed: figures[0].allTokens,
                   session_tools: figures[0].sessionTools, all_tools: figures[0].allTools },
  daemon_rss_mib: { idle: median(figures.map((f) => f.idleRss)), one_session_two_servers: median(figures.map((f) => f.runningRss)) },
};
console.log(JSON.stringify(out, null, 2));
