#include "weft/protocols/netstring_receiver.h"

#include "weft/base/log.h"

#include <algorithm>
#include <array>

namespace weft::protocols {
namespace {

constexpr const char* kMissingLength =
    "The received netstring does not start with a length specification.";
constexpr const char* kMissingComma = "The received netstring is not terminated by a comma.";

std::string tooLong(std::size_t maxLength) {
  return "The received netstring is longer than the maximum " + std::to_string(maxLength) +
         " specified by MAX_LENGTH";
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

std::size_t decimalDigits(std::size_t n) {
  std::size_t digits = 1;
  while (n >= 10) {
    n /= 10;
    ++digits;
  }
  return digits;
}

}  // namespace

void NetstringReceiver::makeConnection(std::shared_ptr<ITransport> t) {
  state_ = State::kParsingLength;
  buffer_.clear();
  pos_ = 0;
  payload_.clear();
  expectedPayloadSize_ = 0;
  parseError_.reset();
  Protocol::makeConnection(std::move(t));
}

void NetstringReceiver::dataReceived(std::string_view data) {
  if (parseError_) return;  // the connection is being dropped: ignore the rest
  buffer_.append(data);
  if (busyReceiving_) return;  // re-entrant: the outer call goes on with it
  busyReceiving_ = true;
  struct Reset {
    bool& flag;
    ~Reset() { flag = false; }
  } reset{busyReceiving_};

  try {
    while (pos_ < buffer_.size() && !parseError_) {
      if (state_ == State::kParsingLength && !consumeLength()) break;
      if (state_ == State::kParsingPayload && !consumePayload()) break;
    }
  } catch (const NetstringParseError& e) {
    handleParseError(e);
    return;
  }
  buffer_.erase(0, pos_);
  pos_ = 0;
}

bool NetstringReceiver::consumeLength() {
  const std::string_view rest = std::string_view(buffer_).substr(pos_);
  std::size_t digits = 0;
  while (digits < rest.size() && isDigit(rest[digits])) ++digits;
  // The syntax first: digits without a leading zero, then ':' (or the end, for now).
  if (digits == 0 || (rest[0] == '0' && digits > 1)) throw NetstringParseError(kMissingLength);
  const bool complete = digits < rest.size();
  if (complete && rest[digits] != ':') throw NetstringParseError(kMissingLength);
  // More digits than MAX_LENGTH has means a larger number; checking first avoids overflow.
  if (digits > decimalDigits(MAX_LENGTH)) throw NetstringParseError(tooLong(MAX_LENGTH));
  std::size_t length = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    length = length * 10 + static_cast<std::size_t>(rest[i] - '0');
  }
  if (length > MAX_LENGTH) throw NetstringParseError(tooLong(MAX_LENGTH));
  if (!complete) return false;
  pos_ += digits + 1;
  expectedPayloadSize_ = length + 1;
  payload_.clear();
  state_ = State::kParsingPayload;
  return true;
}

bool NetstringReceiver::consumePayload() {
  const std::size_t wanted = expectedPayloadSize_ - payload_.size();
  const std::size_t take = std::min(wanted, buffer_.size() - pos_);
  payload_.append(buffer_, pos_, take);
  pos_ += take;
  if (payload_.size() < expectedPayloadSize_) return false;
  if (payload_.back() != ',') throw NetstringParseError(kMissingComma);
  state_ = State::kParsingLength;
  payload_.pop_back();
  stringReceived(payload_);
  return true;
}

void NetstringReceiver::handleParseError(const NetstringParseError& error) {
  parseError_ = error;
  buffer_.clear();
  pos_ = 0;
  payload_.clear();
  log::warn(std::string("Dropping the connection: ") + error.what(), logPrefix());
  if (transport) transport->loseConnection();
}

void NetstringReceiver::sendString(std::string_view string) {
  const std::string length = std::to_string(string.size()) + ":";
  const std::array<std::string_view, 3> parts{length, string, ","};
  transport->writeSequence(parts);
}

}  // namespace weft::protocols
