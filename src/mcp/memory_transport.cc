#include "onemcp/mcp/memory_transport.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace onemcp::mcp {
namespace {

// State shared by both ends: one inbox per end, each drained by that end's thread.
struct Link {
  std::mutex mu;
  std::condition_variable_any cv;
  std::deque<std::string> inbox[2];  // guarded by mu
  bool closed = false;               // guarded by mu
};

class MemoryTransport final : public Transport {
 public:
  MemoryTransport(std::shared_ptr<Link> link, int side) : link_(std::move(link)), side_(side) {}
  ~MemoryTransport() override {
    close();
    // Destroyed from inside its own callback: the thread is finishing that very call and
    // touches nothing of this object afterwards (run() works on copies), so let it end.
    if (thread_.joinable()) thread_.detach();
  }

  Result<void> start(TransportHandlers handlers) override {
    thread_ = std::jthread([link = link_, side = side_, h = std::move(handlers)] {
      run(*link, side, h);
    });
    return {};
  }

  Result<void> send(std::string message, const SendOptions& /*options*/) override {
    {
      std::lock_guard lock(link_->mu);
      if (link_->closed) return fail(ErrorCode::kClosed, "memory transport closed");
      link_->inbox[1 - side_].push_back(std::move(message));
    }
    link_->cv.notify_all();
    return {};
  }

  // After close() returns (from any other thread) no callback is running or will run.
  void close() override {
    {
      std::lock_guard lock(link_->mu);
      link_->closed = true;
    }
    link_->cv.notify_all();
    std::lock_guard join_lock(join_mu_);
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  }

 private:
  static void run(Link& link, int side, const TransportHandlers& handlers) {
    for (;;) {
      std::string next;
      {
        std::unique_lock lock(link.mu);
        link.cv.wait(lock, [&] { return link.closed || !link.inbox[side].empty(); });
        if (link.inbox[side].empty()) break;  // closed, and all that was sent is delivered
        next = std::move(link.inbox[side].front());
        link.inbox[side].pop_front();
      }
      if (handlers.on_message) handlers.on_message(std::move(next));
    }
    if (handlers.on_close) handlers.on_close(Error(ErrorCode::kClosed, "memory transport closed"));
  }

  std::shared_ptr<Link> link_;
  const int side_;
  std::mutex join_mu_;
  std::jthread thread_;
};

}  // namespace

std::pair<std::shared_ptr<Transport>, std::shared_ptr<Transport>> makeMemoryTransportPair() {
  auto link = std::make_shared<Link>();
  return {std::make_shared<MemoryTransport>(link, 0), std::make_shared<MemoryTransport>(link, 1)};
}

}  // namespace onemcp::mcp
