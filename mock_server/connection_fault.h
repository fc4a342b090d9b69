#pragma once

#include <cstdint>
#include <string>

#include "core/scenario.h"
#include "mock_server/connection_socket.h"
#include "mock_server/journal.h"

namespace ixh::mock {

// Applies a connection-level fault (garbage, empty_reply: docs/faults.md) to the request on
// `conn`: seeded noise or nothing on the raw socket, then FIN. Records `entry` in the journal
// (status 0, the bytes written, `ended` = the fault's kind) before the FIN, so a client that saw
// the end finds the entry. The handler then leaves cpp-httplib a response to write, which fails
// on the shut-down socket, and cpp-httplib closes the connection. Called by the interaction
// routes on the worker serving `conn`; never throws beyond allocation failure.
void apply_connection_fault(const ConnectionAddress& conn, const FaultSpec& fault,
                            std::uint64_t seed, JournalEntry entry, Journal& journal,
                            double elapsed_ms);

}  // namespace ixh::mock
