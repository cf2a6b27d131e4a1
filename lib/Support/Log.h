//===- Support/Log.h - The one logging entry point --------------*- C++ -*-===//
//
// Servers log decisions (which worker, why a fallback), never hot loops. Each
// line is written with one write(2) so that lines of concurrent processes that
// share a log file never interleave. A line has a level; on stderr connected
// to systemd's journal it carries its syslog priority as a "<N>" prefix
// (sd-daemon(3)) and no time (the journal records it), elsewhere the time and
// the level's word ("error: ", "warning: "; none for info).
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_SUPPORT_LOG_H
#define CLANG_DIST_SUPPORT_LOG_H

#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"
#include <memory>
#include <mutex>
#include <optional>

namespace clang::dist {

/// How much a line matters; the values are syslog's priorities.
enum class LogLevel { Error = 3, Warning = 4, Info = 6 };

/// "error", "warning" or "info"; std::nullopt for any other word.
std::optional<LogLevel> parseLogLevel(llvm::StringRef Name);

/// True when this process's stderr is a stream to the journal: systemd sets
/// JOURNAL_STREAM to that stream's device and inode, and a child whose stderr
/// is something else inherits the variable all the same.
bool stderrIsJournal();

/// An error that stops a program before it serves (a bad option, a port
/// taken): "PROGRAM: error: MESSAGE" on stderr, where whoever started it
/// looks, with the journal's error priority when stderr is the journal.
void reportError(llvm::StringRef Program, const llvm::Twine &Message);

class Logger {
public:
  /// Logs to stderr, in the journal's format if stderr is the journal.
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
  /// other processes append line by line; other processes that rotate it
  /// too (forks of this one) follow. With \p AndStderr, this process's
  /// stderr (which its children's inherit) follows it.
  void rotateAt(uint64_t MaxBytes, bool AndStderr);
  /// Lines less important than \p Least are dropped.
  void setLevel(LogLevel Least) { Threshold = Least; }
  /// Whether this log is openFile's, not stderr.
  bool isFile() const { return !Path.empty(); }
  /// What a child process that logs here must keep open.
  int descriptor() const { return Fd; }
  /// Makes this process's stderr the file too (openFile's log only), so
  /// that what is written there directly, a crash's stack trace, lands in it.
  void takeStderr() const;
  /// Thread-safe: one line, prefixed with time, component and pid.
  void log(LogLevel Level, const llvm::Twine &Message) const;
  void log(const llvm::Twine &Message) const { log(LogLevel::Info, Message); }

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
  LogLevel Threshold = LogLevel::Info;
  /// Fd is the journal's stream.
  bool Journal = false;
  /// One thread rotates; the others write on, to either file.
  std::unique_ptr<std::mutex> Rotating = std::make_unique<std::mutex>();
};

} // namespace clang::dist

#endif
