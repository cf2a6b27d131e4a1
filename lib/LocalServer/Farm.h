//===- LocalServer/Farm.h - The slots a server sends jobs to ----*- C++ -*-===//
//
// The config names a farm, or none: then the server has a worker of its own on
// this machine, which reads its disk (the local-files mode) and proves a
// secret of its own, started when a job first needs a slot. Either way the
// server's jobs see one Farm, and the config stays what the user wrote.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_FARM_H
#define CLANG_DIST_LOCALSERVER_FARM_H

#include "Config/Config.h"
#include "LocalServer/LocalWorker.h"
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace clang::dist {

struct Farm {
  std::vector<SlotAddress> Slots;
  DistributionMode Mode = DistributionMode::Sources;
  /// What the server proves to the slots, and they to it.
  std::optional<SharedSecret> Secret;
  /// Where backoffs are kept for the next server of the config; empty: not
  /// kept (the server's own worker, on new ports each time).
  std::string BackoffsPath;
  /// Why there are no slots, as the jobs' fallbacks say it: the config
  /// names none, or the server's own worker did not start.
  std::string NoSlotsReason = "no slots configured";
  /// Starts the server's own worker, with no farm configured; its slots
  /// join when a job first needs one (OwnWorkerStart.h).
  std::function<llvm::Expected<std::unique_ptr<LocalWorker>>()> StartOwnWorker;
};

} // namespace clang::dist

#endif
