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
  /// Thread-safe: one line, prefixed with time, component and pid.
  void log(const llvm::Twine &Message) const;

private:
  Logger(int Fd, bool OwnsFd, llvm::StringRef Component);

  int Fd;
  bool OwnsFd;
  std::string Component;
};

} // namespace clang::dist

#endif
