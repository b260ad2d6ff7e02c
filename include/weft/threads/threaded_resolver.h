// weft::ThreadedResolver: the reactor's default IResolverSimple (twisted.internet.base.
// ThreadedResolver). Each lookup runs a blocking function on the resolver's own small thread
// pool, never the user's, and its Deferred fires on the reactor thread.
//
// Behaviour (Twisted 22.4, DNS-06):
//   - The timeout is the sum of the `timeout` sequence (60 s when it is empty), measured on
//     the IReactorTime given at construction. When it runs out the Deferred fails with
//     error::DNSLookupError("address 'NAME' not found: timeout error") -- Twisted's
//     ThreadedResolver reports a timeout as a DNSLookupError, not as error::TimeoutError --
//     and the answer, when it comes later, is dropped.
//   - A failed lookup fails with error::DNSLookupError("address 'NAME' not found: WHY"),
//     WHY being the message of whatever the lookup function threw.
//   - A dotted-quad IPv4 literal resolves to itself at once (an already-fired Deferred),
//     without a thread; "" resolves to "0.0.0.0" like socket.gethostbyname("").
//
// Thread affinity: construct, call and destroy on the reactor thread. The reactor
// (IReactorTime, IReactorFromThreads) must outlive the resolver. Destruction stops the pool:
// it waits for lookups in progress to return (their answers still reach the reactor and fire
// the Deferreds), but no worker ever touches the resolver after it is gone.
#pragma once

#include "weft/defer/deferred.h"
#include "weft/internet/interfaces.h"
#include "weft/internet/time.h"
#include "weft/threads/thread_pool.h"

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace weft {

class ThreadedResolver final : public IResolverSimple {
 public:
  // A blocking lookup: returns name's IPv4 address as a dotted quad, or throws. Called on the
  // resolver's threads, possibly on several at once.
  using LookupFunction = std::function<std::string(const std::string& name)>;

  static constexpr int kDefaultMaxThreads = 2;

  // Uses getaddrinfoLookup.
  ThreadedResolver(IReactorTime& time, IReactorFromThreads& fromThreads);
  // Uses `lookup` (tests inject a deterministic one) on at most maxThreads threads.
  ThreadedResolver(IReactorTime& time, IReactorFromThreads& fromThreads, LookupFunction lookup,
                   int maxThreads = kDefaultMaxThreads);
  ~ThreadedResolver() override;
  ThreadedResolver(const ThreadedResolver&) = delete;
  ThreadedResolver& operator=(const ThreadedResolver&) = delete;

  Deferred<std::string> getHostByName(std::string_view name,
                                      std::vector<int> timeout = {1, 3, 11, 45}) override;

  // The default lookup: getaddrinfo(name) restricted to AF_INET (with AI_IDN, so non-ASCII
  // names are IDNA-encoded), the first address as a dotted quad. Throws error::DNSLookupError
  // ("[Errno N] <gai_strerror>") on failure. Thread-safe.
  static std::string getaddrinfoLookup(const std::string& name);

 private:
  IReactorTime& time_;
  IReactorFromThreads& fromThreads_;
  std::shared_ptr<const LookupFunction> lookup_;  // shared with the jobs in flight
  ThreadPool pool_;
};

}  // namespace weft
