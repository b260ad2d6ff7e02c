// chat_server: the classic multi-user line chat (protocol in chat.h).
//
//   chat_server [--port N]     (default 8000; runs until Ctrl-C / SIGTERM)
//   then, from two terminals:  nc -C 127.0.0.1 N   (type a nickname, then talk; /quit)
#include "chat.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
  int port = 8000;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
      port = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s [--port N]\n", argv[0]);
      return 2;
    }
  }
  auto reactor = weft::makeReactor();
  try {
    reactor->listenTCP(port, chat::makeFactory());
  } catch (const weft::error::CannotListenError& e) {
    std::fprintf(stderr, "chat_server: %s\n", e.what());
    return 1;
  }
  reactor->run();
  return 0;
}
