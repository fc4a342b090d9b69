#include "core/scenario_loader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error_body.h"
#include "core/errors.h"

namespace ixh {
namespace {

namespace fs = std::filesystem;

const std::string kSourceDir = IXH_SOURCE_DIR;
const std::string kFixtures = kSourceDir + "/tests/testdata/scenarios";

std::string Fixture(std::string_view relative) { return kFixtures + "/" + std::string(relative); }

// Loads a path the way `ixh scenarios lint` does and returns the error, failing the test if
// there is none.
ScenarioError LoadError(const std::vector<std::string>& paths) {
  try {
    load_scenarios(paths);
  } catch (const ScenarioError& e) {
    return e;
  }
  ADD_FAILURE() << "no ScenarioError for " << paths.front();
  return ScenarioError("", "", "");
}

void ExpectError(const std::vector<std::string>& paths, const std::string& file,
                 std::string_view pointer, std::string_view expected) {
  SCOPED_TRACE(paths.front());
  const ScenarioError e = LoadError(paths);
  EXPECT_EQ(e.file(), file);
  EXPECT_EQ(e.pointer(), pointer);
  EXPECT_EQ(e.expected(), expected);
}

// One fixture file, one rule: the error must name that file, the exact pointer and the text.
void ExpectRejected(std::string_view fixture, std::string_view pointer, std::string_view expected) {
  ExpectError({Fixture(fixture)}, Fixture(fixture), pointer, expected);
}

const InteractionTemplate& Find(const std::vector<Scenario>& scenarios, std::string_view name) {
  for (const Scenario& s : scenarios) {
    for (const InteractionTemplate& t : s.interactions) {
      if (t.name == name) return t;
    }
  }
  ADD_FAILURE() << "no template " << name;
  static const InteractionTemplate kNone;
  return kNone;
}

const Scenario& FindScenario(const std::vector<Scenario>& scenarios, std::string_view name) {
  for (const Scenario& s : scenarios) {
    if (s.name == name) return s;
  }
  ADD_FAILURE() << "no scenario " << name;
  static const Scenario kNone;
  return kNone;
}

std::vector<Step::Kind> Kinds(const Scenario& s) {
  std::vector<Step::Kind> kinds;
  for (const Step& step : s.steps) kinds.push_back(step.kind);
  return kinds;
}

// The event log the mock derives from a timeline (docs/scenarios.md, "Events and event ids"):
// the implicit PENDING, then one event per state or text entry. For each event, the text it adds
// to candidate 0 (empty for state changes).
std::vector<std::string> EventTexts(const InteractionTemplate& t) {
  std::vector<std::string> texts{""};
  for (const TimelineEntry& e : t.timeline) {
    if (e.kind == TimelineEntry::Kind::kUsage) continue;
    texts.push_back(e.kind == TimelineEntry::Kind::kText && e.candidate == 0 ? e.text : "");
  }
  return texts;
}

std::string FullText(const InteractionTemplate& t) {
  std::string text;
  for (const std::string& piece : EventTexts(t)) text += piece;
  return text;
}

std::vector<std::string> Names(const Scenario& s) {
  std::vector<std::string> names;
  for (const InteractionTemplate& t : s.interactions) names.push_back(t.name);
  return names;
}

// --- Good files -----------------------------------------------------------------------------

TEST(ScenarioLoaderTest, LoadsEveryFieldOfAFullFile) {
  const std::string path = Fixture("good/full.json");
  const Scenario s = load_scenario_file(path);
  EXPECT_EQ(s.name, "everything");
  EXPECT_EQ(s.description, "Every key of the format, each set to a value other than its default.");
  EXPECT_EQ(s.file, path);
  EXPECT_EQ(s.sha256.size(), 64u);
  ASSERT_EQ(Names(s), (std::vector<std::string>{"full_generated", "full_story"}));

  const InteractionTemplate& g = s.interactions[0];
  EXPECT_EQ(g.model, "ixh-load-1");
  EXPECT_EQ(g.input, "x");
  EXPECT_TRUE(g.store);
  EXPECT_FALSE(g.previous.has_value());
  EXPECT_EQ(g.candidates, 1);
  EXPECT_TRUE(g.timeline.empty());
  ASSERT_TRUE(g.generate.has_value());
  EXPECT_EQ(g.generate->chunks, 100);
  EXPECT_EQ(g.generate->bytes, 64);
  EXPECT_EQ(g.generate->every_ms, 10);
  EXPECT_EQ(g.generate->start_ms, 5);
  EXPECT_EQ(g.generate->final_state, State::kCancelled);
  ASSERT_EQ(g.faults.size(), 1u);
  EXPECT_EQ(g.faults[0].status, 500);
  EXPECT_EQ(g.faults[0].message, "boom");
  EXPECT_EQ(g.faults[0].applies_to, FaultSpec::Applies::kAny);
  EXPECT_EQ(g.file, path);
  EXPECT_EQ(g.pointer, "/interactions/full_generated");

  const InteractionTemplate& t = s.interactions[1];
  EXPECT_EQ(t.name, "full_story");
  EXPECT_EQ(t.model, "ixh-mock-2");
  EXPECT_EQ(t.input, "Tell me a story about a lighthouse");
  EXPECT_FALSE(t.store);
  EXPECT_EQ(t.previous, "full_generated");
  EXPECT_EQ(t.candidates, 2);
  EXPECT_FALSE(t.generate.has_value());
  EXPECT_EQ(t.file, path);
  EXPECT_EQ(t.pointer, "/interactions/full_story");
  ASSERT_EQ(t.timeline.size(), 6u);
  EXPECT_EQ(t.timeline[0].kind, TimelineEntry::Kind::kState);
  EXPECT_EQ(t.timeline[0].state, State::kRunning);
  EXPECT_EQ(t.timeline[0].after_ms, 0);
  EXPECT_EQ(t.timeline[1].kind, TimelineEntry::Kind::kText);
  EXPECT_EQ(t.timeline[1].text, "The keeper");
  EXPECT_EQ(t.timeline[1].candidate, 0);
  EXPECT_EQ(t.timeline[1].after_ms, 100);
  EXPECT_EQ(t.timeline[2].text, "The lamp");
  EXPECT_EQ(t.timeline[2].candidate, 1);
  EXPECT_EQ(t.timeline[3].text, " climbed");
  EXPECT_EQ(t.timeline[3].candidate, 0);
  EXPECT_EQ(t.timeline[4].kind, TimelineEntry::Kind::kUsage);
  EXPECT_EQ(t.timeline[4].after_ms, 300);
  EXPECT_EQ(t.timeline[4].usage, (Usage{9, 6, 15}));
  EXPECT_EQ(t.timeline[5].kind, TimelineEntry::Kind::kState);
  EXPECT_EQ(t.timeline[5].state, State::kFailed);
  ASSERT_EQ(t.faults.size(), 2u);
  EXPECT_EQ(t.faults[0].kind, FaultSpec::Kind::kHttpError);
  EXPECT_EQ(t.faults[0].status, 429);
  EXPECT_EQ(t.faults[0].retry_after_s, 2);
  EXPECT_EQ(t.faults[0].message, "slow down");
  EXPECT_EQ(t.faults[0].attempts, (std::vector<int>{1, 3}));
  EXPECT_EQ(t.faults[0].applies_to, FaultSpec::Applies::kStream);
  EXPECT_EQ(t.faults[1].status, 503);
  EXPECT_FALSE(t.faults[1].retry_after_s.has_value());
  EXPECT_TRUE(t.faults[1].attempts.empty());
  EXPECT_EQ(t.faults[1].applies_to, FaultSpec::Applies::kGet);

  ASSERT_EQ(s.steps.size(), 5u);
  const Step& get = s.steps[0];
  EXPECT_EQ(get.kind, Step::Kind::kGet);
  EXPECT_EQ(get.interaction, "full_story");
  EXPECT_TRUE(get.include_input);
  EXPECT_EQ(get.pointer, "/steps/0");
  EXPECT_EQ(get.expect.status, 404);
  EXPECT_EQ(get.expect.state, State::kFailed);
  EXPECT_EQ(get.expect.text, "The keeper climbed");
  EXPECT_EQ(get.expect.text_contains, "keeper");
  EXPECT_EQ(get.expect.usage, true);
  EXPECT_EQ(get.expect.input, true);
  EXPECT_EQ(get.expect.latency_ms_max, 250);
  EXPECT_EQ(get.expect.error_status, "NOT_FOUND");

  const Step& stream = s.steps[1];
  EXPECT_EQ(stream.kind, Step::Kind::kStream);
  EXPECT_EQ(stream.interaction, "full_generated");
  EXPECT_TRUE(stream.include_input);
  EXPECT_EQ(stream.last_event_id, "evt_000010");
  EXPECT_EQ(stream.timeout_ms, 5000);
  EXPECT_EQ(stream.pointer, "/steps/1");
  EXPECT_EQ(stream.expect.status, 200);
  EXPECT_EQ(stream.expect.state, State::kCancelled);
  EXPECT_EQ(stream.expect.text, "");
  EXPECT_EQ(stream.expect.text_contains, "a");
  EXPECT_EQ(stream.expect.events_min, 93);
  EXPECT_EQ(stream.expect.events_max, 93);
  EXPECT_EQ(stream.expect.ttfe_ms_max, 20);
  EXPECT_EQ(stream.expect.latency_ms_max, 2000);
  EXPECT_EQ(stream.expect.error_status, "UNKNOWN");

  const Step& poll = s.steps[2];
  EXPECT_EQ(poll.kind, Step::Kind::kPoll);
  EXPECT_EQ(poll.interaction, "full_generated");
  EXPECT_EQ(poll.interval_ms, 25);
  EXPECT_EQ(poll.timeout_ms, 4000);
  EXPECT_TRUE(poll.include_input);
  EXPECT_EQ(poll.expect.state, State::kRunning);
  EXPECT_EQ(poll.expect.usage, false);
  EXPECT_EQ(poll.expect.input, false);
  EXPECT_EQ(poll.expect.polls_max, 40);
  EXPECT_EQ(poll.expect.error_status, "INTERNAL");

  const Step& chain = s.steps[3];
  EXPECT_EQ(chain.kind, Step::Kind::kChain);
  EXPECT_EQ(chain.interaction, "full_story");
  EXPECT_EQ(chain.expect.status, 200);
  EXPECT_EQ(chain.expect.chain_length, 2);
  EXPECT_EQ(chain.expect.latency_ms_max, 100);
  EXPECT_EQ(chain.expect.error_status, "ABORTED");
  EXPECT_FALSE(chain.expect.state.has_value());

  const Step& wait = s.steps[4];
  EXPECT_EQ(wait.kind, Step::Kind::kWait);
  EXPECT_EQ(wait.wait_ms, 1500);
  EXPECT_EQ(wait.interaction, "");
  EXPECT_EQ(wait.pointer, "/steps/4");
}

TEST(ScenarioLoaderTest, AppliesStepDefaults) {
  const Scenario s = load_scenario_file(Fixture("good/steps_defaults.json"));
  ASSERT_EQ(Kinds(s),
            (std::vector<Step::Kind>{Step::Kind::kGet, Step::Kind::kStream, Step::Kind::kPoll,
                                     Step::Kind::kChain, Step::Kind::kWait, Step::Kind::kGet,
                                     Step::Kind::kPoll, Step::Kind::kStream}));
  for (std::size_t i = 0; i < s.steps.size(); ++i) {
    const Step& step = s.steps[i];
    SCOPED_TRACE(step.pointer);
    EXPECT_EQ(step.pointer, "/steps/" + std::to_string(i));
    EXPECT_EQ(step.interaction, step.kind == Step::Kind::kWait ? "" : "defaults_story");
    EXPECT_FALSE(step.include_input);
    EXPECT_FALSE(step.last_event_id.has_value());
    EXPECT_EQ(step.timeout_ms, 30000);
    EXPECT_EQ(step.wait_ms, 0);
    if (i < 6) {
      EXPECT_EQ(step.interval_ms, 100);
      const Expect& e = step.expect;
      EXPECT_FALSE(e.status || e.state || e.text || e.text_contains || e.usage || e.input ||
                   e.events_min || e.events_max || e.polls_max || e.chain_length || e.ttfe_ms_max ||
                   e.latency_ms_max || e.error_status);
    }
  }
  // Integral floats count as integers, as in JSON Schema.
  EXPECT_EQ(s.steps[6].interval_ms, 2);
  EXPECT_EQ(s.steps[6].expect.polls_max, 10);
  EXPECT_EQ(s.steps[6].expect.text, "");
  EXPECT_EQ(s.steps[7].expect.events_min, 2);
  EXPECT_EQ(s.steps[7].expect.events_max, 2);
}

TEST(ScenarioLoaderTest, StepsAreOptional) {
  EXPECT_TRUE(load_scenario_file(Fixture("good/minimal.json")).steps.empty());
}

TEST(ScenarioLoaderTest, StepsMayNameTemplatesOfOtherFiles) {
  const std::string dir = Fixture("good/tree");
  const std::vector<Scenario> scenarios = load_scenarios({dir});
  const Scenario& b = FindScenario(scenarios, "b");
  ASSERT_EQ(b.steps.size(), 2u);
  EXPECT_EQ(b.steps[0].interaction, "tree_ac");  // defined in a/c.json
  // Alone, b.json names a template nobody defines.
  ExpectError({dir + "/b.json"}, dir + "/b.json", "/steps/0/get",
              "the name of a template in the loaded files (no template is named \"tree_ac\")");
}

TEST(ScenarioLoaderTest, ChecksStepTemplatesAcrossTheSet) {
  const Scenario steps_only =
      parse_scenario(nlohmann::json::parse(R"({"interactions": {"own": {"timeline": []}},
                                               "steps": [{"wait_ms": 5}, {"poll": "other"}]})"),
                     "steps.json");
  const Scenario other = parse_scenario(
      nlohmann::json::parse(R"({"interactions": {"other": {"timeline": []}}})"), "other.json");
  EXPECT_NO_THROW(validate_scenario_set({steps_only, other}));
  EXPECT_NO_THROW(validate_scenario_set({other, steps_only}));
  try {
    validate_scenario_set({steps_only});
    FAIL() << "no ScenarioError";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.file(), "steps.json");
    EXPECT_EQ(e.pointer(), "/steps/1/poll");
    EXPECT_EQ(e.expected(),
              "the name of a template in the loaded files (no template is named \"other\")");
  }
}

