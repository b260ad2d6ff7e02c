// weft::error: the exceptions of twisted.internet.error and twisted.internet.defer, plus
// the Python built-in exceptions that Twisted's interfaces document (ValueError, KeyError,
// TypeError, RuntimeError, AssertionError), as one C++ hierarchy rooted at Error.
//
// Each class carries what Twisted's carries (errno, address, exit code, ...). They are
// thrown for misuse and setup failures and wrapped in a Failure for asynchronous results.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

namespace weft::error {

// Root of every weft exception. what() is the full message.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// --- Python built-ins that the seed's docstrings name ---------------------------------------
class ValueError : public Error {
  using Error::Error;
};
class KeyError : public Error {
  using Error::Error;
};
class TypeError : public Error {
  using Error::Error;
};
class RuntimeError : public Error {
  using Error::Error;
};
class AssertionError : public Error {
  using Error::Error;
};

// --- twisted.internet.defer --------------------------------------------------------------------
// A Deferred was cancelled.
class CancelledError : public Error {
 public:
  CancelledError() : Error("Deferred was cancelled") {}
  using Error::Error;
};
// callback()/errback() on a Deferred that has already fired.
class AlreadyCalledError : public Error {
 public:
  AlreadyCalledError() : Error("Deferred has already been called") {}
  using Error::Error;
};
class AlreadyTryingToLockError : public Error {
  using Error::Error;
};
// Failure() outside a catch block: there is no current exception to wrap.
class NoCurrentExceptionError : public Error {
 public:
  NoCurrentExceptionError() : Error("Failure() called with no current exception") {}
};

// --- twisted.internet.error: reactor state ---------------------------------------------------
class ReactorNotRunning : public RuntimeError {
 public:
  ReactorNotRunning() : RuntimeError("Can't stop reactor that isn't running.") {}
};
class ReactorNotRestartable : public RuntimeError {
 public:
  ReactorNotRestartable() : RuntimeError("Reactor cannot be restarted.") {}
};
class ReactorAlreadyRunning : public RuntimeError {
 public:
  ReactorAlreadyRunning() : RuntimeError("Reactor already running.") {}
};
class ReactorAlreadyInstalledError : public AssertionError {
 public:
  ReactorAlreadyInstalledError() : AssertionError("reactor already installed") {}
};

// --- delayed calls (base.DelayedCall) ---------------------------------------------------------
class AlreadyCalled : public ValueError {
 public:
  AlreadyCalled() : ValueError("Tried to cancel an already-called event.") {}
  using ValueError::ValueError;
};
class AlreadyCancelled : public ValueError {
 public:
  AlreadyCancelled() : ValueError("Tried to cancel an already-cancelled event.") {}
  using ValueError::ValueError;
};

// --- binding and listening ---------------------------------------------------------------------
class BindError : public Error {
 public:
  explicit BindError(const std::string& message = "An error occurred binding to an interface")
      : Error(message) {}
};
// listen() failed: which interface and port, and the errno of the failure.
class CannotListenError : public BindError {
 public:
  CannotListenError(std::string interface, int port, int socketError);
  const std::string& interface() const noexcept { return interface_; }
  int port() const noexcept { return port_; }
  int socketError() const noexcept { return socketError_; }

 private:
  std::string interface_;
  int port_;
  int socketError_;
};
class MulticastJoinError : public Error {
 public:
  explicit MulticastJoinError(const std::string& message = "Couldn't join multicast group")
      : Error(message) {}
};
class MessageLengthError : public Error {
 public:
  explicit MessageLengthError(const std::string& message = "Message is too long to send")
      : Error(message) {}
};
class NotListeningError : public RuntimeError {
 public:
  NotListeningError() : RuntimeError("The port was not listening when it was asked to stop") {}
};
class AlreadyListened : public Error {
 public:
  AlreadyListened() : Error("The port is already listening") {}
};
class InvalidAddressError : public ValueError {
 public:
  InvalidAddressError(std::string address, const std::string& message);
  const std::string& address() const noexcept { return address_; }

 private:
  std::string address_;
};
class UnsupportedAddressFamily : public Error {
  using Error::Error;
};
class UnsupportedSocketType : public Error {
  using Error::Error;
};

// --- name resolution ----------------------------------------------------------------------------
class DNSLookupError : public Error {  // twisted: DNSLookupError(IOError)
 public:
  explicit DNSLookupError(const std::string& message = "DNS lookup failed") : Error(message) {}
};

// --- connecting: ConnectError and its family -----------------------------------------------
// osError is the errno (0 when there is none).
class ConnectError : public Error {
 public:
  explicit ConnectError(std::string detail = "", int osError = 0,
                        const std::string& base = "An error occurred while connecting");
  int osError() const noexcept { return osError_; }

