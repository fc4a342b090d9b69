#pragma once

// Header-only helpers of the e2e suites that drive the built `ixh` binary (IXH_BINARY): spawn it
// with arguments, capture stdout and stderr, wait for it with a bounded timeout, send it
// signals; plus scratch directories, a port nobody listens on and line splitting. The spawning
// follows tests/e2e/mock_cli_test.cc (posix_spawn, pipes, poll), generalised for reuse.
//
// Every wait is bounded; a process still running when its Process object dies is SIGKILLed and
// reaped, so a failing test never leaves an ixh behind.

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

extern char** environ;

namespace ixh::e2e {

using Millis = std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

// The shipped sources (scenarios/, tests/testdata/) of the tree under test.
inline std::string source_path(std::string_view relative) {
  return std::string(IXH_SOURCE_DIR) + "/" + std::string(relative);
}

// One spawned ixh process with stdin on /dev/null and stdout and stderr on pipes.
class Process {
 public:
  explicit Process(const std::vector<std::string>& args, std::string binary = IXH_BINARY) {
    int out[2];
    int err[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return;
    if (::pipe2(err, O_CLOEXEC) != 0) {
      ::close(out[0]);
      ::close(out[1]);
      return;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    std::vector<std::string> argv_storage = {binary};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    argv.reserve(argv_storage.size() + 1);
    for (std::string& a : argv_storage) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc = ::posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    ::close(err[1]);
    out_fd_ = out[0];
    err_fd_ = err[0];
    if (rc != 0) pid_ = -1;
  }

  ~Process() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    if (out_fd_ >= 0) ::close(out_fd_);
    if (err_fd_ >= 0) ::close(err_fd_);
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  bool spawned() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // What the process wrote so far (as far as it was read: waits read the pipes).
  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

  // The first line of stdout without its newline, or nullopt after `timeout` or at EOF.
  std::optional<std::string> first_line(Millis timeout = Millis(10000)) {
    const auto deadline = SteadyClock::now() + timeout;
    while (out_.find('\n') == std::string::npos) {
      if (SteadyClock::now() > deadline || !drain(Millis(50))) {
        if (out_.find('\n') != std::string::npos) break;
        return std::nullopt;
      }
    }
    return out_.substr(0, out_.find('\n'));
  }

  // Reads whatever the pipes offer for up to `duration` (so a chatty child never blocks on a
  // full pipe while the test does something else).
  void pump(Millis duration) {
    const auto deadline = SteadyClock::now() + duration;
    while (SteadyClock::now() < deadline && drain(Millis(10))) {
    }
  }

  // Waits for the process to exit and reads its pipes to EOF; returns its exit status (128 + N
  // when signal N killed it), or nullopt after `timeout` (the process keeps running).
  std::optional<int> wait_exit(Millis timeout = Millis(15000)) {
    if (exited_) return status_;
    const auto deadline = SteadyClock::now() + timeout;
    for (;;) {
      int status = 0;
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        // The pipes hit EOF now, unless a grandchild inherited them: bound the wait anyway.
        const auto drain_deadline = SteadyClock::now() + Millis(2000);
        while (SteadyClock::now() < drain_deadline && drain(Millis(20))) {
        }
        if (WIFEXITED(status)) {
          status_ = WEXITSTATUS(status);
        } else if (WIFSIGNALED(status)) {
          status_ = 128 + WTERMSIG(status);
        } else {
          status_ = -1;
        }
        return status_;
      }
      if (r < 0 || SteadyClock::now() > deadline) return std::nullopt;
      drain(Millis(20));
    }
  }

  void signal(int sig) {
    if (pid_ > 0 && !exited_) ::kill(pid_, sig);
  }

 private:
  // Reads what the pipes hold, waiting up to `timeout`. False once both pipes are at EOF.
  bool drain(Millis timeout) {
    pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
    const int n = ::poll(fds, 2, static_cast<int>(timeout.count()));
    if (n <= 0) return n == 0 && (out_fd_ >= 0 || err_fd_ >= 0);
    bool open = false;
    for (int i = 0; i < 2; ++i) {
      int& fd = i == 0 ? out_fd_ : err_fd_;
      std::string& sink = i == 0 ? out_ : err_;
      if (fd < 0) continue;
      if (fds[i].revents != 0) {
        char buf[4096];
        const ssize_t got = ::read(fd, buf, sizeof buf);
        if (got > 0) {
          sink.append(buf, static_cast<std::size_t>(got));
        } else {
          ::close(fd);
          fd = -1;
          continue;
        }
      }
      open = true;
    }
    return open;
  }

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_;
  std::string err_;
  bool exited_ = false;
  std::optional<int> status_;
};

struct ProcessResult {
  std::optional<int> exit_code;  // nullopt: did not exit in time (then killed)
  std::string out;
  std::string err;
};

// Runs ixh to completion (bounded by `timeout`).
inline ProcessResult run_ixh(const std::vector<std::string>& args, Millis timeout = Millis(15000)) {
  Process child(args);
  ProcessResult r;
  if (!child.spawned()) return r;
  r.exit_code = child.wait_exit(timeout);
  r.out = child.out();
  r.err = child.err();
  return r;
}

// Parses "listening on http://127.0.0.1:PORT"; 0 when the line is something else.
inline int listening_port(const std::string& line) {
  const std::string prefix = "listening on http://127.0.0.1:";
  if (line.rfind(prefix, 0) != 0) return 0;
  const std::string digits = line.substr(prefix.size());
  if (digits.empty() || digits.size() > 5 ||
      digits.find_first_not_of("0123456789") != std::string::npos) {
    return 0;
  }
  return std::atoi(digits.c_str());
}

// Waits for a spawned `ixh mock` to print its "listening on" line; its port, or 0.
inline int wait_listening(Process& mock, Millis timeout = Millis(10000)) {
  if (!mock.spawned()) return 0;
  const std::optional<std::string> line = mock.first_line(timeout);
  return line ? listening_port(*line) : 0;
}

// `ixh mock ARGS... --listen 127.0.0.1:0` in its own process: started by the constructor, which
// waits (bounded) for its "listening on" line; SIGKILLed at the end unless stop() ran.
class MockProcess {
 public:
  explicit MockProcess(std::vector<std::string> args) : process_(with_listen(std::move(args))) {
    port_ = wait_listening(process_);
  }

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  Process& process() { return process_; }