TEST(ScenarioLoaderTest, AppliesDefaults) {
  const Scenario s = load_scenario_file(Fixture("good/minimal.json"));
  EXPECT_EQ(s.name, "minimal");  // the file stem
  EXPECT_EQ(s.description, "");
  ASSERT_EQ(Names(s), (std::vector<std::string>{"bare", "bare_fault", "bare_generate"}));
  const InteractionTemplate& bare = s.interactions[0];
  EXPECT_EQ(bare.model, "ixh-mock-1");
  EXPECT_EQ(bare.input, "");
  EXPECT_TRUE(bare.store);
  EXPECT_FALSE(bare.previous.has_value());
  EXPECT_EQ(bare.candidates, 1);
  EXPECT_TRUE(bare.timeline.empty());  // stays PENDING
  EXPECT_FALSE(bare.generate.has_value());
  EXPECT_TRUE(bare.faults.empty());

  ASSERT_EQ(s.interactions[1].faults.size(), 1u);
  const FaultSpec& f = s.interactions[1].faults[0];
  EXPECT_EQ(f.kind, FaultSpec::Kind::kHttpError);
  EXPECT_EQ(f.status, 500);
  EXPECT_FALSE(f.retry_after_s.has_value());
  EXPECT_EQ(f.message, "");
  EXPECT_TRUE(f.attempts.empty());  // every attempt
  EXPECT_EQ(f.applies_to, FaultSpec::Applies::kAny);

  const auto& g = s.interactions[2].generate;
  ASSERT_TRUE(g.has_value());
  EXPECT_EQ(g->chunks, 3);
  EXPECT_EQ(g->bytes, 8);
  EXPECT_EQ(g->every_ms, 0);
  EXPECT_EQ(g->start_ms, 0);
  EXPECT_EQ(g->final_state, State::kCompleted);
}

TEST(ScenarioLoaderTest, AcceptsIntegralFloatsAsIntegers) {
  // JSON Schema's "integer" matches 2.0 and 1e2; the loader agrees so editors and lint agree.
  const Scenario s = load_scenario_file(Fixture("good/integral_numbers.json"));
  const InteractionTemplate& t = s.interactions.at(0);
  EXPECT_EQ(t.candidates, 2);
  ASSERT_EQ(t.timeline.size(), 3u);
  EXPECT_EQ(t.timeline[1].after_ms, 100);
  EXPECT_EQ(t.timeline[1].candidate, 1);
  EXPECT_EQ(t.timeline[2].usage, (Usage{3, 1, 4}));
}

TEST(ScenarioLoaderTest, HashesTheFileBytes) {
  // sha256sum tests/testdata/scenarios/good/minimal.json; update both if the fixture changes.
  EXPECT_EQ(load_scenario_file(Fixture("good/minimal.json")).sha256,
            "9646545966d2007801e16ec4080bab5fe80af2330f3d6f01c0a66fd0b80ec36d");
}

TEST(ScenarioLoaderTest, ParsesAnAlreadyDecodedDocument) {
  const auto doc = nlohmann::json::parse(R"({"interactions": {"a": {"timeline": []}}})");
  const Scenario s = parse_scenario(doc, "admin/uploaded.json");
  EXPECT_EQ(s.file, "admin/uploaded.json");
  EXPECT_EQ(s.name, "uploaded");
  // Hash of the compact dump {"interactions":{"a":{"timeline":[]}}}.
  EXPECT_EQ(s.sha256, "913eeff0c99255e56b8b3e16de3e754b09776a057d7a458f07e41c2d034d55ab");
  ASSERT_EQ(s.interactions.size(), 1u);
  EXPECT_EQ(s.interactions[0].file, "admin/uploaded.json");
  EXPECT_EQ(s.interactions[0].pointer, "/interactions/a");
}

TEST(ScenarioLoaderTest, ParseScenarioReportsTheGivenFile) {
  const auto doc = nlohmann::json::parse(R"({"interactions": {"a": {"timeline": 3}}})");
  try {
    parse_scenario(doc, "body");
    FAIL() << "no ScenarioError";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.file(), "body");
    EXPECT_EQ(e.pointer(), "/interactions/a/timeline");
    EXPECT_EQ(e.expected(), "an array of timeline entries");
    EXPECT_STREQ(e.what(),
                 "body: at /interactions/a/timeline: expected an array of timeline entries");
  }
}

TEST(ScenarioLoaderTest, LeavesCrossFileRulesToTheSet) {
  // A single file may name a `previous` that another file defines.
  const Scenario s =
      load_scenario_file(Fixture("bad_loader_only/cross_unknown_previous/chain.json"));
  EXPECT_EQ(Find({s}, "turn2").previous, "turn0");
}

// --- Files that cannot be read or parsed ------------------------------------------------------

