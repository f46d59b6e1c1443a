#!/usr/bin/env python3
"""Derives OneMCP's shipped seed catalogue (data/seed/catalog.jsonl) from the public data
in the shared data folder. Deterministic: the same inputs give the same bytes.

    tools/seed/derive_seed.py [--data DIR] [--out FILE]

One JSON object per line, one line per server:
  {"id": "reg:<name>" | "live:<id>" | "docker:<id>",
   "source": "mcp-registry" | "livemcpbench" | "docker-mcp-catalog",
   "server": {server.json: verbatim for the registry, built from the catalogue otherwise},
   "meta": {what the source says beyond server.json: status, category, tags, launch},
   "tools": [{"name", "description", "inputSchema"}]   (only where tools are known)}
"""
import argparse
import json
import os
import sys

SCHEMA = "https://static.modelcontextprotocol.io/schemas/2025-09-29/server.schema.json"


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def tool(name, description, schema):
    t = {"name": name}
    if description:
        t["description"] = description
    t["inputSchema"] = schema if isinstance(schema, dict) else {"type": "object"}
    return t


def registry_lines(data):
    for row in read_jsonl(os.path.join(data, "mcp-registry", "servers_latest.jsonl")):
        meta = {k: row[k] for k in ("status", "published_at", "updated_at") if row.get(k)}
        yield {"id": "reg:" + row["server_id"], "source": "mcp-registry",
               "server": row["server_json"], "meta": meta}


def livemcpbench_lines(data):
    base = os.path.join(data, "livemcpbench")
    servers = read_jsonl(os.path.join(base, "servers.jsonl"))
    launch = {row["server_id"]: row for row in read_jsonl(os.path.join(base, "launch.jsonl"))}
    tools = {}
    for row in read_jsonl(os.path.join(base, "tools.jsonl")):
        tools.setdefault(row["server_id"], []).append(
            tool(row["name"], row.get("description"), row.get("input_schema")))
    for row in servers:
        sid = row["server_id"]
        server = {"$schema": SCHEMA, "name": sid, "title": row.get("name") or sid,
                  "description": row.get("description") or ""}
        if row.get("web"):
            server["repository"] = {"url": row["web"], "source": "github"}
        meta = {"category": row.get("category"), "config_key": row.get("config_key")}
        if sid in launch:
            la = launch[sid]
            meta["launch"] = {"mcpServers": la["mcpServers"], "runtime": la["runtime"],
                              "needs_env": la["needs_env"]}
        yield {"id": "live:" + sid, "source": "livemcpbench", "server": server,
               "meta": {k: v for k, v in meta.items() if v is not None},
               "tools": tools.get(sid, [])}


def docker_lines(data):
    base = os.path.join(data, "docker-mcp-catalog")
    tools = {}
    for row in read_jsonl(os.path.join(base, "tools.jsonl")):
        tools.setdefault(row["server_id"], []).append(
            tool(row["name"], row.get("description"), row.get("arguments")))
    for row in read_jsonl(os.path.join(base, "servers.jsonl")):
        sid = row["server_id"]
        server = {"$schema": SCHEMA, "name": sid, "title": row.get("title") or sid,
                  "description": row.get("description") or ""}
        if row.get("source_project"):
            server["repository"] = {"url": row["source_project"], "source": "github"}
        if row.get("image"):
            server["packages"] = [{"registryType": "oci", "identifier": row["image"],
                                   "transport": {"type": "stdio"}}]
        if row.get("remote_url"):
            server["remotes"] = [{"type": "streamable-http", "url": row["remote_url"]}]
        meta = {"category": row.get("category"), "tags": row.get("tags") or [],
                "docker_type": row.get("type")}
        line = {"id": "docker:" + sid, "source": "docker-mcp-catalog", "server": server,
                "meta": {k: v for k, v in meta.items() if v is not None}}
        if sid in tools:
            line["tools"] = tools[sid]
        yield line


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.path.join(here, "..", "..", "..", "shared", "data"))
    ap.add_argument("--out", default=os.path.join(here, "..", "..", "data", "seed", "catalog.jsonl"))
    args = ap.parse_args()
    counts, tool_count, with_tools = {}, 0, 0
    with open(args.out, "w", encoding="utf-8", newline="\n") as out:
        for gen in (registry_lines, livemcpbench_lines, docker_lines):
            for line in gen(args.data):
                counts[line["source"]] = counts.get(line["source"], 0) + 1
                if line.get("tools"):
                    with_tools += 1
                    tool_count += len(line["tools"])
                out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"seed: {sum(counts.values())} servers {counts}, {tool_count} tools on "
          f"{with_tools} servers -> {args.out} ({os.path.getsize(args.out)} bytes)",
          file=sys.stderr)


if __name__ == "__main__":
    main()
