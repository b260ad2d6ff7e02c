// ReactorBase: the reactor core every concrete reactor is built on (Twisted's ReactorBase +
// PosixReactorBase without transports): the run/stop/crash state machine, system events,
// timed calls (TimerQueue), the callFromThread queue and its eventfd waker, SIGINT/SIGTERM
// through a wakeup pipe, the IReactorFDSet registry over a private Poller, the thread pool
// (made by an injected factory) and the pluggable resolver.
//
// One iteration (docs/loop.md): run due timed calls; run thread calls; fire 'shutdown' if
// stop() asked for it; flush (callBeforeWait calls, then pre-poll hooks); wait for I/O with
// a timeout from the timer heap; dispatch I/O; flush again; finish closes (deferClose
// calls, then release whatever was removed during the iteration).
//
// Thread affinity: the reactor thread (the thread running run(), or the creator before
// that) for everything except callFromThread and isInIOThread. Debug builds abort on a
// call from another thread.
#pragma once

#include "poller/poller.h"
#include "reactor/fd_registry.h"
#include "reactor/signals.h"
#include "reactor/system_events.h"
#include "reactor/thread_calls.h"

#include "weft/base/function.h"
#include "weft/internet/reactor.h"
#include "weft/internet/time.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace weft {

struct ReactorBaseOptions {
  std::unique_ptr<Poller> poller;  // required
  PollerKind kind = PollerKind::kEPoll;
  // Makes the thread pool on first getThreadPool()/callInThread(). Without one, those throw
  // error::RuntimeError.
  Function<std::unique_ptr<IThreadPool>()> threadPoolFactory;
  // The clock behind seconds(); a monotonic clock when empty. Tests inject a fake one.
  Function<double()> clock;
};

class ReactorBase : public Reactor {
 public:
  explicit ReactorBase(ReactorBaseOptions options);
  ~ReactorBase() override;
  ReactorBase(const ReactorBase&) = delete;
  ReactorBase& operator=(const ReactorBase&) = delete;

  // IReactorCore
  bool running() const override;
  void run(RunOptions options = {}) override;
  void stop() override;
  void crash() override;
  void iterate(Seconds delay = Seconds(0)) override;
  void fireSystemEvent(std::string_view eventType) override;
  void removeSystemEventTrigger(const TriggerId& id) override;
  Deferred<std::string> resolve(std::string_view name,
                                std::vector<int> timeout = {1, 3, 11, 45}) override;

  // IReactorTime
  double seconds() const override;
  std::vector<DelayedCallPtr> getDelayedCalls() const override;
  void cancelCallLater(const DelayedCallPtr& call) override;

  // IReactorThreads
  IThreadPool& getThreadPool() override;
  void suggestThreadPoolSize(int size) override;
  bool isInIOThread() const override;

  // IReactorFDSet
  void addReader(std::shared_ptr<IReadDescriptor> reader) override;
  void addWriter(std::shared_ptr<IWriteDescriptor> writer) override;
  void removeReader(const std::shared_ptr<IReadDescriptor>& reader) override;
  void removeWriter(const std::shared_ptr<IWriteDescriptor>& writer) override;
  std::vector<std::shared_ptr<IFileDescriptor>> removeAll() override;
  std::vector<std::shared_ptr<IReadDescriptor>> getReaders() const override;
  std::vector<std::shared_ptr<IWriteDescriptor>> getWriters() const override;

  // IReactorPluggableResolver
  std::shared_ptr<IResolverSimple> installResolver(
      std::shared_ptr<IResolverSimple> resolver) override;

  PollerKind pollerKind() const override { return kind_; }

  // --- Internal API (for the composition root and the transports it wires) ---------------

  // Cheap fd registration for transports. addReader/addWriter of what is registered, and
  // these of what is not, cost one hash lookup and no system call; a real change costs one
  // poller call. These take the descriptor's address, so no shared_ptr is needed to stop.
  void stopReading(const IFileDescriptor* d);
  void stopWriting(const IFileDescriptor* d);
  bool isReading(const IFileDescriptor* d) const { return fds_.isReading(d); }
  bool isWriting(const IFileDescriptor* d) const { return fds_.isWriting(d); }