TEST(ScenarioLoaderTest, RejectsInvalidJson) {
  const std::string path = Fixture("bad_loader_only/syntax_error.json");
  const ScenarioError e = LoadError({path});
  EXPECT_EQ(e.file(), path);
  EXPECT_EQ(e.pointer(), "");
  // Byte and column count from 1 and point at the stray "}". The parser's own words follow;
  // pin only the part this project writes and the position.
  EXPECT_EQ(e.expected().rfind("valid JSON (byte 52: parse error at line 3, column 30: ", 0), 0u)
      << e.expected();
  EXPECT_EQ(e.expected().back(), ')');
}

TEST(ScenarioLoaderTest, RejectsMissingFile) {
  const std::string path = Fixture("does_not_exist.json");
  try {
    load_scenario_file(path);
    FAIL() << "no ScenarioError";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.file(), path);
    EXPECT_EQ(e.pointer(), "");
    EXPECT_EQ(e.expected(), "a readable file");
  }
}

TEST(ScenarioLoaderTest, RejectsDirectoryAsAFile) {
  const std::string path = Fixture("good/tree");
  try {
    load_scenario_file(path);
    FAIL() << "no ScenarioError";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.file(), path);
    EXPECT_EQ(e.pointer(), "");
    EXPECT_EQ(e.expected(), "a readable file");
  }
}

TEST(ScenarioLoaderTest, RejectsRepeatedKey) {
  ExpectRejected("bad_loader_only/duplicate_key.json", "/interactions/story",
                 "a key that appears only once in its object");
}

TEST(ScenarioLoaderTest, RejectsRepeatedKeyInsideAnArray) {
  ExpectRejected("bad_loader_only/duplicate_key_in_array.json",
                 "/interactions/story/timeline/2/after_ms",
                 "a key that appears only once in its object");
}

// --- One rule each --------------------------------------------------------------------------

TEST(ScenarioLoaderTest, RejectsTopLevelNotAnObject) {
  ExpectRejected("bad/top_not_object.json", "", "an object");
}

TEST(ScenarioLoaderTest, RejectsUnknownTopLevelKey) {
  ExpectRejected(
      "bad/top_unknown_key.json", "/workload",
      "one of the keys \"$schema\", \"name\", \"description\", \"interactions\", \"steps\", "
      "\"load\"");
}

TEST(ScenarioLoaderTest, RejectsMissingInteractions) {
  ExpectRejected("bad/top_missing_interactions.json", "",
                 "an object with the key \"interactions\"");
}

TEST(ScenarioLoaderTest, RejectsEmptyInteractions) {
  ExpectRejected("bad/top_empty_interactions.json", "/interactions",
                 "a non-empty object of interaction templates");
}

TEST(ScenarioLoaderTest, RejectsInteractionsNotAnObject) {
  ExpectRejected("bad/top_interactions_not_object.json", "/interactions",
                 "a non-empty object of interaction templates");
}

TEST(ScenarioLoaderTest, RejectsEmptyName) {
  ExpectRejected("bad/top_name_empty.json", "/name", "a non-empty string");
}

TEST(ScenarioLoaderTest, RejectsSchemaKeyNotAString) {
  ExpectRejected("bad/top_schema_not_string.json", "/$schema", "a string");
}

TEST(ScenarioLoaderTest, RejectsDescriptionNotAString) {
  ExpectRejected("bad/top_description_not_string.json", "/description", "a string");
}

TEST(ScenarioLoaderTest, RejectsTemplateNameWithDot) {
  ExpectRejected("bad/template_name_dot.json", "/interactions/story.v2",
                 "a template name: 1 to 64 characters from A-Z, a-z, 0-9, \"_\" and \"-\"");
}

TEST(ScenarioLoaderTest, RejectsTemplateNameTooLong) {
  ExpectRejected("bad/template_name_too_long.json",
                 "/interactions/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                 "a template name: 1 to 64 characters from A-Z, a-z, 0-9, \"_\" and \"-\"");
}

TEST(ScenarioLoaderTest, RejectsTemplateNameWithEscapedCharacters) {
  ExpectRejected("bad/template_name_escaped.json", "/interactions/a~1b~0c",
                 "a template name: 1 to 64 characters from A-Z, a-z, 0-9, \"_\" and \"-\"");
}

TEST(ScenarioLoaderTest, RejectsTemplateNotAnObject) {
  ExpectRejected("bad/template_not_object.json", "/interactions/story", "an object");
}

TEST(ScenarioLoaderTest, RejectsUnknownTemplateKey) {
  ExpectRejected("bad/template_unknown_key.json", "/interactions/story/stream",
                 "one of the keys \"model\", \"input\", \"store\", \"previous\", \"candidates\", "
                 "\"timeline\", \"generate\", \"faults\"");
}

TEST(ScenarioLoaderTest, RejectsEmptyModel) {
  ExpectRejected("bad/template_model_empty.json", "/interactions/story/model",
                 "a non-empty string");
}

TEST(ScenarioLoaderTest, RejectsInputNotAString) {
  ExpectRejected("bad/template_input_not_string.json", "/interactions/story/input", "a string");
}

TEST(ScenarioLoaderTest, RejectsStoreNotABoolean) {
  ExpectRejected("bad/template_store_not_bool.json", "/interactions/story/store", "true or false");
}

TEST(ScenarioLoaderTest, RejectsPreviousNotATemplateName) {
  ExpectRejected("bad/template_previous_bad_name.json", "/interactions/story/previous",
                 "a template name: 1 to 64 characters from A-Z, a-z, 0-9, \"_\" and \"-\"");
}

TEST(ScenarioLoaderTest, RejectsCandidatesOutOfRange) {
  ExpectRejected("bad/template_candidates_out_of_range.json", "/interactions/story/candidates",
                 "an integer from 1 to 8");
}

TEST(ScenarioLoaderTest, RejectsCandidatesNotAnInteger) {
  ExpectRejected("bad/template_candidates_fraction.json", "/interactions/story/candidates",
                 "an integer from 1 to 8");
}

TEST(ScenarioLoaderTest, RejectsTimelineAndGenerateTogether) {
  ExpectRejected("bad/template_timeline_and_generate.json", "/interactions/story",
                 "exactly one of the keys \"timeline\" and \"generate\"");
}

TEST(ScenarioLoaderTest, RejectsTemplateWithoutTimelineOrGenerate) {
  ExpectRejected("bad/template_no_timeline_or_generate.json", "/interactions/story",
                 "exactly one of the keys \"timeline\" and \"generate\"");
}

TEST(ScenarioLoaderTest, RejectsTimelineNotAnArray) {
  ExpectRejected("bad/timeline_not_array.json", "/interactions/story/timeline",
                 "an array of timeline entries");
}

TEST(ScenarioLoaderTest, RejectsTimelineEntryNotAnObject) {
  ExpectRejected("bad/entry_not_object.json", "/interactions/story/timeline/1", "an object");
}

TEST(ScenarioLoaderTest, RejectsTimelineEntryWithoutAfterMs) {
  ExpectRejected("bad/entry_missing_after_ms.json", "/interactions/story/timeline/0",
                 "an object with the key \"after_ms\"");
}

TEST(ScenarioLoaderTest, RejectsNegativeAfterMs) {
  ExpectRejected("bad/entry_after_ms_negative.json", "/interactions/story/timeline/0/after_ms",
                 "an integer from 0 to 86400000");
}

TEST(ScenarioLoaderTest, RejectsAfterMsBeyondOneDay) {
  ExpectRejected("bad/entry_after_ms_too_large.json", "/interactions/story/timeline/0/after_ms",
                 "an integer from 0 to 86400000");
}

TEST(ScenarioLoaderTest, RejectsAfterMsNotAnInteger) {
  ExpectRejected("bad/entry_after_ms_string.json", "/interactions/story/timeline/0/after_ms",
                 "an integer from 0 to 86400000");
}

TEST(ScenarioLoaderTest, RejectsTimelineEntryWithoutKind) {
  ExpectRejected("bad/entry_no_kind.json", "/interactions/story/timeline/1",
                 "exactly one of the keys \"state\", \"text\", \"usage\"");
}

TEST(ScenarioLoaderTest, RejectsTimelineEntryWithTwoKinds) {
  ExpectRejected("bad/entry_two_kinds.json", "/interactions/story/timeline/0",
                 "exactly one of the keys \"state\", \"text\", \"usage\"");
}

TEST(ScenarioLoaderTest, RejectsUnknownTimelineEntryKey) {
  ExpectRejected("bad/entry_unknown_key.json", "/interactions/story/timeline/1/delay_ms",
                 "one of the keys \"after_ms\", \"state\", \"text\", \"usage\", \"candidate\"");
}

TEST(ScenarioLoaderTest, RejectsUnknownStateName) {
  ExpectRejected("bad/entry_unknown_state.json", "/interactions/story/timeline/3/state",
                 "one of \"PENDING\", \"RUNNING\", \"COMPLETED\", \"FAILED\", \"CANCELLED\"");
}

TEST(ScenarioLoaderTest, RejectsStateNotAString) {
  ExpectRejected("bad/entry_state_not_string.json", "/interactions/story/timeline/0/state",
                 "one of \"PENDING\", \"RUNNING\", \"COMPLETED\", \"FAILED\", \"CANCELLED\"");
}

TEST(ScenarioLoaderTest, RejectsPendingStateEntry) {
  ExpectRejected("bad/entry_pending_state.json", "/interactions/story/timeline/0/state",
                 "one of \"RUNNING\", \"COMPLETED\", \"FAILED\", \"CANCELLED\" (states only move "
                 "forward, and here it is PENDING)");
}

TEST(ScenarioLoaderTest, RejectsEmptyText) {
  ExpectRejected("bad/entry_empty_text.json", "/interactions/story/timeline/1/text",
                 "a non-empty string");
}

