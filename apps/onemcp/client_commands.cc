// `onemcp client`: talk to any MCP server from the shell — over stdio (a command we
// spawn) or streamable HTTP (a URL) — and print what it answers as JSON. Useful to try a
// server by hand, and the README's main job uses it for its round trip.
#include <chrono>
#include <iostream>
#include <memory>
#include <sstream>

#include "commands.h"
#include "onemcp/common/log.h"
#include "onemcp/common/process.h"
#include "onemcp/common/text.h"
#include "onemcp/mcp/client.h"
#include "onemcp/mcp/stdio_transport.h"
#include "onemcp/mcp/streamable_http_client.h"

namespace onemcp::app {
namespace {

struct ClientArgs {
  std::string url;
  std::string stdio_command;
  std::vector<std::string> headers;
  int timeout_ms = 30000;
  std::string action = "tools";
  std::string name;
  std::string json_args = "{}";
};

std::vector<std::string> splitWords(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// Owns whatever the session needs to stay alive (the child process, for stdio).
struct Connection {
  std::unique_ptr<Process> child;
  std::unique_ptr<mcp::ClientSession> session;
};

Result<Connection> connect(const ClientArgs& a) {
  Connection c;
  mcp::ClientOptions options;
  options.request_timeout = std::chrono::milliseconds(a.timeout_ms);
  std::shared_ptr<mcp::Transport> transport;
  if (!a.url.empty()) {
    mcp::StreamableHttpClientOptions http;
    http.url = a.url;
    for (const auto& h : a.headers) {
      auto colon = h.find(':');
      if (colon == std::string::npos) {
        return fail(ErrorCode::kInvalidInput, "--header wants 'Name: value', got '" + h + "'");
      }
      http.headers.emplace_back(trim(h.substr(0, colon)), trim(h.substr(colon + 1)));
    }
    auto t = mcp::StreamableHttpClientTransport::create(std::move(http));
    if (!t) return fail(t.error());
    std::shared_ptr<mcp::StreamableHttpClientTransport> shared = std::move(*t);
    options.on_initialized = [weak = std::weak_ptr(shared)](const mcp::InitializeResult& r) {
      if (auto s = weak.lock()) s->setProtocolVersion(r.protocolVersion);
    };
    transport = shared;
  } else {
    ProcessSpec spec;
    spec.argv = splitWords(a.stdio_command);
    if (spec.argv.empty()) return fail(ErrorCode::kInvalidInput, "--stdio needs a command");
    spec.pipe_stderr = false;  // the server's own diagnostics go to our stderr
    auto child = Process::spawn(spec);
    if (!child) return fail(child.error().wrap("starting '" + a.stdio_command + "'"));
    c.child = std::move(*child);
    transport = mcp::StdioTransport::forChild(*c.child);
  }
  c.session = std::make_unique<mcp::ClientSession>(std::move(transport), std::move(options));
  auto init = c.session->initialize();
  if (!init) return fail(init.error().wrap("initialize"));
  return c;
}

Result<mcp::Json> runAction(mcp::ClientSession& s, const ClientArgs& a) {
  using mcp::Json;
  auto out = [](auto r) -> Result<Json> {
    if (!r) return fail(r.error());
    return Json(*r);
  };
  if (a.action == "info") return Json(s.serverInfo());
  if (a.action == "tools") return out(s.listAllTools());
  if (a.action == "resources") return out(s.listResources());
  if (a.action == "prompts") return out(s.listPrompts());
  if (a.action == "read") return out(s.readResource(a.name));
  if (a.action == "prompt") return out(s.getPrompt(a.name));
  if (a.action == "call") {
    auto parsed = Json::parse(a.json_args, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded() || !parsed.is_object()) {
      return fail(ErrorCode::kInvalidInput, "tool arguments must be a JSON object: " + a.json_args);
    }
    return out(s.callTool(a.name, std::move(parsed)));
  }
  return fail(ErrorCode::kInvalidInput, "unknown action '" + a.action + "'");
}

int runClient(const ClientArgs& a) {
  if (a.url.empty() == a.stdio_command.empty()) {
    std::cerr << "onemcp client: give exactly one of --url or --stdio\n";
    return 2;
  }
  auto conn = connect(a);
  if (!conn) {
    std::cerr << "onemcp client: " << conn.error().toString() << "\n";
    return 1;
  }
  auto result = runAction(*conn->session, a);
  conn->session->close();
  if (!result) {
    std::cerr << "onemcp client: " << result.error().toString() << "\n";
    return 1;
  }
  std::cout << result->dump(2) << "\n";
  return 0;
}

}  // namespace

void addClientCommands(CLI::App& app, CommandRegistry& registry) {
  auto args = std::make_shared<ClientArgs>();
  auto* cmd = app.add_subcommand("client", "Talk to any MCP server and print its answers as JSON");
  cmd->add_option("--url", args->url, "Streamable HTTP endpoint, e.g. http://127.0.0.1:3001/mcp");
  cmd->add_option("--stdio", args->stdio_command,
                  "Command line of a stdio server, split on spaces, e.g. 'onemcp demo-server --stdio'");
  // One value per --header, so that the action after it is not taken as another header.
  cmd->add_option("--header", args->headers, "Extra HTTP header 'Name: value' (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--timeout-ms", args->timeout_ms, "Per-request timeout")->capture_default_str();
  cmd->add_option("action", args->action, "info | tools | call | resources | read | prompts | prompt")
      ->capture_default_str();
  cmd->add_option("name", args->name, "Tool name (call), resource URI (read) or prompt name (prompt)");
  cmd->add_option("arguments", args->json_args, "Tool arguments as a JSON object (call)");
  cmd->callback([args, &registry] { registry.setExitCode(runClient(*args)); });
}

}  // namespace onemcp::app
