// The official TypeScript SDK client making the same tools/call("echo") round trips to
// server-everything over stdio as mcp_bench's BM_RoundTripEverythingStdio.
//   node ts_sdk_roundtrip.mjs NODE_MODULES_DIR NODE_BINARY [CALLS]
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [modules, nodeBin, callsArg] = process.argv.slice(2);
const calls = Number(callsArg ?? 2000);
const require = createRequire(path.join(modules, "noop.js"));
const load = (p) => import(pathToFileURL(require.resolve(p)).href);
const { Client } = await load("@modelcontextprotocol/sdk/client/index.js");
const { StdioClientTransport } = await load("@modelcontextprotocol/sdk/client/stdio.js");

const transport = new StdioClientTransport({
  command: nodeBin,
  args: [path.join(modules, "@modelcontextprotocol/server-everything/dist/index.js"), "stdio"],
  stderr: "ignore",
});
const client = new Client({ name: "ts-sdk-bench", version: "1.0.0" });
await client.connect(transport);
const micros = [];
for (let i = 0; i < calls; i++) {
  const start = process.hrtime.bigint();
  await client.callTool({ name: "echo", arguments: { message: "ping" } });
  micros.push(Number(process.hrtime.bigint() - start) / 1000);
}
micros.sort((a, b) => a - b);
const p50 = micros[Math.floor(micros.length / 2)];
const p99 = micros[Math.min(micros.length - 1, Math.floor((micros.length * 99) / 100))];
console.log(`ts-sdk  calls=${calls} p50_us=${p50.toFixed(1)} p99_us=${p99.toFixed(1)}`);
await client.close();
