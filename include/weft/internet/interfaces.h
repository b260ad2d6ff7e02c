// The reactor-side interfaces of the seed (twisted/internet/interfaces.py): IReactorCore,
// IReactorThreads (IReactorFromThreads + IReactorInThreads), IReactorFDSet and the
// descriptor interfaces, IResolverSimple and IReactorPluggableResolver, ILoggingContext.
// IReactorTime and IDelayedCall are in weft/internet/time.h.
//
// Python's *args become decayed copies in the variadic front ends; keywords become option
// structs. Every method is for the reactor thread unless it says otherwise.
#pragma once

#include "weft/base/function.h"
#include "weft/base/time.h"
#include "weft/defer/deferred.h"
#include "weft/defer/failure.h"
#include "weft/internet/time.h"

#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace weft {

namespace detail {
// Wraps f(args...) (decayed copies) as one nullary callable returning whatever f returns.
template <class F, class... A>
auto bindArgs(F&& f, A&&... args) {
  if constexpr (sizeof...(A) == 0) {
    return std::forward<F>(f);
  } else {
    return [fn = std::forward<F>(f), ... a = std::forward<A>(args)]() mutable -> decltype(auto) {
      return std::invoke(fn, a...);
    };
  }
}
}  // namespace detail

// Seed: ILoggingContext. The "system" that log events carry while this object runs.
class ILoggingContext {
 public:
  virtual ~ILoggingContext() = default;
  virtual std::string logPrefix() const { return "-"; }
};

// ---------------------------------------------------------------------------------------
// IReactorCore

// Identifies a system event trigger: Twisted's (phase, eventType, trigger) tuple. A
// default-constructed id (id == 0) is Python's None.
struct TriggerId {
  std::string phase;
  std::string eventType;
  std::uint64_t id = 0;
};

struct RunOptions {
  // SIGINT and SIGTERM stop the reactor cleanly (through a wakeup fd, never in the handler).
  bool installSignalHandlers = true;
};

class IReactorCore {
 public:
  virtual ~IReactorCore() = default;

  // True while the reactor is running (from the 'during startup' phase on).
  virtual bool running() const = 0;
  // Fires 'startup', runs the loop until stop() or crash(). After stop() has completed,
  // run() throws error::ReactorNotRestartable; re-entrantly, error::ReactorAlreadyRunning.
  virtual void run(RunOptions options = {}) = 0;
  // Fires 'shutdown' (later, from the loop) and ends run(). Throws
  // error::ReactorNotRunning when the reactor is not running or is already stopping.
  virtual void stop() = 0;
  // Ends the loop at once without firing shutdown triggers; run() may be called again.
  virtual void crash() = 0;
  // Runs one iteration, waiting at most `delay` for I/O.
  virtual void iterate(Seconds delay = Seconds(0)) = 0;
  // Runs the before, during and after triggers of eventType. 'during' waits for every
  // Deferred returned by a 'before' trigger.
  virtual void fireSystemEvent(std::string_view eventType) = 0;

  // Adds a trigger f(args...) to run at `phase` ("before", "during" or "after"; anything
  // else throws error::KeyError) of eventType ("startup", "shutdown", or your own). A
  // 'before' trigger may return a Deferred; the 'during' phase then waits for it.
  template <class F, class... A>
  TriggerId addSystemEventTrigger(std::string_view phase, std::string_view eventType, F&& f,
                                  A&&... args) {
    return addTrigger(phase, eventType,
                      wrapTrigger(detail::bindArgs(std::forward<F>(f), std::forward<A>(args)...)));
  }
  // Throws error::TypeError for a null id, error::ValueError for an unknown or already
  // removed one, error::KeyError for an id with an unknown phase.
  virtual void removeSystemEventTrigger(const TriggerId& id) = 0;

  // Runs f(args...) now if the reactor is running (returns nullopt); otherwise registers
  // it as an 'after startup' trigger and returns its id.
  template <class F, class... A>
  std::optional<TriggerId> callWhenRunning(F&& f, A&&... args) {
    return callWhenRunningImpl(
        Function<void()>(detail::bindArgs(std::forward<F>(f), std::forward<A>(args)...)));
  }

  // Resolves a host name to one IPv4 dotted-quad address through the installed
  // IResolverSimple. Fails with error::DNSLookupError.
  virtual Deferred<std::string> resolve(std::string_view name,
                                        std::vector<int> timeout = {1, 3, 11, 45}) = 0;

