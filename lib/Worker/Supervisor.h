//===- Worker/Supervisor.h - clang-dist-worker's parent ---------*- C++ -*-===//
//
// Binds one listening socket per core, then runs each slot in a process of
// its own and starts it again when it dies: process isolation is the safety
// boundary between compiles (a crash, or global LLVM options of one job, must
// not touch the next).
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_WORKER_SUPERVISOR_H
#define CLANG_DIST_WORKER_SUPERVISOR_H

#include "Support/Log.h"
#include "Worker/RegistrationProcess.h"
#include "Worker/Slot.h"
#include <optional>
#include <string>

namespace clang::dist {

struct SupervisorOptions {
  unsigned Slots = 1;
  /// Slot I listens on FirstPort + I; 0 lets the system choose each port.
  uint16_t FirstPort = 63000;
  std::string BindAddress = "127.0.0.1";
  /// Every slot's, but for the listening socket, which is its own.
  SlotOptions EachSlot;
  /// Where the metrics process serves Prometheus (MetricsProcess.h); none
  /// if empty. Port 0 lets the system choose.
  std::string MetricsAddress;
  uint16_t MetricsPort = 0;
  /// The farm's registry the worker keeps its entry in (RegistrationProcess.h),
  /// if any. Its entry's ports and start time are filled in here.
  std::optional<RegistrationOptions> Registration;
};

/// Prints "clang-dist-worker: listening on ADDR:PORT" on stdout for each slot
/// once all are bound (then "clang-dist-worker: metrics on ADDR:PORT" if it
/// serves them), then serves until SIGTERM/SIGINT. Returns the exit code.
int runSupervisor(const SupervisorOptions &Options, Logger &Log);

} // namespace clang::dist

#endif
