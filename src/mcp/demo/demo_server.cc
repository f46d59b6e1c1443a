#include "onemcp/mcp/demo/demo_server.h"

#include <condition_variable>
#include <mutex>

namespace onemcp::mcp::demo {
namespace {

// A 1x1 PNG and a short silent WAV: the smallest valid media the scenarios accept.
constexpr const char* kPng =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
constexpr const char* kWav =
    "UklGRjQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YRAAAAAAAAAAAAAAAAAAAAAAAAAA";

// Waits `d` unless the request is cancelled first; false when cancelled.
bool pause(ServerContext& ctx, std::chrono::milliseconds d) {
  std::mutex mu;
  std::condition_variable_any cv;
  std::unique_lock lock(mu);
  return !cv.wait_for(lock, ctx.stopToken(), d, [] { return false; }) && !ctx.cancelled();
}

Tool tool(std::string name, std::string description, Json schema = Json{{"type", "object"},
                                                                         {"properties", Json::object()}}) {
  Tool t;
  t.name = std::move(name);
  t.description = std::move(description);
  t.inputSchema = std::move(schema);
  return t;
}

Json stringArgSchema(const std::string& arg, const std::string& description) {
  return Json{{"type", "object"},
              {"properties", {{arg, {{"type", "string"}, {"description", description}}}}},
              {"required", {arg}}};
}

std::string argString(const Json& args, const char* key) {
  auto it = args.find(key);
  return it != args.end() && it->is_string() ? it->get<std::string>() : std::string();
}

CallToolResult contentResult(std::vector<Json> content) {
  CallToolResult r;
  r.content = std::move(content);
  return r;
}

void addMediaTools(McpServer& s) {
  s.addTool(tool("test_simple_text", "Returns a simple text response"), [](const Json&, ServerContext&) {
    return Result<CallToolResult>(textResult("This is a simple text response for testing."));
  });
  s.addTool(tool("test_image_content", "Returns an image"), [](const Json&, ServerContext&) {
    return Result<CallToolResult>(contentResult({imageContent(kPng, "image/png")}));
  });
  s.addTool(tool("test_audio_content", "Returns audio"), [](const Json&, ServerContext&) {
    return Result<CallToolResult>(contentResult({audioContent(kWav, "audio/wav")}));
  });
  s.addTool(tool("test_embedded_resource", "Returns an embedded resource"),
            [](const Json&, ServerContext&) {
              return Result<CallToolResult>(contentResult({embeddedResource(textResourceContents(
                  "test://embedded-resource", "text/plain", "This is an embedded resource content."))}));
            });
  s.addTool(tool("test_multiple_content_types", "Returns text, image and a resource"),
            [](const Json&, ServerContext&) {
              return Result<CallToolResult>(contentResult(
                  {textContent("Multiple content types test:"), imageContent(kPng, "image/png"),
                   embeddedResource(textResourceContents("test://mixed-content-resource",
                                                         "application/json",
                                                         R"({"test":"data","value":123})"))}));
            });
  s.addTool(tool("test_error_handling", "Always fails"), [](const Json&, ServerContext&) {
    return Result<CallToolResult>(
        fail(ErrorCode::kInternalError, "This tool intentionally returns an error for testing"));
  });
  Tool schema_tool = tool("json_schema_2020_12_tool", "Tool with JSON Schema 2020-12 features",
                          Json::parse(R"({
      "$schema": "https://json-schema.org/draft/2020-12/schema",
      "type": "object",
      "$defs": {"address": {"type": "object", "properties": {
          "street": {"type": "string"}, "city": {"type": "string"}}}},
      "properties": {"name": {"type": "string"}, "address": {"$ref": "#/$defs/address"}},
      "additionalProperties": false})"));
  s.addTool(std::move(schema_tool), [](const Json& args, ServerContext&) {
    return Result<CallToolResult>(textResult("Received: " + args.dump()));
  });
}

void addInteractiveTools(McpServer& s) {
  s.addTool(tool("test_tool_with_logging", "Sends three log messages"),
            [](const Json&, ServerContext& ctx) -> Result<CallToolResult> {
              (void)ctx.log(LoggingLevel::kInfo, "Tool execution started");
              if (!pause(ctx, std::chrono::milliseconds(50))) return fail(ErrorCode::kRequestCancelled, "cancelled");
              (void)ctx.log(LoggingLevel::kInfo, "Tool processing data");
              if (!pause(ctx, std::chrono::milliseconds(50))) return fail(ErrorCode::kRequestCancelled, "cancelled");
              (void)ctx.log(LoggingLevel::kInfo, "Tool execution completed");
              return textResult("Tool with logging executed successfully");
            });
  s.addTool(tool("test_tool_with_progress", "Reports progress 0, 50, 100 of 100"),
            [](const Json&, ServerContext& ctx) -> Result<CallToolResult> {
              for (int step = 0; step <= 100; step += 50) {
                if (step > 0 && !pause(ctx, std::chrono::milliseconds(50))) {
                  return fail(ErrorCode::kRequestCancelled, "cancelled");
                }
                (void)ctx.progress(step, 100);
              }
              return textResult("Tool with progress executed successfully");
            });
  s.addTool(tool("test_sampling", "Asks the client's LLM", stringArgSchema("prompt", "The prompt to send to the LLM")),
            [](const Json& args, ServerContext& ctx) -> Result<CallToolResult> {
              CreateMessageParams p;
              p.messages.push_back({"user", textContent(argString(args, "prompt"))});
              p.maxTokens = 100;
              auto r = ctx.createMessage(p);
              if (!r) return fail(r.error());
              std::string text = r->content.is_object() ? r->content.value("text", "") : "";
              return textResult("LLM response: " + text);
            });
  s.addTool(tool("test_elicitation", "Asks the user for input", stringArgSchema("message", "The message to show the user")),
            [](const Json& args, ServerContext& ctx) -> Result<CallToolResult> {
              ElicitParams p{argString(args, "message"), Json::parse(R"({"type":"object",
                "properties":{"username":{"type":"string","description":"User's response"},
                              "email":{"type":"string","description":"User's email address"}},
                "required":["username","email"]})")};
              auto r = ctx.elicit(p);
              if (!r) return fail(r.error());
              return textResult("User response: action=" + r->action +
                                ", content=" + r->content.value_or(Json::object()).dump());
            });
}

Result<CallToolResult> elicitWith(ServerContext& ctx, std::string message, Json schema) {
  auto r = ctx.elicit(ElicitParams{std::move(message), std::move(schema)});
  if (!r) return fail(r.error());
  return textResult("Elicitation completed: action=" + r->action +
                    ", content=" + r->content.value_or(Json::object()).dump());
}

void addElicitationTools(McpServer& s) {
  s.addTool(tool("test_elicitation_sep1034_defaults", "Elicitation with default values"),
            [](const Json&, ServerContext& ctx) {
              return elicitWith(ctx, "Please review and update the form fields with defaults",
                                Json::parse(R"({"type":"object","properties":{
                "name":{"type":"string","description":"User name","default":"John Doe"},
                "age":{"type":"integer","description":"User age","default":30},
                "score":{"type":"number","description":"User score","default":95.5},
                "status":{"type":"string","description":"User status",
                          "enum":["active","inactive","pending"],"default":"active"},
                "verified":{"type":"boolean","description":"Verification status","default":true}},
                "required":[]})"));
            });
  s.addTool(tool("test_elicitation_sep1330_enums", "Elicitation with every enum variant"),
            [](const Json&, ServerContext& ctx) {
              return elicitWith(ctx, "Please select options from the enum fields",
                                Json::parse(R"({"type":"object","properties":{
                "untitledSingle":{"type":"string","enum":["option1","option2","option3"]},
                "titledSingle":{"type":"string","oneOf":[
                    {"const":"value1","title":"First Option"},
                    {"const":"value2","title":"Second Option"},
                    {"const":"value3","title":"Third Option"}]},
                "legacyEnum":{"type":"string","enum":["opt1","opt2","opt3"],
                              "enumNames":["Option One","Option Two","Option Three"]},
                "untitledMulti":{"type":"array","items":{"type":"string",
                                 "enum":["option1","option2","option3"]}},
                "titledMulti":{"type":"array","items":{"anyOf":[
                    {"const":"value1","title":"First Choice"},
                    {"const":"value2","title":"Second Choice"},
                    {"const":"value3","title":"Third Choice"}]}}},
                "required":[]})"));
            });
}

