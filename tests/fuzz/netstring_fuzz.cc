// Fuzz target for NetstringReceiver. Invariants: no crash; the connection is dropped exactly
// when the input is not a sequence of netstrings followed by a valid incomplete one (checked
// against an independent reference parser); the strings delivered do not depend on chunking;
// strings sent with sendString come back intact.
#include "fuzz_check.h"

#include "weft/base/log.h"
#include "weft/protocols/netstring_receiver.h"
#include "weft/testing/string_transport.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace {

using weft::testing::StringTransport;

class Recorder : public weft::protocols::NetstringReceiver {
 public:
  std::vector<std::string> strings;
  void stringReceived(std::string_view s) override {
    WEFT_FUZZ_CHECK(s.size() <= MAX_LENGTH);
    strings.emplace_back(s);
  }
};

struct Result {
  std::vector<std::string> strings;
  bool broken;
  bool disconnecting;
  bool operator==(const Result&) const = default;
};

Result run(std::size_t maxLength, const std::vector<std::string_view>& chunks) {
  auto transport = std::make_shared<StringTransport>();
  auto p = std::make_shared<Recorder>();
  p->MAX_LENGTH = maxLength;
  p->makeConnection(transport);
  for (auto c : chunks) p->dataReceived(c);
  return {p->strings, p->brokenPeer(), transport->disconnecting()};
}

// The reference: the payloads of the complete netstrings at the front of data, and whether
// the rest is a valid beginning of one (nullopt when the input is malformed).
std::optional<std::vector<std::string>> reference(std::string_view data, std::size_t maxLength) {
  std::vector<std::string> out;
  const std::string maxText = std::to_string(maxLength);
  std::size_t i = 0;
  while (i < data.size()) {
    std::size_t j = i;
    while (j < data.size() && data[j] >= '0' && data[j] <= '9') ++j;
    const std::string_view digits = data.substr(i, j - i);
    if (digits.empty()) return std::nullopt;
    if (digits.size() > 1 && digits[0] == '0') return std::nullopt;
    if (j < data.size() && data[j] != ':') return std::nullopt;
    // Compare as decimal text: longer means larger (no leading zeros).
    if (digits.size() > maxText.size() ||
        (digits.size() == maxText.size() && digits > std::string_view(maxText))) {
      return std::nullopt;
    }
    if (j == data.size()) return out;  // an incomplete length
    const std::size_t length = std::stoul(std::string(digits));
    const std::size_t start = j + 1;
    if (data.size() - start < length + 1) return out;  // an incomplete payload
    if (data[start + length] != ',') return std::nullopt;
    out.emplace_back(data.substr(start, length));
    i = start + length + 1;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool quiet = [] {
    weft::log::setStderrEnabled(false);  // every malformed input logs a warning
    return true;
  }();
  static_cast<void>(quiet);
  weft::fuzz::Input in(data, size);
  const std::uint8_t b = in.byte();
  const std::size_t maxLength = (b & 0x80) ? 99999 : b;
  const std::uint32_t seed = in.byte();
  const std::string_view body = in.rest();

  const Result whole = run(maxLength, {body});
  const Result chunked = run(maxLength, weft::fuzz::chunk(body, seed, 1 + seed % 16));
  const Result bytes = run(maxLength, weft::fuzz::chunk(body, 0, 1));
  WEFT_FUZZ_CHECK(whole == chunked);
  WEFT_FUZZ_CHECK(whole == bytes);
  WEFT_FUZZ_CHECK(whole.broken == whole.disconnecting);

  const auto expected = reference(body, maxLength);
  WEFT_FUZZ_CHECK(whole.broken == !expected.has_value());
  if (expected) WEFT_FUZZ_CHECK(whole.strings == *expected);
  if (!expected) {
    // Whatever was delivered before the error is a prefix of a valid stream.
    WEFT_FUZZ_CHECK(whole.strings.size() <= body.size());
  }

  // Round trip: pieces of the body sent as netstrings.
  auto sender = std::make_shared<Recorder>();
  auto wire = std::make_shared<StringTransport>();
  sender->makeConnection(wire);
  std::vector<std::string> sent;
  for (auto piece : weft::fuzz::chunk(body, seed + 1, maxLength + 1)) {
    if (piece.size() > maxLength) continue;
    sent.emplace_back(piece);
    sender->sendString(piece);
  }
  sender->sendString("");
  sent.emplace_back();
  const Result echoed = run(maxLength, weft::fuzz::chunk(wire->value(), seed, 1 + seed % 32));
  WEFT_FUZZ_CHECK(!echoed.broken);
  WEFT_FUZZ_CHECK(echoed.strings == sent);
  return 0;
}
