// A main() for builds without libFuzzer: runs the target linked with it over a bounded
// number of pseudo-random inputs from a fixed seed, so that every run is the same.
//
//   fuzz_<target> [iterations] [file...]
//
// Files given are run first (a corpus or a crash reproducer). Inputs are mixed: raw random
// bytes, and bytes drawn from an alphabet of framing characters (digits, ':', ',', CR, LF,
// "len ") that reach deeper into the parsers. The run stops early (successfully) if it takes
// longer than kTimeBudget.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

constexpr std::uint64_t kSeed = 0x5eedf00dULL;
constexpr auto kTimeBudget = std::chrono::seconds(90);

std::vector<std::uint8_t> makeInput(std::mt19937_64& rng) {
  static const std::string kAlphabet = "0123456789:,\r\n\r\nabx len 5\n0:,";
  std::uniform_int_distribution<int> kind(0, 3);
  std::uniform_int_distribution<int> byte(0, 255);
  // Mostly short inputs, sometimes long ones.
  const std::size_t maxSize = (rng() % 10 == 0) ? 4096 : 96;
  const std::size_t size = rng() % (maxSize + 1);
  std::vector<std::uint8_t> input(size);
  const int k = kind(rng);
  for (std::size_t i = 0; i < size; ++i) {
    if (i < 3 || k == 0) {
      input[i] = static_cast<std::uint8_t>(byte(rng));  // header bytes: parameters
    } else if (k == 3 && rng() % 8 == 0) {
      input[i] = static_cast<std::uint8_t>(byte(rng));
    } else {
      input[i] = static_cast<std::uint8_t>(kAlphabet[rng() % kAlphabet.size()]);
    }
  }
  return input;
}

}  // namespace

int main(int argc, char** argv) {
  long iterations = 20000;
  int firstFile = 1;
  if (argc > 1 && std::strtol(argv[1], nullptr, 10) > 0) {
    iterations = std::strtol(argv[1], nullptr, 10);
    firstFile = 2;
  }
  for (int i = firstFile; i < argc; ++i) {
    std::ifstream file(argv[i], std::ios::binary);
    std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(file)),
                                    std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
  }
  std::mt19937_64 rng(kSeed);
  const auto start = std::chrono::steady_clock::now();
  long done = 0;
  for (; done < iterations; ++done) {
    const auto input = makeInput(rng);
    LLVMFuzzerTestOneInput(input.data(), input.size());
    if (done % 256 == 0 && std::chrono::steady_clock::now() - start > kTimeBudget) {
      std::printf("time budget reached after %ld inputs\n", done);
      break;
    }
  }
  std::printf("%ld inputs, no invariant violated\n", done);
  return 0;
}
