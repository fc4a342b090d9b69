#include "core/load_spec.h"

#include <cmath>
#include <filesystem>

#include "core/errors.h"
#include "core/json_pointer.h"

namespace ixh {
namespace {

using nlohmann::json;

class LoadParser {
 public:
  explicit LoadParser(const std::string& file) : file_(file) {}

  LoadSpec parse(const json& v, const std::string& p) {
    LoadSpec spec;
    if (!v.is_object()) fail(p, "an object");
    static const std::vector<std::string> kKeys = {
        "vus",        "think_ms",  "rate",   "arrival", "max_inflight", "duration_ms",
        "iterations", "warmup_ms", "stages", "weight",  "thresholds",   "mix"};
    for (const auto& [key, value] : v.items()) {
      if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
        fail(at(p, key),
             "one of the keys \"vus\", \"think_ms\", \"rate\", \"arrival\", "
             "\"max_inflight\", \"duration_ms\", \"iterations\", \"warmup_ms\", "
             "\"stages\", \"weight\", \"thresholds\", \"mix\"");
      }
    }
    if (const json* x = find(v, "vus")) spec.vus = integer(*x, at(p, "vus"), 1, kLoadMaxVus);
    if (const json* x = find(v, "think_ms")) {
      spec.think_ms = integer(*x, at(p, "think_ms"), 0, kLoadMaxDurationMs);
    }
    if (const json* x = find(v, "rate")) spec.rate = number(*x, at(p, "rate"), 0, kLoadMaxRate);
    if (const json* x = find(v, "arrival")) {
      if (!x->is_string() || (*x != "constant" && *x != "poisson")) {
        fail(at(p, "arrival"), "\"constant\" or \"poisson\"");
      }
      spec.arrival = x->get<std::string>();
    }
    if (const json* x = find(v, "max_inflight")) {
      spec.max_inflight = integer(*x, at(p, "max_inflight"), 1, kLoadMaxInflight);
    }
    if (const json* x = find(v, "duration_ms")) {
      spec.duration_ms = integer(*x, at(p, "duration_ms"), 1, kLoadMaxDurationMs);
    }
    if (const json* x = find(v, "iterations")) {
      spec.iterations = integer(*x, at(p, "iterations"), 1, kLoadMaxIterations);
    }
    if (const json* x = find(v, "warmup_ms")) {
      spec.warmup_ms = integer(*x, at(p, "warmup_ms"), 0, kLoadMaxDurationMs);
    }
    if (const json* x = find(v, "stages")) spec.stages = stages(*x, at(p, "stages"));
    if (const json* x = find(v, "weight")) {
      spec.weight = number(*x, at(p, "weight"), 0, 1e6);
      if (spec.weight <= 0) fail(at(p, "weight"), "a number above 0");
    }
    if (const json* x = find(v, "thresholds")) {
      const std::string tp = at(p, "thresholds");
      if (!x->is_array()) fail(tp, "an array of threshold strings");
      for (std::size_t i = 0; i < x->size(); ++i) {
        const std::string ip = tp + "/" + std::to_string(i);
        if (!(*x)[i].is_string()) fail(ip, "a threshold string such as \"p99(ttfe)<250ms\"");
        std::string error;
        const auto t = parse_threshold((*x)[i].get<std::string>(), error);
        if (!t) fail(ip, "a valid threshold: " + error);
        spec.thresholds.push_back(*t);
      }
    }
    if (const json* x = find(v, "mix")) spec.mix = mix(*x, at(p, "mix"));
    return spec;
  }

 private:
  [[noreturn]] void fail(const std::string& pointer, const std::string& expected) const {
    throw ScenarioError(file_, pointer, expected);
  }
  static const json* find(const json& o, std::string_view key) {
    auto it = o.find(key);
    return it == o.end() ? nullptr : &*it;
  }
  static std::string at(const std::string& p, std::string_view key) {
    return p + "/" + json_pointer_token(key);
  }

  double number(const json& v, const std::string& p, double lo, double hi) const {
    if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < lo ||
        v.get<double>() > hi) {
      fail(p, "a number within " + trimmed(lo) + ".." + trimmed(hi));
    }
    return v.get<double>();
  }

  std::int64_t integer(const json& v, const std::string& p, std::int64_t lo,
                       std::int64_t hi) const {
    const bool whole = v.is_number() && std::isfinite(v.get<double>()) &&
                       std::floor(v.get<double>()) == v.get<double>();
    if (!whole || v.get<double>() < static_cast<double>(lo) ||
        v.get<double>() > static_cast<double>(hi)) {
      fail(p, "an integer within " + std::to_string(lo) + ".." + std::to_string(hi));
    }
    return v.is_number_float() ? static_cast<std::int64_t>(v.get<double>()) : v.get<std::int64_t>();
  }

  static std::string trimmed(double d) {
    std::string s = std::to_string(d);
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }

  std::vector<LoadStage> stages(const json& v, const std::string& p) const {
    if (!v.is_array() || v.empty()) fail(p, "a non-empty array of {duration_ms, target}");
    std::vector<LoadStage> out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::string sp = p + "/" + std::to_string(i);
      const json& s = v[i];
      if (!s.is_object() || !s.contains("duration_ms") || !s.contains("target") || s.size() != 2) {
        fail(sp, "an object with exactly the keys \"duration_ms\" and \"target\"");
      }
      LoadStage stage;
      stage.duration_ms =
          integer(s.at("duration_ms"), at(sp, "duration_ms"), 1, kLoadMaxDurationMs);
      stage.target = number(s.at("target"), at(sp, "target"), 0, kLoadMaxRate);
      out.push_back(stage);
    }
    return out;
  }

  std::vector<LoadMixEntry> mix(const json& v, const std::string& p) const {
    if (!v.is_array() || v.empty()) fail(p, "a non-empty array of {file, weight}");
    std::vector<LoadMixEntry> out;
    const std::filesystem::path dir = std::filesystem::path(file_).parent_path();
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::string ep = p + "/" + std::to_string(i);
      const json& e = v[i];
      if (!e.is_object() || !e.contains("file")) fail(ep, "an object with the key \"file\"");
      for (const auto& [key, value] : e.items()) {
        if (key != "file" && key != "weight")
          fail(at(ep, key), "one of the keys \"file\", \"weight\"");
      }
      if (!e.at("file").is_string() || e.at("file").get<std::string>().empty()) {
        fail(at(ep, "file"), "a non-empty path to a scenario file");
      }
      LoadMixEntry entry;
      entry.file = (dir / e.at("file").get<std::string>()).lexically_normal().string();
      entry.pointer = ep;
      if (e.contains("weight")) {
        entry.weight = number(e.at("weight"), at(ep, "weight"), 0, 1e6);
        if (entry.weight <= 0) fail(at(ep, "weight"), "a number above 0");
      }
      out.push_back(entry);
    }
    return out;
  }

  const std::string& file_;
};

}  // namespace

LoadSpec parse_load_spec(const nlohmann::json& v, const std::string& file,
                         const std::string& pointer) {
  return LoadParser(file).parse(v, pointer);
}

}  // namespace ixh
