// SignalWakeup: SIGINT and SIGTERM handlers that only write the signal number to a
// non-blocking pipe, which the reactor watches as an internal reader. No weft code runs
// inside a signal handler. Handlers are process-wide, so installing replaces whatever was
// there; uninstall() puts the previous handlers back.
#pragma once

#include <csignal>
#include <vector>

namespace weft {

class SignalWakeup {
 public:
  SignalWakeup() = default;
  ~SignalWakeup();
  SignalWakeup(const SignalWakeup&) = delete;
  SignalWakeup& operator=(const SignalWakeup&) = delete;

  // Makes the pipe (first time) and installs the handlers. Returns the pipe's read end.
  int install();
  // Restores the handlers that install() replaced. Idempotent.
  void uninstall();
  bool installed() const { return installed_; }
  int readFd() const { return readFd_; }
  // Reads the signal numbers received since the last call.
  std::vector<int> drain() const;

 private:
  int readFd_ = -1;
  int writeFd_ = -1;
  int previousWriteFd_ = -1;
  bool installed_ = false;
  struct sigaction previousInt_ {};
  struct sigaction previousTerm_ {};
};

}  // namespace weft
