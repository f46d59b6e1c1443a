// End to end with a real MCP client (the official TypeScript SDK's), configured with only
// `onemcp stdio`: it asks find_tools for a task, approves the offered server when asked
// (through elicitation, as a client that can ask its user would), waits for
// tools/list_changed, and calls the tools it was given.
//   node e2e_stdio.mjs NODE_MODULES_DIR ONEMCP_BINARY "TASK" TOOL_SUFFIX...
// Exits 0 when every TOOL_SUFFIX (e.g. "__create_entities") names a tool the session got.
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [modules, onemcp, task, ...suffixes] = process.argv.slice(2);
if (!modules || !onemcp || !task) {
  console.error("usage: node e2e_stdio.mjs NODE_MODULES_DIR ONEMCP_BINARY TASK [TOOL_SUFFIX...]");
  process.exit(2);
}
const require = createRequire(path.join(modules, "noop.js"));
const load = (p) => import(pathToFileURL(require.resolve(p)).href);
const { Client } = await load("@modelcontextprotocol/sdk/client/index.js");
const { StdioClientTransport } = await load("@modelcontextprotocol/sdk/client/stdio.js");
const { ElicitRequestSchema, ToolListChangedNotificationSchema } = await load("@modelcontextprotocol/sdk/types.js");
const client = new Client({ name: "onemcp-e2e", version: "1.0.0" }, { capabilities: { elicitation: {} } });
let listChanged = 0;
client.setNotificationHandler(ToolListChangedNotificationSchema, () => { listChanged += 1; });
client.setRequestHandler(ElicitRequestSchema, async (req) => {
  console.error(`consent asked: ${req.params.message}`);
  return { action: "accept", content: {} };
});
const transport = new StdioClientTransport({ command: onemcp, args: ["stdio"], env: process.env, stderr: "inherit" });
await client.connect(transport);
const before = (await client.listTools()).tools.map((t) => t.name);
console.error(`tools before: ${before.join(", ")}`);
const found = await client.callTool({ name: "find_tools", arguments: { task } }, undefined, { timeout: 600000 });
console.error(`find_tools: ${found.content?.[0]?.text}`);
const after = (await client.listTools()).tools.map((t) => t.name);
console.error(`tools after: ${after.join(", ")}; list_changed received ${listChanged}`);
let ok = listChanged > 0;
for (const suffix of suffixes) {
  if (!after.some((n) => n.endsWith(suffix))) {
    console.error(`missing a tool ending in ${suffix}`);
    ok = false;
  }
}
if (ok && suffixes.includes("__create_entities")) {
  const create = after.find((n) => n.endsWith("__create_entities"));
  const read = after.find((n) => n.endsWith("__read_graph"));
  const made = await client.callTool({ name: create, arguments: { entities: [{ name: "Alice", entityType: "person", observations: ["works at Acme as an engineer"] }] } });
  const graph = await client.callTool({ name: read, arguments: {} });
  const text = JSON.stringify(graph);
  console.error(`create_entities isError=${made.isError ?? false}; read_graph mentions Acme: ${text.includes("Acme")}`);
  ok = ok && !made.isError && text.includes("works at Acme as an engineer");
}
await client.close();
process.exit(ok ? 0 : 1);
