//===- Support/Subprocess.h - Starting processes, one policy ----*- C++ -*-===//
//
// Every process clang-dist starts is started here, and what it gets of its
// parent is written in its ProcessOptions (as ninja's Subprocess does): by
// default descriptors 0-2 and nothing else, every signal at its default, an
// empty signal mask. A descriptor inherited by mistake is held by the wrong
// process for as long as that one lives: make's jobserver pipe held by the
// long-lived local server keeps `make` (or `ninja | tee`) waiting for an end
// of file, and a server's listening socket held by its worker outlives it.
//
// Between fork and exec the child makes only async-signal-safe calls, so a
// multi-threaded parent (the local server) may start programs. A program that
// needs no second fork is started with vfork: nothing of the parent is copied,
// however large the parent.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_SUPPORT_SUBPROCESS_H
#define CLANG_DIST_SUPPORT_SUBPROCESS_H

#include "llvm/Support/Error.h"
#include <csignal>
#include <functional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace clang::dist {

/// What one of the child's descriptors 0, 1 and 2 is.
struct ChildStdio {
  enum KindType { Inherit, Null, Descriptor } Kind = Inherit;
  /// For Descriptor: the parent's descriptor (the parent keeps its own).
  int Fd = -1;

  static ChildStdio inherit() { return {Inherit, -1}; }
  /// /dev/null, opened for reading and writing.
  static ChildStdio null() { return {Null, -1}; }
  static ChildStdio fd(int Fd) { return {Descriptor, Fd}; }
};

struct ProcessOptions {
  /// The program and its arguments; Argv[0] is its path (no PATH search),
  /// and names the child in errors.
  std::vector<std::string> Argv;
  /// If set, the child runs this instead of a program and exits with what it
  /// returns. The child is then a fork of the parent and runs the parent's
  /// code, so the parent must have one thread (a lock held by another thread
  /// stays held in the child); the signal dispositions are the parent's,
  /// which that code may rely on. Argv then only names the child.
  std::function<int()> Run;

  ChildStdio Stdin, Stdout, Stderr;
  /// Descriptors the child keeps, at the same numbers (one that is not open
  /// is no error); every other from 3 up is closed, close-on-exec or not.
  std::vector<int> KeepFds;

  /// A session of its own, and no child of the parent (the child forks once
  /// more and exits): a daemon outlives its starter, its process group and
  /// its terminal. startProcess then returns pid 0: there is no child to wait
  /// for.
  bool Detach = false;
  /// Sent to the child when the parent's thread that started it exits; 0 for
  /// none. A child whose parent is gone before that is armed exits at once.
  int ParentDeathSignal = 0;

  /// The child's signal mask.
  sigset_t SignalMask = emptySignalSet();
  /// Signals the child starts ignoring. Every other signal starts at its
  /// default, or, with ResetIgnoredSignals false, is ignored if the parent
  /// ignores it (as across exec).
  std::vector<int> IgnoredSignals;
  bool ResetIgnoredSignals = true;

  /// Environment variables the child does not get; it gets the others.
  std::vector<std::string> UnsetEnvironment;

  static sigset_t emptySignalSet() {
    sigset_t Set;
    sigemptyset(&Set);
    return Set;
  }
};

/// Starts a child as \p Options say and returns its pid once it runs the
/// program (or Run): a program that cannot be executed is an error here,
/// naming it and errno, not an exit code.
llvm::Expected<pid_t> startProcess(const ProcessOptions &Options);

/// How a child ended: its exit code, or the signal that killed it.
struct ProcessExit {
  int Code = 0;
  /// 0 unless a signal killed it.
  int Signal = 0;
};

/// Waits for the child \p Pid to end, and reaps it.
llvm::Expected<ProcessExit> waitProcess(pid_t Pid);

} // namespace clang::dist

#endif
