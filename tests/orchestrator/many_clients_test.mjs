// Eight clients at once against one daemon (the real binary; servers sandboxed in Docker):
// four through `onemcp stdio`, four over streamable HTTP with the bearer token, each using
// the official TypeScript SDK client, mixing find_tools with calls whose answers carry the
// caller's own payload. Asserts 0 lost calls, 0 misrouted answers, and that each session
// sees only the tools it asked for. Also: a server's secret, given once through
// elicitation, reaches the server's environment and never the daemon's log.
//   node many_clients_test.mjs NODE_MODULES_DIR ONEMCP_BINARY SEED_CATALOG
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [modules, onemcp, seed] = process.argv.slice(2);
if (!modules || !onemcp || !seed) {
  console.error("usage: node many_clients_test.mjs NODE_MODULES_DIR ONEMCP_BINARY SEED_CATALOG");
  process.exit(2);
}
const require = createRequire(path.join(modules, "noop.js"));
const load = (p) => import(pathToFileURL(require.resolve(p)).href);
const { Client } = await load("@modelcontextprotocol/sdk/client/index.js");
const { StdioClientTransport } = await load("@modelcontextprotocol/sdk/client/stdio.js");
const { StreamableHTTPClientTransport } = await load("@modelcontextprotocol/sdk/client/streamableHttp.js");
const { ElicitRequestSchema } = await load("@modelcontextprotocol/sdk/types.js");

const CLIENTS = 8;
const ROUNDS = 20;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "onemcp-many-"));
const owner = `test-many-${process.pid}`;
const secret = `tok-${process.pid}-${Date.now()}`;
const env = {
  ...process.env,
  XDG_RUNTIME_DIR: path.join(dir, "run"),
  XDG_STATE_HOME: path.join(dir, "state"),
  XDG_DATA_HOME: path.join(dir, "data"),
  XDG_CONFIG_HOME: path.join(dir, "config"),
};
fs.mkdirSync(env.XDG_RUNTIME_DIR, { mode: 0o700 });
// The memory server's seed entry, and server-everything with a token it must be given.
const memory = fs.readFileSync(seed, "utf8").split("\n").find((l) => l.includes('"id":"live:knowledge-graph-memory-server"'));
const everything = {
  id: "test:everything",
  source: "test",
  server: { name: "everything", description: "Echo messages back, add numbers, show the environment: the MCP test server." },
  meta: {
    launch: {
      mcpServers: { everything: { command: "npx", args: ["-y", "@modelcontextprotocol/server-everything"], env: { ONEMCP_TEST_TOKEN: "<your token>" } } },
      runtime: "npm",
      needs_env: ["ONEMCP_TEST_TOKEN"],
    },
  },
  tools: [
    { name: "echo", description: "Echoes back the input message" },
    { name: "get-env", description: "Returns the environment variables of the server process" },
  ],
};
const catalog = path.join(dir, "catalog.jsonl");
// The memory server's data file on its data volume (the package dir is read-only).
const memoryEntry = JSON.parse(memory);
memoryEntry.meta.launch.mcpServers.memory.env = { MEMORY_FILE_PATH: "/data/memory.jsonl" };
fs.writeFileSync(catalog, JSON.stringify(memoryEntry) + "\n" + JSON.stringify(everything) + "\n");
const flags = ["--catalog", catalog, "--sandbox-owner", owner, "--consent", "ask"];

