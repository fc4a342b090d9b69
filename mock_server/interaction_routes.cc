#include "mock_server/interaction_routes.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>

#include "core/error_body.h"
#include "core/sse_writer.h"
#include "mock_server/dialect_encoding.h"
#include "mock_server/request_path.h"

namespace ixh::mock {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;

// Longest a stream thread sleeps without checking whether its client is still there.
constexpr std::int64_t kLivenessCheckNs = 1'000'000'000;

// Request headers kept in the journal; credentials are recorded as present, never by value.
constexpr const char* kJournalHeaders[] = {"Accept",       "Last-Event-ID", "User-Agent",
                                           "Api-Revision", "Content-Type",  "Connection",
                                           "Cache-Control"};
constexpr const char* kSecretHeaders[] = {"x-goog-api-key", "Authorization"};

enum class BoolParam { kAbsent, kTrue, kFalse, kInvalid };

BoolParam bool_param(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return BoolParam::kAbsent;
  const std::string v = req.get_param_value(name);
  if (v == "true") return BoolParam::kTrue;
  if (v == "false") return BoolParam::kFalse;
  return BoolParam::kInvalid;
}

JournalEntry journal_entry(const httplib::Request& req, std::int64_t unix_ms) {
  JournalEntry e;
  e.method = req.method;
  const std::size_t q = req.target.find('?');
  e.path = req.target.substr(0, q);
  if (q != std::string::npos) e.query = req.target.substr(q + 1);
  for (const char* h : kJournalHeaders) {
    if (req.has_header(h)) e.headers.emplace_back(h, req.get_header_value(h));
  }
  for (const char* h : kSecretHeaders) {
    if (req.has_header(h)) e.headers.emplace_back(h, "<redacted>");
  }
  e.remote = req.remote_addr + ":" + std::to_string(req.remote_port);
  e.accept_unix_ms = unix_ms;
  return e;
}

const FaultSpec* pick_fault(const InteractionTemplate& t, bool stream, int attempt) {
  for (const FaultSpec& f : t.faults) {
    if (f.applies_to == FaultSpec::Applies::kGet && stream) continue;
    if (f.applies_to == FaultSpec::Applies::kStream && !stream) continue;
    if (!f.attempts.empty() &&
        std::find(f.attempts.begin(), f.attempts.end(), attempt) == f.attempts.end()) {
      continue;
    }
    return &f;
  }
  return nullptr;
}

// One open SSE response. Lives in the content provider's closure; touched only by the worker
// thread that serves it (the releaser runs on that thread too).
struct StreamState {
  std::shared_ptr<Instance> instance;
  bool include_input = false;
  std::size_t cursor = 0;       // index of the next event to send
  std::size_t skip_frames = 0;  // frames of event `cursor` the client already has (genai)
  std::uint64_t journal_seq = 0;
  std::uint64_t events_sent = 0;
  std::uint64_t bytes_sent = 0;
  std::int64_t start_ns = 0;
  std::int64_t last_write_ns = 0;
  bool finished = false;
  bool write_failed = false;
  std::string buf;
};

class InteractionHandler {
 public:
  explicit InteractionHandler(RouteContext& ctx) : ctx_(ctx) {}

  // `path` is the request's target already parsed by the pre-routing match.
  void operator()(const httplib::Request& req, httplib::Response& res,
                  const InteractionPath& path) {
    JournalEntry entry = journal_entry(req, unix_now_ms());
    const std::int64_t start_ns = ctx_.real_clock.now_ns();
    serve(req, res, path, entry, start_ns);
    if (!entry.stream || res.status != 200) {
      const std::uint64_t seq = ctx_.journal.begin(std::move(entry));
      // cpp-httplib fills in 200 only after the handler returns.
      const int status = res.status == -1 ? 200 : res.status;
      ctx_.journal.finish(seq, status, 0, res.body.size(), "complete", elapsed_ms(start_ns));
    }
  }

 private:
  double elapsed_ms(std::int64_t start_ns) const {
    return static_cast<double>(ctx_.real_clock.now_ns() - start_ns) / 1e6;
  }

  void serve(const httplib::Request& req, httplib::Response& res, const InteractionPath& path,
             JournalEntry& entry, std::int64_t start_ns) {
    if (path.malformed) return send_error(res, 400, "malformed interaction id");
    entry.instance = path.id;

    const BoolParam stream = bool_param(req, "stream");
    const BoolParam include_input = bool_param(req, "include_input");
    if (stream == BoolParam::kInvalid) return send_error(res, 400, "stream must be true or false");
    if (include_input == BoolParam::kInvalid) {
      return send_error(res, 400, "include_input must be true or false");
    }
    std::string last_event_id = req.get_param_value("last_event_id");
    if (last_event_id.empty()) last_event_id = req.get_header_value("Last-Event-ID");
    const bool streaming = stream == BoolParam::kTrue;
    if (!last_event_id.empty() && !streaming) {
      return send_error(res, 400, "last_event_id requires stream=true");
    }
    entry.stream = streaming;
    entry.last_event_id = last_event_id;

    Store::Lookup lookup = Store::Lookup::kUnknown;
    std::shared_ptr<Instance> inst = ctx_.store.touch(path.id, lookup);
    if (!inst) return send_error(res, 404, "interaction " + path.id + " not found");

    const int attempt = streaming ? ++inst->stream_attempts : ++inst->get_attempts;
    entry.attempt = attempt;
    if (const FaultSpec* f = pick_fault(inst->compiled->tmpl, streaming, attempt)) {
      entry.fault = "http_error " + std::to_string(f->status);
      return send_error(res, f->status, f->message.empty() ? "scripted error" : f->message,
                        f->retry_after_s ? *f->retry_after_s : -1);
    }

    const CompiledTemplate& c = *inst->compiled;
    const std::size_t visible = visible_events(c, ctx_.clock.now_us() - inst->created_us);
    const bool with_input = include_input == BoolParam::kTrue;
    if (!streaming) {
      res.set_content(encode_snapshot(ctx_.options.dialect, *inst, visible, with_input),
                      "application/json");
      return;
    }

    StreamCursor cursor;
    if (!last_event_id.empty()) {
      const auto at = resume_cursor(ctx_.options.dialect, *inst, visible, last_event_id);
      if (!at) return send_error(res, 400, "unknown last_event_id " + last_event_id);
      cursor = *at;
    }
    start_stream(res, std::move(inst), with_input, cursor, std::move(entry), start_ns);
  }

