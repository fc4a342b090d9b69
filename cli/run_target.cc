#include "cli/run_target.h"

#include <iostream>
#include <random>

#include "cli/run_command.h"
#include "cli/signals.h"
#include "cli/target_url.h"

namespace ixh::cli {

std::string make_run_id(char prefix) {
  std::random_device rd;
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string id(1, prefix);
  for (int i = 0; i < 6; ++i) id += kAlphabet[rd() % (sizeof kAlphabet - 1)];
  return id;
}

bool unreachable(const RunReport& report) {
  const auto it = report.counters.errors.find("connect");
  return report.counters.requests > 0 && it != report.counters.errors.end() &&
         it->second == report.counters.requests;
}

bool RunTarget::open(const RunCommand& cmd, const std::vector<Scenario>& scenarios,
                     Dialect mock_dialect, const Clock& clock) {
  if (!cmd.target.empty()) {
    const TargetUrl url = parse_target_url(cmd.target);
    base_url_ = url.base_url;
    if (!url.resolve_entry.empty()) resolve_.push_back(url.resolve_entry);
    label_ = url.base_url;
    return true;
  }
  mock::MockOptions mo;
  mo.seed = cmd.seed;
  mo.time_scale = cmd.time_scale;
  mo.dialect = mock_dialect;
  embedded_.emplace(mo, scenarios, clock);
  std::string error;
  if (!embedded_->start(error)) {
    std::cerr << "ixh run: the embedded mock could not start: " << error << "\n";
    return false;
  }
  base_url_ = embedded_->base_url();
  label_ = "embedded mock at " + base_url_;
  return true;
}

void RunTarget::stop() {
  if (embedded_) embedded_->stop();
}

StopSignalWatch::StopSignalWatch(std::atomic<bool>& stop)
    : thread_([this, &stop] {
        while (!done_.load()) {
          if (poll_stop_signal(200)) {
            stop = true;
            return;
          }
        }
      }) {}

StopSignalWatch::~StopSignalWatch() { finish(); }

void StopSignalWatch::finish() {
  done_ = true;
  if (thread_.joinable()) thread_.join();
}

}  // namespace ixh::cli
