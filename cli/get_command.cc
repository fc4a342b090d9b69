#include "cli/get_command.h"

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/scenario_dialect.h"
#include "cli/target_url.h"
#include "core/clock.h"
#include "core/errors.h"
#include "core/genai_decoder.h"
#include "core/seed_decoder.h"
#include "core/sse_parser.h"
#include "harness/engine.h"
#include "harness/fetch.h"
#include "harness/target.h"

namespace ixh::cli {
namespace {

std::string dump(const nlohmann::json& j, int indent = -1) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

void print_findings(const std::vector<DecodeFinding>& findings, const std::string& what) {
  for (const DecodeFinding& f : findings) {
    std::cerr << "ixh get: " << what << " " << (f.pointer.empty() ? "/" : f.pointer)
              << ": expected " << f.expected << ", actual " << f.actual << "\n";
  }
}

// Prints as bytes arrive, so a live stream shows its events as they happen.
class Printer final : public TransferHandler {
 public:
  Printer(bool stream, bool raw, std::optional<Dialect> dialect)
      : stream_(stream), raw_(raw), dialect_(dialect) {}

  void on_headers(const HttpObservation& http) override {
    ok_status_ = http.status >= 200 && http.status < 300;
  }

  bool on_body(std::string_view bytes, std::int64_t) override {
    if (!stream_ || !ok_status_) {
      body_.append(bytes);
      return true;
    }
    parser_.feed(bytes, [&](const SseEvent& e) { print_event(e); });
    return parser_.error() == SseError::kNone;
  }

  void on_complete(const HttpObservation& http) override {
    http_ = http;
    done_ = true;
  }

  int finish() {
    if (http_.status == 0) {
      std::cerr << "ixh get: " << http_.url << ": " << http_.curl_error << "\n";
      return http_.error == ErrorClass::kConnect ? kExitUnreachable : kExitCheckFailed;
    }
    if (!ok_status_) {
      std::cerr << "ixh get: HTTP " << http_.status << "\n";
      if (!raw_) std::cout << body_ << (body_.empty() || body_.back() != '\n' ? "\n" : "");
      print_findings(decode_error_body(body_, http_.status).findings, "error body");
      return kExitCheckFailed;
    }
    int rc = findings_ ? kExitCheckFailed : kExitOk;
    if (stream_) {
      if (parser_.error() != SseError::kNone) {
        std::cerr << "ixh get: " << parser_.error_message() << "\n";
        rc = kExitCheckFailed;
      } else if (parser_.finish()) {
        std::cerr << "ixh get: the stream ended inside an event (truncated)\n";
        rc = kExitCheckFailed;
      }
    } else {
      if (!dialect_) dialect_ = detect_dialect_of_body(body_);
      const DecodedInteraction d = decode_interaction(dialect_.value_or(Dialect::kSeed), body_);
      const auto parsed = nlohmann::json::parse(body_, nullptr, false);
      std::cout << (parsed.is_discarded() ? body_ : dump(parsed, 2)) << "\n";
      print_findings(d.findings, "schema");
      if (!d.findings.empty()) rc = kExitCheckFailed;
    }
    if (http_.error != ErrorClass::kNone) {
      std::cerr << "ixh get: " << to_string(http_.error) << ": " << http_.curl_error << "\n";
      rc = kExitCheckFailed;
    }
    return rc;
  }

  bool done() const { return done_; }

 private:
  void print_event(const SseEvent& e) {
    if (raw_) {
      std::cout << dump({{"type", e.type}, {"data", e.data}, {"last_event_id", e.last_event_id}})
                << std::endl;
      return;
    }
    if (!dialect_) dialect_ = detect_dialect_of_event(e);
    const DecodedEvent d = decode_event(*dialect_, e);
    const auto data = nlohmann::json::parse(e.data, nullptr, false);
    std::cout << dump({{"event", e.type},
                       {"id", d.id},
                       {"data", data.is_discarded() ? nlohmann::json(e.data) : data}})
              << std::endl;
    if (!d.findings.empty()) {
      print_findings(d.findings, "event " + d.id);
      findings_ = true;
    }
  }

  const bool stream_;
  const bool raw_;
  std::optional<Dialect> dialect_;  // as told, or detected from the first response
  bool ok_status_ = false;
  bool done_ = false;
  bool findings_ = false;
  std::string body_;
  SseParser parser_;
  HttpObservation http_;
};

}  // namespace

void GetCommand::add_to(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("get", "Fetch one interaction from any server and print it parsed");
  cmd->add_option("what", what, "An interaction id (with --target) or a full URL")->required();
  cmd->add_option("--target", target, "Base URL of the server, e.g. http://127.0.0.1:8080");
  cmd->add_option("--api-version", api_version, "Version segment of the request path")
      ->capture_default_str();
  cmd->add_option("--dialect", dialect,
                  "Decode as seed or genai; without it the dialect is detected from the response")
      ->check(CLI::IsMember({"seed", "genai"}));
  cmd->add_flag("--stream", stream, "Request stream=true and print one JSON line per event");
  cmd->add_flag("--include-input", include_input, "Request include_input=true");
  cmd->add_option("--last-event-id", last_event_id, "Resume the stream after this event id");
  cmd->add_flag("--raw-events", raw_events,
                "Print every SSE event exactly as parsed: {type, data, last_event_id} per line, "
                "nothing else on stdout (implies --stream)");
  cmd->add_option("--timeout", timeout_ms, "Give up after this many milliseconds")
      ->capture_default_str();
}

int GetCommand::run() {
  const bool full_url = what.rfind("http://", 0) == 0 || what.rfind("https://", 0) == 0;
  if (raw_events || (full_url && what.find("stream=true") != std::string::npos)) stream = true;
  if (!last_event_id.empty() && !stream) throw UsageError("--last-event-id needs --stream");
  EngineOptions engine_options;
  TransferSpec spec;
  if (full_url) {
    if (!target.empty()) throw UsageError("give either a full URL or --target with an id");
    // Flags add what the URL does not say already; parameters in the URL are sent as given.
    spec.url = what;
    const auto add_param = [&](const std::string& name, const std::string& value) {
      if (spec.url.find(name + "=") != std::string::npos) return;
      spec.url += (spec.url.find('?') == std::string::npos ? "?" : "&") + name + "=" + value;
    };
    if (include_input) add_param("include_input", "true");
    if (!last_event_id.empty()) add_param("last_event_id", percent_encode(last_event_id));
    if (stream) add_param("stream", "true");
  } else {
    if (target.empty()) throw UsageError("an id needs --target (or give a full URL)");
    const TargetUrl url = parse_target_url(target);
    if (!url.resolve_entry.empty()) engine_options.resolve.push_back(url.resolve_entry);
    const Target t{url.base_url, api_version};
    spec.url = interaction_url(
        t, what, stream, include_input,
        last_event_id.empty() ? std::nullopt : std::optional<std::string_view>(last_event_id));
  }
  spec.headers = request_headers(stream, std::nullopt);
  spec.stream = stream;
  spec.timeout_ms = timeout_ms;

  SteadyClock clock;
  Engine engine(clock, engine_options);
  Printer printer(stream, raw_events,
                  dialect.empty() ? std::nullopt : std::optional<Dialect>(dialect_option(dialect)));
  engine.start(spec, &printer);
  engine.run([&] { return printer.done(); });
  return printer.finish();
}

}  // namespace ixh::cli
