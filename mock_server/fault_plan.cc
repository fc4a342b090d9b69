#include "mock_server/fault_plan.h"

#include <algorithm>

namespace ixh::mock {
namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// FNV-1a: stable across platforms and library versions, unlike std::hash.
std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::uint64_t mix(std::uint64_t seed, std::string_view instance, std::uint64_t a, std::uint64_t b,
                  std::uint64_t c) {
  std::uint64_t h = splitmix64(seed ^ fnv1a(instance));
  h = splitmix64(h ^ a);
  h = splitmix64(h ^ b);
  return splitmix64(h ^ c);
}

bool applies(const FaultSpec& f, bool stream) {
  if (f.applies_to == FaultSpec::Applies::kGet) return !stream;
  if (f.applies_to == FaultSpec::Applies::kStream) return stream;
  return true;
}

}  // namespace

bool fault_coin(double p, std::uint64_t seed, std::string_view instance, std::size_t fault_index,
                bool stream, int attempt) {
  if (p <= 0.0) return false;
  if (p >= 1.0) return true;
  const std::uint64_t r =
      mix(seed, instance, fault_index, stream ? 1 : 0, static_cast<std::uint64_t>(attempt));
  // 53 random bits as a double in [0, 1).
  return static_cast<double>(r >> 11) * 0x1.0p-53 < p;
}

const FaultSpec* choose_fault(const std::vector<FaultSpec>& faults, bool stream, int attempt,
                              std::uint64_t seed, std::string_view instance) {
  for (std::size_t i = 0; i < faults.size(); ++i) {
    const FaultSpec& f = faults[i];
    if (!applies(f, stream)) continue;
    if (f.probability) {
      if (fault_coin(*f.probability, seed, instance, i, stream, attempt)) return &f;
      continue;
    }
    if (!f.attempts.empty() &&
        std::find(f.attempts.begin(), f.attempts.end(), attempt) == f.attempts.end()) {
      continue;
    }
    return &f;
  }
  return nullptr;
}

std::string garbage_bytes(std::size_t n, std::uint64_t seed, std::string_view instance,
                          int attempt) {
  std::string out;
  out.reserve(n);
  std::uint64_t state = mix(seed, instance, 0x6761726261676500ULL, 0,  // "garbage"
                            static_cast<std::uint64_t>(attempt));
  while (out.size() < n) {
    state = splitmix64(state);
    for (int i = 0; i < 8 && out.size() < n; ++i) {
      out += static_cast<char>(static_cast<unsigned char>(state >> (8 * i)));
    }
  }
  // A reply starting "HTTP/" would be parsed as a response; noise must never look like one.
  if (out.size() >= 1 && out[0] == 'H') out[0] = 'h';
  return out;
}

nlohmann::json describe_fault(const FaultSpec& f) {
  nlohmann::json j = {{"kind", std::string(to_string(f.kind))}};
  switch (f.kind) {
    case FaultSpec::Kind::kHttpError:
      j["status"] = f.status;
      if (f.retry_after_s) j["retry_after_s"] = *f.retry_after_s;
      break;
    case FaultSpec::Kind::kCut:
    case FaultSpec::Kind::kReset:
    case FaultSpec::Kind::kMalformedChunk:
      j[std::string(to_string(f.trigger))] = f.after;
      break;
    case FaultSpec::Kind::kStall:
      j[std::string(to_string(f.trigger))] = f.after;
      if (f.forever) {
        j["forever"] = true;
      } else {
        j["ms"] = f.stall_ms;
      }
      break;
    case FaultSpec::Kind::kDrip:
      j["piece_bytes"] = f.piece_bytes;
      j["delay_ms"] = f.delay_ms;
      break;
    case FaultSpec::Kind::kMalformedSse:
      j["after_events"] = f.after;
      j["variant"] = std::string(to_string(f.variant));
      break;
    case FaultSpec::Kind::kGarbage:
      j["bytes"] = f.garbage_bytes;
      break;
    case FaultSpec::Kind::kEmptyReply:
      break;
  }
  if (f.probability) j["probability"] = *f.probability;
  return j;
}

}  // namespace ixh::mock
