// Length-prefixed strings (twisted.protocols.basic): IntNStringReceiver and its big-endian
// 32-, 16- and 8-bit variants.
#pragma once

#include "weft/base/error.h"
#include "weft/protocols/pausable.h"

#include <cstddef>
#include <string>
#include <string_view>

namespace weft::protocols {

// sendString was given a string too long for the length prefix (Twisted: an
// AssertionError subclass).
class StringTooLongError : public error::AssertionError {
 public:
  using error::AssertionError::AssertionError;
};

// Receives strings framed by an unsigned big-endian length prefix of prefixLength() bytes.
// A prefix announcing more than MAX_LENGTH bytes calls lengthLimitExceeded (the string is
// never delivered). While paused, complete strings are buffered and delivered on
// resumeProducing(). Data fed back re-entrantly from a handler is processed by the outer
// call. Thread affinity: the reactor thread.
class IntNStringReceiver : public PausableProtocol {
 public:
  std::size_t MAX_LENGTH = 99999;

  void dataReceived(std::string_view data) override;

  // One complete string, prefix removed. The view is valid during the call only.
  virtual void stringReceived(std::string_view string) = 0;
  // A prefix announced `length` > MAX_LENGTH. The default loses the connection.
  virtual void lengthLimitExceeded(std::size_t length);

  // Writes the prefix and the string. Throws StringTooLongError when the string does not
  // fit the prefix (size >= 2^(8 * prefixLength())).
  void sendString(std::string_view string);

  std::size_t prefixLength() const { return prefixLength_; }
  // Twisted's `recvd`: the data received but not processed yet. Inside stringReceived, what
  // follows the current string; inside lengthLimitExceeded, from the offending prefix on.
  std::string_view recvd() const { return std::string_view(buffer_).substr(pos_); }
  // Replaces the unprocessed data; parsing continues from `data` (Twisted: assigning recvd).
  void setRecvd(std::string data);

 protected:
  // prefixLength is 1, 2 or 4.
  explicit IntNStringReceiver(std::size_t prefixLength);

 private:
  std::size_t prefixLength_;
  std::string buffer_;
  std::size_t pos_ = 0;
  std::string string_;  // the string being delivered
  bool busyReceiving_ = false;
};

// Twisted's Int32StringReceiver: "!I" prefix.
class Int32StringReceiver : public IntNStringReceiver {
 public:
  Int32StringReceiver() : IntNStringReceiver(4) {}
};

// Twisted's Int16StringReceiver: "!H" prefix.
class Int16StringReceiver : public IntNStringReceiver {
 public:
  Int16StringReceiver() : IntNStringReceiver(2) {}
};

// Twisted's Int8StringReceiver: "!B" prefix.
class Int8StringReceiver : public IntNStringReceiver {
 public:
  Int8StringReceiver() : IntNStringReceiver(1) {}
};

}  // namespace weft::protocols
