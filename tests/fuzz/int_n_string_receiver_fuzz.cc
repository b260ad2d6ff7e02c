// Fuzz target for Int32/Int16/Int8StringReceiver. Invariants: no crash; no delivered string
// exceeds MAX_LENGTH; the strings delivered before the connection is dropped, and whether it
// is dropped, do not depend on chunking; strings sent with sendString come back intact.
#include "fuzz_check.h"

#include "weft/protocols/int_n_string_receiver.h"
#include "weft/testing/string_transport.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace {

using weft::testing::StringTransport;

template <class Base>
class Recorder : public Base {
 public:
  std::vector<std::string> strings;
  void stringReceived(std::string_view s) override {
    WEFT_FUZZ_CHECK(s.size() <= this->MAX_LENGTH);
    if (!this->transport->disconnecting()) strings.emplace_back(s);
  }
};

template <class Base>
std::pair<std::vector<std::string>, bool> run(std::size_t maxLength,
                                              const std::vector<std::string_view>& chunks) {
  auto transport = std::make_shared<StringTransport>();
  auto p = std::make_shared<Recorder<Base>>();
  p->MAX_LENGTH = maxLength;
  p->makeConnection(transport);
  for (auto c : chunks) p->dataReceived(c);
  return {p->strings, transport->disconnecting()};
}

template <class Base>
void check(std::string_view body, std::size_t maxLength, std::uint32_t seed) {
  const auto whole = run<Base>(maxLength, {body});
  const auto chunked = run<Base>(maxLength, weft::fuzz::chunk(body, seed, 1 + seed % 16));
  const auto bytes = run<Base>(maxLength, weft::fuzz::chunk(body, 0, 1));
  WEFT_FUZZ_CHECK(whole == chunked);
  WEFT_FUZZ_CHECK(whole == bytes);

  // Round trip: the body cut into strings by the seed, sent and received in chunks.
  auto sender = std::make_shared<Recorder<Base>>();
  auto wire = std::make_shared<StringTransport>();
  sender->makeConnection(wire);
  std::vector<std::string> sent;
  const std::size_t limit =
      std::min<std::size_t>(maxLength, (sender->prefixLength() == 1) ? 255 : 4096);
  for (auto piece : weft::fuzz::chunk(body, seed + 1, limit + 1)) {
    if (piece.size() > limit) continue;
    sent.emplace_back(piece);
    sender->sendString(piece);
  }
  const std::string encoded = wire->value();
  const auto received = run<Base>(maxLength, weft::fuzz::chunk(encoded, seed, 1 + seed % 32));
  WEFT_FUZZ_CHECK(!received.second);
  WEFT_FUZZ_CHECK(received.first == sent);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  weft::fuzz::Input in(data, size);
  const std::size_t maxLength = in.byte() | (std::size_t{in.byte()} << 4);
  const std::uint32_t seed = in.byte();
  const std::string_view body = in.rest();
  check<weft::protocols::Int8StringReceiver>(body, maxLength, seed);
  check<weft::protocols::Int16StringReceiver>(body, maxLength, seed);
  check<weft::protocols::Int32StringReceiver>(body, maxLength, seed);
  return 0;
}
