#include "transport/write_buffer.h"

#include <algorithm>
#include <cstring>

namespace weft::transport {

WriteBuffer::Chunk WriteBuffer::makeChunk(std::size_t capacity) {
  if (capacity == kChunkSize && spare_.data) {
    Chunk c = std::move(spare_);
    spare_ = Chunk{};
    c.begin = c.end = 0;
    return c;
  }
  Chunk c;
  c.data.reset(new char[capacity]);
  c.capacity = capacity;
  return c;
}

void WriteBuffer::append(std::string_view data) {
  if (data.empty()) return;
  size_ += data.size();
  if (!chunks_.empty()) {
    Chunk& tail = chunks_.back();
    std::size_t n = std::min(tail.room(), data.size());
    if (n > 0) {
      std::memcpy(tail.data.get() + tail.end, data.data(), n);
      tail.end += n;
      data.remove_prefix(n);
    }
  }
  while (!data.empty()) {
    // A large remainder goes into one exact chunk: one copy, one iovec entry.
    Chunk c = makeChunk(data.size() > kChunkSize ? data.size() : kChunkSize);
    std::size_t n = std::min(c.capacity, data.size());
    std::memcpy(c.data.get(), data.data(), n);
    c.end = n;
    data.remove_prefix(n);
    chunks_.push_back(std::move(c));
  }
}

int WriteBuffer::gather(iovec* iov, int max) const {
  int n = 0;
  for (const Chunk& c : chunks_) {
    if (n == max) break;
    if (c.length() == 0) continue;
    iov[n].iov_base = c.data.get() + c.begin;
    iov[n].iov_len = c.length();
    ++n;
  }
  return n;
}

void WriteBuffer::consume(std::size_t n) {
  n = std::min(n, size_);
  size_ -= n;
  while (n > 0 && !chunks_.empty()) {
    Chunk& front = chunks_.front();
    std::size_t take = std::min(n, front.length());
    front.begin += take;
    n -= take;
    if (front.length() != 0) break;
    if (chunks_.size() == 1 && front.capacity == kChunkSize) {
      front.begin = front.end = 0;  // keep the last chunk in place: the next write fills it
      break;
    }
    if (front.capacity == kChunkSize && !spare_.data) spare_ = std::move(front);
    chunks_.pop_front();
  }
}

void WriteBuffer::clear() {
  size_ = 0;
  while (!chunks_.empty()) {
    Chunk& front = chunks_.front();
    if (front.capacity == kChunkSize && !spare_.data) spare_ = std::move(front);
    chunks_.pop_front();
  }
}

}  // namespace weft::transport