  // SIGTERM, then the exit status (0 expected), or nullopt if it did not exit in time.
  std::optional<int> stop(Millis timeout = Millis(8000)) {
    process_.signal(SIGTERM);
    return process_.wait_exit(timeout);
  }

 private:
  static std::vector<std::string> with_listen(std::vector<std::string> args) {
    args.insert(args.begin(), "mock");
    args.insert(args.end(), {"--listen", "127.0.0.1:0"});
    return args;
  }

  Process process_;
  int port_ = 0;
};

// A fresh directory under the system temp dir, removed with everything in it at the end.
class TempDir {
 public:
  TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "ixh_e2e_XXXXXX").string();
    if (::mkdtemp(templ.data()) != nullptr) path_ = templ;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  bool ok() const { return !path_.empty(); }
  const std::string& path() const { return path_; }
  std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }

  // Writes `content` to `name` inside the directory; returns the file's path.
  std::string write(std::string_view name, std::string_view content) const {
    const std::string p = file(name);
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    return p;
  }

 private:
  std::string path_;
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A loopback port that was free a moment ago and has no listener now: connecting to it is
// refused. 0 if no port could be had.
inline int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);  // bound but never listening: nothing accepts on it, now or after the close
  return port;
}

// The lines of `text`, without their "\n"; a final line without "\n" counts too.
inline std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      lines.emplace_back(text.substr(start));
      break;
    }
    lines.emplace_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

// Whether `pid` blocks SIGINT (its SigBlk mask in /proc): ixh's main blocks it for sigwait before
// it starts a run, so a SIGINT sent earlier would kill the process outright.
inline bool sigint_blocked(pid_t pid) {
  const std::string status = read_file("/proc/" + std::to_string(pid) + "/status");
  for (const std::string& line : lines_of(status)) {
    if (line.rfind("SigBlk:", 0) != 0) continue;
    const unsigned long long mask = std::strtoull(line.c_str() + 7, nullptr, 16);
    return (mask & (1ull << (SIGINT - 1))) != 0;
  }
  return false;
}

// Pumps `process` until it blocks SIGINT (true) or `timeout` passes (false), so a test's SIGINT
// reaches the run's own handling.
inline bool wait_sigint_blocked(Process& process, Millis timeout = Millis(5000)) {
  const auto deadline = SteadyClock::now() + timeout;
  while (!sigint_blocked(process.pid()) && SteadyClock::now() < deadline) {
    process.pump(Millis(5));
  }
  return sigint_blocked(process.pid());
}

// The last non-empty line of `text`.
inline std::string last_line(std::string_view text) {
  const std::vector<std::string> lines = lines_of(text);
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    if (!it->empty()) return *it;
  }
  return "";
}

inline std::string joined(const std::vector<std::string>& args) {
  std::string out = "ixh";
  for (const std::string& a : args) out += " " + a;
  return out;
}

}  // namespace ixh::e2e
