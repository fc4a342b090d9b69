#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/scenario.h"

namespace ixh {

// Reads scenario files (docs/scenarios.md, scenarios/scenario.schema.json) into the model of
// core/scenario.h. Used at start-up and load time only (cli, the mock's admin API), on the calling
// thread. Every function throws ScenarioError (core/errors.h) naming the file, the RFC 6901
// pointer of the offending value and what was expected; nothing is ever returned half-loaded.

// Limits that the loader and the JSON Schema share. Times are bounded so that no scripted moment
// lies more than a day after an instance's creation, which keeps every derived nanosecond
// timestamp far from overflow.
inline constexpr std::int64_t kScenarioMaxMs = 86'400'000;
inline constexpr std::int64_t kScenarioMaxTokenCount = 9'007'199'254'740'991;  // 2^53 - 1
inline constexpr int kScenarioMaxCandidates = 8;
inline constexpr int kScenarioMaxTemplateNameLength = 64;
// Text one `generate` block may produce (chunks * bytes): every instance shares the compiled log,
// but a typo such as a million chunks of a megabyte must fail at load, not exhaust memory.
inline constexpr std::int64_t kScenarioMaxGeneratedBytes = 256 << 20;
// Step limits. A poll interval is at most a minute; counts in `expect` (events, polls, chain
// length) stop at 2^53 - 1 so that every value is exact in any JSON implementation.
inline constexpr std::int64_t kScenarioMaxPollIntervalMs = 60'000;
inline constexpr std::int64_t kScenarioMaxCount = 9'007'199'254'740'991;  // 2^53 - 1

// Parses one scenario document already decoded from JSON (the admin API's request body). `file`
// is only used for messages, for Scenario::file and for the default name (its stem). Checks
// everything that one document can check; cross-file rules (unique names, `previous` targets,
// cycles, the templates that steps name) are left to validate_scenario_set. Scenario::sha256 is the
// hash of doc.dump(), since the original bytes are gone.
Scenario parse_scenario(const nlohmann::json& doc, const std::string& file);

// Reads and parses one file. Also rejects a key repeated within one JSON object, which a plain
// JSON parse would silently resolve to the last value. Scenario::sha256 is the hash of the file
// bytes. No cross-file checks (see parse_scenario).
Scenario load_scenario_file(const std::string& path);

// Parses one scenario document from its bytes, with the same checks as load_scenario_file
// (including repeated keys). `label` names it in messages. Used by the mock's admin API for a
// document sent in a request body; Scenario::sha256 is the hash of `bytes`.
Scenario parse_scenario_text(const std::string& bytes, const std::string& label);

// The scenario files that `paths` name, in load order: files as given, directories expanded to
// every *.json below them (recursively, sorted, *.schema.json skipped), each file once. Throws
// ScenarioError for an empty list, a missing path or a directory without scenario files. Used by
// load_scenarios and by `ixh scenarios lint`, which loads the files one by one.
std::vector<std::string> scenario_files(const std::vector<std::string>& paths);

// Loads files and directories in the order given; a directory contributes every *.json file
// below it (recursively, in path order compared component by component) except *.schema.json.
// A file reached twice is loaded once. Then runs validate_scenario_set over the whole set.
// An empty list, a missing path or a directory without scenario files is a ScenarioError.
std::vector<Scenario> load_scenarios(const std::vector<std::string>& paths);

// The cross-file rules over a complete set, reported in load order: template names are unique,
// every `previous` names a template of the set, `previous` links form no cycle, and every step
// names a template of the set (checked last, file by file and step by step).
void validate_scenario_set(const std::vector<Scenario>& scenarios);

}  // namespace ixh
