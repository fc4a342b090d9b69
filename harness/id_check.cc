#include "harness/id_check.h"

#include <string>
#include <vector>

#include "harness/check_base.h"
#include "harness/checks.h"

namespace ixh {
namespace {

// Mismatches listed in full before the rest are only counted: a wrong stream must not flood the
// report.
constexpr std::size_t kMaxListed = 3;

class IdMatchesRequestCheck final : public CheckBase {
 public:
  IdMatchesRequestCheck() : CheckBase(kCheckIdMatchesRequest) {}

 private:
  void run(const StepObservation& o, std::vector<CheckRecord>& out) const override {
    if (o.interaction_id.empty() || o.kind == Step::Kind::kChain || o.kind == Step::Kind::kWait) {
      return;
    }
    const std::string expected = "the interaction asked for, " + quote(o.interaction_id);
    for (const ObservedGet& g : o.gets) judge_get(g, o.interaction_id, expected, "", out);
    if (o.stream) judge_stream(*o.stream, o.interaction_id, expected, "", out);
    if (o.final_get) {
      judge_get(*o.final_get, o.interaction_id, expected, " (after the stream)", out);
    }
    if (o.reference_stream) {
      judge_stream(*o.reference_stream, o.interaction_id, expected, " (reference for the resume)",
                   out);
    }
  }

  void judge_get(const ObservedGet& g, const std::string& id, const std::string& expected,
                 std::string_view suffix, std::vector<CheckRecord>& out) const {
    if (!g.decoded || g.decoded->value.id.empty()) return;
    const std::string& got = g.decoded->value.id;
    record(out, got == id, expected,
           got == id ? "the body's id is " + quote(got) : "the body is interaction " + quote(got),
           request_where(g.http) + std::string(suffix));
  }

  void judge_stream(const ObservedStream& s, const std::string& id, const std::string& expected,
                    std::string_view suffix, std::vector<CheckRecord>& out) const {
    std::size_t named = 0;
    std::size_t wrong = 0;
    std::string listed;
    const auto judge = [&](std::size_t i, const ObservedEvent& e, const std::string& got,
                           std::string_view what) {
      if (got.empty()) return;
      ++named;
      if (got == id) return;
      if (++wrong > kMaxListed) return;
      if (!listed.empty()) listed += "; ";
      const std::string& event_id = e.decoded.id.empty() ? e.raw.last_event_id : e.decoded.id;
      listed += "event #" + std::to_string(i + 1) +
                (event_id.empty() ? std::string() : " (" + quote(event_id) + ")") + " " +
                std::string(what) + " " + quote(got);
    };
    for (std::size_t i = 0; i < s.events.size(); ++i) {
      const ObservedEvent& e = s.events[i];
      judge(i, e, e.decoded.interaction_id, "names");
      if (e.decoded.interaction) judge(i, e, e.decoded.interaction->value.id, "embeds");
    }
    if (named == 0) return;
    std::string actual;
    if (wrong == 0) {
      actual = std::to_string(named) + (named == 1 ? " id names it" : " ids name it");
    } else {
      actual = listed;
      if (wrong > kMaxListed) actual += "; " + std::to_string(wrong - kMaxListed) + " more";
    }
    record(out, wrong == 0, expected, std::move(actual),
           request_where(s.http) + std::string(suffix));
  }
};

}  // namespace

std::unique_ptr<Check> id_matches_request_check() {
  return std::make_unique<IdMatchesRequestCheck>();
}

}  // namespace ixh
