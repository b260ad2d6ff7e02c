#include "transport/write_buffer.h"

#include <algorithm>
#include <cstring>
#include <new>

namespace weft::transport {

// A chunk's header; its bytes follow it in the same allocation.
struct WriteBuffer::Chunk {
  Chunk* next = nullptr;
  std::size_t capacity;
  std::size_t begin = 0;  // first unsent byte
  std::size_t end = 0;    // one past the last byte written
  explicit Chunk(std::size_t cap) : capacity(cap) {}
  char* bytes() { return reinterpret_cast<char*>(this + 1); }
  std::size_t length() const { return end - begin; }
  std::size_t room() const { return capacity - end; }
};

namespace {

// This thread's drained chunks of one size, a free list.
struct Pool {
  void* head = nullptr;
  std::size_t count = 0;
  std::size_t limit;  // chunks kept at most
  explicit Pool(std::size_t chunkSize) : limit(WriteBuffer::kPoolBytes / chunkSize) {}
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  ~Pool() {
    while (head != nullptr) {
      void* next = *static_cast<void**>(head);
      ::operator delete(head);
      head = next;
    }
  }
};

struct Pools {
  Pool small{WriteBuffer::kSmallChunkSize};
  Pool regular{WriteBuffer::kChunkSize};
};

// The pool for chunks of that capacity, or null (exact-size chunks are not pooled).
Pool* poolFor(std::size_t capacity) {
  thread_local Pools pools;
  if (capacity == WriteBuffer::kChunkSize) return &pools.regular;
  if (capacity == WriteBuffer::kSmallChunkSize) return &pools.small;
  return nullptr;
}

}  // namespace

std::size_t WriteBuffer::pooledChunks(std::size_t capacity) noexcept {
  Pool* p = poolFor(capacity);
  return p != nullptr ? p->count : 0;
}

WriteBuffer::Chunk* WriteBuffer::makeChunk(std::size_t capacity) {
  if (Pool* p = poolFor(capacity); p != nullptr && p->head != nullptr) {
    void* memory = p->head;
    p->head = *static_cast<void**>(memory);
    --p->count;
    return new (memory) Chunk(capacity);
  }
  void* memory = ::operator new(sizeof(Chunk) + capacity);
  return new (memory) Chunk(capacity);
}

void WriteBuffer::release(Chunk* c) noexcept {
  std::size_t capacity = c->capacity;
  Pool* p = poolFor(capacity);
  c->~Chunk();
  if (p != nullptr && p->count < p->limit) {
    *static_cast<void**>(static_cast<void*>(c)) = p->head;
    p->head = c;
    ++p->count;
    return;
  }
  ::operator delete(static_cast<void*>(c));
}

void WriteBuffer::popFront() noexcept {
  Chunk* front = head_;
  head_ = front->next;
  if (head_ == nullptr) tail_ = nullptr;
  release(front);
}

void WriteBuffer::append(std::string_view data) {
  if (data.empty()) return;
  size_ += data.size();
  if (tail_ != nullptr) {
    std::size_t n = std::min(tail_->room(), data.size());
    if (n > 0) {
      std::memcpy(tail_->bytes() + tail_->end, data.data(), n);
      tail_->end += n;
      data.remove_prefix(n);
    }
  }
  while (!data.empty()) {
    // A large remainder goes into one exact chunk: one copy, one iovec entry. A short
    // write to an empty buffer takes a small chunk.
    std::size_t capacity = data.size() > kChunkSize ? data.size() : kChunkSize;
    if (tail_ == nullptr && data.size() <= kSmallChunkSize) capacity = kSmallChunkSize;
    Chunk* c = makeChunk(capacity);
    std::size_t n = std::min(c->capacity, data.size());
    std::memcpy(c->bytes(), data.data(), n);
    c->end = n;
    data.remove_prefix(n);
    if (tail_ == nullptr) {
      head_ = tail_ = c;
    } else {
      tail_->next = c;
      tail_ = c;
    }
  }
}

int WriteBuffer::gather(iovec* iov, int max) const {
  int n = 0;
  for (Chunk* c = head_; c != nullptr && n < max; c = c->next) {
    if (c->length() == 0) continue;
    iov[n].iov_base = c->bytes() + c->begin;
    iov[n].iov_len = c->length();
    ++n;
  }
  return n;
}

void WriteBuffer::consume(std::size_t n) {
  n = std::min(n, size_);
  size_ -= n;
  while (n > 0 && head_ != nullptr) {
    std::size_t take = std::min(n, head_->length());
    head_->begin += take;
    n -= take;
    if (head_->length() != 0) break;
    popFront();
  }
  if (size_ == 0) {
    while (head_ != nullptr) popFront();  // an empty buffer holds nothing
  }
}

void WriteBuffer::clear() {
  size_ = 0;
  while (head_ != nullptr) popFront();
}

}  // namespace weft::transport
