#include "reactor/fd_registry.h"

#include "weft/base/error.h"
#include "weft/base/log.h"

#include <string>

namespace weft {
namespace {

const IFileDescriptor* identity(const IFileDescriptor* d) { return d; }

template <class F>
void logged(const IFileDescriptor& d, const char* what, F&& f) {
  try {
    f();
  } catch (...) {
    log::error(
        std::string("Unhandled error in ") + what + ":\n" + Failure::current().getTraceback(),
        d.logPrefix());
  }
}

}  // namespace

FdRegistry::FdRegistry(Poller& poller) : poller_(poller), edges_(poller.supportsEdge()) {}

FdRegistry::~FdRegistry() {
  for (auto& e : table_) {
    if (e && e->registered != kPollNone) poller_.remove(e->fd);
  }
}

FdRegistry::Entry& FdRegistry::entryFor(int fd) {
  auto index = static_cast<std::size_t>(fd);
  if (index >= table_.size()) table_.resize(index + 1);
  if (!table_[index]) {
    table_[index] = std::make_unique<Entry>();
    table_[index]->fd = fd;
  }
  return *table_[index];
}

FdRegistry::Entry* FdRegistry::find(const IFileDescriptor* d) const {
  auto it = fdOf_.find(d);
  if (it == fdOf_.end()) return nullptr;
  return table_[static_cast<std::size_t>(it->second)].get();
}

void FdRegistry::park(std::shared_ptr<const void> p) {
  if (parking_ && p) parked_.push_back(std::move(p));
}

void FdRegistry::forget(const IFileDescriptor* d, const Entry& e) {
  if (identity(e.reader.get()) != d && identity(e.writer.get()) != d) fdOf_.erase(d);
}

void FdRegistry::dropReader(Entry& e) {
  const IFileDescriptor* d = e.reader.get();
  e.edgeReader = nullptr;
  park(std::move(e.reader));
  e.reader.reset();
  forget(d, e);
}

void FdRegistry::dropWriter(Entry& e) {
  const IFileDescriptor* d = e.writer.get();
  e.edgeWriter = false;
  park(std::move(e.writer));
  e.writer.reset();
  forget(d, e);
}

std::uint8_t FdRegistry::interestFor(const Entry& e) const {
  if (!e.reader && !e.writer && !e.internal) return kPollNone;
  bool edge = edges_ && !e.internal && (!e.reader || e.edgeReader != nullptr) &&
              (!e.writer || e.edgeWriter);
  if (!edge) {
    return (e.reader || e.internal ? kPollRead : kPollNone) | (e.writer ? kPollWrite : kPollNone);
  }
  // Reading stays registered even while paused, and writing once it has been wanted: the
  // interest then never changes on the steady path.
  bool write = e.writer || ((e.registered & kPollEdge) && (e.registered & kPollWrite));
  return kPollEdge | kPollRead | (write ? kPollWrite : kPollNone);
}

void FdRegistry::readAgain(Entry& e) {
  if (e.again) return;
  e.again = true;
  again_.push_back(e.fd);
}

void FdRegistry::sync(Entry& e) {
  std::uint8_t want = interestFor(e);
  if (want != e.registered) {
    if (want == kPollNone) {
      poller_.remove(e.fd);
    } else if (e.registered == kPollNone) {
      poller_.add(e.fd, want, &e);
    } else {
      poller_.modify(e.fd, want, &e);
    }
    e.registered = want;
  }
  if (want == kPollNone) {  // retire the entry; a stale event may still point at it
    auto& slot = table_[static_cast<std::size_t>(e.fd)];
    slot->dead = true;
    if (parking_) deadEntries_.push_back(std::move(slot));
    slot.reset();
  }
}

void FdRegistry::addReader(std::shared_ptr<IReadDescriptor> reader) {
  const IFileDescriptor* d = reader.get();
  if (Entry* e = find(d)) {
    if (e->reader.get() == reader.get()) return;
  }
  auto it = fdOf_.find(d);
  int fd = it != fdOf_.end() ? it->second : reader->fileno();
  if (fd < 0) throw error::ValueError("addReader: descriptor has no file descriptor (-1)");
  Entry& e = entryFor(fd);
  if (e.reader) {
    // Another descriptor still owns this fd number: it was closed without being removed
    // and the number reused. The kernel may have dropped the old registration: start over.
    dropReader(e);
    if (e.registered != kPollNone) poller_.remove(fd);
    e.registered = kPollNone;
    e.peerClosed = false;
  }
  // An edge that came while nobody was reading is gone: look once instead. (A new
  // registration needs no such look: the kernel reports what is already ready.)
  bool lookOnce = (e.registered & kPollEdge) != 0;
  e.edgeReader = reader->asEdgeTriggered();
  e.reader = std::move(reader);
  fdOf_[d] = fd;
  try {
    sync(e);
  } catch (...) {
    e.reader.reset();
    e.edgeReader = nullptr;
    forget(d, e);
    sync(e);
    throw;
  }
  if (lookOnce && (e.registered & kPollEdge)) readAgain(e);
}

void FdRegistry::addWriter(std::shared_ptr<IWriteDescriptor> writer) {
  const IFileDescriptor* d = writer.get();
  if (Entry* e = find(d)) {
    if (e->writer.get() == writer.get()) return;
  }
  auto it = fdOf_.find(d);
  int fd = it != fdOf_.end() ? it->second : writer->fileno();
  if (fd < 0) throw error::ValueError("addWriter: descriptor has no file descriptor (-1)");
  Entry& e = entryFor(fd);
  if (e.writer) {
    dropWriter(e);
    if (e.registered != kPollNone) poller_.remove(fd);
    e.registered = kPollNone;
    e.peerClosed = false;
  }
  e.edgeWriter = writer->asEdgeTriggered() != nullptr;
  e.writer = std::move(writer);
  fdOf_[d] = fd;
  try {
    sync(e);
  } catch (...) {
    e.writer.reset();
    e.edgeWriter = false;
    forget(d, e);
    sync(e);
    throw;
  }
}

void FdRegistry::removeReader(const IFileDescriptor* d) {
  Entry* e = find(d);
  if (e == nullptr || identity(e->reader.get()) != d) return;
  dropReader(*e);
  sync(*e);
}

void FdRegistry::removeWriter(const IFileDescriptor* d) {
  Entry* e = find(d);
  if (e == nullptr || identity(e->writer.get()) != d) return;
  dropWriter(*e);
  sync(*e);
}

bool FdRegistry::isReading(const IFileDescriptor* d) const {
  Entry* e = find(d);
  return e != nullptr && identity(e->reader.get()) == d;
}

bool FdRegistry::isWriting(const IFileDescriptor* d) const {
  Entry* e = find(d);
  return e != nullptr && identity(e->writer.get()) == d;
}

std::vector<std::shared_ptr<IFileDescriptor>> FdRegistry::removeAll() {
  std::vector<std::shared_ptr<IFileDescriptor>> out;
  for (auto& slot : table_) {
    if (!slot || (!slot->reader && !slot->writer)) continue;
    Entry& e = *slot;
    std::shared_ptr<IFileDescriptor> r = e.reader;
    std::shared_ptr<IFileDescriptor> w = e.writer;
    if (r) out.push_back(r);
    if (w && w != r) out.push_back(w);
    fdOf_.erase(r.get());
    fdOf_.erase(w.get());
    e.reader.reset();
    e.writer.reset();
    sync(e);  // may retire the entry (slot becomes empty)
  }
  return out;
}

std::vector<std::shared_ptr<IReadDescriptor>> FdRegistry::getReaders() const {
  std::vector<std::shared_ptr<IReadDescriptor>> out;
  for (const auto& e : table_) {
    if (e && e->reader) out.push_back(e->reader);
  }
  return out;
}

std::vector<std::shared_ptr<IWriteDescriptor>> FdRegistry::getWriters() const {
  std::vector<std::shared_ptr<IWriteDescriptor>> out;
  for (const auto& e : table_) {
    if (e && e->writer) out.push_back(e->writer);
  }
  return out;
}

void FdRegistry::addInternalReader(int fd, Function<void()> onReadable) {
  Entry& e = entryFor(fd);
  e.internal = std::move(onReadable);
  sync(e);
}

void FdRegistry::removeInternalReader(int fd) {
  if (fd < 0 || static_cast<std::size_t>(fd) >= table_.size() ||
      !table_[static_cast<std::size_t>(fd)]) {
    return;
  }
  Entry& e = *table_[static_cast<std::size_t>(fd)];
  e.internal = nullptr;
  sync(e);
}

void FdRegistry::pollAndDispatch(int timeoutMs) {
  againNow_.swap(again_);
  bool due = false;
  for (int fd : againNow_) {
    Entry* e = table_[static_cast<std::size_t>(fd)].get();
    if (e == nullptr || !e->again) continue;  // retired since
    e->again = false;
    e->due = e->reader != nullptr;  // not if its reader has gone meanwhile
    due = due || e->due;
  }
  poller_.wait(due ? 0 : timeoutMs, events_);
  for (const PollEvent& ev : events_) {
    auto* e = static_cast<Entry*>(ev.data);
    if (e->dead) continue;
    std::uint8_t events = ev.events;
    if (e->due) {  // one read serves both
      e->due = false;
      events |= kPollRead;
    }
    dispatch(*e, events);
  }
  for (int fd : againNow_) {
    Entry* e = table_[static_cast<std::size_t>(fd)].get();
    if (e == nullptr || !e->due) continue;  // served above, or retired
    e->due = false;
    dispatch(*e, kPollRead);
  }
  againNow_.clear();
}

void FdRegistry::finishIteration() {
  parking_ = false;
  // Destroying a descriptor may run code that registers or removes others: swap first.
  std::vector<std::shared_ptr<const void>> parked;
  parked.swap(parked_);
  parked.clear();
  deadEntries_.clear();
}

void FdRegistry::dispatch(Entry& e, std::uint8_t events) {
  if (e.internal) {
    if (events & (kPollRead | kPollHangup)) e.internal();
    return;
  }
  if (events & kPollPeerClosed) e.peerClosed = true;
  bool in = (events & kPollRead) != 0;
  if ((events & kPollHangup) && !in) {
    // Hang-up with nothing left to read: a reader sees a clean close, a writer a loss.
    const IFileDescriptor* reader = e.reader.get();
    if (e.reader) disconnect(*e.reader, Failure(error::ConnectionDone()), true);
    if (!e.dead && e.writer && identity(e.writer.get()) != reader) {
      disconnect(*e.writer, Failure(error::ConnectionLost()), false);
    }
    return;
  }
  std::optional<Failure> why;
  if (in && e.reader) {
    IReadDescriptor& r = *e.reader;  // kept alive by the entry or parked until the end
    why = callRead(r);
    if (!why && !e.dead && e.reader.get() == &r && (e.registered & kPollEdge) &&
        e.edgeReader != nullptr && (e.peerClosed || !e.edgeReader->readDrained())) {
      readAgain(e);
    }
  }
  if (!why && (events & kPollWrite) && !e.dead && e.writer) {
    IWriteDescriptor& w = *e.writer;
    callWrite(e, w);
  }
}

std::optional<Failure> FdRegistry::callRead(IReadDescriptor& r) {
  std::optional<Failure> why;
  bool isRead = true;
  try {
    if (r.fileno() == -1) {
      why = Failure(error::ConnectionFdescWentAway());
      isRead = false;
    } else {
      why = r.doRead();
    }
  } catch (...) {
    why = Failure::current();
    log::error("Unhandled error in doRead:\n" + why->getTraceback(), r.logPrefix());
  }
  if (why) disconnect(r, *why, isRead);
  return why;
}

std::optional<Failure> FdRegistry::callWrite(Entry& e, IWriteDescriptor& w) {
  std::optional<Failure> why;
  try {
    int fd = w.fileno();
    if (fd == -1) {
      why = Failure(error::ConnectionFdescWentAway());
    } else if (fd == e.fd) {
      why = w.doWrite();
    }
  } catch (...) {
    why = Failure::current();
    log::error("Unhandled error in doWrite:\n" + why->getTraceback(), w.logPrefix());
  }
  if (why) disconnect(w, *why, false);
  return why;
}

void FdRegistry::disconnect(IFileDescriptor& d, const Failure& why, bool isRead) {
  removeReader(&d);
  auto* halfCloseable = dynamic_cast<IHalfCloseableDescriptor*>(&d);
  if (isRead && halfCloseable != nullptr && why.check<error::ConnectionDone>()) {
    logged(d, "readConnectionLost", [&] { halfCloseable->readConnectionLost(why); });
    return;
  }
  removeWriter(&d);
  logged(d, "connectionLost", [&] { d.connectionLost(why); });
}

}  // namespace weft
