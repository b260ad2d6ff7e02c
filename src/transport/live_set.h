// LiveSet: every live TCP connection and listening port of one reactor, whether or not it is
// registered for I/O. A connection whose reading is paused and whose buffer is empty has no
// reactor registration, so the reactor's disconnectAll ('during shutdown') cannot see it; the
// composition root owns one LiveSet per reactor and closes what is left in it right after
// disconnectAll, so every protocol gets connectionLost and the protocol <-> transport cycle
// is broken (nothing leaks). Members are held weakly: the set never keeps anything alive.
//
// Thread affinity: the reactor thread only.
#pragma once

#include "weft/defer/failure.h"

#include <cstddef>
#include <memory>
#include <unordered_map>

namespace weft::tcp {

// A connection or a port the LiveSet can close.
class LiveMember {
 public:
  virtual ~LiveMember() = default;
  // Shutdown: close now and tell the protocol (or the factory) with reason, exactly as the
  // reactor's disconnectAll does for registered descriptors.
  virtual void closeAtShutdown(const Failure& reason) = 0;
  // The reactor is being destroyed without having shut down: release the socket and drop
  // the protocol (breaking the protocol <-> transport cycle) without calling anything.
  virtual void abandon() = 0;
};

class LiveSet {
 public:
  LiveSet() = default;
  LiveSet(const LiveSet&) = delete;
  LiveSet& operator=(const LiveSet&) = delete;

  void add(const std::shared_ptr<LiveMember>& member);
  void remove(const LiveMember* member);
  std::size_t size() const noexcept { return members_.size(); }

  // closeAtShutdown(reason) on every member present when the call starts; an exception from
  // one (a factory's stopFactory) is logged and the others are still closed.
  void closeAll(const Failure& reason);
  // abandon() on every member.
  void abandonAll();

 private:
  std::unordered_map<const LiveMember*, std::weak_ptr<LiveMember>> members_;
};

}  // namespace weft::tcp
