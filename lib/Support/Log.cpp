//===- Support/Log.cpp - The one logging entry point ----------------------===//

#include "Support/Log.h"
#include "Support/WriteAll.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace clang::dist;

std::optional<LogLevel> clang::dist::parseLogLevel(llvm::StringRef Name) {
  if (Name == "error")
    return LogLevel::Error;
  if (Name == "warning")
    return LogLevel::Warning;
  if (Name == "info")
    return LogLevel::Info;
  return std::nullopt;
}

bool clang::dist::stderrIsJournal() {
  const char *Stream = std::getenv("JOURNAL_STREAM");
  if (!Stream)
    return false;
  auto [Dev, Ino] = llvm::StringRef(Stream).split(':');
  uint64_t D, I;
  struct stat Status;
  return !Dev.getAsInteger(10, D) && !Ino.getAsInteger(10, I) &&
         ::fstat(STDERR_FILENO, &Status) == 0 && Status.st_dev == D &&
         Status.st_ino == I;
}

/// sd-daemon(3)'s SD_ERR and the like: the journal reads a line's priority
/// from it.
static std::string journalPrefix(LogLevel Level) {
  return "<" + std::to_string(static_cast<int>(Level)) + ">";
}

void clang::dist::reportError(llvm::StringRef Program,
                              const llvm::Twine &Message) {
  std::string Line =
      (stderrIsJournal() ? journalPrefix(LogLevel::Error) : std::string()) +
      (Program + ": error: " + Message + "\n").str();
  writeAll(STDERR_FILENO, Line);
}

Logger::Logger() : Logger(STDERR_FILENO, false, "clang-dist") {
  Journal = stderrIsJournal();
}

Logger::Logger(int Fd, bool OwnsFd, llvm::StringRef Component)
    : Fd(Fd), OwnsFd(OwnsFd), Component(Component.str()) {}

Logger::Logger(Logger &&Other) noexcept
    : Fd(Other.Fd), OwnsFd(Other.OwnsFd), Component(std::move(Other.Component)),
      Path(std::move(Other.Path)), MaxBytes(Other.MaxBytes),
      RotateStderr(Other.RotateStderr), Threshold(Other.Threshold),
      Journal(Other.Journal), Rotating(std::move(Other.Rotating)) {
  Other.OwnsFd = false;
}

Logger::~Logger() {
  if (OwnsFd)
    ::close(Fd);
}

llvm::Expected<Logger> Logger::openFile(llvm::StringRef Path,
                                        llvm::StringRef Component) {
  int Fd = ::open(Path.str().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                  0600);
  if (Fd < 0)
    return llvm::createStringError(
        std::error_code(errno, std::generic_category()),
        "cannot open log file '%s': %s", Path.str().c_str(),
        std::strerror(errno));
  Logger L(Fd, true, Component);
  L.Path = Path.str();
  return std::move(L);
}

void Logger::rotateAt(uint64_t Max, bool AndStderr) {
  MaxBytes = Max;
  RotateStderr = AndStderr;
}

void Logger::takeStderr() const {
  if (isFile())
    ::dup2(Fd, STDERR_FILENO);
}

void Logger::rotateIfFull() const {
  struct stat Status;
  if (::fstat(Fd, &Status) != 0 ||
      static_cast<uint64_t>(Status.st_size) < MaxBytes)
    return;
  std::lock_guard<std::mutex> Lock(*Rotating);
  // Other processes may write to the same file and rotate it too (a worker's
  // slots): one at a time, holding a lock on the full file, and only the file
  // still at Path, or the one renamed before it would be lost.
  int Full = ::dup(Fd);
  if (Full < 0)
    return;
  ::flock(Full, LOCK_EX);
  struct stat AtPath;
  bool Moved = ::fstat(Full, &Status) != 0 ||
               ::stat(Path.c_str(), &AtPath) != 0 ||
               Status.st_dev != AtPath.st_dev || Status.st_ino != AtPath.st_ino;
  // Rotated by another process (then ours follows it to the new file), or
  // ours to rotate; if another thread rotated meanwhile, Fd is the new file.
  if (Moved || (static_cast<uint64_t>(Status.st_size) >= MaxBytes &&
                ::rename(Path.c_str(), (Path + ".1").c_str()) == 0)) {
    int New =
        ::open(Path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (New >= 0) {
      // dup2 swaps the file under the descriptor at once: a write of another
      // thread goes wholly to one file or the other.
      ::dup3(New, Fd, O_CLOEXEC);
      if (RotateStderr)
        ::dup2(New, STDERR_FILENO);
      ::close(New);
    }
  }
  ::flock(Full, LOCK_UN);
  ::close(Full);
}

void Logger::log(LogLevel Level, const llvm::Twine &Message) const {
  if (Level > Threshold)
    return;
  std::string Line;
  llvm::raw_string_ostream OS(Line);
  if (Journal) {
    OS << journalPrefix(Level) << Component << '[' << ::getpid() << "] "
       << Message << '\n';
  } else {
    using namespace std::chrono;
    auto Now = system_clock::now();
    std::time_t Secs = system_clock::to_time_t(Now);
    auto Millis =
        duration_cast<milliseconds>(Now.time_since_epoch()).count() % 1000;
    std::tm Local;
    localtime_r(&Secs, &Local);
    char Stamp[32];
    std::strftime(Stamp, sizeof(Stamp), "%Y-%m-%d %H:%M:%S", &Local);
    OS << Stamp << llvm::format(".%03d ", static_cast<int>(Millis)) << Component
       << '[' << ::getpid() << "] "
       << (Level == LogLevel::Error     ? "error: "
           : Level == LogLevel::Warning ? "warning: "
                                        : "")
       << Message << '\n';
  }
  OS.flush();
  // One write per line: O_APPEND makes it atomic with respect to other writers.
  writeAll(Fd, Line);
  if (MaxBytes)
    rotateIfFull();
}
