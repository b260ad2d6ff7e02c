// Shared helpers for the fuzz targets: an always-on check and input splitting.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

// Aborts (which libFuzzer and the driver report as a crash) when cond is false, in every
// build type.
#define WEFT_FUZZ_CHECK(cond)                                                                \
  do {                                                                                       \
    if (!(cond)) {                                                                           \
      std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (0)

namespace weft::fuzz {

// Reads the fuzz input front to back; past the end it yields zeros.
class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  std::string_view rest() const {
    return {reinterpret_cast<const char*>(data_) + pos_, size_ - pos_};
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

// Splits data into chunks whose sizes (1..maxChunk) come from a small deterministic
// generator seeded by `seed`.
inline std::vector<std::string_view> chunk(std::string_view data, std::uint32_t seed,
                                           std::size_t maxChunk) {
  std::vector<std::string_view> chunks;
  std::uint32_t state = seed * 2654435761u + 1;
  for (std::size_t i = 0; i < data.size();) {
    state = state * 1664525u + 1013904223u;
    const std::size_t n = 1 + (state >> 16) % maxChunk;
    chunks.push_back(data.substr(i, n));
    i += n;
  }
  return chunks;
}

}  // namespace weft::fuzz
