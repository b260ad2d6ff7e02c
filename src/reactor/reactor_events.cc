// ReactorBase: system events, callWhenRunning and name resolution.
#include "reactor/reactor_base.h"

#include "weft/base/error.h"

#include <arpa/inet.h>

namespace weft {

TriggerId ReactorBase::addTrigger(std::string_view phase, std::string_view eventType,
                                  SystemEventTrigger trigger) {
  assertIOThread("addSystemEventTrigger()");
  return events_.add(phase, eventType, std::move(trigger));
}

void ReactorBase::removeSystemEventTrigger(const TriggerId& id) {
  assertIOThread("removeSystemEventTrigger()");
  events_.remove(id);
}

void ReactorBase::fireSystemEvent(std::string_view eventType) {
  assertIOThread("fireSystemEvent()");
  events_.fire(eventType);
}

std::optional<TriggerId> ReactorBase::callWhenRunningImpl(Function<void()> f) {
  assertIOThread("callWhenRunning()");
  if (running()) {
    f();
    return std::nullopt;
  }
  return events_.add("after", "startup",
                     [f = std::move(f)]() mutable -> std::optional<Deferred<void>> {
                       f();
                       return std::nullopt;
                     });
}

std::shared_ptr<IResolverSimple> ReactorBase::installResolver(
    std::shared_ptr<IResolverSimple> resolver) {
  assertIOThread("installResolver()");
  std::swap(resolver_, resolver);
  return resolver;
}

Deferred<std::string> ReactorBase::resolve(std::string_view name, std::vector<int> timeout) {
  assertIOThread("resolve()");
  // As Twisted's ReactorBase.resolve: "" and IPv4 literals need no resolver.
  if (name.empty()) return succeed(std::string("0.0.0.0"));
  std::string host(name);
  in_addr addr{};
  if (::inet_pton(AF_INET, host.c_str(), &addr) == 1) return succeed(std::move(host));
  if (!resolver_) {
    return fail<std::string>(
        Failure(error::DNSLookupError("address '" + host + "' not found: no resolver installed")));
  }
  return resolver_->getHostByName(name, std::move(timeout));
}

}  // namespace weft
