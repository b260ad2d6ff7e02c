// Line-oriented protocols (twisted.protocols.basic): LineReceiver, which can switch between
// line mode and raw mode, and LineOnlyReceiver, the faster line-only variant.
#pragma once

#include "weft/internet/protocol.h"
#include "weft/protocols/pausable.h"

#include <cstddef>
#include <string>
#include <string_view>

namespace weft::protocols {

// Splits the incoming stream on `delimiter` and calls lineReceived for each line (without
// the delimiter). In raw mode, rawDataReceived gets whatever arrives instead. Handlers may
// switch modes, pause, clear the buffer, or feed data back re-entrantly; data that arrives
// re-entrantly (dataReceived called from a handler) is processed by the outer call. While
// paused, lines are buffered and delivered on resumeProducing().
//
// A line longer than MAX_LENGTH, or MAX_LENGTH + delimiter.size() bytes without a
// delimiter, goes to lineLengthExceeded with everything buffered, and the buffer is emptied.
// Thread affinity: the reactor thread.
class LineReceiver : public PausableProtocol {
 public:
  // Must not be empty.
  std::string delimiter = "\r\n";
  std::size_t MAX_LENGTH = 16384;

  void dataReceived(std::string_view data) override;

  // One complete line, without the delimiter. The view is valid during the call only.
  virtual void lineReceived(std::string_view line) = 0;
  // Raw-mode data. The default throws error::RuntimeError (Python's NotImplementedError).
  virtual void rawDataReceived(std::string_view data);
  // `line` is the whole offending buffer. The default loses the connection.
  virtual void lineLengthExceeded(std::string_view line);

  // Writes line followed by the delimiter.
  void sendLine(std::string_view line);
  // Back to line mode; `extra` is then parsed as if it had just been received.
  void setLineMode(std::string_view extra = {});
  // From now on, rawDataReceived gets all data (including what is still buffered).
  void setRawMode();
  // Returns and forgets everything buffered that has not been delivered yet.
  std::string clearLineBuffer();
  bool lineMode() const { return lineMode_; }

 private:
  std::string_view unconsumed() const;
  void compact();

  std::string buffer_;
  std::size_t pos_ = 0;  // buffer_[0, pos_) has been delivered
  std::string line_;     // the line being delivered (stable if buffer_ changes meanwhile)
  bool lineMode_ = true;
  bool busyReceiving_ = false;
};

// A line-only receiver: no raw mode, no pausing. A line longer than MAX_LENGTH, or a partial
// line longer than MAX_LENGTH, goes to lineLengthExceeded. Lines are no longer delivered once
// the transport is disconnecting. Thread affinity: the reactor thread.
class LineOnlyReceiver : public Protocol {
 public:
  // Must not be empty.
  std::string delimiter = "\r\n";
  std::size_t MAX_LENGTH = 16384;

  void dataReceived(std::string_view data) override;
  // One complete line, without the delimiter. The view is valid during the call only.
  virtual void lineReceived(std::string_view line) = 0;
  // The default loses the connection.
  virtual void lineLengthExceeded(std::string_view line);
  // Writes line and the delimiter with one writeSequence.
  void sendLine(std::string_view line);

 private:
  std::string buffer_;
  std::size_t pos_ = 0;
  std::string line_;
  bool busyReceiving_ = false;
};

}  // namespace weft::protocols
