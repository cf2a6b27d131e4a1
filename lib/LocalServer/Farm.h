//===- LocalServer/Farm.h - The slots a server sends jobs to ----*- C++ -*-===//
//
// The config names a farm, or none: then the server starts slaves of its own
// on this machine, which read its disk (the local-files mode) and prove a
// secret of their own. Either way the server's jobs see one Farm, and the
// config stays what the user wrote.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_FARM_H
#define CLANG_DIST_LOCALSERVER_FARM_H

#include "Config/Config.h"
#include <optional>
#include <string>
#include <vector>

namespace clang::dist {

struct Farm {
  std::vector<SlaveEndpoint> Slots;
  DistributionMode Mode = DistributionMode::Sources;
  /// What the server proves to the slots, and they to it.
  std::optional<SharedSecret> Secret;
  /// Where backoffs are kept for the next server of the config; empty: not
  /// kept (the server's own slaves, on new ports each time).
  std::string BackoffsPath;
};

} // namespace clang::dist

#endif
