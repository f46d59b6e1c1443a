// onemcp-conformance-client: the client the official conformance suite drives
// (`conformance client --command <this> --scenario X`). The suite appends the server URL
// and names the scenario in MCP_CONFORMANCE_SCENARIO; we connect over streamable HTTP
// and do what the scenario expects of a client.
#include <cstdlib>
#include <iostream>
#include <string>

#include "onemcp/common/log.h"
#include "onemcp/mcp/client.h"
#include "onemcp/mcp/streamable_http_client.h"

namespace {

using onemcp::Result;
using namespace onemcp::mcp;

// Accepts an elicitation with every default the requested schema declares (SEP-1034).
Result<ElicitResult> acceptWithDefaults(const ElicitParams& params) {
  Json content = Json::object();
  auto props = params.requestedSchema.find("properties");
  if (props != params.requestedSchema.end() && props->is_object()) {
    for (const auto& [name, schema] : props->items()) {
      if (schema.is_object() && schema.contains("default")) content[name] = schema["default"];
    }
  }
  return ElicitResult{"accept", std::move(content)};
}

Result<CreateMessageResult> answerSampling(const CreateMessageParams&) {
  return CreateMessageResult{"assistant", textContent("conformance client reply"),
                             "onemcp-conformance-client", "endTurn"};
}

// Arguments for the tools the client scenarios offer.
Json argumentsFor(const Tool& tool) {
  if (tool.name == "add_numbers") return Json{{"a", 5}, {"b", 3}};
  return Json::object();
}

int run(const std::string& url, const std::string& scenario) {
  StreamableHttpClientOptions http;
  http.url = url;
  auto created = StreamableHttpClientTransport::create(http);
  if (!created) {
    std::cerr << created.error().toString() << "\n";
    return 1;
  }
  std::shared_ptr<StreamableHttpClientTransport> transport = std::move(*created);
  ClientOptions options;
  options.info = Implementation{"onemcp-conformance-client", "0.1.0", std::nullopt};
  options.on_elicitation = acceptWithDefaults;
  options.on_sampling = answerSampling;
  options.on_initialized = [transport](const InitializeResult& r) {
    transport->setProtocolVersion(r.protocolVersion);
  };
  ClientSession session(transport, options);
  auto init = session.initialize();
  if (!init) {
    std::cerr << "initialize: " << init.error().toString() << "\n";
    return 1;
  }
  auto tools = session.listAllTools();
  if (!tools) {
    std::cerr << "tools/list: " << tools.error().toString() << "\n";
    return 1;
  }
  int status = 0;
  if (scenario != "initialize") {
    for (const auto& tool : *tools) {
      auto r = session.callTool(tool.name, argumentsFor(tool));
      if (!r) {
        std::cerr << "tools/call " << tool.name << ": " << r.error().toString() << "\n";
        status = 1;
      }
    }
  }
  session.close();
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  onemcp::log::init(onemcp::log::Level::kWarn);
  if (argc < 2) {
    std::cerr << "usage: onemcp-conformance-client SERVER_URL\n";
    return 2;
  }
  const char* scenario = std::getenv("MCP_CONFORMANCE_SCENARIO");
  return run(argv[argc - 1], scenario != nullptr ? scenario : "");
}
