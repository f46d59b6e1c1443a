#include "proxy_deadlines.h"

namespace onemcp::sandbox {

Deadlines::Deadlines() : thread_([this](const std::stop_token& stop) { run(stop); }) {}

Deadlines::~Deadlines() {
  thread_.request_stop();
  cv_.notify_all();
  thread_ = std::jthread();  // joins before the queue goes
}

std::uint64_t Deadlines::at(TimePoint when, std::function<void()> fn) {
  bool earliest = false;
  std::uint64_t id = 0;
  {
    std::lock_guard lock(mu_);
    id = next_id_++;
    earliest = when < wake_at_;
    queue_.emplace(std::make_pair(when, id), std::move(fn));
    when_.emplace(id, when);
  }
  if (earliest) cv_.notify_one();
  return id;
}

void Deadlines::cancel(std::uint64_t id) {
  std::lock_guard lock(mu_);
  auto it = when_.find(id);
  if (it == when_.end()) return;
  queue_.erase(std::make_pair(it->second, id));
  when_.erase(it);
}

std::size_t Deadlines::pending() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void Deadlines::run(const std::stop_token& stop) {
  std::unique_lock lock(mu_);
  while (!stop.stop_requested()) {
    if (queue_.empty()) {
      wake_at_ = TimePoint::max();
      cv_.wait(lock, stop, [this] { return !queue_.empty(); });
      continue;
    }
    const TimePoint next = queue_.begin()->first.first;
    if (std::chrono::steady_clock::now() < next) {
      // Woken early by a new earliest deadline, a stop, or spuriously: look again.
      wake_at_ = next;
      cv_.wait_until(lock, stop, next, [this, next] {
        return !queue_.empty() && queue_.begin()->first.first < next;
      });
      continue;
    }
    auto node = queue_.extract(queue_.begin());
    when_.erase(node.key().second);
    lock.unlock();
    node.mapped()();
    lock.lock();
  }
}

}  // namespace onemcp::sandbox