TEST(ScenarioLoaderTest, RejectsTextNotAString) {
  ExpectRejected("bad/entry_text_not_string.json", "/interactions/story/timeline/1/text",
                 "a non-empty string");
}

TEST(ScenarioLoaderTest, RejectsCandidateOnStateEntry) {
  ExpectRejected("bad/entry_candidate_on_state.json", "/interactions/story/timeline/0/candidate",
                 "no \"candidate\" key except on a \"text\" entry");
}

TEST(ScenarioLoaderTest, RejectsNegativeCandidate) {
  ExpectRejected("bad/entry_candidate_negative.json", "/interactions/story/timeline/1/candidate",
                 "an integer from 0 to 0 (the template has 1 candidate)");
}

TEST(ScenarioLoaderTest, RejectsCandidateBeyondEight) {
  ExpectRejected("bad/entry_candidate_too_large.json", "/interactions/story/timeline/1/candidate",
                 "an integer from 0 to 7 (the template has 8 candidates)");
}

TEST(ScenarioLoaderTest, RejectsUsageNotAnObject) {
  ExpectRejected("bad/usage_not_object.json", "/interactions/story/timeline/1/usage", "an object");
}

TEST(ScenarioLoaderTest, RejectsUsageMissingCount) {
  ExpectRejected("bad/usage_missing_key.json", "/interactions/story/timeline/1/usage",
                 "an object with the key \"total_token_count\"");
}

TEST(ScenarioLoaderTest, RejectsUnknownUsageKey) {
  ExpectRejected(
      "bad/usage_unknown_key.json", "/interactions/story/timeline/1/usage/cached_token_count",
      "one of the keys \"prompt_token_count\", \"candidates_token_count\", \"total_token_count\"");
}

TEST(ScenarioLoaderTest, RejectsNegativeTokenCount) {
  ExpectRejected("bad/usage_negative.json",
                 "/interactions/story/timeline/1/usage/prompt_token_count",
                 "an integer from 0 to 9007199254740991");
}

TEST(ScenarioLoaderTest, RejectsGenerateNotAnObject) {
  ExpectRejected("bad/generate_not_object.json", "/interactions/story/generate", "an object");
}

TEST(ScenarioLoaderTest, RejectsGenerateWithoutChunks) {
  ExpectRejected("bad/generate_missing_chunks.json", "/interactions/story/generate",
                 "an object with the key \"chunks\"");
}

TEST(ScenarioLoaderTest, RejectsGenerateChunksOutOfRange) {
  ExpectRejected("bad/generate_chunks_zero.json", "/interactions/story/generate/chunks",
                 "an integer from 1 to 1000000");
}

TEST(ScenarioLoaderTest, RejectsGenerateBytesOutOfRange) {
  ExpectRejected("bad/generate_bytes_too_large.json", "/interactions/story/generate/bytes",
                 "an integer from 1 to 1048576");
}

TEST(ScenarioLoaderTest, RejectsGenerateNegativeEveryMs) {
  ExpectRejected("bad/generate_every_ms_negative.json", "/interactions/story/generate/every_ms",
                 "an integer from 0 to 86400000");
}

TEST(ScenarioLoaderTest, RejectsGenerateNegativeStartMs) {
  ExpectRejected("bad/generate_start_ms_negative.json", "/interactions/story/generate/start_ms",
                 "an integer from 0 to 86400000");
}

TEST(ScenarioLoaderTest, RejectsGenerateNonTerminalFinalState) {
  ExpectRejected("bad/generate_final_state_running.json",
                 "/interactions/story/generate/final_state",
                 "one of \"COMPLETED\", \"FAILED\", \"CANCELLED\"");
}

TEST(ScenarioLoaderTest, RejectsUnknownGenerateKey) {
  ExpectRejected(
      "bad/generate_unknown_key.json", "/interactions/story/generate/seed",
      "one of the keys \"chunks\", \"bytes\", \"every_ms\", \"start_ms\", \"final_state\"");
}

TEST(ScenarioLoaderTest, RejectsFaultsNotAnArray) {
  ExpectRejected("bad/faults_not_array.json", "/interactions/story/faults", "an array of faults");
}

TEST(ScenarioLoaderTest, RejectsFaultNotAnObject) {
  ExpectRejected("bad/fault_not_object.json", "/interactions/story/faults/0", "an object");
}

TEST(ScenarioLoaderTest, RejectsFaultWithoutKind) {
  ExpectRejected("bad/fault_no_kind.json", "/interactions/story/faults/0",
                 "exactly one fault-kind key: \"http_error\", \"cut\", \"reset\", \"stall\", "
                 "\"drip\", \"malformed_sse\", \"malformed_chunk\", \"garbage\", "
                 "\"empty_reply\"");
}

TEST(ScenarioLoaderTest, RejectsUnknownFaultKey) {
  ExpectRejected("bad/fault_unknown_key.json", "/interactions/story/faults/0/cut_after_events",
                 "one of the keys \"http_error\", \"attempts\", \"probability\", \"on\"");
}

TEST(ScenarioLoaderTest, RejectsHttpErrorNotAnObject) {
  ExpectRejected("bad/http_error_not_object.json", "/interactions/story/faults/0/http_error",
                 "an object");
}

TEST(ScenarioLoaderTest, RejectsHttpErrorWithoutStatus) {
  ExpectRejected("bad/http_error_missing_status.json", "/interactions/story/faults/0/http_error",
                 "an object with the key \"status\"");
}

TEST(ScenarioLoaderTest, RejectsHttpErrorStatusOutOfRange) {
  ExpectRejected("bad/http_error_status_302.json", "/interactions/story/faults/0/http_error/status",
                 "an integer from 400 to 599");
}

TEST(ScenarioLoaderTest, RejectsNegativeRetryAfter) {
  ExpectRejected("bad/http_error_retry_after_negative.json",
                 "/interactions/story/faults/0/http_error/retry_after_s",
                 "an integer from 0 to 86400");
}

TEST(ScenarioLoaderTest, RejectsHttpErrorMessageNotAString) {
  ExpectRejected("bad/http_error_message_not_string.json",
                 "/interactions/story/faults/0/http_error/message", "a string");
}

TEST(ScenarioLoaderTest, RejectsUnknownHttpErrorKey) {
  ExpectRejected("bad/http_error_unknown_key.json",
                 "/interactions/story/faults/0/http_error/headers",
                 "one of the keys \"status\", \"retry_after_s\", \"message\"");
}

TEST(ScenarioLoaderTest, RejectsEmptyAttempts) {
  ExpectRejected("bad/fault_attempts_empty.json", "/interactions/story/faults/0/attempts",
                 "a non-empty array of attempt numbers (counted from 1)");
}

TEST(ScenarioLoaderTest, RejectsAttemptsNotAnArray) {
  ExpectRejected("bad/fault_attempts_not_array.json", "/interactions/story/faults/0/attempts",
                 "a non-empty array of attempt numbers (counted from 1)");
}

TEST(ScenarioLoaderTest, RejectsAttemptZero) {
  ExpectRejected("bad/fault_attempt_zero.json", "/interactions/story/faults/0/attempts/1",
                 "an integer from 1 to 1000000");
}

TEST(ScenarioLoaderTest, RejectsUnknownFaultTarget) {
  ExpectRejected("bad/fault_on_unknown.json", "/interactions/story/faults/0/on",
                 "one of \"any\", \"get\", \"stream\"");
}

TEST(ScenarioLoaderTest, LoadsEveryFaultKind) {
  const Scenario s = load_scenario_file(Fixture("good/faults.json"));
  ASSERT_EQ(s.interactions.size(), 1u);
  const std::vector<FaultSpec>& f = s.interactions[0].faults;
  ASSERT_EQ(f.size(), 19u);
  using K = FaultSpec::Kind;
  using T = FaultSpec::Trigger;
  using A = FaultSpec::Applies;
  EXPECT_EQ(f[0].kind, K::kCut);
  EXPECT_EQ(f[0].trigger, T::kEvents);
  EXPECT_EQ(f[0].after, 2);
  EXPECT_EQ(f[0].applies_to, A::kStream);  // byte-level kinds default to streams
  EXPECT_EQ(f[0].attempts, (std::vector<int>{1}));
  EXPECT_EQ(f[1].trigger, T::kBytes);
  EXPECT_EQ(f[1].after, 10);
  EXPECT_EQ(f[2].trigger, T::kMs);
  EXPECT_EQ(f[2].after, 150);
  EXPECT_EQ(f[3].kind, K::kReset);
  EXPECT_EQ(f[3].after, 0);
  EXPECT_EQ(f[4].trigger, T::kBytes);
  EXPECT_EQ(f[5].trigger, T::kMs);
  EXPECT_EQ(f[6].kind, K::kStall);
  EXPECT_EQ(f[6].stall_ms, 250);
  EXPECT_FALSE(f[6].forever);
  EXPECT_EQ(f[7].kind, K::kStall);
  EXPECT_TRUE(f[7].forever);
  EXPECT_EQ(f[7].trigger, T::kBytes);
  EXPECT_EQ(f[8].kind, K::kDrip);
  EXPECT_EQ(f[8].piece_bytes, 1);
  EXPECT_EQ(f[8].delay_ms, 0);
  EXPECT_EQ(f[9].piece_bytes, 3);
  EXPECT_EQ(f[9].delay_ms, 5);
  EXPECT_TRUE(f[9].attempts.empty());
  EXPECT_EQ(f[9].probability, 0.25);
  const FaultSpec::SseVariant variants[] = {
      FaultSpec::SseVariant::kLongLine, FaultSpec::SseVariant::kInvalidUtf8,
      FaultSpec::SseVariant::kNulInId, FaultSpec::SseVariant::kNotJson,
      FaultSpec::SseVariant::kMissingId};
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(f[10 + i].kind, K::kMalformedSse);
    EXPECT_EQ(f[10 + i].variant, variants[i]);
  }
  EXPECT_EQ(f[14].after, 0);
  EXPECT_EQ(f[15].kind, K::kMalformedChunk);
  EXPECT_EQ(f[15].after, 2);
  EXPECT_EQ(f[16].kind, K::kGarbage);
  EXPECT_EQ(f[16].garbage_bytes, 64);
  EXPECT_EQ(f[16].applies_to, A::kGet);
  EXPECT_EQ(f[17].kind, K::kEmptyReply);
  EXPECT_EQ(f[17].applies_to, A::kAny);
  EXPECT_EQ(f[18].kind, K::kHttpError);
  EXPECT_EQ(f[18].probability, 0.0);
}

