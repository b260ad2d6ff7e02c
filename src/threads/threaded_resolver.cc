#include "weft/threads/threaded_resolver.h"

#include "weft/base/error.h"
#include "weft/defer/failure.h"
#include "weft/defer/outcome.h"
#include "weft/internet/threads.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <numeric>
#include <sys/socket.h>
#include <utility>

namespace weft {
namespace {

constexpr double kDefaultTimeout = 60.0;  // Twisted's fallback for an empty sequence

// One lookup in flight; reactor thread only. The lookup's completion owns it; the timeout
// call only observes it (weak), so no cycle keeps it alive through the timer.
struct Query {
  std::string name;
  Deferred<std::string> user;
  DelayedCallPtr timeoutCall;
  bool done = false;
};

Failure lookupFailure(const std::string& name, const std::string& why) {
  // Python's "address %r not found: %s".
  return Failure(error::DNSLookupError("address '" + name + "' not found: " + why));
}

// Fires the user's Deferred once. A user who cancelled it has already fired it.
void finishQuery(Query& query, Outcome<std::string> outcome) {
  if (query.done) return;  // the timeout came first: a late answer is dropped
  query.done = true;
  if (query.timeoutCall && query.timeoutCall->active()) query.timeoutCall->cancel();
  query.timeoutCall = nullptr;
  if (query.user.called()) return;
  if (outcome.ok()) {
    query.user.callback(std::move(outcome).value());
  } else {
    query.user.errback(lookupFailure(query.name, outcome.failure().getErrorMessage()));
  }
}

void timeOutQuery(Query& query) {
  if (query.done) return;
  query.done = true;
  query.timeoutCall = nullptr;
  if (query.user.called()) return;
  query.user.errback(lookupFailure(query.name, "timeout error"));
}

bool isIPv4Literal(const std::string& name) {
  in_addr addr{};
  return inet_pton(AF_INET, name.c_str(), &addr) == 1;
}

}  // namespace

ThreadedResolver::ThreadedResolver(IReactorTime& time, IReactorFromThreads& fromThreads)
    : ThreadedResolver(time, fromThreads, &ThreadedResolver::getaddrinfoLookup) {}

ThreadedResolver::ThreadedResolver(IReactorTime& time, IReactorFromThreads& fromThreads,
                                   LookupFunction lookup, int maxThreads)
    : time_(time),
      fromThreads_(fromThreads),
      lookup_(std::make_shared<const LookupFunction>(std::move(lookup))),
      pool_(0, maxThreads, "resolver") {
  if (!*lookup_) throw error::ValueError("ThreadedResolver: empty lookup function");
  if (maxThreads < 1) throw error::ValueError("ThreadedResolver: maxThreads must be at least 1");
  pool_.start();  // minimum 0: no thread exists until the first lookup
}

ThreadedResolver::~ThreadedResolver() { pool_.stop(); }

Deferred<std::string> ThreadedResolver::getHostByName(std::string_view name,
                                                      std::vector<int> timeout) {
  std::string host(name);
  if (host.empty()) return succeed(std::string("0.0.0.0"));
  if (isIPv4Literal(host)) return succeed(std::move(host));

  double delay = timeout.empty()
                     ? kDefaultTimeout
                     : static_cast<double>(std::accumulate(timeout.begin(), timeout.end(), 0LL));
  auto query = std::make_shared<Query>();
  query->name = host;
  query->timeoutCall = time_.callLater(Seconds(delay), [weak = std::weak_ptr<Query>(query)] {
    if (auto q = weak.lock()) timeOutQuery(*q);
  });
  Deferred<std::string> user = query->user;

  Deferred<std::string> lookup = deferToThreadPool(
      fromThreads_, pool_, [fn = lookup_, host = std::move(host)] { return (*fn)(host); });
  static_cast<void>(lookup.addBoth(
      [query](Outcome<std::string> outcome) { finishQuery(*query, std::move(outcome)); }));
  return user;
}

std::string ThreadedResolver::getaddrinfoLookup(const std::string& name) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
#ifdef AI_IDN
  hints.ai_flags = AI_IDN;
#endif
  addrinfo* results = nullptr;
  int rc = getaddrinfo(name.c_str(), nullptr, &hints, &results);
  if (rc != 0) {
    throw error::DNSLookupError("[Errno " + std::to_string(rc) + "] " + gai_strerror(rc));
  }
  std::string address;
  for (addrinfo* ai = results; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family != AF_INET) continue;
    char text[INET_ADDRSTRLEN] = {};
    const auto* sin = reinterpret_cast<const sockaddr_in*>(ai->ai_addr);
    if (inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text)) != nullptr) {
      address = text;
      break;
    }
  }
  freeaddrinfo(results);
  if (address.empty())
    throw error::DNSLookupError("[Errno -5] No address associated with hostname");
  return address;
}

}  // namespace weft
