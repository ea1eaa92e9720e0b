// The I/O floor of a pipeline step: the least work any program doing the step must do, with
// nothing else. It reads every byte of the given input files and writes output files of the given
// sizes, then makes the outputs durable; `make bench` compares `create` and `patches` with it.
//
//   flamecare_bench_floor --threads T [--early-writeback] [--mmap] --out DIR --sizes S1,... IN...
//
// Precisely:
//  - reading: each input file whole, with pread() into one reused 256 KiB buffer per thread
//    (what cat does; the page cache is warm, so this is the kernel's copy to user space); with
//    --mmap instead through a read-only map of the file, its page tables filled 4 MiB at a time
//    (MADV_POPULATE_READ) and one word of every 64-byte cache line loaded, so every byte comes
//    from memory into the CPU without a copy (how `create` reads);
//  - writing: output j (a new file in DIR holding sizes[j] bytes, written with write() from a
//    1 MiB buffer) right after input ceil((j + 1) · n_in / n_out) − 1 has been read, so the
//    writes are spread over the run as a pipeline's are (two outputs per input for `create`, one
//    npz after all inputs for `patches`);
//  - durability: after every output is written, one fsync of each output file and one of DIR.
//    With --early-writeback each output also gets sync_file_range(SYNC_FILE_RANGE_WRITE) once
//    written, so the device starts on it while reading goes on;
//  - threads: inputs (with their outputs) are handed out one at a time to T threads.
// It prints the seconds from the first read to the last fsync. Nothing is summed or parsed, so
// no implementation of the step can do less and still read its input and write its output.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "flamecare_bench_floor: %s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(1);
}

struct Plan {
  std::vector<std::string> inputs;
  std::vector<unsigned long long> sizes;
  std::string out;
  int threads = 1;
  bool early_writeback = false;
  bool mmap = false;
};

// Every cache line of the file loaded once through a map; returns a value so nothing is skipped.
std::uint64_t map_whole(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0) die(path);
  const auto size = std::size_t(st.st_size);
  std::uint64_t sum = 0;
  if (size > 0) {
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) die(path);
    const auto* bytes = static_cast<const unsigned char*>(p);
    constexpr std::size_t kStep = std::size_t(4) << 20;
    for (std::size_t at = 0; at < size; at += kStep) {
      const std::size_t n = std::min(kStep, size - at);
      ::madvise(const_cast<unsigned char*>(bytes) + at, n, MADV_POPULATE_READ);
      for (std::size_t i = at; i + 8 <= at + n; i += 64) {
        std::uint64_t word;
        std::memcpy(&word, bytes + i, 8);
        sum += word;
      }
    }
    ::munmap(p, size);
  }
  ::close(fd);
  return sum;
}

void read_whole(const std::string& path, std::vector<char>& buffer) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) die(path);
  for (off_t at = 0;;) {
    const ssize_t n = ::pread(fd, buffer.data(), buffer.size(), at);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die(path);
    if (n == 0) break;
    at += n;
  }
  ::close(fd);
}

void write_output(const Plan& plan, std::size_t j, const std::vector<char>& data) {
  const std::string path = plan.out + "/out" + std::to_string(j);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) die(path);
  for (unsigned long long left = plan.sizes[j]; left > 0;) {
    const ssize_t n = ::write(fd, data.data(), std::min<unsigned long long>(left, data.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) die(path);
    left -= static_cast<unsigned long long>(n);
  }
  if (plan.early_writeback && ::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE) != 0) die(path);
  ::close(fd);
}

void fsync_path(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) die(path);
  ::close(fd);
}

Plan parse(int argc, char** argv) {
  Plan plan;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--threads" && i + 1 < argc) {
      plan.threads = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--out" && i + 1 < argc) {
      plan.out = argv[++i];
    } else if (arg == "--early-writeback") {
      plan.early_writeback = true;
    } else if (arg == "--mmap") {
      plan.mmap = true;
    } else if (arg == "--sizes" && i + 1 < argc) {
      for (const char* p = argv[++i]; *p != '\0';) {
        char* end = nullptr;
        plan.sizes.push_back(std::strtoull(p, &end, 10));
        p = *end == ',' ? end + 1 : end;
        if (end == p && *p != '\0') break;
      }
    } else {
      plan.inputs.push_back(arg);
    }
  }
  if (plan.out.empty() || plan.inputs.empty()) {
    std::fprintf(stderr,
                 "usage: flamecare_bench_floor --threads T [--early-writeback] [--mmap] --out DIR "
                 "--sizes S1,S2,... INPUT...\n");
    std::exit(2);
  }
  return plan;
}

}  // namespace

int main(int argc, char** argv) {
  const Plan plan = parse(argc, argv);
  const std::size_t n_in = plan.inputs.size(), n_out = plan.sizes.size();
  // Outputs written after input i: those j with ceil((j + 1) · n_in / n_out) − 1 == i.
  std::vector<std::vector<std::size_t>> after(n_in);
  for (std::size_t j = 0; j < n_out; ++j)
    after[((j + 1) * n_in + n_out - 1) / n_out - 1].push_back(j);
  std::vector<char> data(1 << 20, '\x5a');
  std::atomic<std::size_t> next{0};
  std::atomic<std::uint64_t> seen{0};
  const auto start = std::chrono::steady_clock::now();
  auto work = [&] {
    std::vector<char> buffer(256 << 10);
    for (std::size_t i = next++; i < n_in; i = next++) {
      if (plan.mmap) {
        seen += map_whole(plan.inputs[i]);
      } else {
        read_whole(plan.inputs[i], buffer);
      }
      for (const std::size_t j : after[i]) write_output(plan, j, data);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < plan.threads; ++t) pool.emplace_back(work);
  work();
  for (auto& thread : pool) thread.join();
  for (std::size_t j = 0; j < n_out; ++j)
    fsync_path(plan.out + "/out" + std::to_string(j), O_RDONLY);
  fsync_path(plan.out, O_RDONLY | O_DIRECTORY);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%.4f\n", seconds);
  std::fprintf(stderr, "checksum %llu\n", static_cast<unsigned long long>(seen.load()));
  return 0;
}
