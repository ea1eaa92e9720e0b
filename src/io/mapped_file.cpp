#include "io/mapped_file.hpp"

#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>

#include <mutex>
#include <utility>

namespace flamecare::detail {
namespace {

// The map a thread is reading under run_guarded, and where to jump back to.
struct Guard {
  const std::byte* begin;
  const std::byte* end;
  sigjmp_buf jump;
};

// Written by run_guarded before anything it guards can fault, so the thread's TLS block exists
// when the handler reads it (no lazy allocation inside the handler).
thread_local Guard* t_guard = nullptr;
struct sigaction g_previous {};
std::once_flag g_installed;

// A SIGBUS at an address of the map being read under a guard jumps back to run_guarded (the
// fault is synchronous, in code that holds nothing: see run_guarded's contract). Anything else is
// handed on as if this handler did not exist.
void on_sigbus(int sig, siginfo_t* info, void* context) {
  const Guard* guard = t_guard;
  const auto* address = static_cast<const std::byte*>(info->si_addr);
  if (guard != nullptr && address >= guard->begin && address < guard->end) {
    siglongjmp(const_cast<Guard*>(guard)->jump, 1);
  }
  if ((g_previous.sa_flags & SA_SIGINFO) != 0 && g_previous.sa_sigaction != nullptr) {
    g_previous.sa_sigaction(sig, info, context);
    return;
  }
  if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN) {
    g_previous.sa_handler(sig);
    return;
  }
  // The default action: a fault re-executes the instruction and takes it; a SIGBUS sent by
  // kill() is raised again.
  struct sigaction fallback {};
  fallback.sa_handler = SIG_DFL;
  sigemptyset(&fallback.sa_mask);
  sigaction(sig, &fallback, nullptr);
  if (info->si_code <= 0) raise(sig);
}

void install_handler() {
  struct sigaction action {};
  action.sa_sigaction = on_sigbus;
  // SA_NODEFER: the jump out leaves SIGBUS unblocked without saving the mask per call.
  action.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  sigaction(SIGBUS, &action, &g_previous);
}

}  // namespace

MappedFile::MappedFile(int fd, std::uint64_t size) noexcept {
  if (size == 0 || size > std::uint64_t(SIZE_MAX)) return;
  void* p = ::mmap(nullptr, std::size_t(size), PROT_READ, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) return;
  data_ = static_cast<const std::byte*>(p);
  size_ = size;
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    MappedFile old(std::move(*this));
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<std::byte*>(data_), std::size_t(size_));
}

void MappedFile::release() const noexcept {
  if (data_ != nullptr) ::madvise(const_cast<std::byte*>(data_), std::size_t(size_), MADV_DONTNEED);
}

void MappedFile::populate(std::uint64_t offset, std::size_t n) const noexcept {
#ifdef MADV_POPULATE_READ
  if (data_ == nullptr || n == 0 || offset >= size_) return;
  static const auto page = std::uint64_t(::sysconf(_SC_PAGESIZE));
  const std::uint64_t begin = offset / page * page, end = std::min(size_, offset + n);
  ::madvise(const_cast<std::byte*>(data_ + begin), std::size_t(end - begin), MADV_POPULATE_READ);
#else
  (void)offset;
  (void)n;
#endif
}

bool MappedFile::run_guarded(void (*fn)(void*), void* arg) const {
  std::call_once(g_installed, install_handler);
  Guard guard{data_, data_ + size_, {}};
  Guard* const outer = t_guard;
  if (sigsetjmp(guard.jump, 0) != 0) {
    t_guard = outer;
    return false;
  }
  t_guard = &guard;
  try {
    fn(arg);
  } catch (...) {
    t_guard = outer;
    throw;
  }
  t_guard = outer;
  return true;
}

}  // namespace flamecare::detail
