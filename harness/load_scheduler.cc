#include "harness/load_scheduler.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "harness/virtual_user.h"

namespace ixh {
namespace {

constexpr std::int64_t kNsPerS = 1'000'000'000;
constexpr std::int64_t kRampEveryNs = 100'000'000;
constexpr std::int64_t kProgressEveryNs = 250'000'000;

// Appends `n` in decimal, without the temporary string of std::to_string.
void append_decimal(std::string& out, std::uint64_t n) {
  char digits[20];
  std::size_t len = 0;
  do {
    digits[len++] = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n != 0);
  while (len > 0) out.push_back(digits[--len]);
}

}  // namespace

// One iteration in flight. Finished iterations go back to a spare list and are reused, so the
// steady state of a long run allocates none of this per iteration.
struct LoadScheduler::Iteration {
  std::size_t scenario = 0;
  std::int64_t intended_ns = 0;
  std::int64_t started_ns = 0;
  bool measured = false;
  bool user_loop = false;
  std::optional<Metrics> view;
  ScenarioReport scratch;  // its step vector keeps its capacity from one use to the next
  std::optional<VirtualUser> user;
};

LoadScheduler::LoadScheduler(Transport& transport, const Target& target,
                             const std::vector<std::unique_ptr<Check>>& checks,
                             std::vector<LoadScenario> scenarios, WorkerPlan plan, LiveStats* live)
    : transport_(transport),
      target_(target),
      checks_(checks),
      scenarios_(std::move(scenarios)),
      plan_(std::move(plan)),
      live_(live) {
  measured_.enable_window();
  tallies_.resize(scenarios_.size());
  wrr_current_.assign(scenarios_.size(), 0.0);
}

// In-flight users are dropped without being called back: the transport must not run again.
LoadScheduler::~LoadScheduler() = default;

std::int64_t LoadScheduler::measured_ns() const {
  const std::int64_t end = stopped_at_ >= 0 ? stopped_at_ : now();
  return std::max<std::int64_t>(0, end - (t0_ + plan_.warmup_ns));
}

std::uint64_t LoadScheduler::error_total(const Counters& c) const {
  std::uint64_t n = 0;
  for (const auto& [name, count] : c.errors) n += count;
  return n;
}

bool LoadScheduler::exhausted() const {
  return plan_.iterations >= 0 && started_ >= plan_.iterations;
}

void LoadScheduler::start() {
  t0_ = now();
  if (plan_.mode == LoadMode::kOpen) {
    schedule_arrival();
  } else {
    ramp();
  }
  end_timer_ = transport_.schedule(t0_ + plan_.end_ns, [this] { stop(false); });
  second_timer_ = transport_.schedule(t0_ + plan_.warmup_ns + kNsPerS, [this] { tick_second(); });
  progress_timer_ = transport_.schedule(t0_ + kProgressEveryNs, [this] { tick_progress(); });
  if (exhausted()) begin_drain();
}

std::int64_t LoadScheduler::target_users(std::int64_t at_ns) const {
  if (!plan_.users) return 0;
  const auto total = static_cast<std::int64_t>(std::llround(plan_.users->rate_at(at_ns - t0_)));
  const auto n = static_cast<std::int64_t>(plan_.workers);
  const auto w = static_cast<std::int64_t>(plan_.worker);
  return total / n + (w < total % n ? 1 : 0);
}

void LoadScheduler::ramp() {
  if (stopping_) return;
  const std::int64_t want = target_users(now());
  while (live_users_ < want && !exhausted() && !stopping_) {
    ++live_users_;
    if (!user_next(true)) break;  // retired at once: no more work for a user
  }
  ramp_timer_ = transport_.schedule(now() + kRampEveryNs, [this] { ramp(); });
}

bool LoadScheduler::retire_user() {
  --live_users_;
  finish_if_drained();
  return false;
}

bool LoadScheduler::user_next(bool first) {
  if (stopping_ || exhausted() || live_users_ > target_users(now())) return retire_user();
  std::int64_t intended = now();
  if (plan_.mode == LoadMode::kPaced) {
    const std::int64_t t = plan_.pacer->next_ns();
    if (t < 0) {
      // The arrivals have ended: nothing more starts.
      begin_drain();
      return retire_user();
    }
    intended = t0_ + t;
    if (intended >= t0_ + plan_.warmup_ns) ++arrivals_;
  } else if (!first) {
    intended += plan_.think_ns;
  }
  if (intended <= now()) {
    start_iteration(intended, true);
    return true;
  }
  transport_.schedule(intended, [this, intended] {
    if (stopping_ || exhausted()) {
      retire_user();
      return;
    }
    start_iteration(intended, true);
  });
  return true;
}

void LoadScheduler::schedule_arrival() {
  const std::int64_t t = plan_.pacer->next_ns();
  pending_arrival_ = t < 0 ? -1 : t0_ + t;
  if (pending_arrival_ >= 0) {
    arrival_timer_ = transport_.schedule(pending_arrival_, [this] { on_arrival(); });
  }
}

void LoadScheduler::on_arrival() {
  // A late timer handles every arrival that fell due meanwhile, each with its own intended start.
  while (!stopping_ && pending_arrival_ >= 0 && pending_arrival_ <= now()) {
    const std::int64_t intended = pending_arrival_;
    if (intended >= t0_ + plan_.warmup_ns) ++arrivals_;
    if (static_cast<std::int64_t>(inflight_.size()) >= plan_.max_inflight) {
      // Over the cap: counted, never queued (a queue would hide the server's slowness).
      if (intended >= t0_ + plan_.warmup_ns) ++dropped_;
      ++started_;  // an arrival uses up its iteration either way
      if (exhausted()) begin_drain();
    } else {
      start_iteration(intended, false);
    }
    if (stopping_) return;
    const std::int64_t t = plan_.pacer->next_ns();
    pending_arrival_ = t < 0 ? -1 : t0_ + t;
  }
  if (!stopping_ && pending_arrival_ >= 0) {
    arrival_timer_ = transport_.schedule(pending_arrival_, [this] { on_arrival(); });
  }
}

std::size_t LoadScheduler::pick_scenario() {
  // Smooth weighted round robin: exact shares, evenly interleaved, no randomness.
  double total = 0;
  std::size_t best = 0;
  for (std::size_t i = 0; i < scenarios_.size(); ++i) {
    wrr_current_[i] += scenarios_[i].weight;
    total += scenarios_[i].weight;
    if (wrr_current_[i] > wrr_current_[best]) best = i;
  }
  wrr_current_[best] -= total;
  return best;
}

void LoadScheduler::start_iteration(std::int64_t intended_ns, bool user_loop) {
  ++started_;
  const std::uint64_t id = next_iteration_++;
  std::unique_ptr<Iteration> it;
  if (spare_.empty()) {
    it = std::make_unique<Iteration>();
  } else {
    it = std::move(spare_.back());
    spare_.pop_back();
  }
  it->scenario = pick_scenario();
  it->intended_ns = intended_ns;
  it->started_ns = now();
  it->measured = intended_ns >= t0_ + plan_.warmup_ns;
  it->user_loop = user_loop;
  it->view.emplace(it->measured ? measured_ : warmup_,
                   std::max<std::int64_t>(0, it->started_ns - intended_ns));
  UserContext ctx{transport_, target_, checks_, *it->view};
  suffix_.assign(plan_.suffix_prefix);
  append_decimal(suffix_, id);
  it->user.emplace(ctx, *scenarios_[it->scenario].steps, suffix_, it->scratch);
  VirtualUser* user = &*it->user;
  inflight_.emplace(id, std::move(it));
  // Finishing runs inside the user's own callbacks: free it from a timer, outside them.
  user->start([this, id] { transport_.schedule(now(), [this, id] { finish_iteration(id); }); });
  if (exhausted()) begin_drain();
}

void LoadScheduler::finish_iteration(std::uint64_t id) {
  auto found = inflight_.find(id);
  if (found == inflight_.end()) return;
  std::unique_ptr<Iteration> it = std::move(found->second);
  inflight_.erase(found);
  const std::int64_t end = now();
  if (it->measured) {
    ++iterations_;
    measured_.record_iteration(it->started_ns - it->intended_ns, end - it->started_ns);
  } else {
    ++warmup_iterations_;
  }
  // Warm-up iterations are still checked: a wrong answer is wrong whenever it comes.
  tallies_[it->scenario].add(it->scratch);
  const bool user_loop = it->user_loop;
  recycle(std::move(it));
  if (user_loop) user_next(false);
  finish_if_drained();
}

void LoadScheduler::recycle(std::unique_ptr<Iteration> it) {
  it->user.reset();
  it->view.reset();
  it->scratch.steps.clear();
  spare_.push_back(std::move(it));
}

void LoadScheduler::begin_drain() {
  // The last iteration has started: wait for the ones in flight (their steps' own timeouts
  // bound them).
  stopping_ = true;
  finish_if_drained();
}

void LoadScheduler::stop(bool interrupted) {
  if (done_) return;
  if (interrupted) interrupted_stop_ = true;
  if (stopped_at_ < 0) {
    stopped_at_ = now();
    // Paced: arrivals that fell due while every user was busy never start; say so.
    while (plan_.mode == LoadMode::kPaced && !exhausted()) {
      const std::int64_t t = plan_.pacer->next_ns();
      if (t < 0 || t0_ + t >= stopped_at_) break;
      if (t0_ + t >= t0_ + plan_.warmup_ns) {
        ++arrivals_;
        ++dropped_;
      }
    }
    // The end timer may run a moment late: the measured part ends when it was planned to.
    close_series(interrupted ? stopped_at_ : std::min(stopped_at_, t0_ + plan_.end_ns));
  }
  stopping_ = true;
  if (!grace_armed_) {
    grace_armed_ = true;
    grace_timer_ = transport_.schedule(now() + plan_.grace_ns, [this] { end_grace(); });
  }
  finish_if_drained();
}

void LoadScheduler::end_grace() {
  if (done_) return;
  for (auto& [id, it] : inflight_) {
    ++interrupted_;
    if (interrupted_stop_) {
      // Stopped by a signal: the report says which steps never finished.
      it->user->abandon("stopped before it finished (SIGINT or SIGTERM)");
      tallies_[it->scenario].add(it->scratch);
    }
  }
  complete();
}

void LoadScheduler::finish_if_drained() {
  if (!done_ && stopping_ && inflight_.empty()) complete();
}

void LoadScheduler::complete() {
  done_ = true;
  if (stopped_at_ < 0) stopped_at_ = now();
  for (TimerId t :
       {ramp_timer_, end_timer_, second_timer_, progress_timer_, arrival_timer_, grace_timer_}) {
    if (t != 0) transport_.cancel_timer(t);
  }
  // A run bounded by its iteration count measures until its last iteration finished: the last,
  // partial second, if anything happened in it.
  const Counters& c = measured_.counters();
  if (!series_closed_ && (c.requests != last_requests_ || c.events != last_events_ ||
                          iterations_ != last_iterations_ || dropped_ != last_dropped_ ||
                          measured_.window()->latency.count() > 0)) {
    record_second();
  }
  publish();
  if (live_) live_->done.store(true, std::memory_order_relaxed);
}

void LoadScheduler::record_second() {
  WorkerSecond s;
  s.second = ++second_index_;
  const Counters& c = measured_.counters();
  const std::uint64_t errors = error_total(c);
  s.requests = c.requests - last_requests_;
  s.events = c.events - last_events_;
  s.errors = errors - last_errors_;
  s.iterations = iterations_ - last_iterations_;
  s.dropped = dropped_ - last_dropped_;
  last_requests_ = c.requests;
  last_events_ = c.events;
  last_errors_ = errors;
  last_iterations_ = iterations_;
  last_dropped_ = dropped_;
  Metrics::Window* w = measured_.window();
  s.latency = w->latency.to_json();
  s.ttfe = w->ttfe.to_json();
  if (live_) live_->ttfe.publish(w->ttfe);
  w->latency.reset();
  w->ttfe.reset();
  seconds_.push_back(std::move(s));
}

void LoadScheduler::close_series(std::int64_t end_ns) {
  series_closed_ = true;
  if (second_timer_ != 0) transport_.cancel_timer(second_timer_);
  second_timer_ = 0;
  // The measured part's last second, cut at its end, unless it ended on a whole second (or
  // during the warm-up, when nothing was measured).
  const std::int64_t second_start = t0_ + plan_.warmup_ns + second_index_ * kNsPerS;
  if (end_ns > second_start) {
    record_second();
  } else if (!seconds_.empty()) {
    // It ended on a whole second, recorded just before: arrivals the stop found never started
    // fell due within it.
    seconds_.back().dropped += dropped_ - last_dropped_;
    last_dropped_ = dropped_;
  }
}

void LoadScheduler::tick_second() {
  record_second();
  second_timer_ = transport_.schedule(t0_ + plan_.warmup_ns + (second_index_ + 1) * kNsPerS,
                                      [this] { tick_second(); });
}

void LoadScheduler::publish() {
  if (!live_) return;
  const Counters& m = measured_.counters();
  const Counters& w = warmup_.counters();
  live_->requests.store(m.requests + w.requests, std::memory_order_relaxed);
  live_->events.store(m.events + w.events, std::memory_order_relaxed);
  live_->errors.store(error_total(m) + error_total(w), std::memory_order_relaxed);
  live_->dropped.store(dropped_, std::memory_order_relaxed);
  live_->iterations.store(iterations_ + warmup_iterations_, std::memory_order_relaxed);
  live_->active.store(static_cast<std::int64_t>(inflight_.size()), std::memory_order_relaxed);
}

void LoadScheduler::tick_progress() {
  publish();
  progress_timer_ = transport_.schedule(now() + kProgressEveryNs, [this] { tick_progress(); });
}

}  // namespace ixh