TEST(ScenarioLoaderTest, RejectsBadFaults) {
  struct Case {
    const char* fixture;
    const char* pointer;  // below /interactions/story/faults/0
    const char* expected;
  };
  const Case cases[] = {
      {"fault_two_kinds", "",
       "exactly one fault-kind key: \"http_error\", \"cut\", \"reset\", \"stall\", \"drip\", "
       "\"malformed_sse\", \"malformed_chunk\", \"garbage\", \"empty_reply\""},
      {"fault_cut_no_trigger", "/cut",
       "exactly one of the keys \"after_events\", \"after_bytes\", \"after_ms\""},
      {"fault_cut_two_triggers", "/cut",
       "exactly one of the keys \"after_events\", \"after_bytes\", \"after_ms\""},
      {"fault_cut_after_events_negative", "/cut/after_events",
       "an integer from 0 to 9007199254740991"},
      {"fault_cut_after_ms_too_large", "/cut/after_ms", "an integer from 0 to 86400000"},
      {"fault_cut_on_get", "/on",
       "\"stream\" (a cut fault acts on a stream's body, so it never applies to a plain GET)"},
      {"fault_cut_not_object", "/cut", "an object"},
      {"fault_reset_unknown_key", "/reset/hard",
       "one of the keys \"after_events\", \"after_bytes\", \"after_ms\""},
      {"fault_stall_no_duration", "/stall", "exactly one of the keys \"ms\", \"forever\""},
      {"fault_stall_forever_false", "/stall/forever", "true (for a bounded stall use \"ms\")"},
      {"fault_stall_ms_and_forever", "/stall", "exactly one of the keys \"ms\", \"forever\""},
      {"fault_stall_ms_zero", "/stall/ms", "an integer from 1 to 86400000"},
      {"fault_drip_missing_delay", "/drip", "an object with the key \"delay_ms\""},
      {"fault_drip_piece_zero", "/drip/piece_bytes", "an integer from 1 to 65536"},
      {"fault_drip_on_any", "/on",
       "\"stream\" (a drip fault acts on a stream's body, so it never applies to a plain GET)"},
      {"fault_malformed_sse_unknown_variant", "/malformed_sse/variant",
       "one of \"long_line\", \"invalid_utf8\", \"nul_in_id\", \"not_json\", \"missing_id\""},
      {"fault_malformed_sse_missing_variant", "/malformed_sse",
       "an object with the key \"variant\""},
      {"fault_malformed_sse_after_bytes", "/malformed_sse/after_bytes",
       "one of the keys \"after_events\", \"variant\""},
      {"fault_malformed_chunk_no_trigger", "/malformed_chunk/bytes",
       "one of the keys \"after_events\", \"after_bytes\", \"after_ms\""},
      {"fault_garbage_zero", "/garbage/bytes", "an integer from 1 to 1048576"},
      {"fault_garbage_missing_bytes", "/garbage", "an object with the key \"bytes\""},
      {"fault_empty_reply_key", "/empty_reply/after_events",
       "no key (empty_reply takes an empty object)"},
      {"fault_probability_above_one", "/probability", "a number from 0 to 1"},
      {"fault_probability_not_number", "/probability", "a number from 0 to 1"},
      {"fault_probability_with_attempts", "/probability",
       "no \"probability\" beside \"attempts\" (choose one)"},
  };
  for (const Case& c : cases) {
    ExpectRejected(std::string("bad/") + c.fixture + ".json",
                   std::string("/interactions/story/faults/0") + c.pointer, c.expected);
  }
}

TEST(ScenarioLoaderTest, RejectsDecreasingAfterMs) {
  ExpectRejected("bad_loader_only/after_ms_decreasing.json",
                 "/interactions/story/timeline/2/after_ms",
                 "an integer from 300 to 86400000 (after_ms never decreases along the timeline)");
}

TEST(ScenarioLoaderTest, RejectsRunningTwice) {
  ExpectRejected("bad_loader_only/running_twice.json", "/interactions/story/timeline/2/state",
                 "one of \"COMPLETED\", \"FAILED\", \"CANCELLED\" (states only move forward, and "
                 "here it is RUNNING)");
}

TEST(ScenarioLoaderTest, RejectsEntryAfterTerminalState) {
  ExpectRejected("bad_loader_only/entry_after_terminal.json", "/interactions/story/timeline/3",
                 "no entry after the terminal state at /interactions/story/timeline/2");
}

TEST(ScenarioLoaderTest, RejectsSecondTerminalState) {
  ExpectRejected("bad_loader_only/two_terminal_states.json", "/interactions/story/timeline/2",
                 "no entry after the terminal state at /interactions/story/timeline/1");
}

TEST(ScenarioLoaderTest, RejectsUsageAfterTerminalState) {
  ExpectRejected("bad_loader_only/usage_after_terminal.json", "/interactions/story/timeline/2",
                 "no entry after the terminal state at /interactions/story/timeline/1");
}

TEST(ScenarioLoaderTest, RejectsTextBeforeRunning) {
  ExpectRejected("bad_loader_only/text_before_running.json", "/interactions/story/timeline/0",
                 "a \"RUNNING\" state entry before the first text entry");
}

TEST(ScenarioLoaderTest, RejectsUsageTwice) {
  ExpectRejected("bad_loader_only/usage_twice.json", "/interactions/story/timeline/2",
                 "at most one usage entry (the first is at /interactions/story/timeline/1)");
}

TEST(ScenarioLoaderTest, RejectsUsageTotalNotTheSum) {
  ExpectRejected("bad_loader_only/usage_total_mismatch.json",
                 "/interactions/story/timeline/1/usage/total_token_count",
                 "7, the sum of prompt_token_count and candidates_token_count");
}

TEST(ScenarioLoaderTest, RejectsCandidateBeyondTemplateCandidates) {
  ExpectRejected("bad_loader_only/candidate_beyond_candidates.json",
                 "/interactions/story/timeline/1/candidate",
                 "an integer from 0 to 0 (the template has 1 candidate)");
}

TEST(ScenarioLoaderTest, RejectsGenerateOfMoreThan256MiB) {
  ExpectRejected("bad_loader_only/generate_too_much_text.json", "/interactions/story/generate",
                 "chunks * bytes of at most 268435456 (256 MiB)");
}

TEST(ScenarioLoaderTest, RejectsGenerateLongerThanOneDay) {
  ExpectRejected(
      "bad_loader_only/generate_too_long.json", "/interactions/story/generate",
      "a stream that ends within 86400000 ms (start_ms + chunks * every_ms is 1000000000)");
}

TEST(ScenarioLoaderTest, EveryBadFixtureIsRejected) {
  // Guards the fixture split that tests/schema_check.py relies on: whatever lies in bad/ or
  // bad_loader_only/ must fail to load, alone or (for a folder) as one set.
  int checked = 0;
  for (const char* folder : {"bad", "bad_loader_only"}) {
    for (const auto& entry : fs::directory_iterator(Fixture(folder))) {
      const std::string path = entry.path().string();
      if (!entry.is_directory() && entry.path().extension() != ".json") continue;
      SCOPED_TRACE(path);
      EXPECT_THROW(load_scenarios({path}), ScenarioError);
      ++checked;
    }
  }
  EXPECT_GT(checked, 130);
}

// --- Steps ----------------------------------------------------------------------------------

constexpr char kStepKindKeys[] =
    "exactly one of the keys \"get\", \"stream\", \"poll\", \"chain\", \"wait_ms\"";
constexpr char kGetStepKeys[] =
    "one of the keys \"get\", \"include_input\", \"expect\" (the keys of a \"get\" step)";
constexpr char kGetExpectKeys[] =
    "one of the keys \"status\", \"state\", \"text\", \"text_contains\", \"usage\", \"input\", "
    "\"latency_ms_max\", \"error_status\" (the expect keys of a \"get\" step)";
constexpr char kStreamExpectKeys[] =
    "one of the keys \"status\", \"state\", \"text\", \"text_contains\", \"usage\", \"input\", "
    "\"events_min\", \"events_max\", \"ttfe_ms_max\", \"latency_ms_max\", \"error_status\", "
    "\"resumes\", \"breaks\", \"recovered\" (the expect keys of a \"stream\" step)";
constexpr char kPollExpectKeys[] =
    "one of the keys \"status\", \"state\", \"text\", \"text_contains\", \"usage\", \"input\", "
    "\"polls_max\", \"latency_ms_max\", \"error_status\" (the expect keys of a \"poll\" step)";
constexpr char kChainExpectKeys[] =
    "one of the keys \"status\", \"chain_length\", \"latency_ms_max\", \"error_status\" (the "
    "expect keys of a \"chain\" step)";
constexpr char kLastEventIdText[] = "a non-empty string without CR, LF or NUL";
constexpr char kMsRange[] = "an integer from 0 to 86400000";
constexpr char kCountRange0[] = "an integer from 0 to 9007199254740991";
constexpr char kCountRange1[] = "an integer from 1 to 9007199254740991";
constexpr char kStateNames[] =
    "one of \"PENDING\", \"RUNNING\", \"COMPLETED\", \"FAILED\", \"CANCELLED\"";
