#include "weft/protocols/line_receiver.h"

#include "weft/base/error.h"

#include <array>
#include <cassert>
#include <utility>

namespace weft::protocols {
namespace {

// Clears a flag on every way out of a scope, exceptions included.
class BusyScope {
 public:
  explicit BusyScope(bool& flag) : flag_(flag) { flag_ = true; }
  ~BusyScope() { flag_ = false; }
  BusyScope(const BusyScope&) = delete;
  BusyScope& operator=(const BusyScope&) = delete;

 private:
  bool& flag_;
};

}  // namespace

// ---------------------------------------------------------------------------------------
// LineReceiver

std::string_view LineReceiver::unconsumed() const { return std::string_view(buffer_).substr(pos_); }

void LineReceiver::compact() {
  if (pos_ == 0) return;
  buffer_.erase(0, pos_);
  pos_ = 0;
}

void LineReceiver::dataReceived(std::string_view data) {
  assert(!delimiter.empty());
  buffer_.append(data);
  // A handler feeding data back (setLineMode(extra), resumeProducing()) only appends: the
  // loop below, still running further up the stack, picks it up.
  if (busyReceiving_) return;
  BusyScope busy(busyReceiving_);
  while (pos_ < buffer_.size() && !paused()) {
    if (!lineMode_) {
      std::string raw(unconsumed());
      buffer_.clear();
      pos_ = 0;
      rawDataReceived(raw);
      continue;
    }
    std::string_view rest = unconsumed();
    const std::size_t end = rest.find(delimiter);
    if (end == std::string_view::npos) {
      if (rest.size() >= MAX_LENGTH + delimiter.size()) {
        std::string exceeded(rest);
        buffer_.clear();
        pos_ = 0;
        lineLengthExceeded(exceeded);
        return;
      }
      break;
    }
    if (end > MAX_LENGTH) {
      // The whole buffer, delimiter and following data included, as Twisted passes it.
      std::string exceeded(rest);
      buffer_.clear();
      pos_ = 0;
      lineLengthExceeded(exceeded);
      return;
    }
    line_.assign(rest.substr(0, end));
    pos_ += end + delimiter.size();
    lineReceived(line_);
    if (transport && transport->disconnecting()) break;
  }
  compact();
}

void LineReceiver::rawDataReceived(std::string_view) {
  throw error::RuntimeError("LineReceiver::rawDataReceived is not implemented");
}

void LineReceiver::lineLengthExceeded(std::string_view) {
  if (transport) transport->loseConnection();
}

void LineReceiver::sendLine(std::string_view line) {
  const std::array<std::string_view, 2> parts{line, delimiter};
  transport->writeSequence(parts);
}

void LineReceiver::setLineMode(std::string_view extra) {
  lineMode_ = true;
  if (!extra.empty()) dataReceived(extra);
}

void LineReceiver::setRawMode() { lineMode_ = false; }

std::string LineReceiver::clearLineBuffer() {
  std::string rest(unconsumed());
  buffer_.clear();
  pos_ = 0;
  return rest;
}

// ---------------------------------------------------------------------------------------
// LineOnlyReceiver

void LineOnlyReceiver::dataReceived(std::string_view data) {
  assert(!delimiter.empty());
  buffer_.append(data);
  if (busyReceiving_) return;
  BusyScope busy(busyReceiving_);
  for (;;) {
    std::string_view rest = std::string_view(buffer_).substr(pos_);
    const std::size_t end = rest.find(delimiter);
    if (end == std::string_view::npos) {
      if (rest.size() > MAX_LENGTH) {
        std::string exceeded(rest);
        buffer_.clear();
        pos_ = 0;
        lineLengthExceeded(exceeded);
        return;
      }
      break;
    }
    if (transport && transport->disconnecting()) break;
    line_.assign(rest.substr(0, end));
    pos_ += end + delimiter.size();
    if (line_.size() > MAX_LENGTH) {
      lineLengthExceeded(line_);
      break;
    }
    lineReceived(line_);
  }
  buffer_.erase(0, pos_);
  pos_ = 0;
}

void LineOnlyReceiver::lineLengthExceeded(std::string_view) {
  if (transport) transport->loseConnection();
}

void LineOnlyReceiver::sendLine(std::string_view line) {
  const std::array<std::string_view, 2> parts{line, delimiter};
  transport->writeSequence(parts);
}

}  // namespace weft::protocols
