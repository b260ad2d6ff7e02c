// echo_server: Twisted's echoserv.py. Echoes every byte back to whoever sent it.
//
//   echo_server [--port N]     (default 8000; runs until Ctrl-C / SIGTERM)
//   then, elsewhere:  echo_client --port N   or   nc 127.0.0.1 N
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <weft/weft.h>

namespace {

// class Echo(Protocol): def dataReceived(self, data): self.transport.write(data)
class Echo : public weft::Protocol {
 public:
  void dataReceived(std::string_view data) override { transport->write(data); }
};

int parsePort(int argc, char** argv, int fallback) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--port") == 0 && i + 1 < argc) return std::atoi(argv[++i]);
    std::fprintf(stderr, "usage: %s [--port N]\n", argv[0]);
    std::exit(2);
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  int port = parsePort(argc, argv, 8000);
  auto reactor = weft::makeReactor();
  try {
    reactor->listenTCP(port, weft::Factory::forProtocol<Echo>());
  } catch (const weft::error::CannotListenError& e) {
    std::fprintf(stderr, "echo_server: %s\n", e.what());
    return 1;
  }
  reactor->run();  // SIGINT / SIGTERM stop it cleanly
  return 0;
}