constexpr char kErrorStatusNames[] =
    "one of \"INVALID_ARGUMENT\", \"UNAUTHENTICATED\", \"PERMISSION_DENIED\", \"NOT_FOUND\", "
    "\"ABORTED\", \"RESOURCE_EXHAUSTED\", \"CANCELLED\", \"INTERNAL\", \"NOT_IMPLEMENTED\", "
    "\"UNAVAILABLE\", \"DEADLINE_EXCEEDED\", \"UNKNOWN\"";
constexpr char kTemplateNameRule[] =
    "a template name: 1 to 64 characters from A-Z, a-z, 0-9, \"_\" and \"-\"";

TEST(ScenarioLoaderTest, RejectsStepsNotAnArray) {
  ExpectRejected("bad/steps_not_array.json", "/steps", "a non-empty array of steps");
}

TEST(ScenarioLoaderTest, RejectsEmptySteps) {
  ExpectRejected("bad/steps_empty.json", "/steps", "a non-empty array of steps");
}

TEST(ScenarioLoaderTest, RejectsStepNotAnObject) {
  ExpectRejected("bad/step_not_object.json", "/steps/0", "an object");
}

TEST(ScenarioLoaderTest, RejectsStepWithoutKind) {
  ExpectRejected("bad/step_no_kind.json", "/steps/0", kStepKindKeys);
}

TEST(ScenarioLoaderTest, RejectsStepWithTwoKinds) {
  ExpectRejected("bad/step_two_kinds.json", "/steps/0", kStepKindKeys);
}

TEST(ScenarioLoaderTest, RejectsUnknownStepKey) {
  ExpectRejected("bad/step_unknown_key.json", "/steps/0/retries", kGetStepKeys);
}

TEST(ScenarioLoaderTest, RejectsLastEventIdOnGetStep) {
  ExpectRejected("bad/step_last_event_id_on_get.json", "/steps/0/last_event_id", kGetStepKeys);
}

TEST(ScenarioLoaderTest, RejectsIntervalOnStreamStep) {
  ExpectRejected(
      "bad/step_interval_on_stream.json", "/steps/0/interval_ms",
      "one of the keys \"stream\", \"include_input\", \"last_event_id\", \"timeout_ms\", "
      "\"first_event_timeout_ms\", \"idle_timeout_ms\", \"resume\", \"interrupt\", \"expect\" "
      "(the keys of a \"stream\" step)");
}

TEST(ScenarioLoaderTest, RejectsIncludeInputOnChainStep) {
  ExpectRejected("bad/step_include_input_on_chain.json", "/steps/0/include_input",
                 "one of the keys \"chain\", \"expect\" (the keys of a \"chain\" step)");
}

TEST(ScenarioLoaderTest, RejectsExpectOnWaitStep) {
  ExpectRejected("bad/step_wait_with_expect.json", "/steps/1/expect",
                 "one of the keys \"wait_ms\" (the keys of a \"wait_ms\" step)");
}

TEST(ScenarioLoaderTest, RejectsStepTemplateWithDot) {
  ExpectRejected("bad/step_template_dot.json", "/steps/0/get", kTemplateNameRule);
}

TEST(ScenarioLoaderTest, RejectsStepTemplateNotAString) {
  ExpectRejected("bad/step_template_not_string.json", "/steps/0/poll", kTemplateNameRule);
}

TEST(ScenarioLoaderTest, RejectsIncludeInputNotABoolean) {
  ExpectRejected("bad/step_include_input_not_bool.json", "/steps/0/include_input", "true or false");
}

TEST(ScenarioLoaderTest, RejectsEmptyLastEventId) {
  ExpectRejected("bad/step_last_event_id_empty.json", "/steps/0/last_event_id", kLastEventIdText);
}

TEST(ScenarioLoaderTest, RejectsLastEventIdWithLineFeed) {
  ExpectRejected("bad/step_last_event_id_newline.json", "/steps/0/last_event_id", kLastEventIdText);
}

TEST(ScenarioLoaderTest, RejectsLastEventIdWithCarriageReturn) {
  ExpectRejected("bad/step_last_event_id_cr.json", "/steps/0/last_event_id", kLastEventIdText);
}

TEST(ScenarioLoaderTest, RejectsLastEventIdWithNul) {
  ExpectRejected("bad/step_last_event_id_nul.json", "/steps/0/last_event_id", kLastEventIdText);
}

TEST(ScenarioLoaderTest, RejectsLastEventIdNotAString) {
  ExpectRejected("bad/step_last_event_id_not_string.json", "/steps/0/last_event_id",
                 kLastEventIdText);
}

TEST(ScenarioLoaderTest, RejectsPollIntervalZero) {
  ExpectRejected("bad/step_interval_zero.json", "/steps/0/interval_ms",
                 "an integer from 1 to 60000");
}

TEST(ScenarioLoaderTest, RejectsPollIntervalOverAMinute) {
  ExpectRejected("bad/step_interval_too_large.json", "/steps/0/interval_ms",
                 "an integer from 1 to 60000");
}

TEST(ScenarioLoaderTest, RejectsTimeoutZero) {
  ExpectRejected("bad/step_timeout_zero.json", "/steps/0/timeout_ms",
                 "an integer from 1 to 86400000");
}

TEST(ScenarioLoaderTest, RejectsTimeoutOverADay) {
  ExpectRejected("bad/step_timeout_too_large.json", "/steps/0/timeout_ms",
                 "an integer from 1 to 86400000");
}

TEST(ScenarioLoaderTest, RejectsNegativeWait) {
  ExpectRejected("bad/step_wait_negative.json", "/steps/0/wait_ms", kMsRange);
}

TEST(ScenarioLoaderTest, RejectsFractionalWait) {
  ExpectRejected("bad/step_wait_fraction.json", "/steps/0/wait_ms", kMsRange);
}

TEST(ScenarioLoaderTest, RejectsWaitNotANumber) {
  ExpectRejected("bad/step_wait_not_number.json", "/steps/0/wait_ms", kMsRange);
}

TEST(ScenarioLoaderTest, RejectsExpectNotAnObject) {
  ExpectRejected("bad/expect_not_object.json", "/steps/0/expect", "an object");
}

TEST(ScenarioLoaderTest, RejectsUnknownExpectKey) {
  ExpectRejected("bad/expect_unknown_key.json", "/steps/0/expect/body", kGetExpectKeys);
}

TEST(ScenarioLoaderTest, RejectsPollsMaxOnStreamStep) {
  ExpectRejected("bad/expect_polls_max_on_stream.json", "/steps/0/expect/polls_max",
                 kStreamExpectKeys);
}

TEST(ScenarioLoaderTest, RejectsEventsMinOnGetStep) {
  ExpectRejected("bad/expect_events_min_on_get.json", "/steps/0/expect/events_min", kGetExpectKeys);
}

TEST(ScenarioLoaderTest, RejectsTtfeOnPollStep) {
  ExpectRejected("bad/expect_ttfe_on_poll.json", "/steps/0/expect/ttfe_ms_max", kPollExpectKeys);
}

TEST(ScenarioLoaderTest, RejectsChainLengthOnGetStep) {
  ExpectRejected("bad/expect_chain_length_on_get.json", "/steps/0/expect/chain_length",
                 kGetExpectKeys);
}

TEST(ScenarioLoaderTest, RejectsStateOnChainStep) {
  ExpectRejected("bad/expect_state_on_chain.json", "/steps/0/expect/state", kChainExpectKeys);
}

TEST(ScenarioLoaderTest, RejectsExpectedStatusBelow100) {
  ExpectRejected("bad/expect_status_too_small.json", "/steps/0/expect/status",
                 "an integer from 100 to 599");
}

TEST(ScenarioLoaderTest, RejectsExpectedStatusAbove599) {
  ExpectRejected("bad/expect_status_too_large.json", "/steps/0/expect/status",
                 "an integer from 100 to 599");
}

TEST(ScenarioLoaderTest, RejectsUnknownExpectedState) {
  ExpectRejected("bad/expect_state_unknown.json", "/steps/0/expect/state", kStateNames);
}

TEST(ScenarioLoaderTest, RejectsExpectedTextNotAString) {
  ExpectRejected("bad/expect_text_not_string.json", "/steps/0/expect/text", "a string");
}

TEST(ScenarioLoaderTest, RejectsEmptyTextContains) {
  ExpectRejected("bad/expect_text_contains_empty.json", "/steps/0/expect/text_contains",
                 "a non-empty string");
}

TEST(ScenarioLoaderTest, RejectsExpectedUsageNotABoolean) {
  ExpectRejected("bad/expect_usage_not_bool.json", "/steps/0/expect/usage", "true or false");
}

TEST(ScenarioLoaderTest, RejectsExpectedInputNotABoolean) {
  ExpectRejected("bad/expect_input_not_bool.json", "/steps/0/expect/input", "true or false");
}

TEST(ScenarioLoaderTest, RejectsNegativeEventsMin) {
  ExpectRejected("bad/expect_events_min_negative.json", "/steps/0/expect/events_min", kCountRange0);
}

TEST(ScenarioLoaderTest, RejectsFractionalEventsMax) {
  ExpectRejected("bad/expect_events_max_fraction.json", "/steps/0/expect/events_max", kCountRange0);
}

TEST(ScenarioLoaderTest, RejectsEventsMaxBeyond2To53) {
  ExpectRejected("bad/expect_events_max_too_large.json", "/steps/0/expect/events_max",
                 kCountRange0);
}

