// Netstrings (twisted.protocols.basic.NetstringReceiver): "<decimal length>:<data>,"
// framing, as in http://cr.yp.to/proto/netstrings.txt.
#pragma once

#include "weft/base/error.h"
#include "weft/internet/protocol.h"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace weft::protocols {

// The incoming data is not a valid netstring (Twisted: a ValueError subclass).
class NetstringParseError : public error::ValueError {
 public:
  using error::ValueError::ValueError;
};

// Receives netstrings and calls stringReceived with each payload. Malformed input (no
// length, a leading zero, a missing colon or comma, a length above MAX_LENGTH) makes the
// receiver log the reason at warn level, lose the connection, and ignore everything that
// arrives afterwards (brokenPeer() is then true). Thread affinity: the reactor thread.
class NetstringReceiver : public Protocol {
 public:
  std::size_t MAX_LENGTH = 99999;

  // Resets the parser, then Protocol::makeConnection.
  void makeConnection(std::shared_ptr<ITransport> t) override;
  void dataReceived(std::string_view data) override;

  // One complete payload, framing removed. The view is valid during the call only.
  virtual void stringReceived(std::string_view string) = 0;

  // Writes `string` as a netstring.
  void sendString(std::string_view string);

  // True once malformed input has been received.
  bool brokenPeer() const { return parseError_.has_value(); }
  // Why the input was refused, once brokenPeer().
  const std::optional<NetstringParseError>& parseError() const { return parseError_; }

 private:
  enum class State { kParsingLength, kParsingPayload };
  // Consumes a length specification; false when more data is needed. Throws
  // NetstringParseError.
  bool consumeLength();
  // Consumes payload bytes; false when more data is needed. Throws NetstringParseError.
  bool consumePayload();
  void handleParseError(const NetstringParseError& error);

  State state_ = State::kParsingLength;
  std::string buffer_;
  std::size_t pos_ = 0;
  std::string payload_;                  // payload and trailing comma, as received so far
  std::size_t expectedPayloadSize_ = 0;  // length + 1 for the comma
  std::optional<NetstringParseError> parseError_;
  bool busyReceiving_ = false;
};

}  // namespace weft::protocols