  // Reactor::callBeforeWait: runs f once in the next flush phase. There is one before the
  // wait (for calls made by timed calls and thread calls) and one after I/O dispatch (for
  // calls made by doRead/doWrite), so f always runs before the loop next waits and before
  // iterate() returns. A transport queues itself when its write buffer first becomes dirty,
  // then writes everything with one writev. Calls made by a flush run in the same phase.
  void callBeforeWait(Function<void()> f) override;
  // A hook run in every flush phase, after the queued calls. Returns its id.
  using HookId = std::uint64_t;
  HookId addPrePollHook(Function<void()> f);
  void removePrePollHook(HookId id);
  // Runs f once in the finish-closes phase of the current iteration, after I/O dispatch:
  // where a transport completes a close that loseConnection() asked for inside a callback.
  void deferClose(Function<void()> f);

  // An internal reader: f runs when fd is readable. Excluded from getReaders/removeAll.
  void addInternalReader(int fd, Function<void()> onReadable);
  void removeInternalReader(int fd);

  // How long the next wait may block, in seconds: nullopt when nothing is scheduled (block
  // until I/O), else the time until the earliest timed call, never negative (TIME-17).
  std::optional<double> timeout() const;
  // The wait timeout in ms for timeout(): rounded up to the next ms, capped at INT_MAX.
  static int timeoutMillis(std::optional<double> seconds);
  // The signal that stopped the reactor (SIGINT or SIGTERM), if one did (CORE-25).
  std::optional<int> exitSignal() const override { return exitSignal_; }
  // Number of iterations run so far (for tests and diagnostics).
  std::uint64_t iterations() const { return iterations_; }

 protected:
  TriggerId addTrigger(std::string_view phase, std::string_view eventType,
                       SystemEventTrigger trigger) override;
  std::optional<TriggerId> callWhenRunningImpl(Function<void()> f) override;
  DelayedCallPtr scheduleCall(Seconds delay, Function<void()> f) override;
  void callFromThreadImpl(Function<void()> f) override;
  void callInThreadImpl(Function<void()> f) override;

 private:
  // kIdle: never ran. kStarting: run() fired 'startup', the 'during' phase has not come yet
  // (running() is false). kRunning: running. kStopping: stop() was called; 'shutdown' fires
  // from the loop, whose 'during' phase ends the loop. kStopped: ended by stop(); never
  // again. kCrashed: ended by crash(); run() may start it again.
  enum class State : std::uint8_t { kIdle, kStarting, kRunning, kStopping, kStopped, kCrashed };

  void transition(State to);
  bool loopActive() const;
  void assertIOThread(const char* what) const;
  void iteration(std::optional<int> waitMs);
  void flushPhase();
  void finishClosesPhase();
  void reallyStartRunning();
  void addStartupTrigger();
  void onSignals();
  void initThreadPool();
  void stopThreadPool();

  std::unique_ptr<Poller> poller_;
  PollerKind kind_;
  mutable Function<double()> clock_;
  Function<std::unique_ptr<IThreadPool>()> threadPoolFactory_;
  FdRegistry fds_;
  TimerQueue timers_;
  SystemEvents events_;
  ThreadCallQueue threadCalls_;
  SignalWakeup signals_;

  State state_ = State::kIdle;
  bool shutdownPending_ = false;
  bool startTriggerPending_ = false;
  bool installSignalHandlers_ = false;
  std::optional<int> exitSignal_;
  std::atomic<std::thread::id> ioThread_;
  std::uint64_t iterations_ = 0;

  std::vector<Function<void()>> flushQueue_;
  std::vector<Function<void()>> flushBatch_;
  std::vector<std::pair<HookId, Function<void()>>> prePollHooks_;
  HookId nextHookId_ = 1;
  std::vector<Function<void()>> closeQueue_;

  std::unique_ptr<IThreadPool> pool_;
  std::vector<std::unique_ptr<IThreadPool>> retiredPools_;  // stopped; kept for old references
  std::optional<TriggerId> poolStartId_;
  std::optional<TriggerId> poolStopId_;

  std::shared_ptr<IResolverSimple> resolver_;
};

}  // namespace weft
