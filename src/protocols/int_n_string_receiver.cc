#include "weft/protocols/int_n_string_receiver.h"

#include <array>
#include <cassert>
#include <cstdint>
#include <utility>

namespace weft::protocols {

IntNStringReceiver::IntNStringReceiver(std::size_t prefixLength) : prefixLength_(prefixLength) {
  assert(prefixLength == 1 || prefixLength == 2 || prefixLength == 4);
}

void IntNStringReceiver::dataReceived(std::string_view data) {
  buffer_.append(data);
  // Re-entrant data (a handler calling resumeProducing or dataReceived) is only appended;
  // the loop further up the stack picks it up.
  if (busyReceiving_) return;
  busyReceiving_ = true;
  struct Reset {
    bool& flag;
    ~Reset() { flag = false; }
  } reset{busyReceiving_};

  // buffer_ and pos_ are re-read on each pass: a handler may replace them (setRecvd).
  while (buffer_.size() - pos_ >= prefixLength_ && !paused()) {
    std::uint64_t length = 0;
    for (std::size_t i = 0; i < prefixLength_; ++i) {
      length = (length << 8) | static_cast<unsigned char>(buffer_[pos_ + i]);
    }
    if (length > MAX_LENGTH) {
      // recvd() still starts at the offending prefix, as Twisted's does.
      lengthLimitExceeded(static_cast<std::size_t>(length));
      return;
    }
    const std::size_t messageStart = pos_ + prefixLength_;
    if (buffer_.size() - messageStart < length) break;
    string_.assign(buffer_, messageStart, static_cast<std::size_t>(length));
    pos_ = messageStart + static_cast<std::size_t>(length);
    stringReceived(string_);
  }
  buffer_.erase(0, pos_);
  pos_ = 0;
}

void IntNStringReceiver::lengthLimitExceeded(std::size_t) {
  if (transport) transport->loseConnection();
}

void IntNStringReceiver::sendString(std::string_view string) {
  const std::uint64_t limit = std::uint64_t{1} << (8 * prefixLength_);
  if (string.size() >= limit) {
    throw StringTooLongError("Try to send " + std::to_string(string.size()) +
                             " bytes whereas maximum is " + std::to_string(limit));
  }
  std::array<char, 4> prefix{};
  for (std::size_t i = 0; i < prefixLength_; ++i) {
    const std::size_t shift = 8 * (prefixLength_ - 1 - i);
    prefix[i] = static_cast<char>((string.size() >> shift) & 0xff);
  }
  const std::array<std::string_view, 2> parts{std::string_view(prefix.data(), prefixLength_),
                                              string};
  transport->writeSequence(parts);
}

void IntNStringReceiver::setRecvd(std::string data) {
  buffer_ = std::move(data);
  pos_ = 0;
}

}  // namespace weft::protocols
