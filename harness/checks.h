#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "harness/observation.h"

namespace ixh {

// Stable names of the checks in harness/check.h: they appear in reports and docs, so renaming
// one is a breaking change. Expectation records are named "expect.<field>" (expect.status, ...).
inline constexpr std::string_view kCheckContentType = "http.content_type";
inline constexpr std::string_view kCheckSchemaInteraction = "schema.interaction";
inline constexpr std::string_view kCheckSchemaEvent = "schema.event";
inline constexpr std::string_view kCheckErrorBody = "error.body";
inline constexpr std::string_view kCheckInput = "input.iff_requested";
inline constexpr std::string_view kCheckUsage = "usage.only_when_terminal";
inline constexpr std::string_view kCheckStateForward = "state.forward_only";
inline constexpr std::string_view kCheckUpdateTime = "update_time.monotonic";
inline constexpr std::string_view kCheckSse = "stream.sse";
inline constexpr std::string_view kCheckEventIdsUnique = "stream.event_ids_unique";
inline constexpr std::string_view kCheckEndsAfterTerminal = "stream.ends_after_terminal";
inline constexpr std::string_view kCheckTextMatchesGet = "stream.text_matches_get";
inline constexpr std::string_view kCheckResumeSuffix = "stream.resume_suffix";
inline constexpr std::string_view kCheckResumeUnion = "stream.resume_union";
inline constexpr std::string_view kCheckChain = "chain.reaches_root";
inline constexpr std::string_view kCheckExpect = "expect";

// How records name a request in `where`: "GET http://host/v1beta/interactions/x?stream=true".
std::string request_where(const HttpObservation& http);

// A value from the server as a record shows it: in JSON string syntax (control characters and
// line breaks unambiguous) and cut at a UTF-8 boundary after max_bytes with "...", since record
// texts reach every report format. Used by every check.
inline constexpr std::size_t kQuoteBytes = 80;
std::string quote(std::string_view s, std::size_t max_bytes = kQuoteBytes);

// A JSON pointer into a server's document (a finding's) as a record shows it: as is when it is
// printable ASCII of at most kQuoteBytes, as every pointer the dialects define is, else quote()d:
// an unknown field's name is the server's and may hold anything. Used by the checks and by the
// stream session for a break's detail.
std::string shown_pointer(std::string_view pointer);

// A resumed stream judged against a stream of the same interaction read from the start. Used by
// the stream.resume_suffix check and by the virtual user for the events_lost/duplicated counters.
struct ResumeComparison {
  // Events after the resume point in the reference that the resumed stream lacks.
  std::size_t lost = 0;
  // Resumed events the client already had: at or before the resume point, or sent twice.
  std::size_t duplicated = 0;
  // Resumed events that differ from the reference event of the same id (kind, state,
  // candidate, text), come out of order, or are not in the reference at all.
  std::size_t mismatched = 0;
  // False when the reference has no event with the resumed stream's last_event_id: nothing can
  // be aligned then, so every resumed event counts as mismatched and none as lost.
  bool resume_point_found = true;
  // The ids as the server sent them; the texts below quote them (see quote()).
  std::vector<std::string> lost_ids;
  std::vector<std::string> duplicates;  // e.g. "\"evt_000003\" (at or before the resume point ...)"
  std::vector<std::string> mismatches;  // e.g. "\"evt_000005\": text \"ab\", reference \"abc\""
  bool ok() const { return lost == 0 && duplicated == 0 && mismatched == 0 && resume_point_found; }
};

// Compares `resumed` (which resumed after resumed.last_event_id, or from the start when unset)
// with the events of `reference` strictly after that id, by id, kind, state, candidate, text and
// order. Never throws (beyond allocation); events are matched by their decoded ids.
ResumeComparison compare_resume(const ObservedStream& reference, const ObservedStream& resumed);

// Whether one resume request delivered what it should: a 2xx stream whose events are the
// reference's events right after its last_event_id, in order, without a gap (it may stop early:
// the next resume continues), or nothing at all when that id was the last event. Counted in
// resumes_succeeded by the virtual user.
bool resume_delivered(const ObservedStream& reference, const ObservedStream& resumed);

}  // namespace ixh
