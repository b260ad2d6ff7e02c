// idle_connections: opens N idle TCP connections to HOST:PORT, for measuring what an idle
// connection costs a server (tools/bench_echo.sh reads the server's RSS around it).
//
//   idle_connections HOST PORT N [--echo]
//
// Raises RLIMIT_NOFILE (within the hard limit), connects N sockets one after another, then
// prints "connected N" and waits for a line on stdin. With --echo it then sends one byte on
// every connection, reads each echo back, prints "echoed N" and waits for another line.
// Everything closes when it exits (at EOF on stdin, or after 120 s in any case).
// Plain POSIX: no weft, so the client measures only the server.
#include <arpa/inet.h>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <netinet/in.h>
#include <poll.h>
#include <string>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace {

time_t deadline = 0;

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "idle_connections: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

// Waits for a line on stdin, at most until the deadline.
bool waitForLine() {
  pollfd p{0, POLLIN, 0};
  long left = static_cast<long>(deadline - std::time(nullptr));
  if (left <= 0 || ::poll(&p, 1, static_cast<int>(left * 1000)) <= 0) return false;
  char line[64];
  return std::fgets(line, sizeof line, stdin) != nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s HOST PORT N [--echo]\n", argv[0]);
    return 2;
  }
  const char* host = argv[1];
  int port = std::atoi(argv[2]);
  long n = std::atol(argv[3]);
  bool echo = argc > 4 && std::strcmp(argv[4], "--echo") == 0;
  if (n <= 0 || n > 50000) {
    std::fprintf(stderr, "N must be in 1..50000\n");
    return 2;
  }
  deadline = std::time(nullptr) + 120;

  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  rlim_t want = static_cast<rlim_t>(n) + 64;
  if (lim.rlim_cur < want) {
    lim.rlim_cur = want < lim.rlim_max ? want : lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) die("setrlimit");
    if (lim.rlim_cur < want) {
      std::fprintf(stderr, "hard limit on descriptors (%lu) is below %ld\n",
                   static_cast<unsigned long>(lim.rlim_max), n + 64);
      return 1;
    }
  }

  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
    std::fprintf(stderr, "HOST must be an IPv4 literal\n");
    return 2;
  }
  std::vector<int> fds;
  fds.reserve(static_cast<std::size_t>(n));
  for (long i = 0; i < n; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) die("socket");
    timeval five{5, 0};  // a server that never answers cannot hang the echo phase
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &five, sizeof five);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) die("connect");
    fds.push_back(fd);
    if (std::time(nullptr) > deadline) die("timed out connecting");
  }
  std::printf("connected %ld\n", n);
  std::fflush(stdout);
  if (!waitForLine()) return 0;

  if (echo) {
    for (int fd : fds) {
      char c = 'x';
      if (::send(fd, &c, 1, MSG_NOSIGNAL) != 1) die("send");
      if (::recv(fd, &c, 1, 0) != 1) die("recv");
    }
    std::printf("echoed %ld\n", n);
    std::fflush(stdout);
    waitForLine();
  }
  return 0;  // exit closes every socket
}