Resource resource(std::string uri, std::string name, std::string description, std::string mime) {
  return Resource{std::move(uri), std::move(name), std::nullopt, std::move(description), std::move(mime)};
}

ResourceReader textReader(std::string mime, std::string text) {
  return [mime, text](const std::string& uri, ServerContext&) {
    return Result<ReadResourceResult>(ReadResourceResult{{textResourceContents(uri, mime, text)}});
  };
}

void addResources(McpServer& s) {
  s.addResource(resource("test://static-text", "Static text", "A static text resource", "text/plain"),
                textReader("text/plain", "This is the content of the static text resource."));
  s.addResource(resource("test://static-binary", "Static binary", "A static PNG image", "image/png"),
                [](const std::string& uri, ServerContext&) {
                  return Result<ReadResourceResult>(
                      ReadResourceResult{{blobResourceContents(uri, "image/png", kPng)}});
                });
  s.addResource(resource("test://watched-resource", "Watched resource",
                         "A resource clients may subscribe to", "text/plain"),
                textReader("text/plain", "Watched resource content"));
  ResourceTemplate t{"test://template/{id}/data", "Template data", std::nullopt,
                     "Data for the given id", "application/json"};
  s.addResourceTemplate(std::move(t), [](const std::string& uri,
                                         const std::map<std::string, std::string>& vars,
                                         ServerContext&) {
    const std::string id = vars.at("id");
    Json body = {{"id", id}, {"templateTest", true}, {"data", "Data for ID: " + id}};
    return Result<ReadResourceResult>(
        ReadResourceResult{{textResourceContents(uri, "application/json", body.dump())}});
  });
}