 protected:
  using SystemEventTrigger = Function<std::optional<Deferred<void>>()>;
  virtual TriggerId addTrigger(std::string_view phase, std::string_view eventType,
                               SystemEventTrigger trigger) = 0;
  virtual std::optional<TriggerId> callWhenRunningImpl(Function<void()> f) = 0;

 private:
  template <class G>
  static SystemEventTrigger wrapTrigger(G g) {
    using R = std::invoke_result_t<G&>;
    if constexpr (std::is_void_v<R>) {
      return [g = std::move(g)]() mutable -> std::optional<Deferred<void>> {
        g();
        return std::nullopt;
      };
    } else if constexpr (std::is_same_v<R, Deferred<void>>) {
      return [g = std::move(g)]() mutable -> std::optional<Deferred<void>> { return g(); };
    } else if constexpr (IsDeferred<R>::value) {
      return [g = std::move(g)]() mutable -> std::optional<Deferred<void>> {
        return g().addCallback([](auto&&) {});
      };
    } else {
      return [g = std::move(g)]() mutable -> std::optional<Deferred<void>> {
        static_cast<void>(g());
        return std::nullopt;
      };
    }
  }
};

// ---------------------------------------------------------------------------------------
// IReactorThreads

// Seed: IReactorFromThreads. callFromThread is the one thread-safe door into the reactor.
class IReactorFromThreads {
 public:
  virtual ~IReactorFromThreads() = default;
  // Thread-safe. Queues f(args...) to run on the reactor thread on its next iteration, in
  // FIFO order, waking the loop. Calls queued before run() wait until it runs.
  template <class F, class... A>
  void callFromThread(F&& f, A&&... args) {
    callFromThreadImpl(
        Function<void()>(detail::bindArgs(std::forward<F>(f), std::forward<A>(args)...)));
  }

 protected:
  virtual void callFromThreadImpl(Function<void()> f) = 0;
};

// A pool of worker threads (twisted.python.threadpool.ThreadPool's contract).
class IThreadPool {
 public:
  virtual ~IThreadPool() = default;
  // Thread-safe. Runs f on a worker thread (queued if all workers are busy).
  virtual void callInThread(Function<void()> f) = 0;
  // Starts at least `min` workers; further ones are started on demand up to `max`.
  virtual void start() = 0;
  // Waits for queued work to finish and joins every worker. Idempotent.
  virtual void stop() = 0;
  virtual void adjustPoolsize(int minThreads, int maxThreads) = 0;
  virtual int minThreads() const = 0;
  virtual int maxThreads() const = 0;
  virtual bool started() const = 0;
  // Number of worker threads alive now.
  virtual int workers() const = 0;
};

// Seed: IReactorInThreads.
class IReactorInThreads {
 public:
  virtual ~IReactorInThreads() = default;
  // Runs f(args...) on a thread of the reactor's pool.
  template <class F, class... A>
  void callInThread(F&& f, A&&... args) {
    callInThreadImpl(
        Function<void()>(detail::bindArgs(std::forward<F>(f), std::forward<A>(args)...)));
  }

 protected:
  virtual void callInThreadImpl(Function<void()> f) = 0;
};

// Seed: IReactorThreads.
class IReactorThreads : public IReactorFromThreads, public IReactorInThreads {
 public:
  // The reactor's pool: created lazily, started when the reactor runs, stopped during
  // shutdown.
  virtual IThreadPool& getThreadPool() = 0;
  virtual void suggestThreadPoolSize(int size) = 0;
  // Thread-safe. True on the thread running the reactor (or that created it, before run).
  virtual bool isInIOThread() const = 0;
};

// ---------------------------------------------------------------------------------------
// IReactorFDSet and the descriptors

class IEdgeTriggeredDescriptor;

// Seed: IFileDescriptor.
class IFileDescriptor : public virtual ILoggingContext {
 public:
  // The descriptor's fd, or -1 when it has none any more (the reactor then drops it and
  // calls connectionLost).
  virtual int fileno() const = 0;
  // Called once when the descriptor is removed because of loss or shutdown.
  virtual void connectionLost(const Failure& reason) = 0;
  // weft extension: this descriptor as an IEdgeTriggeredDescriptor, or null when it is not
  // one. The reactor asks each time the descriptor is added. The default finds out with a
  // dynamic_cast, which in a deep interface hierarchy costs a few thousand instructions; a
  // class that is one can answer `return this;` instead (the stream transports do).
  virtual const IEdgeTriggeredDescriptor* asEdgeTriggered() const;
};

