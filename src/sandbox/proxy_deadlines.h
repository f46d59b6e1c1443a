// Deadlines for calls the proxy forwards without holding a thread: one timer thread
// runs each callback when its time comes, unless it was cancelled first. Scheduling a
// deadline later than the time the timer thread will wake anyway wakes nobody, so the
// common case (every call has the same timeout and answers long before it) costs a map
// insert and erase under a lock, and the timer thread wakes about once per timeout.
// Private to the proxy.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

namespace onemcp::sandbox {

class Deadlines {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  Deadlines();
  // Joins the timer thread; callbacks not yet run are dropped.
  ~Deadlines();
  Deadlines(const Deadlines&) = delete;
  Deadlines& operator=(const Deadlines&) = delete;

  // Runs `fn` on the timer thread at `when` (at once if it has passed); returns an id
  // for cancel(). `fn` must not block for long: it delays the deadlines after it.
  std::uint64_t at(TimePoint when, std::function<void()> fn);
  // Drops a deadline that has not run; a no-op when it has (or is running now).
  void cancel(std::uint64_t id);
  [[nodiscard]] std::size_t pending() const;

 private:
  void run(const std::stop_token& stop);

  mutable std::mutex mu_;
  std::condition_variable_any cv_;
  std::map<std::pair<TimePoint, std::uint64_t>, std::function<void()>> queue_;  // guarded by mu_
  std::map<std::uint64_t, TimePoint> when_;                                     // guarded by mu_
  std::uint64_t next_id_ = 1;                                                   // guarded by mu_
  TimePoint wake_at_ = TimePoint::max();  // guarded by mu_: when the timer thread wakes by itself
  std::jthread thread_;  // last member: started after the rest exists, joined first
};

}  // namespace onemcp::sandbox
