#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace ixh::mock {

// Both ends of one accepted TCP connection, as cpp-httplib reports them on its Request
// (local_addr/local_port, remote_addr/remote_port). Copied out of the request so that a stream's
// content provider can find its socket later.
struct ConnectionAddress {
  std::string local_addr;
  int local_port = -1;
  std::string remote_addr;
  int remote_port = -1;
};

// cpp-httplib 0.11.4 gives a handler no handle to its connection's socket, and the function that
// owns it (Server::process_and_close_socket) is private. The mock finds the descriptor by what it
// is: the TCP socket of this process whose local and peer endpoints are exactly `conn`. Only one
// live socket can have that 4-tuple, and it is the one the calling worker serves.
//
// The race: another thread may close a descriptor and accept a new connection on the same
// number while the scan runs, so each candidate is read with two syscalls that may straddle the
// swap. That cannot produce a false match: a mixed reading would need some socket other than
// ours whose peer is our client's endpoint, and none exists while ours is open. Ours stays open
// (and its number ours) for as long as the calling worker is inside the handler or the content
// provider, because only that worker closes it, after the response. So call this, and use the
// result, only on the worker serving `conn`, and never close the descriptor: cpp-httplib does.
// Returns -1 when no socket matches (the client is already gone and the worker closed it).
int find_connection_socket(const ConnectionAddress& conn);

// Byte-level actions on a descriptor found above. Each returns false when the system call failed.

// Sends `bytes` past cpp-httplib (which buffers nothing of a response body, so the bytes land in
// order after whatever it already wrote). Blocks up to the socket's send timeout.
bool send_raw(int fd, std::string_view bytes);

// Ends the sending direction: the peer reads the bytes already sent, then a FIN.
bool shut_down_writes(int fd);

// Resets the connection now: the peer gets a TCP RST (its recv() fails with ECONNRESET), and no
// FIN before it. The descriptor stays open (unconnected) for its owner to close.
bool reset_connection(int fd);

// Waits (sleeping, up to `limit`) until every byte sent on `fd` was acknowledged by the peer's
// TCP, so that an RST cannot overtake data the mock counts as delivered. Returns whether the
// send queue drained.
bool wait_until_acknowledged(int fd, std::chrono::milliseconds limit);

}  // namespace ixh::mock
