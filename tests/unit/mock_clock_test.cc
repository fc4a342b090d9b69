#include "mock_server/mock_clock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace ixh::mock {
namespace {

using std::chrono::seconds;

TEST(MockClockTest, ScaledClockMultipliesRealTime) {
  FakeClock real;
  MockClock clock(real, MockClock::Mode::kScaled, 2.0);
  EXPECT_EQ(clock.now_us(), 0);
  real.advance_ms(10);
  EXPECT_EQ(clock.now_us(), 20'000);
  EXPECT_FALSE(clock.advance_us(5));  // only a manual clock can be moved by hand
  EXPECT_EQ(clock.now_us(), 20'000);
}

TEST(MockClockTest, ManualClockMovesOnlyWhenAdvanced) {
  FakeClock real;
  MockClock clock(real, MockClock::Mode::kManual, 1.0);
  real.advance_ms(1000);
  EXPECT_EQ(clock.now_us(), 0);
  EXPECT_TRUE(clock.advance_us(1500));
  EXPECT_EQ(clock.now_us(), 1500);
  EXPECT_FALSE(clock.advance_us(-1));
  EXPECT_EQ(clock.now_us(), 1500);
}

TEST(MockClockTest, WaitReturnsAtOnceWhenAlreadyDue) {
  FakeClock real;
  MockClock manual(real, MockClock::Mode::kManual, 1.0);
  manual.advance_us(100);
  manual.wait_until(50, seconds(30));  // would hang the test if it waited
  MockClock scaled(real, MockClock::Mode::kScaled, 1.0);
  real.advance_ms(1);
  scaled.wait_until(500, seconds(30));
}

TEST(MockClockTest, AdvanceWakesAWaiter) {
  FakeClock real;
  MockClock clock(real, MockClock::Mode::kManual, 1.0);
  std::atomic<bool> woke{false};
  std::thread waiter([&] {
    clock.wait_until(1000, seconds(30));
    woke = true;
  });
  // The waiter may not be waiting yet; keep advancing until it notices (bounded by the test).
  for (int i = 0; i < 3000 && !woke; ++i) {
    clock.advance_us(1000);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  waiter.join();
  EXPECT_TRUE(woke);
}

TEST(MockClockTest, ShutDownEndsEveryWaitForGood) {
  FakeClock real;
  MockClock clock(real, MockClock::Mode::kManual, 1.0);
  std::thread waiter([&] { clock.wait_until(-1, seconds(30)); });
  clock.shut_down();
  waiter.join();
  clock.wait_until(-1, seconds(30));  // returns at once after shut_down
}

}  // namespace
}  // namespace ixh::mock
