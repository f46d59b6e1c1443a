#include "onemcp/mcp/stdio_transport.h"

#include "onemcp/mcp/jsonrpc.h"

#include <poll.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>

#include <gtest/gtest.h>

namespace onemcp::mcp {
namespace {

using namespace std::chrono_literals;
constexpr auto kWait = 10s;

// A transport whose far ends are plain pipes the test writes to and reads from.
struct Harness {
  explicit Harness(StdioOptions options = {}) {
    auto in = makePipe();
    auto out = makePipe();
    EXPECT_TRUE(in && out);
    peer_writes = std::move(in->write);
    peer_reads = std::move(out->read);
    transport = std::make_shared<StdioTransport>(std::move(in->read), std::move(out->write),
                                                 std::move(options));
    TransportHandlers h;
    h.on_message = [this](std::string m) {
      std::lock_guard lock(mu);
      messages.push_back(std::move(m));
      cv.notify_all();
    };
    h.on_close = [this](const Error& e) {
      std::lock_guard lock(mu);
      ++closes;
      close_reason = e.message;
      cv.notify_all();
    };
    EXPECT_TRUE(transport->start(std::move(h)));
  }
  bool waitFor(std::size_t n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, kWait, [&] { return messages.size() >= n; });
  }
  bool waitClosed() {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, kWait, [&] { return closes > 0; });
  }
  std::string readLine() {
    std::string line;
    char c = 0;
    while (true) {
      pollfd p{peer_reads.get(), POLLIN, 0};
      if (::poll(&p, 1, 10000) <= 0 || ::read(peer_reads.get(), &c, 1) != 1) break;
      if (c == '\n') break;
      line.push_back(c);
    }
    return line;
  }

  Fd peer_writes;
  Fd peer_reads;
  std::shared_ptr<StdioTransport> transport;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> messages;
  int closes = 0;
  std::string close_reason;
};

TEST(StdioTransportTest, SplitsNewlineDelimitedMessagesAcrossReads) {
  Harness h;
  ASSERT_TRUE(writeAll(h.peer_writes.get(), "{\"a\":1}\n{\"b\""));
  ASSERT_TRUE(writeAll(h.peer_writes.get(), ":2}\r\n\n  \n{\"c\":3}\n"));
  ASSERT_TRUE(h.waitFor(3));
  std::lock_guard lock(h.mu);
  EXPECT_EQ(h.messages, (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}", "{\"c\":3}"}));
}

TEST(StdioTransportTest, SendWritesOneLinePerMessage) {
  Harness h;
  ASSERT_TRUE(h.transport->send("{\"x\":1}"));
  ASSERT_TRUE(h.transport->send("{\"y\":2}"));
  EXPECT_EQ(h.readLine(), "{\"x\":1}");
  EXPECT_EQ(h.readLine(), "{\"y\":2}");
}

TEST(StdioTransportTest, OversizedLineIsSkippedAndAnsweredWithError) {
  StdioOptions o;
  o.max_line_bytes = 64;
  Harness h(o);
  ASSERT_TRUE(writeAll(h.peer_writes.get(), std::string(200, 'x') + "\n{\"ok\":true}\n"));
  ASSERT_TRUE(h.waitFor(1));
  {
    std::lock_guard lock(h.mu);
    EXPECT_EQ(h.messages.at(0), "{\"ok\":true}");
  }
  auto reply = Json::parse(h.readLine());
  EXPECT_EQ(reply["error"]["code"], -32600);
  EXPECT_TRUE(reply["id"].is_null());
}

TEST(StdioTransportTest, PeerClosingMidMessageClosesCleanly) {
  Harness h;
  ASSERT_TRUE(writeAll(h.peer_writes.get(), "{\"complete\":1}\n{\"partial\":"));
  h.peer_writes.reset();
  ASSERT_TRUE(h.waitClosed());
  std::lock_guard lock(h.mu);
  EXPECT_EQ(h.messages.size(), 1u);
  EXPECT_EQ(h.closes, 1);
  EXPECT_NE(h.close_reason.find("mid-message"), std::string::npos);
}

TEST(StdioTransportTest, LocalCloseReportsOnceAndRefusesSends) {
  Harness h;
  h.transport->close();
  h.transport->close();
  ASSERT_TRUE(h.waitClosed());
  auto sent = h.transport->send("{}");
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, ErrorCode::kClosed);
  std::lock_guard lock(h.mu);
  EXPECT_EQ(h.closes, 1);
}

TEST(StdioTransportTest, SendToVanishedPeerIsClosedError) {
  Harness h;
  h.peer_reads.reset();
  auto sent = h.transport->send("{}");
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, ErrorCode::kClosed);
}

}  // namespace
}  // namespace onemcp::mcp
