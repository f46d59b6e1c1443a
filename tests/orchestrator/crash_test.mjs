// A daemon killed with SIGKILL, and the next one: it adopts the sandboxed server the dead
// one ran (the same container, still running, its data intact), removes the strays of its
// owner label, and serves the server to a new client without asking again.
//   node crash_test.mjs NODE_MODULES_DIR ONEMCP_BINARY SEED_CATALOG
// Real parts throughout: the onemcp binary, Docker, server-memory installed from npm into
// the sandbox, and the official TypeScript SDK client over `onemcp stdio`.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [modules, onemcp, seed] = process.argv.slice(2);
if (!modules || !onemcp || !seed) {
  console.error("usage: node crash_test.mjs NODE_MODULES_DIR ONEMCP_BINARY SEED_CATALOG");
  process.exit(2);
}
const require = createRequire(path.join(modules, "noop.js"));
const load = (p) => import(pathToFileURL(require.resolve(p)).href);
const { Client } = await load("@modelcontextprotocol/sdk/client/index.js");
const { StdioClientTransport } = await load("@modelcontextprotocol/sdk/client/stdio.js");
const { ElicitRequestSchema } = await load("@modelcontextprotocol/sdk/types.js");

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "onemcp-crash-"));
const owner = `test-crash-${process.pid}`;
const env = {
  ...process.env,
  XDG_RUNTIME_DIR: path.join(dir, "run"),
  XDG_STATE_HOME: path.join(dir, "state"),
  XDG_DATA_HOME: path.join(dir, "data"),
  XDG_CONFIG_HOME: path.join(dir, "config"),
};
fs.mkdirSync(env.XDG_RUNTIME_DIR, { mode: 0o700 });
// A one-server catalogue: the knowledge-graph memory server's entry from the seed.
const catalog = path.join(dir, "catalog.jsonl");
const line = fs.readFileSync(seed, "utf8").split("\n").find((l) => l.includes('"id":"live:knowledge-graph-memory-server"'));
// Its data file on the server's data volume (the package dir is read-only in the sandbox).
const entry = JSON.parse(line);
entry.meta.launch.mcpServers.memory.env = { MEMORY_FILE_PATH: "/data/memory.jsonl" };
fs.writeFileSync(catalog, JSON.stringify(entry) + "\n");
const flags = ["--catalog", catalog, "--sandbox-owner", owner, "--consent", "ask"];

const failures = [];
const check = (ok, what) => {
  console.error(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
};
const run = (cmd, args) => execFileSync(cmd, args, { env, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
const containers = () =>
  run("docker", ["ps", "-a", "--filter", `label=io.onemcp.owner=${owner}`, "--format", "{{.ID}} {{.State}} {{.Label \"io.onemcp.server\"}}"])
    .split("\n").filter(Boolean).map((l) => { const [id, state, server] = l.split(" "); return { id, state, server }; });
const daemonPid = () => {
  const m = /\(pid (\d+)\)/.exec(run(onemcp, ["daemon", "status"]));
  return m ? Number(m[1]) : 0;
};
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
const connect = async (elicit) => {
  const client = new Client({ name: "onemcp-crash-test", version: "1.0.0" }, { capabilities: elicit ? { elicitation: {} } : {} });
  if (elicit) client.setRequestHandler(ElicitRequestSchema, async () => ({ action: "accept", content: {} }));
  await client.connect(new StdioClientTransport({ command: onemcp, args: ["stdio"], env, stderr: "inherit" }));
  return client;
};
const structured = (r) => r.structuredContent ?? {};
const toolEnding = async (client, suffix) => (await client.listTools()).tools.map((t) => t.name).find((n) => n.endsWith(suffix));

try {
  run(onemcp, ["daemon", "start", ...flags]);
  const first = daemonPid();
  check(first > 0, `a daemon runs (pid ${first})`);
  const a = await connect(true);
  await a.callTool({ name: "find_tools", arguments: { task: "remember facts about people in a knowledge graph memory" } }, undefined, { timeout: 600000 });
  const create = await toolEnding(a, "__create_entities");
  check(!!create, "the memory server's tools were granted");
  const made = await a.callTool({ name: create, arguments: { entities: [{ name: "Alice", entityType: "person", observations: ["works at Acme as an engineer"] }] } });
  check(!made.isError, "create_entities succeeded");
  const before = containers();
  check(before.length === 1 && before[0].state === "running", `one running container before the crash: ${JSON.stringify(before)}`);

  // A stray of the same owner (a container the dead daemon no longer wanted, say).
  const image = run("docker", ["inspect", "--format", "{{.Config.Image}}", before[0].id]).trim();
  run("docker", ["create", "--label", "io.onemcp.managed=true", "--label", `io.onemcp.owner=${owner}`,
    "--label", "io.onemcp.role=server", "--label", "io.onemcp.server=stray", image, "sleep", "600"]);
  check(containers().length === 2, "a stray container was planted");

  process.kill(first, "SIGKILL");
  for (let i = 0; i < 100 && alive(first); i++) await new Promise((r) => setTimeout(r, 100));
  check(!alive(first), "the daemon is gone after SIGKILL");
  await a.close().catch(() => {});
  const orphaned = containers().find((c) => c.id === before[0].id);
  check(orphaned?.state === "running", "its server's container outlived it (stdin kept open)");

  run(onemcp, ["daemon", "start", ...flags]);
  const second = daemonPid();
  check(second > 0 && second !== first, `a new daemon runs (pid ${second})`);
  const after = containers();
  check(after.length === 1, `exactly one container of the owner after the restart: ${JSON.stringify(after)}`);
  check(after[0]?.id === before[0].id && after[0]?.state === "running", "it is the same container, adopted, running");

  const b = await connect(false); // cannot elicit: a new start would wait for approval
  const listed = structured(await b.callTool({ name: "list_running", arguments: {} }));
  check(listed.servers?.length === 1 && listed.servers[0].up === true, `list_running shows the server up: ${JSON.stringify(listed.servers)}`);
  const found = await b.callTool({ name: "find_tools", arguments: { task: "recall what you know about Alice from the knowledge graph memory" } }, undefined, { timeout: 600000 });
  const read = await toolEnding(b, "__read_graph");
  check(!!read, `the running server's tools were granted without approval: ${found.content?.[0]?.text}`);
  if (read) {
    const graph = JSON.stringify(await b.callTool({ name: read, arguments: {} }));
    check(graph.includes("works at Acme as an engineer"), "read_graph remembers Alice (state intact)");
  }
  check(containers().length === 1, "still one container after the calls");
  await b.close();
} catch (e) {
  check(false, `threw: ${e.stack ?? e}`);
} finally {
  try { run(onemcp, ["daemon", "stop"]); } catch (e) { check(false, `daemon stop: ${e}`); }
  const left = containers();
  check(left.length === 0, `no container of the owner is left: ${JSON.stringify(left)}`);
  for (const c of left) run("docker", ["rm", "-f", c.id]);
  const volumes = run("docker", ["volume", "ls", "-q", "--filter", `label=io.onemcp.owner=${owner}`]).split("\n").filter(Boolean);
  if (volumes.length) run("docker", ["volume", "rm", "-f", ...volumes]);
  try { console.error(fs.readFileSync(path.join(env.XDG_STATE_HOME, "onemcp", "daemon.log"), "utf8").split("\n").slice(-40).join("\n")); } catch {}
  fs.rmSync(dir, { recursive: true, force: true });
}
console.error(failures.length ? `crash test: ${failures.length} failed` : "crash test: ok");
process.exit(failures.length ? 1 : 0);
