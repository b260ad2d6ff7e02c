// echo_client: Twisted's echoclient.py. Connects to an echo server, sends a few lines,
// prints each echo, then hangs up; exits 0 when every line came back.
//
//   echo_client [--host H] [--port N]     (defaults 127.0.0.1 and 8000)
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>
#include <weft/weft.h>

namespace {

const std::vector<std::string> kLines = {"hello, world", "what a fine day it is", "bye-bye!"};

class EchoClient : public weft::protocols::LineReceiver {
 public:
  explicit EchoClient(std::shared_ptr<int> echoed) : echoed_(std::move(echoed)) {}

  void connectionMade() override {
    for (const std::string& line : kLines) sendLine(line);
  }
  void lineReceived(std::string_view line) override {
    std::printf("echo: %.*s\n", static_cast<int>(line.size()), line.data());
    if (++*echoed_ == static_cast<int>(kLines.size())) transport->loseConnection();
  }

 private:
  std::shared_ptr<int> echoed_;
};

// Stops the reactor when the connection ends, either way.
class EchoClientFactory : public weft::ClientFactory {
 public:
  EchoClientFactory(weft::Reactor& reactor, std::shared_ptr<int> echoed)
      : reactor_(reactor), echoed_(echoed) {
    setProtocol([echoed]() -> std::shared_ptr<weft::IProtocol> {
      return std::make_shared<EchoClient>(echoed);
    });
  }
  void clientConnectionFailed(const std::shared_ptr<weft::IConnector>&,
                              const weft::Failure& reason) override {
    std::fprintf(stderr, "connection failed: %s\n", reason.getErrorMessage().c_str());
    reactor_.stop();
  }
  void clientConnectionLost(const std::shared_ptr<weft::IConnector>&,
                            const weft::Failure& reason) override {
    if (*echoed_ != static_cast<int>(kLines.size())) {
      std::fprintf(stderr, "connection lost: %s\n", reason.getErrorMessage().c_str());
    }
    reactor_.stop();
  }

 private:
  weft::Reactor& reactor_;
  std::shared_ptr<int> echoed_;
};

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  int port = 8000;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
      port = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--host") == 0 && i + 1 < argc) {
      host = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--host H] [--port N]\n", argv[0]);
      return 2;
    }
  }
  auto reactor = weft::makeReactor();
  auto echoed = std::make_shared<int>(0);
  reactor->connectTCP(host, port, std::make_shared<EchoClientFactory>(*reactor, echoed));
  reactor->run();
  return *echoed == static_cast<int>(kLines.size()) ? 0 : 1;
}