TEST(ScenarioLoaderTest, RejectsPollsMaxZero) {
  ExpectRejected("bad/expect_polls_max_zero.json", "/steps/0/expect/polls_max", kCountRange1);
}

TEST(ScenarioLoaderTest, RejectsChainLengthZero) {
  ExpectRejected("bad/expect_chain_length_zero.json", "/steps/0/expect/chain_length", kCountRange1);
}

TEST(ScenarioLoaderTest, RejectsNegativeTtfe) {
  ExpectRejected("bad/expect_ttfe_negative.json", "/steps/0/expect/ttfe_ms_max", kMsRange);
}

TEST(ScenarioLoaderTest, RejectsLatencyOverADay) {
  ExpectRejected("bad/expect_latency_too_large.json", "/steps/0/expect/latency_ms_max", kMsRange);
}

TEST(ScenarioLoaderTest, RejectsUnknownErrorStatus) {
  ExpectRejected("bad/expect_error_status_unknown.json", "/steps/0/expect/error_status",
                 kErrorStatusNames);
}

TEST(ScenarioLoaderTest, RejectsErrorStatusNotAString) {
  ExpectRejected("bad/expect_error_status_not_string.json", "/steps/0/expect/error_status",
                 kErrorStatusNames);
}

TEST(ScenarioLoaderTest, RejectsEventsMinAboveEventsMax) {
  ExpectRejected("bad_loader_only/expect_events_min_above_max.json", "/steps/0/expect/events_max",
                 "an integer from 5 to 9007199254740991 (events_max is at least events_min)");
}

TEST(ScenarioLoaderTest, RejectsRepeatedStepKind) {
  ExpectRejected("bad_loader_only/step_duplicate_kind.json", "/steps/0/get",
                 "a key that appears only once in its object");
}

TEST(ScenarioLoaderTest, RejectsStepNamingNoTemplate) {
  ExpectRejected("bad_loader_only/step_unknown_template.json", "/steps/2/stream",
                 "the name of a template in the loaded files (no template is named \"stroy\")");
}

// --- Paths, directories and the set ---------------------------------------------------------

TEST(ScenarioLoaderTest, LoadsDirectoriesInSortedOrderSkippingSchemas) {
  const std::string dir = Fixture("good/tree");
  const std::vector<Scenario> scenarios = load_scenarios({dir});
  std::vector<std::string> files;
  for (const Scenario& s : scenarios) files.push_back(s.file);
  // Component-wise order keeps a/ together before a-x.json; ignored.schema.json and notes.txt
  // are not scenarios.
  EXPECT_EQ(files, (std::vector<std::string>{dir + "/a/c.json", dir + "/a/z.json",
                                             dir + "/a-x.json", dir + "/b.json"}));
  EXPECT_EQ(scenarios[0].name, "c");
}

TEST(ScenarioLoaderTest, LoadsFilesAndDirectoriesInArgumentOrder) {
  const std::vector<Scenario> scenarios =
      load_scenarios({Fixture("good/minimal.json"), Fixture("good/tree/a")});
  ASSERT_EQ(scenarios.size(), 3u);
  EXPECT_EQ(scenarios[0].name, "minimal");
  EXPECT_EQ(scenarios[1].name, "c");
  EXPECT_EQ(scenarios[2].name, "z");
}

TEST(ScenarioLoaderTest, LoadsAFileOnceWhenPathsOverlap) {
  const std::string dir = Fixture("good/tree");
  const std::vector<Scenario> scenarios =
      load_scenarios({dir + "/b.json", dir, dir + "/../tree/b.json"});
  ASSERT_EQ(scenarios.size(), 4u);
  EXPECT_EQ(scenarios[0].file, dir + "/b.json");
  EXPECT_EQ(scenarios[1].file, dir + "/a/c.json");
}

TEST(ScenarioLoaderTest, LoadsEveryGoodFixtureAsOneSet) {
  const std::vector<Scenario> scenarios = load_scenarios({Fixture("good")});
  EXPECT_EQ(scenarios.size(), 13u);
}

TEST(ScenarioLoaderTest, RejectsEmptyPathList) {
  try {
    load_scenarios({});
    FAIL() << "no ScenarioError";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.file(), "");
    EXPECT_EQ(e.pointer(), "");
    EXPECT_EQ(e.expected(), "at least one scenario file or directory");
  }
}

TEST(ScenarioLoaderTest, RejectsMissingPath) {
  const std::string path = Fixture("no/such/dir");
  ExpectError({Fixture("good/minimal.json"), path}, path, "", "an existing file or directory");
}

TEST(ScenarioLoaderTest, RejectsDirectoryWithoutScenarioFiles) {
  const std::string dir = Fixture("bad_loader_only/no_scenarios");
  ExpectError({dir}, dir, "",
              "a directory with at least one *.json scenario file (*.schema.json files do not "
              "count)");
}

TEST(ScenarioLoaderTest, RejectsEmptyDirectory) {
  const fs::path dir = fs::path(testing::TempDir()) / "ixh_scenario_loader_empty";
  fs::remove_all(dir);
  fs::create_directories(dir);
  ExpectError({dir.string()}, dir.string(), "",
              "a directory with at least one *.json scenario file (*.schema.json files do not "
              "count)");
  fs::remove_all(dir);
}

TEST(ScenarioLoaderTest, RejectsTemplateDefinedInTwoFiles) {
  const std::string dir = Fixture("bad_loader_only/cross_duplicate");
  ExpectError({dir}, dir + "/b.json", "/interactions/shared",
              "a template name not already defined in " + dir + "/a.json");
}

TEST(ScenarioLoaderTest, RejectsPreviousNamingNoTemplate) {
  const std::string dir = Fixture("bad_loader_only/cross_unknown_previous");
  ExpectError({dir}, dir + "/chain.json", "/interactions/turn2/previous",
              "the name of a template in the loaded files (no template is named \"turn0\")");
}

TEST(ScenarioLoaderTest, RejectsPreviousCycleAcrossFiles) {
  // w -> x -> y -> z -> x: the cycle is named from its first-defined member, without w.
  const std::string dir = Fixture("bad_loader_only/cross_cycle");
  ExpectError({dir}, dir + "/a.json", "/interactions/x/previous",
              "a chain of \"previous\" links that ends, not the cycle x -> y -> z -> x");
}

TEST(ScenarioLoaderTest, RejectsPreviousPointingAtItself) {
  const std::string path = Fixture("bad_loader_only/previous_self.json");
  ExpectError({path}, path, "/interactions/echo/previous",
              "a chain of \"previous\" links that ends, not the cycle echo -> echo");
}

TEST(ScenarioLoaderTest, ValidatesPreviousLinksAcrossFiles) {
  const Scenario first = parse_scenario(
      nlohmann::json::parse(R"({"interactions": {"turn_a": {"timeline": []}}})"), "first.json");
  const Scenario second =
      parse_scenario(nlohmann::json::parse(
                         R"({"interactions": {"turn_b": {"previous": "turn_a", "timeline": []}}})"),
                     "second.json");
  EXPECT_NO_THROW(validate_scenario_set({first, second}));
  try {
    validate_scenario_set({second});
    FAIL() << "no ScenarioError";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.file(), "second.json");
    EXPECT_EQ(e.pointer(), "/interactions/turn_b/previous");
  }
  try {
    validate_scenario_set({first, second, first});
    FAIL() << "no ScenarioError";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.file(), "first.json");
    EXPECT_EQ(e.pointer(), "/interactions/turn_a");
    EXPECT_EQ(e.expected(), "a template name not already defined in first.json");
  }
}

// --- Shipped scenarios ----------------------------------------------------------------------

TEST(ScenarioLoaderTest, ShippedConformanceScenariosLoadAsOneSet) {
  const std::string dir = kSourceDir + "/scenarios/conformance";
  const std::vector<Scenario> scenarios = load_scenarios({dir});
  ASSERT_GE(scenarios.size(), 12u);
  for (const Scenario& s : scenarios) {
    SCOPED_TRACE(s.file);
    EXPECT_FALSE(s.description.empty());
    EXPECT_EQ(s.name, fs::path(s.file).stem().string());
    for (const InteractionTemplate& t : s.interactions) {
      // Short timelines keep the conformance suites fast.
      if (!t.timeline.empty()) {
        EXPECT_LE(t.timeline.back().after_ms, 1500) << t.name;
      }
    }
  }
  EXPECT_TRUE(Find(scenarios, "pending").timeline.empty());
  EXPECT_EQ(Find(scenarios, "completed").timeline.back().state, State::kCompleted);
  EXPECT_EQ(Find(scenarios, "failed").timeline.back().state, State::kFailed);
  EXPECT_EQ(Find(scenarios, "cancelled").timeline.back().state, State::kCancelled);
  EXPECT_EQ(Find(scenarios, "running").timeline.back().after_ms, 1100);
  EXPECT_FALSE(Find(scenarios, "turn1").previous.has_value());
  EXPECT_EQ(Find(scenarios, "turn2").previous, "turn1");
  EXPECT_EQ(Find(scenarios, "turn3").previous, "turn2");
  EXPECT_FALSE(Find(scenarios, "include_input").input.empty());
  EXPECT_FALSE(Find(scenarios, "store_false").store);
  EXPECT_EQ(Find(scenarios, "candidates").candidates, 2);

  const auto& usage = Find(scenarios, "usage_at_completion").timeline;
  ASSERT_FALSE(usage.empty());
  EXPECT_TRUE(std::any_of(usage.begin(), usage.end(), [](const TimelineEntry& e) {
    return e.kind == TimelineEntry::Kind::kUsage;
  }));

  const auto& story = Find(scenarios, "long_story").timeline;
  std::vector<std::int64_t> text_times;
  for (const TimelineEntry& e : story) {
    if (e.kind == TimelineEntry::Kind::kText) text_times.push_back(e.after_ms);
  }
  ASSERT_EQ(text_times.size(), 40u);
  for (std::size_t i = 1; i < text_times.size(); ++i) {
    EXPECT_EQ(text_times[i] - text_times[i - 1], 20);
  }

  const auto status_of = [&](std::string_view name) {
    const auto& faults = Find(scenarios, name).faults;
    return faults.empty() ? 0 : faults[0].status;
  };
  EXPECT_EQ(status_of("http_401"), 401);
  EXPECT_EQ(status_of("http_403"), 403);
  EXPECT_EQ(status_of("http_429"), 429);
  EXPECT_EQ(Find(scenarios, "http_429").faults.at(0).retry_after_s, 1);
  const FaultSpec& unavailable = Find(scenarios, "http_503_once").faults.at(0);
  EXPECT_EQ(unavailable.status, 503);
  EXPECT_EQ(unavailable.retry_after_s, 1);
  EXPECT_EQ(unavailable.attempts, (std::vector<int>{1}));
}

