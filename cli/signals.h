#pragma once

#include <csignal>

namespace ixh::cli {

// Blocks SIGINT and SIGTERM in the calling thread, and so in every thread started after it;
// main calls this first so only wait_for_stop_signal() ever receives them. Also ignores SIGPIPE:
// a peer closing a socket must be a counted outcome, never a process exit.
void block_stop_signals();

// Sleeps until SIGINT or SIGTERM arrives; returns the signal number. Main thread only.
int wait_for_stop_signal();

}  // namespace ixh::cli
