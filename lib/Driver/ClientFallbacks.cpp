//===- Driver/ClientFallbacks.cpp - Fallbacks with no server to tell ------===//

#include "Driver/ClientFallbacks.h"
#include "Support/WarningLimit.h"
#include "llvm/ADT/ScopeExit.h"
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

using namespace clang::dist;

namespace {

/// At most one line per cause in this long, across every client.
constexpr std::chrono::seconds Interval(30);
/// The warning windows' keys start with this; the rest are counts.
constexpr llvm::StringLiteral WindowPrefix = "warn/";

llvm::Error fileError(llvm::StringRef What, llvm::StringRef Path) {
  int Err = errno;
  return llvm::createStringError(std::error_code(Err, std::generic_category()),
                                 "cannot %s '%s': %s", What.str().c_str(),
                                 Path.str().c_str(), std::strerror(Err));
}

/// The file, open and locked (\p Exclusive or shared), or -1 with no file
/// when it does not exist and \p Create is not set.
llvm::Expected<int> openLocked(llvm::StringRef Path, bool Exclusive,
                               bool Create) {
  int Flags = Create ? O_RDWR | O_CREAT : Exclusive ? O_RDWR : O_RDONLY;
  int Fd = ::open(Path.str().c_str(), Flags | O_CLOEXEC, 0600);
  if (Fd < 0) {
    if (errno == ENOENT && !Create)
      return -1;
    return fileError("open", Path);
  }
  while (::flock(Fd, Exclusive ? LOCK_EX : LOCK_SH) != 0)
    if (errno != EINTR) {
      ::close(Fd);
      return fileError("lock", Path);
    }
  return Fd;
}

/// What \p Fd holds; a file that does not parse (a crash mid-write) counts
/// as empty.
StatsCounters readAll(int Fd) {
  std::string Text;
  char Buffer[4096];
  ssize_t N;
  off_t At = 0;
  while ((N = ::pread(Fd, Buffer, sizeof(Buffer), At)) != 0) {
    if (N < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    Text.append(Buffer, N);
    At += N;
  }
  llvm::Expected<StatsCounters> Counters = parseStats(Text);
  if (!Counters) {
    llvm::consumeError(Counters.takeError());
    return {};
  }
  return std::move(*Counters);
}

llvm::Error writeAll(int Fd, llvm::StringRef Path,
                     const StatsCounters &Counters) {
  std::string Text = formatStats(Counters);
  if (::ftruncate(Fd, 0) != 0)
    return fileError("truncate", Path);
  size_t Done = 0;
  while (Done < Text.size()) {
    ssize_t N = ::pwrite(Fd, Text.data() + Done, Text.size() - Done, Done);
    if (N < 0 && errno == EINTR)
      continue;
    if (N <= 0)
      return fileError("write", Path);
    Done += N;
  }
  return llvm::Error::success();
}

std::string windowKey(FallbackCause Cause, llvm::StringRef Field) {
  return (WindowPrefix + fallbackCauseName(Cause) + "/" + Field).str();
}

} // namespace

llvm::Expected<std::optional<uint64_t>>
clang::dist::recordClientFallback(llvm::StringRef Path, FallbackCause Cause) {
  llvm::Expected<int> Fd = openLocked(Path, /*Exclusive=*/true,
                                      /*Create=*/true);
  if (!Fd)
    return Fd.takeError();
  auto Close = llvm::make_scope_exit([&] { ::close(*Fd); });
  StatsCounters Counters = readAll(*Fd);
  ++Counters[statkeys::JobsLocalFallback];
  ++Counters[statkeys::fallback(Cause)];

  uint64_t &Start = Counters[windowKey(Cause, "start_ms")];
  uint64_t &Lines = Counters[windowKey(Cause, "lines")];
  uint64_t &Untold = Counters[windowKey(Cause, "untold")];
  WarningWindow W;
  // A count of 0 is a window never opened.
  if (Lines)
    W.StartMs = static_cast<int64_t>(Start);
  W.Lines = Lines;
  W.Untold = Untold;
  auto Now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  std::optional<uint64_t> Warn =
      admitWarning(W, Now, std::chrono::milliseconds(Interval).count(),
                   /*NewSubject=*/false);
  Start = static_cast<uint64_t>(W.StartMs);
  Lines = W.Lines;
  Untold = W.Untold;
  if (llvm::Error E = writeAll(*Fd, Path, Counters))
    return std::move(E);
  return Warn;
}

llvm::Expected<StatsCounters>
clang::dist::readClientFallbacks(llvm::StringRef Path) {
  llvm::Expected<int> Fd = openLocked(Path, /*Exclusive=*/false,
                                      /*Create=*/false);
  if (!Fd)
    return Fd.takeError();
  if (*Fd < 0)
    return StatsCounters();
  StatsCounters Counters = readAll(*Fd);
  ::close(*Fd);
  for (auto I = Counters.begin(); I != Counters.end();)
    I = llvm::StringRef(I->first).startswith(WindowPrefix) ? Counters.erase(I)
                                                           : std::next(I);
  return Counters;
}

llvm::Error clang::dist::zeroClientFallbacks(llvm::StringRef Path) {
  llvm::Expected<int> Fd = openLocked(Path, /*Exclusive=*/true,
                                      /*Create=*/false);
  if (!Fd)
    return Fd.takeError();
  if (*Fd < 0)
    return llvm::Error::success();
  llvm::Error E = writeAll(*Fd, Path, {});
  ::close(*Fd);
  return E;
}
