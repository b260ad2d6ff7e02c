#include "weft/base/error.h"

#include <cerrno>
#include <cstring>

namespace weft::error {

std::string errnoMessage(int err) {
  char buf[128];
  // GNU strerror_r returns a pointer that may or may not be buf.
  const char* text = strerror_r(err, buf, sizeof buf);
  return "[Errno " + std::to_string(err) + "] " + text;
}

CannotListenError::CannotListenError(std::string interface, int port, int socketError)
    : BindError("Couldn't listen on " + (interface.empty() ? std::string("any") : interface) + ":" +
                std::to_string(port) + ": " + errnoMessage(socketError) + "."),
      interface_(std::move(interface)),
      port_(port),
      socketError_(socketError) {}

InvalidAddressError::InvalidAddressError(std::string address, const std::string& message)
    : ValueError("Invalid address " + address + ": " + message), address_(std::move(address)) {}

namespace {
std::string connectMessage(const std::string& base, const std::string& detail, int osError) {
  std::string s = base;
  if (osError != 0) s += ": " + errnoMessage(osError);
  if (!detail.empty()) s += ": " + detail;
  return s + ".";
}
}  // namespace

ConnectError::ConnectError(std::string detail, int osError, const std::string& base)
    : Error(connectMessage(base, detail, osError)), osError_(osError) {}

void throwConnectError(int osError, std::string detail) {
  switch (osError) {
    case ECONNREFUSED:
      throw ConnectionRefusedError(std::move(detail), osError);
    case ETIMEDOUT:
      throw TCPTimedOutError(std::move(detail), osError);
    case ENETUNREACH:
    case EHOSTUNREACH:
      throw NoRouteError(std::move(detail), osError);
    case EADDRINUSE:
    case EADDRNOTAVAIL:
      throw ConnectBindError(std::move(detail), osError);
    default:
      throw ConnectError(std::move(detail), osError);
  }
}

ProcessDone::ProcessDone(int status)
    : ConnectionDone(
          "A process has ended without apparent errors: process finished with exit code 0."),
      status_(status) {}

namespace {
std::string terminatedMessage(std::optional<int> exitCode, std::optional<int> signal) {
  std::string s = "A process has ended with a probable error condition:";
  if (signal) s += " process ended by signal " + std::to_string(*signal) + ".";
  if (exitCode) s += " process ended with exit code " + std::to_string(*exitCode) + ".";
  return s;
}
}  // namespace

ProcessTerminated::ProcessTerminated(std::optional<int> exitCode, std::optional<int> signal,
                                     std::optional<int> status)
    : ConnectionLost(terminatedMessage(exitCode, signal)),
      exitCode_(exitCode),
      signal_(signal),
      status_(status) {}

}  // namespace weft::error
