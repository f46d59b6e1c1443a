// Deadlines: callbacks run at their time, in order, unless cancelled first.
#include "proxy_deadlines.h"

#include <atomic>
#include <future>
#include <mutex>
#include <vector>

#include <gtest/gtest.h>

namespace onemcp::sandbox {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

TEST(DeadlinesTest, RunsEachCallbackAtItsTimeInOrder) {
  Deadlines deadlines;
  std::mutex mu;
  std::vector<int> order;  // guarded by mu
  std::promise<void> last;
  const auto start = SteadyClock::now();
  // Scheduled out of order: the later one first, then an earlier one that must wake the
  // timer thread from its longer wait.
  deadlines.at(start + 60ms, [&] {
    std::lock_guard lock(mu);
    order.push_back(2);
    last.set_value();
  });
  deadlines.at(start + 20ms, [&] {
    std::lock_guard lock(mu);
    order.push_back(1);
  });
  ASSERT_EQ(last.get_future().wait_for(10s), std::future_status::ready);
  EXPECT_GE(SteadyClock::now() - start, 60ms);
  std::lock_guard lock(mu);
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  EXPECT_EQ(deadlines.pending(), 0u);
}

TEST(DeadlinesTest, ACancelledDeadlineNeverRuns) {
  Deadlines deadlines;
  std::atomic<bool> ran{false};
  std::promise<void> later;
  const auto start = SteadyClock::now();
  auto id = deadlines.at(start + 20ms, [&] { ran = true; });
  deadlines.at(start + 80ms, [&] { later.set_value(); });
  deadlines.cancel(id);
  deadlines.cancel(id);  // twice: a no-op
  EXPECT_EQ(deadlines.pending(), 1u);
  ASSERT_EQ(later.get_future().wait_for(10s), std::future_status::ready);
  EXPECT_FALSE(ran.load());
}

TEST(DeadlinesTest, APastDeadlineRunsAtOnceAndDestructionDropsTheRest) {
  std::promise<void> ran;
  std::atomic<bool> dropped_ran{false};
  {
    Deadlines deadlines;
    deadlines.at(SteadyClock::now() - 1s, [&] { ran.set_value(); });
    deadlines.at(SteadyClock::now() + 1h, [&] { dropped_ran = true; });
    ASSERT_EQ(ran.get_future().wait_for(10s), std::future_status::ready);
  }
  EXPECT_FALSE(dropped_ran.load());
}

}  // namespace
}  // namespace onemcp::sandbox
