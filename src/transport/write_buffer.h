// WriteBuffer: the outgoing byte queue of a stream transport. A deque of chunks; small
// writes are appended into the tail chunk (no allocation while it has room), large ones get
// a chunk of their own, and the front is handed to writev() as an iovec array. One drained
// chunk is kept for reuse, so a steady request/response connection allocates nothing.
// Thread affinity: the reactor thread (no locking).
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <string_view>
#include <sys/uio.h>

namespace weft::transport {

class WriteBuffer {
 public:
  // Capacity of a regular chunk; appends larger than this get an exact-size chunk.
  static constexpr std::size_t kChunkSize = 16 * 1024;

  WriteBuffer() = default;
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
  // Drops everything (keeps one chunk for reuse).
  void clear();

 private:
  struct Chunk {
    std::unique_ptr<char[]> data;
    std::size_t capacity = 0;
    std::size_t begin = 0;  // first unsent byte
    std::size_t end = 0;    // one past the last byte written
    std::size_t length() const { return end - begin; }
    std::size_t room() const { return capacity - end; }
  };
  Chunk makeChunk(std::size_t capacity);

  std::deque<Chunk> chunks_;
  Chunk spare_;  // a drained regular chunk kept for reuse (data may be null)
  std::size_t size_ = 0;
};

}  // namespace weft::transport
