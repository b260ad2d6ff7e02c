// detail::TimerPool: the node memory behind one TimerQueue's DelayedCalls. Private to
// src/internet. A node is carved from a chunk (no per-call malloc) and goes back to the
// pool's free list when its last reference drops. The pool is reference-counted by the
// queue and by every live node, so a DelayedCallPtr kept after its queue is gone still
// frees safely; the pool and its chunks go with whichever of them goes last.
// Thread affinity: the queue's thread.
#pragma once

#include "weft/internet/time.h"

#include <cstddef>
#include <new>
#include <vector>

namespace weft::detail {

struct TimerPool {
  static constexpr std::size_t kNodeSize = sizeof(DelayedCall);
  static constexpr std::size_t kFirstChunkNodes = 16;
  static constexpr std::size_t kMaxChunkNodes = 4096;  // 384 KiB chunks at most
  static_assert(alignof(DelayedCall) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);

  explicit TimerPool(TimerQueue* q) : queue(q) {}
  TimerPool(const TimerPool&) = delete;
  TimerPool& operator=(const TimerPool&) = delete;
  ~TimerPool() {
    for (void* chunk : chunks) ::operator delete(chunk);
  }

  void* allocate() {
    void* p = freeList;
    if (p != nullptr) {
      freeList = *static_cast<void**>(p);
    } else {
      if (bump == bumpEnd) newChunk();  // may throw bad_alloc
      p = bump;
      bump += kNodeSize;
    }
    ++refs;
    return p;
  }

  // Takes back a node's memory (its object already destroyed); may delete the pool.
  void deallocate(void* p) noexcept {
    *static_cast<void**>(p) = freeList;
    freeList = p;
    unref();
  }

  void unref() noexcept {
    if (--refs == 0) delete this;
  }

  TimerQueue* queue;         // null once the queue is destroyed
  std::size_t refs = 1;      // the queue's, plus one per live node
  void* freeList = nullptr;  // freed nodes, linked through their first word
  char* bump = nullptr;      // the unused tail of the newest chunk
  char* bumpEnd = nullptr;
  std::size_t nextChunkNodes = kFirstChunkNodes;
  std::vector<void*> chunks;

 private:
  void newChunk() {
    chunks.reserve(chunks.size() + 1);
    void* chunk = ::operator new(nextChunkNodes* kNodeSize);
    chunks.push_back(chunk);
    bump = static_cast<char*>(chunk);
    bumpEnd = bump + nextChunkNodes * kNodeSize;
    if (nextChunkNodes < kMaxChunkNodes) nextChunkNodes *= 2;
  }
};

}  // namespace weft::detail
