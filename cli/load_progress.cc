#include "cli/load_progress.h"

#include <chrono>
#include <cstdio>
#include <string>

#include "core/thread_name.h"
#include "reports/console_writer.h"

namespace ixh::cli {
namespace {

std::string seconds(std::int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ns) / 1e9);
  return buf;
}

}  // namespace

LoadProgress::LoadProgress(const std::vector<LiveStats>& live, const Clock& clock,
                           std::int64_t total_ns, bool terminal, std::ostream& out)
    : live_(live), clock_(clock), total_ns_(total_ns), terminal_(terminal), out_(out) {}

LoadProgress::~LoadProgress() { stop(); }

void LoadProgress::start() {
  start_ns_ = clock_.now_ns();
  last_ns_ = start_ns_;
  thread_ = std::thread([this] {
    name_this_thread("ixh-progress");
    loop();
  });
}

void LoadProgress::stop() {
  if (!thread_.joinable()) return;
  stop_ = true;
  thread_.join();
  if (terminal_) print(true);
}

void LoadProgress::loop() {
  const std::int64_t every_ns = terminal_ ? 250'000'000 : 5'000'000'000;
  std::int64_t next = start_ns_ + every_ns;
  while (!stop_.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (clock_.now_ns() < next) continue;
    next += every_ns;
    print(false);
  }
}

void LoadProgress::print(bool final_line) {
  std::uint64_t requests = 0, events = 0, errors = 0, dropped = 0;
  std::int64_t active = 0;
  ttfe_.reset();
  for (const LiveStats& s : live_) {
    requests += s.requests.load(std::memory_order_relaxed);
    events += s.events.load(std::memory_order_relaxed);
    errors += s.errors.load(std::memory_order_relaxed);
    dropped += s.dropped.load(std::memory_order_relaxed);
    active += s.active.load(std::memory_order_relaxed);
    s.ttfe.merge_into(ttfe_);
  }
  const std::int64_t p50 = ttfe_.value_at_percentile(50);
  const std::int64_t p99 = ttfe_.value_at_percentile(99);
  const std::int64_t now = clock_.now_ns();
  const double dt = static_cast<double>(now - last_ns_) / 1e9;
  const double rps = dt > 0 ? static_cast<double>(requests - last_requests_) / dt : 0;
  const double eps = dt > 0 ? static_cast<double>(events - last_events_) / dt : 0;
  last_ns_ = now;
  last_requests_ = requests;
  last_events_ = events;
  char rates[96];
  std::snprintf(rates, sizeof rates, "%.0f req/s  %.0f ev/s", rps, eps);
  std::string line = seconds(now - start_ns_);
  if (total_ns_ > 0) line += "/" + seconds(total_ns_);
  line += "  in flight " + std::to_string(active) + "  " + rates + "  ttfe p50 " +
          format_thousandths(p50) + "ms p99 " + format_thousandths(p99) + "ms  errors " +
          std::to_string(errors) + "  dropped " + std::to_string(dropped);
  if (terminal_) {
    out_ << "\r\x1b[2K" << line;
    if (final_line) out_ << "\n";
  } else {
    out_ << "ixh: " << line << "\n";
  }
  out_.flush();
}

}  // namespace ixh::cli
