// Fuzz target for LineReceiver (with raw-mode switching) and LineOnlyReceiver.
// Invariants: no crash; no delivered line exceeds MAX_LENGTH; the lines and raw data
// delivered, and whether the connection was dropped, do not depend on how the input is
// chunked (LineReceiver).
#include "fuzz_check.h"

#include "weft/protocols/line_receiver.h"
#include "weft/testing/string_transport.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace {

using weft::testing::StringTransport;

// Lines "len N" (N = 0..9) switch to raw mode for N bytes, like Twisted's LineTester.
class Recorder : public weft::protocols::LineReceiver {
 public:
  std::vector<std::string> events;
  std::size_t rawLeft = 0;
  void lineReceived(std::string_view line) override {
    WEFT_FUZZ_CHECK(line.size() <= MAX_LENGTH);
    WEFT_FUZZ_CHECK(line.find(delimiter) == std::string_view::npos);
    if (transport->disconnecting()) return;
    events.emplace_back("L" + std::string(line));
    if (line.size() == 5 && line.substr(0, 4) == "len " && line[4] >= '0' && line[4] <= '9') {
      rawLeft = static_cast<std::size_t>(line[4] - '0');
      events.emplace_back("R");
      setRawMode();
    }
  }
  void rawDataReceived(std::string_view data) override {
    WEFT_FUZZ_CHECK(!events.empty());
    const std::string_view head = data.substr(0, rawLeft);
    rawLeft -= head.size();
    events.back().append(head);
    if (rawLeft == 0) setLineMode(data.substr(head.size()));
  }
};

class OnlyRecorder : public weft::protocols::LineOnlyReceiver {
 public:
  std::size_t lines = 0;
  void lineReceived(std::string_view line) override {
    WEFT_FUZZ_CHECK(line.size() <= MAX_LENGTH);
    WEFT_FUZZ_CHECK(line.find(delimiter) == std::string_view::npos);
    ++lines;
  }
};

struct Run {
  std::vector<std::string> events;
  bool disconnecting;
};

Run runLineReceiver(std::string_view data, std::size_t maxLength, const std::string& delimiter,
                    const std::vector<std::string_view>& chunks) {
  auto transport = std::make_shared<StringTransport>();
  auto p = std::make_shared<Recorder>();
  p->MAX_LENGTH = maxLength;
  p->delimiter = delimiter;
  p->makeConnection(transport);
  if (chunks.empty()) {
    p->dataReceived(data);
  } else {
    for (auto c : chunks) p->dataReceived(c);
  }
  return {p->events, transport->disconnecting()};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  weft::fuzz::Input in(data, size);
  const std::size_t maxLength = 1 + in.byte() % 64;
  const std::uint8_t flags = in.byte();
  const std::string delimiter = (flags & 1) ? "\n" : "\r\n";
  const std::uint32_t seed = in.byte();
  const std::string_view body = in.rest();

  const Run whole = runLineReceiver(body, maxLength, delimiter, {});
  const Run chunked =
      runLineReceiver(body, maxLength, delimiter, weft::fuzz::chunk(body, seed, 1 + seed % 16));
  const Run bytes = runLineReceiver(body, maxLength, delimiter, weft::fuzz::chunk(body, 0, 1));
  WEFT_FUZZ_CHECK(whole.events == chunked.events);
  WEFT_FUZZ_CHECK(whole.events == bytes.events);
  WEFT_FUZZ_CHECK(whole.disconnecting == chunked.disconnecting);
  WEFT_FUZZ_CHECK(whole.disconnecting == bytes.disconnecting);

  // LineOnlyReceiver: only the length invariant (a partial delimiter at a chunk boundary
  // may count toward the limit, as in Twisted).
  for (std::size_t maxChunk : {std::size_t{1}, std::size_t{7}, body.size() + 1}) {
    auto transport = std::make_shared<StringTransport>();
    auto p = std::make_shared<OnlyRecorder>();
    p->MAX_LENGTH = maxLength;
    p->delimiter = delimiter;
    p->makeConnection(transport);
    for (auto c : weft::fuzz::chunk(body, seed, maxChunk)) p->dataReceived(c);
  }
  return 0;
}
