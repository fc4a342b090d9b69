#pragma once

#include <stdexcept>
#include <string>

namespace ixh {

// Exit codes of the ixh executable (DESIGN.md §9).
enum ExitCode : int {
  kExitOk = 0,
  kExitCheckFailed = 1,
  kExitUsage = 2,
  kExitUnreachable = 3,
};

// A scenario file that cannot be used. Thrown by loaders only; caught in main (exit 2).
// what() reads "FILE: at POINTER: expected EXPECTED" so a user can jump to the spot.
class ScenarioError : public std::runtime_error {
 public:
  ScenarioError(std::string file, std::string pointer, std::string expected)
      : std::runtime_error(file + ": at " + (pointer.empty() ? std::string("/") : pointer) +
                           ": expected " + expected),
        file_(std::move(file)),
        pointer_(std::move(pointer)),
        expected_(std::move(expected)) {}
  const std::string& file() const { return file_; }
  const std::string& pointer() const { return pointer_; }
  const std::string& expected() const { return expected_; }

 private:
  std::string file_;
  std::string pointer_;
  std::string expected_;
};

// A bad command line or option value. Caught in main (exit 2).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace ixh