 private:
  int osError_;
};
#define WEFT_CONNECT_ERROR(Name, Base, Text)                       \
  class Name : public Base {                                       \
   public:                                                         \
    explicit Name(std::string detail = "", int osError = 0)        \
        : Base(std::move(detail), osError, Text) {}                \
                                                                   \
   protected:                                                      \
    Name(std::string detail, int osError, const std::string& base) \
        : Base(std::move(detail), osError, base) {}                \
  };
WEFT_CONNECT_ERROR(ConnectBindError, ConnectError, "Couldn't bind")
WEFT_CONNECT_ERROR(UnknownHostError, ConnectError, "Hostname couldn't be looked up")
WEFT_CONNECT_ERROR(NoRouteError, ConnectError, "No route to host")
WEFT_CONNECT_ERROR(ConnectionRefusedError, ConnectError, "Connection was refused by other side")
WEFT_CONNECT_ERROR(TCPTimedOutError, ConnectError, "TCP connection timed out")
WEFT_CONNECT_ERROR(BadFileError, ConnectError, "File used for UNIX socket is no good")
WEFT_CONNECT_ERROR(ServiceNameUnknownError, ConnectError, "Service name given as port is unknown")
WEFT_CONNECT_ERROR(UserError, ConnectError, "User aborted connection")
// One TimeoutError serves both twisted.internet.error.TimeoutError (a connect timeout) and
// defer.TimeoutError (Deferred.addTimeout gave up): check<TimeoutError>() matches either.
WEFT_CONNECT_ERROR(TimeoutError, ConnectError, "User timeout caused connection failure")
WEFT_CONNECT_ERROR(SSLError, ConnectError, "An SSL error occurred")
WEFT_CONNECT_ERROR(VerifyError, ConnectError,
                   "Could not verify something that was supposed to be signed.")
WEFT_CONNECT_ERROR(PeerVerifyError, VerifyError, "The peer rejected our verify error.")
WEFT_CONNECT_ERROR(CertificateError, ConnectError,
                   "We did not find a certificate where we expected to find one.")
#undef WEFT_CONNECT_ERROR

// Maps a connect() errno to the matching ConnectError subclass (getConnectError).
[[noreturn]] void throwConnectError(int osError, std::string detail = "");

// The factory given to an endpoint's connect() built no protocol (buildProtocol returned
// nullptr). As in Twisted, not a ConnectError: the connection itself was made.
class NoProtocol : public Error {
 public:
  NoProtocol() : Error("The factory did not build a protocol") {}
};

// --- connection state ---------------------------------------------------------------------------
class ConnectionClosed : public Error {
 public:
  explicit ConnectionClosed(const std::string& message = "Connection was closed.")
      : Error(message) {}
};
// Connection to the other side was lost in a non-clean fashion.
class ConnectionLost : public ConnectionClosed {
 public:
  explicit ConnectionLost(
      const std::string& message = "Connection to the other side was lost in a non-clean fashion.")
      : ConnectionClosed(message) {}
};
class ConnectionAborted : public ConnectionLost {
 public:
  explicit ConnectionAborted(const std::string& message = "Connection was aborted locally")
      : ConnectionLost(message) {}
};
// Connection was closed cleanly.
class ConnectionDone : public ConnectionClosed {
 public:
  explicit ConnectionDone(const std::string& message = "Connection was closed cleanly.")
      : ConnectionClosed(message) {}
};
class ConnectionFdescWentAway : public ConnectionLost {
 public:
  ConnectionFdescWentAway() : ConnectionLost("Uh") {}
};
class NotConnectingError : public RuntimeError {
 public:
  NotConnectingError()
      : RuntimeError("The Connector was not connecting when it was asked to stop connecting") {}
};
class ConnectInProgressError : public Error {
 public:
  ConnectInProgressError() : Error("A connect operation was already in progress") {}
};

// --- processes ----------------------------------------------------------------------------------
class ProcessDone : public ConnectionDone {
 public:
  explicit ProcessDone(int status);
  int exitCode() const noexcept { return 0; }
  std::optional<int> signal() const noexcept { return std::nullopt; }
  int status() const noexcept { return status_; }

 private:
  int status_;
};
class ProcessTerminated : public ConnectionLost {
 public:
  ProcessTerminated(std::optional<int> exitCode, std::optional<int> signal,
                    std::optional<int> status);
  std::optional<int> exitCode() const noexcept { return exitCode_; }
  std::optional<int> signal() const noexcept { return signal_; }
  std::optional<int> status() const noexcept { return status_; }

 private:
  std::optional<int> exitCode_, signal_, status_;
};
class ProcessExitedAlready : public Error {
 public:
  ProcessExitedAlready() : Error("The process has already exited") {}
};

// "[Errno N] strerror(N)" as Python prints an OSError.
std::string errnoMessage(int err);

}  // namespace weft::error
