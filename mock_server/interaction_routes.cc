#include "mock_server/interaction_routes.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>

#include "core/error_body.h"
#include "core/sse_writer.h"
#include "mock_server/connection_fault.h"
#include "mock_server/connection_socket.h"
#include "mock_server/dialect_encoding.h"
#include "mock_server/fault_plan.h"
#include "mock_server/fault_stream.h"
#include "mock_server/request_path.h"
#include "mock_server/served_connection.h"
#include "mock_server/stream_writer.h"

namespace ixh::mock {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;

// JournalEntry::status while a request is being answered by a connection-level fault, which
// sends no HTTP status (the journal then shows 0).
constexpr int kConnectionFaulted = -1;

// Longest a stream thread sleeps without checking whether its client is still there.
constexpr std::int64_t kLivenessCheckNs = 1'000'000'000;

// Request headers kept in the journal; credentials are recorded as present, never by value.
constexpr const char* kJournalHeaders[] = {"Accept",        "Last-Event-ID", "User-Agent",
                                           "Api-Revision",  "Content-Type",  "Connection",
                                           "Cache-Control", "X-Ixh-Purpose"};
constexpr const char* kSecretHeaders[] = {"x-goog-api-key", "Authorization"};

ConnectionAddress connection_of(const httplib::Request& req) {
  return {req.local_addr, req.local_port, req.remote_addr, req.remote_port};
}

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

// `ixh run` marks the full read it compares a resumed step against; it is not a client attempt.
bool is_reference_read(const JournalEntry& e) {
  for (const auto& [name, value] : e.headers) {
    if (name == "X-Ixh-Purpose") return value == "reference";
  }
  return false;
}

// The verification record of a stream request as it begins (StreamHistory). Callers add what
// only they know: the first event sent, or how a refused request ended.
StreamAttempt attempt_of(const JournalEntry& e, int status, std::int64_t start_ns) {
  StreamAttempt a;
  a.attempt = e.attempt;
  a.last_event_id = e.last_event_id;
  a.status = status;
  a.start_ns = start_ns;
  a.fault = e.fault.is_null() ? "" : e.fault.value("kind", "");
  a.reference = is_reference_read(e);
  return a;
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
  std::unique_ptr<FaultStream> fault;  // the scripted mid-stream fault, if any
  std::size_t history_index = 0;       // this attempt in the instance's StreamHistory
};

// Writes st.buf, through the stream's fault when it has one (a drip splits it, a byte trigger may
// strike inside it). Returns false when the response must end.
bool write_buf(StreamState& st, httplib::DataSink& sink) {
  if (st.fault) {
    const FaultStream::Write w = st.fault->write(sink, st.buf, st.bytes_sent);
    st.write_failed = w == FaultStream::Write::kFailed;
    return w == FaultStream::Write::kWritten;
  }
  if (!sink.write(st.buf.data(), st.buf.size())) {
    st.write_failed = true;
    return false;
  }
  st.bytes_sent += st.buf.size();
  return true;
}

class InteractionHandler {
 public:
  explicit InteractionHandler(RouteContext& ctx) : ctx_(ctx) {}

