#include "mock_server/connection_fault.h"

#include "mock_server/fault_plan.h"
#include "mock_server/served_connection.h"

namespace ixh::mock {

void apply_connection_fault(const ConnectionAddress& conn, const FaultSpec& fault,
                            std::uint64_t seed, JournalEntry entry, Journal& journal,
                            double elapsed_ms) {
  // The serving thread knows its socket; the search is for a caller that has none.
  const ServedConnection* served = ServedConnection::current();
  const int fd = served != nullptr ? served->socket() : find_connection_socket(conn);
  std::string ended = fd < 0 ? "client_closed" : std::string(to_string(fault.kind));
  std::uint64_t bytes = 0;
  if (fd >= 0 && fault.kind == FaultSpec::Kind::kGarbage) {
    const std::string noise = garbage_bytes(static_cast<std::size_t>(fault.garbage_bytes), seed,
                                            entry.instance, entry.attempt);
    if (send_raw(fd, noise)) {
      bytes = noise.size();
    } else {
      ended = "write_failed";
    }
  }
  entry.status = 0;
  const std::uint64_t seq = journal.begin(std::move(entry));
  journal.finish(seq, 0, 0, bytes, ended, elapsed_ms);
  if (fd >= 0) shut_down_writes(fd);
}

}  // namespace ixh::mock
