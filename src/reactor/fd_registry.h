// FdRegistry: the reactor's IReactorFDSet. Holds a strong reference to every registered
// reader and writer, keeps the poller's interest in step (one poller call per real change,
// none when nothing changed), waits, and dispatches doRead/doWrite with Twisted's rules
// (posixbase._PollLikeMixin._doReadOrWrite / _disconnectSelectable).
//
// Inside an iteration (between beginIteration() and finishIteration()) nothing removed is
// destroyed: removed descriptors and fd entries are parked until finishIteration(), so a
// descriptor that removes itself in doRead is still alive when doRead returns, and a stale
// event for a removed entry is recognised and skipped.
//
// Edges: where the poller supports them, an fd whose reader and writer are both
// IEdgeTriggeredDescriptor is registered edge-triggered for reading (and, from its first
// writer on, for writing too) and stays so while anything is registered: adding or removing
// its reader or writer then costs no poller call. Because an edge seen while nobody was
// reading is gone, a reader added to an fd that is already registered gets one speculative
// doRead in the next iteration; a reader whose doRead says readDrained() == false gets
// another, and so does every reader of an fd whose peer has shut down its writing
// (kPollPeerClosed, remembered): a short read does not show the end of file behind it, and
// its edge is gone. Those "again" reads make that iteration's wait non-blocking.
//
// Thread affinity: the reactor thread only.
#pragma once

#include "poller/poller.h"

#include "weft/base/function.h"
#include "weft/internet/interfaces.h"

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

namespace weft {

class FdRegistry {
 public:
  explicit FdRegistry(Poller& poller);
  ~FdRegistry();
  FdRegistry(const FdRegistry&) = delete;
  FdRegistry& operator=(const FdRegistry&) = delete;

  // Registering twice is a no-op. The fd is read with fileno() once, when the descriptor is
  // first registered; removal never calls fileno(). Throws error::ValueError for fileno()
  // -1, error::Error when the poller refuses the fd (nothing is registered then).
  void addReader(std::shared_ptr<IReadDescriptor> reader);
  void addWriter(std::shared_ptr<IWriteDescriptor> writer);
  void removeReader(const IFileDescriptor* d);
  void removeWriter(const IFileDescriptor* d);
  std::vector<std::shared_ptr<IFileDescriptor>> removeAll();
  std::vector<std::shared_ptr<IReadDescriptor>> getReaders() const;
  std::vector<std::shared_ptr<IWriteDescriptor>> getWriters() const;
  bool isReading(const IFileDescriptor* d) const;
  bool isWriting(const IFileDescriptor* d) const;

  // An internal reader (the waker, the signal pipe): invisible to getReaders/removeAll.
  void addInternalReader(int fd, Function<void()> onReadable);
  void removeInternalReader(int fd);

  void beginIteration() { parking_ = true; }
  // Waits at most timeoutMs (-1: no limit) and dispatches what is ready.
  void pollAndDispatch(int timeoutMs);
  // Releases what was removed during the iteration.
  void finishIteration();

 private:
  struct Entry {
    int fd;
    std::shared_ptr<IReadDescriptor> reader;
    std::shared_ptr<IWriteDescriptor> writer;
    Function<void()> internal;
    // The reader and writer as edge-capable descriptors (null when they are not).
    const IEdgeTriggeredDescriptor* edgeReader = nullptr;
    bool edgeWriter = false;
    std::uint8_t registered = kPollNone;  // interest the poller has
    bool dead = false;                    // detached from the table
    bool again = false;                   // in again_: read it next iteration
    bool due = false;                     // read it in this dispatch
    bool peerClosed = false;              // an edge fd saw kPollPeerClosed
  };

  Entry& entryFor(int fd);
  Entry* find(const IFileDescriptor* d) const;
  // Brings the poller in line with e's reader/writer; retires e when it is empty.
  void sync(Entry& e);
  void dropReader(Entry& e);
  void dropWriter(Entry& e);
  void forget(const IFileDescriptor* d, const Entry& e);
  void park(std::shared_ptr<const void> p);
  void dispatch(Entry& e, std::uint8_t events);
  std::optional<Failure> callRead(IReadDescriptor& r);
  std::optional<Failure> callWrite(Entry& e, IWriteDescriptor& w);
  void disconnect(IFileDescriptor& d, const Failure& why, bool isRead);
  // The interest e needs now (see the file comment for edges).
  std::uint8_t interestFor(const Entry& e) const;
  void readAgain(Entry& e);

  Poller& poller_;
  std::vector<std::unique_ptr<Entry>> table_;             // indexed by fd
  std::unordered_map<const IFileDescriptor*, int> fdOf_;  // registered descriptor -> fd
  std::vector<PollEvent> events_;
  std::vector<int> again_;  // fds whose reader gets doRead in the next dispatch
  std::vector<int> againNow_;
  bool edges_;  // the poller supports kPollEdge
  std::vector<std::unique_ptr<Entry>> deadEntries_;
  std::vector<std::shared_ptr<const void>> parked_;
  bool parking_ = false;
};

}  // namespace weft