Prompt prompt(std::string name, std::string description, std::vector<PromptArgument> args = {}) {
  return Prompt{std::move(name), std::nullopt, std::move(description), std::move(args)};
}

PromptMessage userText(std::string text) { return {"user", textContent(std::move(text))}; }

void addPrompts(McpServer& s) {
  s.addPrompt(prompt("test_simple_prompt", "A simple prompt without arguments"),
              [](const std::map<std::string, std::string>&, ServerContext&) {
                return Result<GetPromptResult>(
                    GetPromptResult{std::nullopt, {userText("This is a simple prompt for testing.")}});
              });
  s.addPrompt(prompt("test_prompt_with_arguments", "A prompt with two required arguments",
                     {{"arg1", "First test argument", true}, {"arg2", "Second test argument", true}}),
              [](const std::map<std::string, std::string>& a, ServerContext&) {
                return Result<GetPromptResult>(GetPromptResult{
                    std::nullopt, {userText("Prompt with arguments: arg1='" + a.at("arg1") +
                                            "', arg2='" + a.at("arg2") + "'")}});
              });
  s.addPrompt(prompt("test_prompt_with_embedded_resource", "A prompt embedding a resource",
                     {{"resourceUri", "URI of the resource to embed", true}}),
              [](const std::map<std::string, std::string>& a, ServerContext&) {
                PromptMessage res{"user", embeddedResource(textResourceContents(
                                              a.at("resourceUri"), "text/plain",
                                              "Embedded resource content for testing."))};
                return Result<GetPromptResult>(GetPromptResult{
                    std::nullopt, {res, userText("Please process the embedded resource above.")}});
              });
  s.addPrompt(prompt("test_prompt_with_image", "A prompt with an image"),
              [](const std::map<std::string, std::string>&, ServerContext&) {
                PromptMessage img{"user", imageContent(kPng, "image/png")};
                return Result<GetPromptResult>(
                    GetPromptResult{std::nullopt, {img, userText("Please analyze the image above.")}});
              });
}

}  // namespace

void registerDemoContent(McpServer& server) {
  addMediaTools(server);
  addInteractiveTools(server);
  addElicitationTools(server);
  addResources(server);
  addPrompts(server);
  server.setCompletionHandler([](const CompleteParams& p, ServerContext&) {
    static const std::vector<std::string> kCandidates = {"paris", "park", "party"};
    CompleteResult r;
    for (const auto& c : kCandidates) {
      if (c.starts_with(p.argumentValue)) r.values.push_back(c);
    }
    r.total = static_cast<int>(r.values.size());
    r.hasMore = false;
    return Result<CompleteResult>(r);
  });
}

std::unique_ptr<McpServer> makeDemoServer(ServerOptions options) {
  options.info = Implementation{"onemcp-demo-server", "0.1.0", "OneMCP demo server"};
  auto server = std::make_unique<McpServer>(std::move(options));
  registerDemoContent(*server);
  return server;
}

}  // namespace onemcp::mcp::demo
