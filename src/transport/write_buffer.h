// WriteBuffer: the outgoing byte queue of a stream transport. A singly linked list of chunks,
// each one allocation holding its header and its bytes; small writes are appended into the
// tail chunk (no allocation while it has room), large ones get a chunk of their own, and the
// front is handed to writev() as an iovec array.
//
// An empty buffer starts with a small chunk (kSmallChunkSize) when the write fits in one, so
// a thousand connections answering a short message at once touch a thousand small chunks,
// not a thousand 16 KiB ones; what follows goes into regular chunks. Small and regular
// chunks come from and go back to pools kept per thread (kPoolBytes each), so a steady
// request/response connection allocates nothing, and an empty buffer holds no memory at all:
// an idle connection costs the three words of this object.
//
// Thread affinity: the reactor thread (no locking; the pool is thread_local).
#pragma once

#include <cstddef>
#include <string_view>
#include <sys/uio.h>

namespace weft::transport {

class WriteBuffer {
 public:
  // Bytes a regular chunk holds; appends larger than this get an exact-size chunk.
  static constexpr std::size_t kChunkSize = 16 * 1024;
  // Bytes a small chunk holds: the first chunk of an empty buffer, for a write this short.
  static constexpr std::size_t kSmallChunkSize = 1024;
  // Drained chunks each thread keeps for reuse, per size: 1 MiB of each.
  static constexpr std::size_t kPoolBytes = 1024 * 1024;

  WriteBuffer() = default;
  ~WriteBuffer() { clear(); }
  WriteBuffer(const WriteBuffer&) = delete;
  WriteBuffer& operator=(const WriteBuffer&) = delete;

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

  // Copies data to the end of the queue.
  void append(std::string_view data);
  // Fills iov[0..max) with the front of the queue; returns the number of entries used.
  int gather(iovec* iov, int max) const;
  // Drops the first n bytes (n <= size()).
  void consume(std::size_t n);
  // Drops everything.
  void clear();

  // Chunks of that capacity (kChunkSize or kSmallChunkSize) in this thread's pool (tests).
  static std::size_t pooledChunks(std::size_t capacity = kChunkSize) noexcept;

 private:
  struct Chunk;
  static Chunk* makeChunk(std::size_t capacity);
  static void release(Chunk* c) noexcept;
  void popFront() noexcept;

  Chunk* head_ = nullptr;
  Chunk* tail_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace weft::transport
