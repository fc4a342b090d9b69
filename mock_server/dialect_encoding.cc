#include "mock_server/dialect_encoding.h"

#include <algorithm>

#include "core/genai_dialect.h"
#include "core/seed_dialect.h"

namespace ixh::mock {
namespace {

// Candidate 0 had text once `n` events had happened: genai's model_output step is open then.
bool step_open_after(const CompiledTemplate& c, std::size_t n) {
  return c.prefix_len[n * c.full_text.size()] > 0;
}

GenaiFrameContext genai_context(const CompiledTemplate& c, std::size_t i, bool include_input) {
  return {i == 0, step_open_after(c, i), include_input};
}

// The instance as of event i for the frames that embed it; the others need only the id and time,
// which keeps replays of long logs cheap.
Interaction frame_snapshot(const Instance& inst, std::size_t i, bool embeds, bool include_input) {
  const CompiledTemplate& c = *inst.compiled;
  if (embeds) return snapshot_after(c, inst.view, i + 1, include_input);
  Interaction light;
  light.id = inst.id;
  light.update_time_ms = inst.view.create_time_ms + c.events[i].at_ms;
  return light;
}

std::optional<std::size_t> find_event(const CompiledTemplate& c, std::size_t visible,
                                      std::string_view id) {
  const auto end = c.events.begin() + static_cast<std::ptrdiff_t>(visible);
  const auto it = std::find_if(c.events.begin(), end, [&](const Event& e) { return e.id == id; });
  if (it == end) return std::nullopt;
  return static_cast<std::size_t>(it - c.events.begin());
}

}  // namespace

std::string encode_snapshot(Dialect dialect, const Instance& instance, std::size_t visible,
                            bool include_input) {
  const CompiledTemplate& c = *instance.compiled;
  if (dialect == Dialect::kGenai) {
    // The user_input step is part of every GET; include_input adds only the `input` field.
    return encode_genai_interaction(snapshot_after(c, instance.view, visible, true), include_input);
  }
  return encode_seed_interaction(snapshot_after(c, instance.view, visible, include_input));
}

std::shared_ptr<const std::string> encode_snapshot_cached(Dialect dialect, const Instance& instance,
                                                          std::size_t visible, bool include_input) {
  Instance::CachedSnapshot& slot = instance.snapshots[include_input ? 1 : 0];
  {
    std::lock_guard lock(instance.snapshot_mu);
    if (slot.body && slot.visible == visible) return slot.body;
  }
  auto body = std::make_shared<const std::string>(
      encode_snapshot(dialect, instance, visible, include_input));
  std::lock_guard lock(instance.snapshot_mu);
  // Keep the newest state: a request that saw fewer events must not push a later one out.
  if (!slot.body || visible >= slot.visible) {
    slot.visible = visible;
    slot.body = body;
  }
  return body;
}

std::optional<StreamCursor> resume_cursor(Dialect dialect, const Instance& instance,
                                          std::size_t visible, std::string_view last_event_id) {
  const CompiledTemplate& c = *instance.compiled;
  if (dialect == Dialect::kSeed) {
    const auto i = find_event(c, visible, last_event_id);
    if (!i) return std::nullopt;
    return StreamCursor{*i + 1, 0};
  }
  const std::optional<GenaiFrameId> frame = split_genai_frame_id(last_event_id);
  if (!frame) return std::nullopt;
  const auto i = find_event(c, visible, frame->event_id);
  if (!i) return std::nullopt;
  if (frame->sub == 0) return StreamCursor{*i + 1, 0};
  // "<id>.k" names the k-th of the frames before the event's own: they exist only up to count-1.
  if (frame->sub >= genai_frame_count(c.events[*i], genai_context(c, *i, false))) {
    return std::nullopt;
  }
  return StreamCursor{*i, frame->sub};
}

void frame_events(Dialect dialect, std::string& out, const Instance& instance, StreamCursor from,
                  std::size_t to, bool include_input) {
  const CompiledTemplate& c = *instance.compiled;
  out.clear();
  bool ended = false;
  for (std::size_t i = from.event; i < to; ++i) {
    const Event& ev = c.events[i];
    const bool terminal = ev.kind == EventKind::kTerminal;
    if (dialect == Dialect::kGenai) {
      const GenaiFrameContext ctx = genai_context(c, i, include_input);
      const Interaction snap = frame_snapshot(instance, i, terminal || ctx.first, true);
      append_genai_frames(out, ev, snap, ctx, i == from.event ? from.skip_frames : 0);
    } else {
      append_seed_event(out, ev, frame_snapshot(instance, i, terminal, include_input));
    }
    ended = ended || terminal;
  }
  if (ended) append_stream_end(dialect, out);
}

void append_stream_end(Dialect dialect, std::string& out) {
  if (dialect == Dialect::kGenai) append_genai_done(out);
}

}  // namespace ixh::mock
