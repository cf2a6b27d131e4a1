//===- Support/Log.h - The one logging entry point --------------*- C++ -*-===//
//
// Servers log decisions (which worker, why a fallback), never hot loops. Each
// line is written with one write(2) so that lines of concurrent processes that
// share a log file never interleave.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_SUPPORT_LOG_H
#define CLANG_DIST_SUPPORT_LOG_H

#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"
#include <memory>
#include <mutex>

namespace clang::dist {

class Logger {
public:
  /// Logs to stderr.
  Logger();
  /// Appends to \p Path, creating it with mode 0600.
  static llvm::Expected<Logger> openFile(llvm::StringRef Path,
                                         llvm::StringRef Component);
  Logger(Logger &&Other) noexcept;
  Logger &operator=(Logger &&Other) = delete;
  Logger(const Logger &) = delete;
  ~Logger();

  void setComponent(llvm::StringRef Name) { Component = Name.str(); }
  /// A log opened by openFile that grows past \p MaxBytes is renamed to
  /// PATH.1 (replacing the one before) and started anew at PATH, where
  /// other processes append line by line. With \p AndStderr, this
  /// process's stderr (which its children's inherit) follows it.
  void rotateAt(uint64_t MaxBytes, bool AndStderr);
  /// Thread-safe: one line, prefixed with time, component and pid.
  void log(const llvm::Twine &Message) const;

private:
  Logger(int Fd, bool OwnsFd, llvm::StringRef Component);
  void rotateIfFull() const;

  int Fd;
  bool OwnsFd;
  std::string Component;
  /// openFile's path.
  std::string Path;
  uint64_t MaxBytes = 0;
  bool RotateStderr = false;
  /// One thread rotates; the others write on, to either file.
  std::unique_ptr<std::mutex> Rotating = std::make_unique<std::mutex>();
};

} // namespace clang::dist

#endif