const failures = [];
const check = (ok, what) => {
  console.error(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
};
const run = (cmd, args) => execFileSync(cmd, args, { env, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
const containers = () => run("docker", ["ps", "-aq", "--filter", `label=io.onemcp.owner=${owner}`]).split("\n").filter(Boolean);
const text = (r) => (r.content ?? []).map((c) => c.text ?? "").join("");
const TASKS = {
  echo: "echo messages back to me",
  memory: "remember facts about people in a knowledge graph memory",
};

async function connect(kind, elicit) {
  const client = new Client({ name: `onemcp-many-${kind}`, version: "1.0.0" }, { capabilities: elicit ? { elicitation: {} } : {} });
  if (elicit) {
    client.setRequestHandler(ElicitRequestSchema, async (req) => {
      const wanted = Object.keys(req.params.requestedSchema?.properties ?? {});
      return { action: "accept", content: Object.fromEntries(wanted.map((k) => [k, secret])) };
    });
  }
  let transport;
  if (kind === "stdio") {
    transport = new StdioClientTransport({ command: onemcp, args: ["stdio"], env, stderr: "inherit" });
  } else {
    const endpoint = JSON.parse(fs.readFileSync(path.join(env.XDG_RUNTIME_DIR, "onemcp", "daemon.json"), "utf8"));
    transport = new StreamableHTTPClientTransport(new URL(endpoint.url), {
      requestInit: { headers: { Authorization: `Bearer ${endpoint.token}` } },
    });
  }
  await client.connect(transport);
  return client;
}
const toolsOf = async (client) => (await client.listTools()).tools.map((t) => t.name);

let lost = 0;
let misrouted = 0;
let answered = 0;
async function worker(i) {
  const kind = i < CLIENTS / 2 ? "stdio" : "http";
  const need = i % 2 === 0 ? "echo" : "memory";
  const client = await connect(kind, false);
  try {
    const found = await client.callTool({ name: "find_tools", arguments: { task: TASKS[need] } }, undefined, { timeout: 300000 });
    const names = await toolsOf(client);
    const echo = names.find((n) => n.endsWith("__echo"));
    const create = names.find((n) => n.endsWith("__create_entities"));
    if (need === "echo") {
      check(!!echo && !create, `client ${i} (${kind}) sees echo and not memory tools: ${text(found)}`);
    } else {
      check(!!create && !echo, `client ${i} (${kind}) sees memory and not echo tools: ${text(found)}`);
    }
    if ((need === "echo" && !echo) || (need === "memory" && !create)) {
      lost += ROUNDS;
      return;
    }
    for (let r = 0; r < ROUNDS; r++) {
      const tag = `c${i}-r${r}`;
      const calls = [];
      if (need === "echo") {
        calls.push(client.callTool({ name: echo, arguments: { message: tag } }).then((res) => {
          answered++;
          if (text(res) !== `Echo: ${tag}`) { misrouted++; console.error(`misrouted: ${tag} got ${text(res)}`); }
        }));
      } else {
        // create_entities answers with the entities it created: this caller's own payload.
        // (Reading them back is not a routing check: server-memory's load-modify-save of
        // its file loses concurrent writes from different sessions.)
        calls.push(client.callTool({ name: create, arguments: { entities: [{ name: `E-${tag}`, entityType: "probe", observations: [`seen by ${tag}`] }] } })
          .then((res) => {
            answered++;
            const t = text(res);
            const others = (t.match(/seen by c\d+-r\d+/g) ?? []).filter((m) => m !== `seen by ${tag}`);
            if (res.isError || !t.includes(`seen by ${tag}`) || others.length) {
              misrouted++;
              console.error(`misrouted: ${tag} got ${t.replace(/\s+/g, " ").slice(0, 300)}`);
            }
          }));
      }
      if (r % 5 === 0) {
        calls.push(client.callTool({ name: "find_tools", arguments: { task: TASKS[need] } }, undefined, { timeout: 300000 }));
      }
      const settled = await Promise.allSettled(calls);
      for (const s of settled) {
        if (s.status === "rejected") { lost++; console.error(`lost: ${tag}: ${s.reason}`); }
      }
    }
    const after = await toolsOf(client);
    check(need === "echo" ? !after.some((n) => n.endsWith("__create_entities")) : !after.some((n) => n.endsWith("__echo")),
      `client ${i} still sees only its own tools`);
  } finally {
    await client.close().catch(() => {});
  }
}

try {
  run(onemcp, ["daemon", "start", ...flags]);
  // One client that can elicit starts both servers: consent, and the token for everything.
  const first = await connect("stdio", true);
  for (const need of ["echo", "memory"]) {
    const found = await first.callTool({ name: "find_tools", arguments: { task: TASKS[need] } }, undefined, { timeout: 600000 });
    console.error(`find_tools ${need}: ${text(found)}`);
  }
  const names = await toolsOf(first);
  const getEnv = names.find((n) => n.endsWith("__get-env") || n.endsWith("__printEnv"));
  check(!!getEnv && names.some((n) => n.endsWith("__create_entities")), `both servers run: ${names.join(", ")}`);
  if (getEnv) check(text(await first.callTool({ name: getEnv, arguments: {} })).includes(secret), "the token reached the server's environment");
  await first.close();

  await Promise.all(Array.from({ length: CLIENTS }, (_, i) => worker(i).catch((e) => { lost += ROUNDS; check(false, `client ${i} threw: ${e}`); })));
  const expected = CLIENTS * ROUNDS;
  console.error(`calls: ${expected} sent, ${answered} answered, ${lost} lost, ${misrouted} misrouted`);
  check(lost === 0, "0 lost");
  check(misrouted === 0, "0 misrouted");
  check(answered === expected, `every call answered (${answered}/${expected})`);

  const secretsFile = path.join(env.XDG_CONFIG_HOME, "onemcp", "secrets.json");
  check((fs.statSync(secretsFile).mode & 0o777) === 0o600, "the secrets file is 0600");
  check(fs.readFileSync(secretsFile, "utf8").includes(secret), "the token is in the secrets file");
} catch (e) {
  check(false, `threw: ${e.stack ?? e}`);
} finally {
  try { run(onemcp, ["daemon", "stop"]); } catch (e) { check(false, `daemon stop: ${e}`); }
  let log = "";
  try { log = fs.readFileSync(path.join(env.XDG_STATE_HOME, "onemcp", "daemon.log"), "utf8"); } catch {}
  check(log.includes("ONEMCP_TEST_TOKEN") || log.includes("everything"), "the daemon log was written");
  check(!log.includes(secret), "the token never appears in the daemon log");
  const left = containers();
  check(left.length === 0, `no container of the owner is left (${left.length})`);
  if (left.length) run("docker", ["rm", "-f", ...left]);
  const volumes = run("docker", ["volume", "ls", "-q", "--filter", `label=io.onemcp.owner=${owner}`]).split("\n").filter(Boolean);
  if (volumes.length) run("docker", ["volume", "rm", "-f", ...volumes]);
  if (failures.length) console.error(log.split("\n").slice(-60).join("\n"));
  fs.rmSync(dir, { recursive: true, force: true });
}
console.error(failures.length ? `many clients test: ${failures.length} failed` : "many clients test: ok");
process.exit(failures.length ? 1 : 0);