  void start_stream(httplib::Response& res, std::shared_ptr<Instance> inst, bool include_input,
                    StreamCursor cursor, JournalEntry entry, std::int64_t start_ns) {
    auto st = std::make_shared<StreamState>();
    st->instance = std::move(inst);
    st->include_input = include_input;
    st->cursor = cursor.event;
    st->skip_frames = cursor.skip_frames;
    st->start_ns = start_ns;
    st->last_write_ns = start_ns;
    entry.status = 200;
    st->journal_seq = ctx_.journal.begin(std::move(entry));
    res.status = 200;
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");
    // A stream's connection is not reused: an idle keep-alive connection would pin this worker
    // for the keep-alive timeout after the stream ended.
    res.set_header("Connection", "close");
    // The provider must never busy-return: cpp-httplib calls it again at once. It either writes
    // or sleeps until the next scripted event, a heartbeat, or a liveness check is due.
    RouteContext& ctx = ctx_;
    res.set_chunked_content_provider(
        "text/event-stream",  // exactly this: any other value gets compressed and stalls
        [st, &ctx](std::size_t, httplib::DataSink& sink) { return pump(ctx, *st, sink); },
        // Runs when the response ends, cleanly or not; `st` says which.
        [st, &ctx](bool /*success*/) {
          const char* ended = st->finished          ? "complete"
                              : ctx.stopping.load() ? "server_stopped"
                              : st->write_failed    ? "write_failed"
                                                    : "client_closed";
          ctx.journal.finish(st->journal_seq, 200, st->events_sent, st->bytes_sent, ended,
                             static_cast<double>(ctx.real_clock.now_ns() - st->start_ns) / 1e6);
        });
  }

  static bool pump(RouteContext& ctx, StreamState& st, httplib::DataSink& sink) {
    if (ctx.stopping.load(std::memory_order_relaxed)) return false;
    const CompiledTemplate& c = *st.instance->compiled;
    const std::size_t n = visible_events(c, ctx.clock.now_us() - st.instance->created_us);
    if (st.cursor < n) {
      frame_events(ctx.options.dialect, st.buf, *st.instance, {st.cursor, st.skip_frames}, n,
                   st.include_input);
      st.skip_frames = 0;
      if (!sink.write(st.buf.data(), st.buf.size())) {
        st.write_failed = true;
        return false;
      }
      st.events_sent += n - st.cursor;
      st.bytes_sent += st.buf.size();
      st.cursor = n;
      st.last_write_ns = ctx.real_clock.now_ns();
      if (c.events[n - 1].kind == EventKind::kTerminal) {
        st.finished = true;
        sink.done();
      }
      return true;
    }
    if (st.cursor == c.events.size() && c.terminal_ms >= 0) {
      // Resumed after the terminal event: nothing follows, end cleanly at once.
      st.buf.clear();
      append_stream_end(ctx.options.dialect, st.buf);
      if (!st.buf.empty() && !sink.write(st.buf.data(), st.buf.size())) {
        st.write_failed = true;
        return false;
      }
      st.bytes_sent += st.buf.size();
      st.finished = true;
      sink.done();
      return true;
    }
    const std::int64_t heartbeat_ns = ctx.options.heartbeat_ms * 1'000'000;
    const std::int64_t now_ns = ctx.real_clock.now_ns();
    const std::int64_t until_heartbeat = st.last_write_ns + heartbeat_ns - now_ns;
    const std::int64_t due_us = st.cursor < c.events.size()
                                    ? st.instance->created_us + c.events[st.cursor].at_ms * 1000
                                    : -1;
    ctx.clock.wait_until(
        due_us, nanoseconds(std::clamp<std::int64_t>(until_heartbeat, 0, kLivenessCheckNs)));
    if (ctx.stopping.load(std::memory_order_relaxed)) return false;
    if (ctx.real_clock.now_ns() - st.last_write_ns >= heartbeat_ns) {
      st.buf.clear();
      append_sse_comment(st.buf, "keep-alive");
      if (!sink.write(st.buf.data(), st.buf.size())) {
        st.write_failed = true;
        return false;
      }
      st.bytes_sent += st.buf.size();
      st.last_write_ns = ctx.real_clock.now_ns();
      return true;
    }
    // Without this a stream whose client left would hold its worker until the next write.
    return sink.is_writable();
  }

  RouteContext& ctx_;
};

}  // namespace

void send_error(httplib::Response& res, int status, const std::string& message, int retry_after_s) {
  res.status = status;
  if (retry_after_s >= 0) res.set_header("Retry-After", std::to_string(retry_after_s));
  res.set_content(google_error_json(status, message), "application/json");
}

PreRoute interaction_pre_route(RouteContext& ctx) {
  return [handler = InteractionHandler(ctx)](const httplib::Request& req,
                                             httplib::Response& res) mutable {
    if (req.method != "GET") return false;
    const std::string_view target(req.target);
    const auto path = parse_interaction_path(target.substr(0, target.find('?')));
    if (!path) return false;
    handler(req, res, *path);
    return true;
  };
}

}  // namespace ixh::mock
