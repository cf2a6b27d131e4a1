//===- Worker/Speed.h - How fast this machine compiles ----------*- C++ -*-===//
//
// A worker's speed, measured, not configured: a configured number is wrong
// as soon as the machine is shared, throttled or replaced. The supervisor
// measures once when it starts, compiling a small built-in C++ source in
// process the way a slot compiles a job, and every slot tells each server
// the number in its HelloReply. A server prefers the faster of two free
// slots (LocalServer/Scheduler.h); when the farm is full, a faster slot
// frees and offers itself more often, so it gets more of the work.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_WORKER_SPEED_H
#define CLANG_DIST_WORKER_SPEED_H

#include <chrono>
#include <cstdint>

namespace clang::dist {

/// A speed of 1000 compiles the built-in source in 10 ms; twice as fast is
/// 2000. Never 0 (HelloReply::Speed's "unknown").
uint32_t speedOf(std::chrono::nanoseconds BestCompile);

/// Compiles the built-in source a few times (about 50 ms on a 2020 laptop
/// core) and returns speedOf the fastest: the first run pays for caches and
/// page faults a slot's steady state does not. Calls initializeCompiler.
uint32_t measureSpeed();

} // namespace clang::dist

#endif
