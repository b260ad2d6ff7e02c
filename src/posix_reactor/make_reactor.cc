// The composition root: the one place that names concrete classes (the poller backend, the
// thread pool, the threaded resolver) and puts a reactor together.
#include "poller/poller.h"
#include "posix_reactor/tcp_methods.h"
#include "reactor/reactor_base.h"

#include "weft/internet/reactor.h"
#include "weft/threads/thread_pool.h"
#include "weft/threads/threaded_resolver.h"

#include <memory>

namespace weft {
namespace {

// Twisted's PosixReactorBase. Transports (listenTCP, ...) join it issue by issue.
class PosixReactor final : public TCPReactorBase {
 public:
  using TCPReactorBase::TCPReactorBase;
};

PollerBackend backendFor(PollerKind kind) {
  switch (kind) {
    case PollerKind::kEPoll:
      return PollerBackend::kEPoll;
    case PollerKind::kPoll:
      return PollerBackend::kPoll;
    case PollerKind::kDefault:
      break;
  }
  return pollerBackendFromEnvironment();
}

PollerKind kindOf(PollerBackend backend) {
  return backend == PollerBackend::kPoll ? PollerKind::kPoll : PollerKind::kEPoll;
}

}  // namespace

std::string_view pollerName(PollerKind kind) {
  switch (kind) {
    case PollerKind::kDefault:
      return "default";
    case PollerKind::kEPoll:
      return "epoll";
    case PollerKind::kPoll:
      return "poll";
  }
  return "unknown";
}

std::unique_ptr<Reactor> makeReactor(ReactorOptions options) {
  PollerBackend backend = backendFor(options.poller);
  ReactorBaseOptions base;
  base.poller = makePoller(backend);
  base.kind = kindOf(backend);
  base.threadPoolFactory = []() -> std::unique_ptr<IThreadPool> {
    return std::make_unique<ThreadPool>(0, 10, "reactor");
  };
  auto reactor = std::make_unique<PosixReactor>(std::move(base));
  reactor->installResolver(std::make_shared<ThreadedResolver>(*reactor, *reactor));
  return reactor;
}

}  // namespace weft