  // `path` is the request's target already parsed by the pre-routing match.
  void operator()(const httplib::Request& req, httplib::Response& res,
                  const InteractionPath& path) {
    JournalEntry entry = journal_entry(req, unix_now_ms());
    const std::int64_t start_ns = ctx_.real_clock.now_ns();
    serve(req, res, path, entry, start_ns);
    if (entry.status == kConnectionFaulted) {
      // Journaled by apply_connection_fault already.
    } else if (!entry.stream || res.status != 200) {
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
    const std::int64_t now_us = ctx_.clock.now_us();
    std::shared_ptr<Instance> inst = ctx_.store.touch(path.id, lookup, now_us);
    if (!inst) return send_error(res, 404, "interaction " + path.id + " not found");

    const int attempt = streaming ? ++inst->stream_attempts : ++inst->get_attempts;
    entry.attempt = attempt;
    const FaultSpec* fault =
        choose_fault(inst->compiled->tmpl.faults, streaming, attempt, ctx_.options.seed, inst->id);
    if (fault != nullptr) {
      entry.fault = describe_fault(*fault);
      if (fault->kind == FaultSpec::Kind::kHttpError) {
        if (streaming) refuse_stream(*inst, entry, fault->status, start_ns);
        return send_error(res, fault->status,
                          fault->message.empty() ? "scripted error" : fault->message,
                          fault->retry_after_s ? *fault->retry_after_s : -1);
      }
      if (!is_stream_only(fault->kind)) {
        if (streaming) refuse_stream(*inst, entry, 0, start_ns);
        apply_connection_fault(connection_of(req), *fault, ctx_.options.seed, entry, ctx_.journal,
                               elapsed_ms(start_ns));
        entry.status = kConnectionFaulted;  // journaled already
        res.status = 200;
        res.set_header("Connection", "close");
        return;
      }
    }

    const CompiledTemplate& c = *inst->compiled;
    // Another request may have created the instance after this one read the clock.
    const std::size_t visible =
        visible_events(c, std::max<std::int64_t>(now_us - inst->created_us, 0));
    const bool with_input = include_input == BoolParam::kTrue;
    if (!streaming) {
      res.set_content(*encode_snapshot_cached(ctx_.options.dialect, *inst, visible, with_input),
                      "application/json");
      return;
    }

    StreamCursor cursor;
    if (!last_event_id.empty()) {
      const auto at = resume_cursor(ctx_.options.dialect, *inst, visible, last_event_id);
      if (!at) {
        refuse_stream(*inst, entry, 400, start_ns);
        return send_error(res, 400, "unknown last_event_id " + last_event_id);
      }
      cursor = *at;
    }
    std::unique_ptr<FaultStream> stream_fault;
    if (fault != nullptr) {
      stream_fault = std::make_unique<FaultStream>(*fault, connection_of(req), inst->id, ctx_.clock,
                                                   ctx_.stopping, ctx_.clock.now_us());
    }
    start_stream(res, std::move(inst), with_input, cursor, std::move(entry), start_ns,
                 std::move(stream_fault));
  }

  // A stream request answered without a stream still counts for verification.
  void refuse_stream(Instance& inst, const JournalEntry& entry, int status, std::int64_t start_ns) {
    StreamAttempt a = attempt_of(entry, status, start_ns);
    a.end_ns = ctx_.real_clock.now_ns();
    a.ended = status == 0 ? "no_response" : "complete";
    inst.history.begin(std::move(a));
  }

  void start_stream(httplib::Response& res, std::shared_ptr<Instance> inst, bool include_input,
                    StreamCursor cursor, JournalEntry entry, std::int64_t start_ns,
                    std::unique_ptr<FaultStream> fault) {
    res.status = 200;
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");
    // A stream's connection is not reused: the stream writer closes it at the end, and a
    // faulted stream's worker is freed at once rather than after a keep-alive wait.
    res.set_header("Connection", "close");
    ServedConnection* conn = ServedConnection::current();
    if (!fault && ctx_.writer != nullptr && conn != nullptr) {
      return hand_to_writer(res, std::move(inst), include_input, cursor, std::move(entry),
                            start_ns);
    }
    // Written here, on this worker: each chunk goes out as it is written.
    if (conn != nullptr) conn->set_write_through(true);
    auto st = std::make_shared<StreamState>();
    st->fault = std::move(fault);
    StreamAttempt attempt = attempt_of(entry, 200, start_ns);
    attempt.first_event = cursor.event;
    st->history_index = inst->history.begin(std::move(attempt));
    st->instance = std::move(inst);
    st->include_input = include_input;
    st->cursor = cursor.event;
    st->skip_frames = cursor.skip_frames;
    st->start_ns = start_ns;
    st->last_write_ns = start_ns;
    entry.status = 200;
    st->journal_seq = ctx_.journal.begin(std::move(entry));
    if (st->fault) {
      StreamState* state = st.get();  // owns the fault, so outlives the callback
      RouteContext& c = ctx_;
      st->fault->set_on_strike([state, &c](const std::string& ended) {
        const std::int64_t end_ns = c.real_clock.now_ns();
        c.journal.finish(state->journal_seq, 200, state->events_sent, state->bytes_sent, ended,
                         static_cast<double>(end_ns - state->start_ns) / 1e6);
        state->instance->history.finish(state->history_index, state->events_sent, end_ns, ended);
      });
    }
    // The provider must never busy-return: cpp-httplib calls it again at once. It either writes
    // or sleeps until the next scripted event, a heartbeat, or a liveness check is due.
    RouteContext& ctx = ctx_;
    res.set_chunked_content_provider(
        "text/event-stream",  // exactly this: any other value gets compressed and stalls
        [st, &ctx](std::size_t, httplib::DataSink& sink) { return pump(ctx, *st, sink); },
        // Runs when the response ends, cleanly or not; `st` says which.
        [st, &ctx](bool /*success*/) {
          const bool stalled = st->fault && st->fault->stalled();
          const std::string ended = st->finished ? (stalled ? "stalled_then_complete" : "complete")
                                    : st->fault && !st->fault->ended().empty() ? st->fault->ended()
                                    : ctx.stopping.load()                      ? "server_stopped"
                                    : st->write_failed                         ? "write_failed"
                                                                               : "client_closed";
          const std::int64_t end_ns = ctx.real_clock.now_ns();
          ctx.journal.finish(st->journal_seq, 200, st->events_sent, st->bytes_sent, ended,
                             static_cast<double>(end_ns - st->start_ns) / 1e6);
          st->instance->history.finish(st->history_index, st->events_sent, end_ns, ended);
        });
  }

  // cpp-httplib writes the head (status line and headers, which the connection holds back) and
  // then calls the provider, which asks the serving loop to pass the socket and the unsent head
  // to the writer and returns false, so that the library writes nothing more and neither reuses
  // nor closes the connection. The writer then sends head and events and finishes the journal.
  void hand_to_writer(httplib::Response& res, std::shared_ptr<Instance> inst, bool include_input,
                      StreamCursor cursor, JournalEntry entry, std::int64_t start_ns) {
    auto start = std::make_shared<StreamStart>();
    // Only unfaulted streams come here, so the attempt records no fault.
    StreamAttempt attempt = attempt_of(entry, 200, start_ns);
    attempt.first_event = cursor.event;
    start->history_index = inst->history.begin(std::move(attempt));
    start->instance = std::move(inst);
    start->include_input = include_input;
    start->cursor = cursor;
    start->start_ns = start_ns;
    entry.status = 200;
    start->journal_seq = ctx_.journal.begin(std::move(entry));
    auto handed = std::make_shared<bool>(false);
    StreamWriter* writer = ctx_.writer;
    RouteContext& ctx = ctx_;
    res.set_chunked_content_provider(
        "text/event-stream",  // exactly this: any other value gets compressed and stalls
        [start, handed, writer](std::size_t, httplib::DataSink&) {
          if (ServedConnection* conn = ServedConnection::current()) {
            *handed = true;
            conn->hand_over([start, writer](int fd, std::string unsent) {
              writer->add(fd, std::move(unsent), std::move(*start));
            });
          }
          return false;
        },
        // Runs as the response object goes away. After a hand-over the writer finishes the
        // records; otherwise the head could not be written: the client was gone.
        [start, handed, &ctx](bool) {
          if (*handed) return;
          const std::int64_t end_ns = ctx.real_clock.now_ns();
          const std::string ended = ctx.stopping.load() ? "server_stopped" : "write_failed";
          ctx.journal.finish(start->journal_seq, 200, 0, 0, ended,
                             static_cast<double>(end_ns - start->start_ns) / 1e6);
          start->instance->history.finish(start->history_index, 0, end_ns, ended);
        });
  }

  static bool pump(RouteContext& ctx, StreamState& st, httplib::DataSink& sink) {
    if (ctx.stopping.load(std::memory_order_relaxed)) return false;
    if (st.fault &&
        st.fault->before(sink, st.events_sent, st.bytes_sent) == FaultStream::Gate::kEnd) {
      return false;
    }
    const CompiledTemplate& c = *st.instance->compiled;
    std::size_t n = visible_events(c, ctx.clock.now_us() - st.instance->created_us);
    if (st.fault && st.cursor < n) {
      n = st.cursor + st.fault->events_allowed(n - st.cursor, st.events_sent);
    }
    if (st.cursor < n) {
      frame_events(ctx.options.dialect, st.buf, *st.instance, {st.cursor, st.skip_frames}, n,
                   st.include_input);
      st.skip_frames = 0;
      if (!write_buf(st, sink)) return false;
      st.events_sent += n - st.cursor;
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
    std::int64_t due_us = st.cursor < c.events.size()
                              ? st.instance->created_us + c.events[st.cursor].at_ms * 1000
                              : -1;
    if (const std::int64_t fault_us = st.fault ? st.fault->deadline_us() : -1; fault_us >= 0) {
      due_us = due_us < 0 ? fault_us : std::min(due_us, fault_us);
    }
    ctx.clock.wait_until(
        due_us, nanoseconds(std::clamp<std::int64_t>(until_heartbeat, 0, kLivenessCheckNs)));
    if (ctx.stopping.load(std::memory_order_relaxed)) return false;
    if (ctx.real_clock.now_ns() - st.last_write_ns >= heartbeat_ns) {
      st.buf.clear();
      append_sse_comment(st.buf, "keep-alive");
      if (!write_buf(st, sink)) return false;
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
