#include "transport/write_buffer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace weft::transport {
namespace {

std::string contents(const WriteBuffer& b, int max = 1024) {
  std::vector<iovec> iov(static_cast<std::size_t>(max));
  int n = b.gather(iov.data(), max);
  std::string out;
  for (int i = 0; i < n; ++i) {
    out.append(static_cast<const char*>(iov[static_cast<std::size_t>(i)].iov_base),
               iov[static_cast<std::size_t>(i)].iov_len);
  }
  return out;
}

int entries(const WriteBuffer& b) {
  iovec iov[64];
  return b.gather(iov, 64);
}

TEST(WriteBufferTest, smallAppendsShareOneChunk) {
  WriteBuffer b;
  b.append("abc");
  b.append("");
  b.append("def");
  EXPECT_EQ(b.size(), 6u);
  EXPECT_EQ(entries(b), 1);
  EXPECT_EQ(contents(b), "abcdef");
}

TEST(WriteBufferTest, aLargeAppendFillsTheTailThenTakesOneExactChunk) {
  WriteBuffer b;
  b.append("head");
  std::string big(3 * WriteBuffer::kChunkSize, 'x');
  b.append(big);
  EXPECT_EQ(entries(b), 2);  // the tail chunk, filled up, then one chunk for the rest
  EXPECT_EQ(contents(b), "head" + big);
}

TEST(WriteBufferTest, consumeDropsFromTheFrontAcrossChunks) {
  WriteBuffer b;
  std::string a(WriteBuffer::kChunkSize, 'a');
  b.append(a);
  b.append("bbb");
  b.consume(WriteBuffer::kChunkSize - 1);
  EXPECT_EQ(b.size(), 4u);
  EXPECT_EQ(contents(b), "abbb");
  b.consume(2);
  EXPECT_EQ(contents(b), "bb");
  b.consume(100);  // more than is there: everything
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(entries(b), 0);
}

TEST(WriteBufferTest, gatherStopsAtMax) {
  WriteBuffer b;
  for (int i = 0; i < 5; ++i) b.append(std::string(WriteBuffer::kChunkSize, 'a' + i));
  EXPECT_EQ(entries(b), 5);
  EXPECT_EQ(contents(b, 2),
            std::string(WriteBuffer::kChunkSize, 'a') + std::string(WriteBuffer::kChunkSize, 'b'));
}

TEST(WriteBufferTest, aShortFirstWriteTakesASmallChunkAndMoreGoesIntoRegularOnes) {
  WriteBuffer b;
  std::string small(WriteBuffer::kSmallChunkSize - 10, 's');
  b.append(small);
  EXPECT_EQ(entries(b), 1);
  b.append(std::string(20, 't'));  // fills the small chunk, then a regular one
  EXPECT_EQ(entries(b), 2);
  EXPECT_EQ(contents(b), small + std::string(20, 't'));
  std::size_t smallPooled = WriteBuffer::pooledChunks(WriteBuffer::kSmallChunkSize);
  std::size_t regularPooled = WriteBuffer::pooledChunks(WriteBuffer::kChunkSize);
  b.clear();
  EXPECT_EQ(WriteBuffer::pooledChunks(WriteBuffer::kSmallChunkSize), smallPooled + 1);
  EXPECT_EQ(WriteBuffer::pooledChunks(WriteBuffer::kChunkSize), regularPooled + 1);
}

TEST(WriteBufferTest, aDrainedBufferHoldsNothingAndItsChunkGoesBackToThePool) {
  WriteBuffer b;
  b.append("ping");
  std::size_t pooled = WriteBuffer::pooledChunks(WriteBuffer::kSmallChunkSize);
  b.consume(4);
  EXPECT_EQ(WriteBuffer::pooledChunks(WriteBuffer::kSmallChunkSize), pooled + 1);
  b.append("pong");  // reuses it
  EXPECT_EQ(WriteBuffer::pooledChunks(WriteBuffer::kSmallChunkSize), pooled);
  EXPECT_EQ(contents(b), "pong");
  b.clear();
  EXPECT_EQ(WriteBuffer::pooledChunks(WriteBuffer::kSmallChunkSize), pooled + 1);
}

TEST(WriteBufferTest, exactChunksAreFreedNotPooled) {
  WriteBuffer b;
  b.append(std::string(5 * WriteBuffer::kChunkSize, 'x'));
  std::size_t pooled = WriteBuffer::pooledChunks(WriteBuffer::kChunkSize);
  b.clear();
  EXPECT_EQ(WriteBuffer::pooledChunks(WriteBuffer::kChunkSize), pooled);
}

TEST(WriteBufferTest, thePoolsAreBounded) {
  constexpr std::size_t kSmall = WriteBuffer::kPoolBytes / WriteBuffer::kSmallChunkSize;
  constexpr std::size_t kRegular = WriteBuffer::kPoolBytes / WriteBuffer::kChunkSize;
  {
    std::vector<WriteBuffer> buffers(kSmall + 10);
    for (auto& b : buffers) b.append(std::string(WriteBuffer::kSmallChunkSize + 1, 'r'));
    for (auto& b : buffers) b.append("x");
  }  // every buffer's chunks are released at once
  EXPECT_EQ(WriteBuffer::pooledChunks(WriteBuffer::kChunkSize), kRegular);
  {
    std::vector<WriteBuffer> buffers(kSmall + 10);
    for (auto& b : buffers) b.append("x");
  }
  EXPECT_EQ(WriteBuffer::pooledChunks(WriteBuffer::kSmallChunkSize), kSmall);
}

// Random appends and consumes against a std::string model: the bytes, their order and the
// size always agree.
TEST(WriteBufferTest, randomAppendsAndConsumesMatchAStringModel) {
  WriteBuffer b;
  std::string model;
  std::uint32_t x = 2463534242u;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x;
  };
  char fill = 'a';
  for (int step = 0; step < 5000; ++step) {
    if (next() % 3 != 0) {
      std::size_t n = next() % 4 == 0 ? next() % (3 * WriteBuffer::kChunkSize) : next() % 200;
      std::string piece;
      for (std::size_t i = 0; i < n; ++i) piece.push_back(static_cast<char>(fill + i % 7));
      fill = static_cast<char>('a' + (fill - 'a' + 1) % 26);
      b.append(piece);
      model += piece;
    } else {
      std::size_t n = model.empty() ? 0 : next() % (model.size() + 1);
      b.consume(n);
      model.erase(0, n);
    }
    ASSERT_EQ(b.size(), model.size());
    if (step % 50 == 0) {
      ASSERT_EQ(contents(b, 100000), model);
    }
  }
  ASSERT_EQ(contents(b, 100000), model);
}

}  // namespace
}  // namespace weft::transport