// Every expectation of the shipped steps is checked against the script it plays: what a stream
// replays, the text of a terminal interaction, the length of a chain and the status names of
// error bodies follow from the template alone, whatever the timing.
TEST(ScenarioLoaderTest, ShippedConformanceStepsAgreeWithTheirScripts) {
  const std::vector<Scenario> scenarios = load_scenarios({kSourceDir + "/scenarios/conformance"});
  ASSERT_GE(scenarios.size(), 12u);
  int streams_checked = 0;
  for (const Scenario& s : scenarios) {
    SCOPED_TRACE(s.file);
    ASSERT_FALSE(s.steps.empty());
    // Timelines start at an instance's first request, so a leading wait would only cost time.
    EXPECT_NE(s.steps.front().kind, Step::Kind::kWait);
    std::int64_t waits_ms = 0;
    std::int64_t last_script_ms = 0;
    for (const Step& step : s.steps) {
      SCOPED_TRACE(step.pointer);
      if (step.kind == Step::Kind::kWait) {
        waits_ms += step.wait_ms;
        continue;
      }
      // Each file is self-contained: its steps play its own templates.
      const auto own =
          std::find_if(s.interactions.begin(), s.interactions.end(),
                       [&](const InteractionTemplate& t) { return t.name == step.interaction; });
      ASSERT_NE(own, s.interactions.end()) << step.interaction;
      const InteractionTemplate& t = *own;
      EXPECT_FALSE(t.generate.has_value()) << "conformance scripts are timelines";
      if (!t.timeline.empty()) {
        last_script_ms = std::max(last_script_ms, t.timeline.back().after_ms);
      }
      const Expect& e = step.expect;
      if (e.error_status) {
        ASSERT_TRUE(e.status.has_value());
        EXPECT_EQ(*e.error_status, google_status_name(*e.status));
      }
      const bool terminal_script = !t.timeline.empty() &&
                                   t.timeline.back().kind == TimelineEntry::Kind::kState &&
                                   is_terminal(t.timeline.back().state);
      const bool success = !e.status || *e.status == 200;
      if (step.kind == Step::Kind::kStream && success && terminal_script) {
        ++streams_checked;
        const std::vector<std::string> texts = EventTexts(t);
        std::size_t after = 0;
        if (step.last_event_id) {
          ASSERT_EQ(step.last_event_id->rfind("evt_", 0), 0u);
          after = static_cast<std::size_t>(std::stoul(step.last_event_id->substr(4)));
          ASSERT_LE(after, texts.size());
        }
        const auto events = static_cast<std::int64_t>(texts.size() - after);
        std::string text;
        for (std::size_t i = after; i < texts.size(); ++i) text += texts[i];
        if (e.events_min) {
          EXPECT_LE(*e.events_min, events);
        }
        if (e.events_max) {
          EXPECT_GE(*e.events_max, events);
        }
        if (e.text) {
          EXPECT_EQ(*e.text, text);
        }
        if (e.text_contains) {
          EXPECT_NE(text.find(*e.text_contains), std::string::npos);
        }
        if (e.state) {
          EXPECT_EQ(*e.state, t.timeline.back().state);
        }
        EXPECT_NE(e.usage, false);  // the terminal event carries usage
      }
      if (step.kind != Step::Kind::kStream && e.state && is_terminal(*e.state)) {
        ASSERT_TRUE(terminal_script);
        EXPECT_EQ(*e.state, t.timeline.back().state);
        if (e.text) {
          EXPECT_EQ(*e.text, FullText(t));
        }
        EXPECT_NE(e.usage, false);  // usage is shown once terminal
      }
      if (e.input && *e.input) {
        EXPECT_TRUE(step.include_input);
      }
      if (step.kind == Step::Kind::kChain && e.chain_length) {
        std::int64_t length = 1;
        for (const InteractionTemplate* at = &t; at->previous; ++length) {
          at = &Find(scenarios, *at->previous);
        }
        EXPECT_EQ(*e.chain_length, length);
      }
    }
    // An upper bound on the run time: every wait, plus the longest script it plays.
    EXPECT_LE(waits_ms + last_script_ms, 2000);
  }
  EXPECT_GE(streams_checked, 10);
}

TEST(ScenarioLoaderTest, ShippedConformanceStepsExerciseTheirBehaviour) {
  const std::vector<Scenario> scenarios = load_scenarios({kSourceDir + "/scenarios/conformance"});
  using K = Step::Kind;

  const Scenario& running = FindScenario(scenarios, "running");
  EXPECT_EQ(Kinds(running), (std::vector<K>{K::kGet, K::kWait, K::kGet, K::kStream, K::kGet}));
  EXPECT_EQ(running.steps[3].expect.state, State::kCompleted);
  EXPECT_EQ(running.steps[3].expect.events_min, 13);  // PENDING, RUNNING, 10 deltas, COMPLETED
  EXPECT_EQ(running.steps[4].expect.usage, true);

  const Scenario& completed = FindScenario(scenarios, "completed");
  ASSERT_EQ(completed.steps.size(), 5u);
  EXPECT_EQ(completed.steps[1].wait_ms, 100);  // past COMPLETED at 40 ms
  EXPECT_EQ(completed.steps[2].expect.state, State::kCompleted);

  const Scenario& pending = FindScenario(scenarios, "pending");
  for (const Step& step : pending.steps) {
    EXPECT_NE(step.kind, K::kPoll);  // a poll of an interaction that never ends would not end
    EXPECT_NE(step.kind, K::kStream);
    if (step.kind == K::kGet) {
      EXPECT_EQ(step.expect.state, State::kPending);
    }
  }

  for (const auto& [name, state] :
       {std::pair{"failed", State::kFailed}, std::pair{"cancelled", State::kCancelled}}) {
    const Scenario& s = FindScenario(scenarios, name);
    ASSERT_GE(s.steps.size(), 2u);
    EXPECT_EQ(s.steps[0].kind, K::kStream);
    EXPECT_EQ(s.steps[0].expect.state, state);
    EXPECT_EQ(s.steps[1].kind, K::kGet);
    EXPECT_EQ(s.steps[1].expect.state, state);
  }

  const Scenario& chain = FindScenario(scenarios, "chain");
  EXPECT_EQ(chain.steps.at(0).kind, K::kChain);
  EXPECT_EQ(chain.steps.at(0).interaction, "turn3");
  EXPECT_EQ(chain.steps.at(0).expect.chain_length, 3);

  const Scenario& include_input = FindScenario(scenarios, "include_input");
  EXPECT_TRUE(include_input.steps.at(0).include_input);
  EXPECT_EQ(include_input.steps.at(0).expect.input, true);
  EXPECT_FALSE(include_input.steps.at(1).include_input);
  EXPECT_EQ(include_input.steps.at(1).expect.input, false);

  for (const Step& step : FindScenario(scenarios, "store_false").steps) {
    EXPECT_EQ(step.expect.status, 404);
    EXPECT_EQ(step.expect.error_status, "NOT_FOUND");
  }

  const Scenario& usage = FindScenario(scenarios, "usage");
  EXPECT_EQ(Kinds(usage), (std::vector<K>{K::kGet, K::kWait, K::kGet, K::kPoll, K::kGet}));
  EXPECT_EQ(usage.steps[2].expect.usage, false);
  EXPECT_EQ(usage.steps[3].expect.state, State::kCompleted);
  EXPECT_EQ(usage.steps[4].expect.usage, true);

  const Scenario& candidates = FindScenario(scenarios, "candidates");
  EXPECT_EQ(Kinds(candidates), (std::vector<K>{K::kStream, K::kGet}));

  const Scenario& long_story = FindScenario(scenarios, "long_story");
  EXPECT_FALSE(long_story.steps.at(0).last_event_id.has_value());
  EXPECT_EQ(long_story.steps.at(0).expect.events_min, 43);
  EXPECT_EQ(long_story.steps.at(1).last_event_id, "evt_000010");
  EXPECT_EQ(long_story.steps.at(1).expect.events_min, 33);
  EXPECT_EQ(long_story.steps.at(1).expect.events_max, 33);

  const Scenario& http_errors = FindScenario(scenarios, "http_errors");
  std::vector<std::pair<std::string, int>> gets;
  for (const Step& step : http_errors.steps) {
    if (step.kind == K::kGet) gets.emplace_back(step.interaction, step.expect.status.value_or(0));
  }
  EXPECT_EQ(gets, (std::vector<std::pair<std::string, int>>{{"http_401", 401},
                                                            {"http_403", 403},
                                                            {"http_429", 429},
                                                            {"http_503_once", 503},
                                                            {"http_503_once", 200}}));
}

}  // namespace
}  // namespace ixh
