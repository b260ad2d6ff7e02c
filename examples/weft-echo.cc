// weft-echo: the echo server that joins the shared echo benchmark (shared/bench/run.sh).
//
//   weft-echo --port N [--nodelay]
//
// Listens on 127.0.0.1:N (backlog 1024, as every server in the benchmark) and echoes until
// SIGINT/SIGTERM, then exits 0. The hot path is dataReceived -> transport->write: the
// transport copies the bytes into its write buffer and sends everything written during one
// loop iteration with one writev, so a steady echo costs one read and one write per message.
// Nothing is logged per connection or per message.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <weft/weft.h>

namespace {

bool noDelay = false;

class Echo final : public weft::Protocol {
 public:
  void connectionMade() override {
    // --nodelay: replies leave at once instead of waiting for the peer's ACK (Nagle). Off
    // by default, as in every other server of the benchmark.
    if (!noDelay) return;
    if (auto* tcp = dynamic_cast<weft::ITCPTransport*>(transport.get())) tcp->setTcpNoDelay(true);
  }
  void dataReceived(std::string_view data) override { transport->write(data); }
};

}  // namespace

int main(int argc, char** argv) {
  int port = -1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
      port = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--nodelay") == 0) {
      noDelay = true;
    } else if (std::strcmp(argv[i], "--no-nodelay") == 0) {  // the default; kept for scripts
      noDelay = false;
    } else {
      port = -1;
      break;
    }
  }
  if (port < 0) {
    std::fprintf(stderr, "usage: %s --port N [--nodelay]\n", argv[0]);
    return 2;
  }
  auto reactor = weft::makeReactor();
  try {
    reactor->listenTCP(port, weft::Factory::forProtocol<Echo>(),
                       {.backlog = 1024, .interface = "127.0.0.1"});
  } catch (const weft::error::CannotListenError& e) {
    std::fprintf(stderr, "weft-echo: %s\n", e.what());
    return 1;
  }
  reactor->run();  // SIGINT / SIGTERM: a clean stop
  return 0;
}