// Seed: IReadDescriptor. doRead returns a Failure to report loss (e.g.
// error::ConnectionDone); the reactor then removes the descriptor and calls
// connectionLost(reason) once. An exception thrown by doRead counts as a returned Failure.
class IReadDescriptor : public virtual IFileDescriptor {
 public:
  virtual std::optional<Failure> doRead() = 0;
};

// Seed: IWriteDescriptor.
class IWriteDescriptor : public virtual IFileDescriptor {
 public:
  virtual std::optional<Failure> doWrite() = 0;
};

// Seed: IReadWriteDescriptor.
class IReadWriteDescriptor : public IReadDescriptor, public IWriteDescriptor {};

// Seed: IHalfCloseableDescriptor. A clean EOF on read calls readConnectionLost instead of
// connectionLost.
class IHalfCloseableDescriptor {
 public:
  virtual ~IHalfCloseableDescriptor() = default;
  virtual void writeConnectionLost(const Failure& reason) = 0;
  virtual void readConnectionLost(const Failure& reason) = 0;
};

// weft extension (no Twisted counterpart): a read/write descriptor that may be watched
// edge-triggered. When the backend can (epoll), the reactor then registers its fd once and
// makes no system call when its reading or writing interest changes, and the kernel does no
// work re-checking it after each event. In exchange the descriptor keeps this contract:
//  - doRead reads until the kernel has nothing more (a short read, EAGAIN, EOF or an
//    error), or says readDrained() == false, and the reactor calls doRead again in its next
//    iteration without waiting for new data;
//  - it registers as a writer only after a write found the kernel's buffer full, and
//    doWrite writes until the buffer is full again or nothing is left.
// The stream transports implement it. Backends without edges (poll) ignore it.
class IEdgeTriggeredDescriptor {
 public:
  virtual ~IEdgeTriggeredDescriptor() = default;
  // Asked after each doRead: false when the last read filled the space it was given, so
  // more may be waiting.
  virtual bool readDrained() const = 0;
};

inline const IEdgeTriggeredDescriptor* IFileDescriptor::asEdgeTriggered() const {
  return dynamic_cast<const IEdgeTriggeredDescriptor*>(this);
}

// Seed: ISystemHandle.
class ISystemHandle {
 public:
  virtual ~ISystemHandle() = default;
  virtual int getHandle() const = 0;
};

// Seed: IReactorFDSet. The reactor keeps a strong reference to each registered descriptor.
class IReactorFDSet {
 public:
  virtual ~IReactorFDSet() = default;
  virtual void addReader(std::shared_ptr<IReadDescriptor> reader) = 0;
  virtual void addWriter(std::shared_ptr<IWriteDescriptor> writer) = 0;
  virtual void removeReader(const std::shared_ptr<IReadDescriptor>& reader) = 0;
  virtual void removeWriter(const std::shared_ptr<IWriteDescriptor>& writer) = 0;
  // Removes and returns every user reader and writer (never the reactor's own waker).
  virtual std::vector<std::shared_ptr<IFileDescriptor>> removeAll() = 0;
  virtual std::vector<std::shared_ptr<IReadDescriptor>> getReaders() const = 0;
  virtual std::vector<std::shared_ptr<IWriteDescriptor>> getWriters() const = 0;
};

// ---------------------------------------------------------------------------------------
// Name resolution

// Seed: IResolverSimple.
class IResolverSimple {
 public:
  virtual ~IResolverSimple() = default;
  // Resolves name to one IPv4 address. `timeout` is the sequence of retry timeouts in
  // seconds (their sum bounds the whole lookup). Fails with error::DNSLookupError, also
  // when the time runs out ("address 'x' not found: timeout error"), as Twisted does.
  virtual Deferred<std::string> getHostByName(std::string_view name,
                                              std::vector<int> timeout = {1, 3, 11, 45}) = 0;
};

// Seed: IReactorPluggableResolver.
class IReactorPluggableResolver {
 public:
  virtual ~IReactorPluggableResolver() = default;
  // Installs resolver for resolve() and name-based connects; returns the previous one.
  virtual std::shared_ptr<IResolverSimple> installResolver(
      std::shared_ptr<IResolverSimple> resolver) = 0;
};

}  // namespace weft
