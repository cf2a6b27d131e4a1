//===- Support/Log.cpp - The one logging entry point ----------------------===//

#include "Support/Log.h"
#include "Support/WriteAll.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"
#include <cerrno>
#include <chrono>
#include <ctime>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace clang::dist;

Logger::Logger() : Logger(STDERR_FILENO, false, "clang-dist") {}

Logger::Logger(int Fd, bool OwnsFd, llvm::StringRef Component)
    : Fd(Fd), OwnsFd(OwnsFd), Component(Component.str()) {}

Logger::Logger(Logger &&Other) noexcept
    : Fd(Other.Fd), OwnsFd(Other.OwnsFd), Component(std::move(Other.Component)),
      Path(std::move(Other.Path)), MaxBytes(Other.MaxBytes),
      RotateStderr(Other.RotateStderr), Rotating(std::move(Other.Rotating)) {
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
        "cannot open log file '%s'", Path.str().c_str());
  Logger L(Fd, true, Component);
  L.Path = Path.str();
  return std::move(L);
}

void Logger::rotateAt(uint64_t Max, bool AndStderr) {
  MaxBytes = Max;
  RotateStderr = AndStderr;
}

void Logger::rotateIfFull() const {
  struct stat Status;
  if (::fstat(Fd, &Status) != 0 ||
      static_cast<uint64_t>(Status.st_size) < MaxBytes)
    return;
  std::lock_guard<std::mutex> Lock(*Rotating);
  // Another thread may have rotated meanwhile; then Fd is the new file.
  if (::fstat(Fd, &Status) != 0 ||
      static_cast<uint64_t>(Status.st_size) < MaxBytes)
    return;
  std::string Old = Path + ".1";
  if (::rename(Path.c_str(), Old.c_str()) != 0)
    return;
  int New =
      ::open(Path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (New < 0)
    return;
  // dup2 swaps the file under the descriptor at once: a write of another
  // thread goes wholly to one file or the other.
  ::dup3(New, Fd, O_CLOEXEC);
  if (RotateStderr)
    ::dup2(New, STDERR_FILENO);
  ::close(New);
}

void Logger::log(const llvm::Twine &Message) const {
  using namespace std::chrono;
  auto Now = system_clock::now();
  std::time_t Secs = system_clock::to_time_t(Now);
  auto Millis =
      duration_cast<milliseconds>(Now.time_since_epoch()).count() % 1000;
  std::tm Local;
  localtime_r(&Secs, &Local);
  char Stamp[32];
  std::strftime(Stamp, sizeof(Stamp), "%Y-%m-%d %H:%M:%S", &Local);

  std::string Line;
  llvm::raw_string_ostream OS(Line);
  OS << Stamp << llvm::format(".%03d ", static_cast<int>(Millis)) << Component
     << '[' << ::getpid() << "] " << Message << '\n';
  OS.flush();
  // One write per line: O_APPEND makes it atomic with respect to other writers.
  writeAll(Fd, Line);
  if (MaxBytes)
    rotateIfFull();
}
