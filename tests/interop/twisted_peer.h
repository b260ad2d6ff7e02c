// Twisted itself as the peer of a weft test: tests/interop/peers/twisted_peer.py, run by
// Debian's /usr/bin/python3 in a child process. The reactor under test reads the child's
// stdout (lines, as they come) and polls its exit (waitpid WNOHANG on its pid), so a test
// waits for events, never sleeps. The script's last line is "OK key=value ..." or
// "FAIL key=value ..."; server modes print "PORT <n>" first.
//
//   TwistedPeer peer(*reactor, {"echo-client", std::to_string(port)});
//   peer.onFinished = [&] { stopReactor(*reactor); };
//   runReactor(*reactor);
//   EXPECT_EQ(peer.exitCode(), 0) << peer.describe();
//
// Thread affinity: the reactor thread. Destroy a TwistedPeer before its reactor.
#pragma once

#include "weft/base/error.h"
#include "weft/base/function.h"
#include "weft/internet/reactor.h"
#include "weft/internet/task.h"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <memory>
#include <optional>
#include <spawn.h>
#include <string>
#include <string_view>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>
#include <vector>

extern char** environ;

namespace weft::interop {

inline constexpr const char* kPython = "/usr/bin/python3";
inline constexpr const char* kPeerScript = WEFT_INTEROP_PEERS_DIR "/twisted_peer.py";

// Starts argv[0] with stdin on /dev/null and stdout and stderr on the given descriptors.
// Returns its pid, or -1 (errno set) when it cannot be started.
inline pid_t spawnWith(const std::vector<std::string>& argv, int stdoutFd, int stderrFd) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, stdoutFd, 1);  // dup2 clears close-on-exec
  posix_spawn_file_actions_adddup2(&actions, stderrFd, 2);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    errno = rc;
    return -1;
  }
  return pid;
}

// Waits (blocking) for pid, which this process started. Returns the raw wait status.
inline int reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

// The exit code, or 128 + the signal that killed it.
inline int exitCodeOf(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// True when /usr/bin/python3 can import twisted. Checked once per process, before any
// reactor runs (a short blocking child: the import alone).
inline bool twistedAvailable() {
  static const bool available = [] {
    int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null < 0) return false;
    pid_t pid = spawnWith({kPython, "-I", "-c", "import twisted.internet.reactor"}, null, null);
    ::close(null);
    return pid > 0 && exitCodeOf(reap(pid)) == 0;
  }();
  return available;
}

// The value of `key` in a result line "OK a=1 b=2" ("" when absent).
inline std::string resultField(std::string_view line, std::string_view key) {
  std::string needle = " " + std::string(key) + "=";
  auto at = line.find(needle);
  if (at == std::string_view::npos) return "";
  auto begin = at + needle.size();
  return std::string(line.substr(begin, line.find(' ', begin) - begin));
}

