#pragma once

#include <cstddef>

namespace ixh::mock {

// cpp-httplib gives no handle to the sockets it accepted, so the mock finds them by what they
// are: TCP sockets of this process whose local port is the mock's port (a listening port is
// never some other socket's ephemeral port). Shuts each one down in both directions: a worker
// blocked on it (an idle keep-alive wait, a stream write) wakes at once and closes it. Never
// closes a descriptor, so a socket owned by another thread cannot be freed under it.
// Called by MockServer::stop() on the stopping thread. Returns how many sockets it shut down.
std::size_t shut_down_accepted_sockets(int port);

}  // namespace ixh::mock
