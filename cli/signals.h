#pragma once

#include <csignal>

namespace ixh::cli {

// Blocks SIGINT and SIGTERM in the calling thread, and so in every thread started after it;
// main calls this first so only wait_for_stop_signal() ever receives them. Also ignores SIGPIPE:
// a peer closing a socket must be a counted outcome, never a process exit.
void block_stop_signals();

// Sleeps until SIGINT or SIGTERM arrives; returns the signal number. Any one thread.
int wait_for_stop_signal();

// Waits up to `timeout_ms` for SIGINT or SIGTERM; returns whether one arrived. Any one thread.
bool poll_stop_signal(int timeout_ms);

}  // namespace ixh::cli