class TwistedPeer {
 public:
  // Runs `python3 -I -B twisted_peer.py args...`. Throws error::RuntimeError when the
  // child cannot be started.
  TwistedPeer(Reactor& reactor, const std::vector<std::string>& args) : reactor_(reactor) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw error::RuntimeError("pipe2 failed");
    stderrFd_ = ::memfd_create("twisted-peer-stderr", MFD_CLOEXEC);
    std::vector<std::string> argv{kPython, "-I", "-B", kPeerScript};
    argv.insert(argv.end(), args.begin(), args.end());
    pid_ = stderrFd_ < 0 ? -1 : spawnWith(argv, fds[1], stderrFd_);
    int err = errno;
    ::close(fds[1]);  // the child's copy is its stdout: EOF once it has gone
    if (pid_ < 0) {
      ::close(fds[0]);
      if (stderrFd_ >= 0) ::close(stderrFd_);
      throw error::RuntimeError(std::string("cannot start ") + kPython + ": " +
                                error::errnoMessage(err));
    }
    ::fcntl(fds[0], F_SETFL, O_NONBLOCK);  // our end only: the child's stays blocking
    stdout_ = std::make_shared<StdoutReader>(this, fds[0]);
    reactor_.addReader(stdout_);
    exitWatch_.emplace(reactor_, [this] { pollExit(); });
    static_cast<void>(exitWatch_->start(kExitPollInterval));
  }
  // Kills the child (SIGKILL to its pid) if it is still running, reaps it, closes every
  // descriptor it used.
  ~TwistedPeer() {
    kill();
    exitWatch_.reset();
    if (!stdoutClosed_) reactor_.removeReader(stdout_);
    stdout_->detach();
    ::close(stderrFd_);
  }
  TwistedPeer(const TwistedPeer&) = delete;
  TwistedPeer& operator=(const TwistedPeer&) = delete;

  // Each stdout line, without its newline, as it arrives.
  Function<void(const std::string& line)> onLine;
  // Once: the child has exited and all its stdout has been read.
  Function<void()> onFinished;

  bool finished() const { return exited_ && stdoutClosed_; }
  // The child's exit code (128 + signal when killed); -1 while it runs.
  int exitCode() const { return exitCode_; }
  const std::vector<std::string>& lines() const { return lines_; }
  // The last stdout line: the result line once finished.
  std::string result() const { return lines_.empty() ? "" : lines_.back(); }

  std::string stderrText() const {
    std::string text;
    char buf[4096];
    for (off_t at = 0;;) {
      ssize_t n = ::pread(stderrFd_, buf, sizeof buf, at);
      if (n <= 0) break;
      text.append(buf, static_cast<std::size_t>(n));
      at += n;
    }
    return text;
  }

  // For failure messages: the exit code, stdout and stderr.
  std::string describe() const {
    std::string s = "twisted peer (pid " + std::to_string(pid_) + ") exit code " +
                    std::to_string(exitCode_) + "\n--- stdout:\n";
    for (const auto& l : lines_) s += l + "\n";
    return s + "--- stderr:\n" + stderrText();
  }

  // Kills the child by its pid and reaps it (only if it has not exited yet).
  void kill() {
    if (exited_) return;
    ::kill(pid_, SIGKILL);
    exited(reap(pid_));
  }

 private:
  static constexpr Seconds kExitPollInterval{0.005};

  // The read end of the child's stdout, watched by the reactor.
  class StdoutReader final : public IReadDescriptor {
   public:
    StdoutReader(TwistedPeer* owner, int fd) : owner_(owner), fd_(fd) {}
    ~StdoutReader() override { closeFd(); }
    int fileno() const override { return fd_; }
    std::optional<Failure> doRead() override {
      char buf[4096];
      for (;;) {
        ssize_t n = ::read(fd_, buf, sizeof buf);
        if (n > 0) {
          owner_->received(std::string_view(buf, static_cast<std::size_t>(n)));
        } else if (n == 0) {
          return Failure(error::ConnectionDone());
        } else if (errno != EINTR) {
          if (errno == EAGAIN) return std::nullopt;
          return Failure(error::ConnectionLost(error::errnoMessage(errno)));
        }
      }
    }
    // EOF, or the reactor's shutdown: the reactor has removed us already.
    void connectionLost(const Failure&) override {
      closeFd();
      if (owner_ != nullptr) owner_->stdoutClosed();
    }
    std::string logPrefix() const override { return "TwistedPeer stdout"; }
    // The owner goes away (the reactor no longer watches us): forget it and close.
    void detach() {
      owner_ = nullptr;
      closeFd();
    }

   private:
    void closeFd() {
      if (fd_ >= 0) ::close(fd_);
      fd_ = -1;
    }
    TwistedPeer* owner_;
    int fd_;
  };

  void received(std::string_view data) {
    partial_.append(data);
    for (std::size_t nl; (nl = partial_.find('\n')) != std::string::npos;) {
      lines_.push_back(partial_.substr(0, nl));
      partial_.erase(0, nl + 1);
      if (onLine) onLine(lines_.back());
    }
  }
  void stdoutClosed() {
    stdoutClosed_ = true;
    if (!partial_.empty()) lines_.push_back(std::exchange(partial_, {}));
    maybeFinished();
  }
  void pollExit() {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) != pid_) return;
    exited(status);
    maybeFinished();
  }
  void exited(int status) {
    exited_ = true;
    exitCode_ = exitCodeOf(status);
    if (exitWatch_ && exitWatch_->running()) exitWatch_->stop();
  }
  void maybeFinished() {
    if (!finished() || finishReported_) return;
    finishReported_ = true;
    if (onFinished) onFinished();
  }

  Reactor& reactor_;
  pid_t pid_ = -1;
  int stderrFd_ = -1;  // a memory file: a chatty child never blocks on it
  std::shared_ptr<StdoutReader> stdout_;
  std::optional<LoopingCall> exitWatch_;
  std::string partial_;
  std::vector<std::string> lines_;
  bool exited_ = false;
  bool stdoutClosed_ = false;
  bool finishReported_ = false;
  int exitCode_ = -1;
};

}  // namespace weft::interop
