// Where request handlers run: off the transport's thread, so that a handler may block
// (waiting on the peer, on a slow tool) without stalling message delivery. Injected so
// that many sessions can share one pool and tests can choose its size.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace onemcp::mcp {

class Executor {
 public:
  virtual ~Executor() = default;
  // Runs `job` later on some thread. Jobs must not throw.
  virtual void post(std::function<void()> job) = 0;
};

// A fixed pool of std::jthreads. The destructor drops jobs not yet started and joins.
class ThreadPool final : public Executor {
 public:
  explicit ThreadPool(std::size_t threads);
  ~ThreadPool() override;
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  void post(std::function<void()> job) override;

 private:
  void run(const std::stop_token& stop);

  std::mutex mu_;
  std::condition_variable_any cv_;
  std::deque<std::function<void()>> jobs_;  // guarded by mu_
  std::vector<std::jthread> threads_;       // last member: joined first
};

}  // namespace onemcp::mcp
