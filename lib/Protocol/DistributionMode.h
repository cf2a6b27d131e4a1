//===- Protocol/DistributionMode.h - What travels with a job ----*- C++ -*-===//
//
// One word for one idea: the config's `mode` and the mode a CompileJob says
// it is in on the wire (its number) are the same.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_PROTOCOL_DISTRIBUTIONMODE_H
#define CLANG_DIST_PROTOCOL_DISTRIBUTIONMODE_H

#include <cstdint>

namespace clang::dist {

enum class DistributionMode : uint8_t {
  /// The local server preprocesses: a job carries its main file as
  /// -frewrite-includes produced it (includes inlined, macros kept), at the
  /// path the client named it (Files[0]), and every file it reads itself.
  Preprocessed = 1,
  /// The files themselves: a job carries its arguments; the worker
  /// preprocesses too, asks the local server about every path the compile
  /// looks at (Lookup) and for the contents its cache lacks (NeedBlobs), and
  /// caches the contents.
  Sources = 2,
  /// Nothing but the arguments: the worker shares the client's file system
  /// and reads the files from its own disk. Never set by a config: only the
  /// worker a local server starts on its own machine (LocalWorker.h) takes
  /// it, started with --local-files, and only from that server.
  LocalFiles = 3,
};

/// As dist.conf's `mode` spells it ("local files" for LocalFiles, which no
/// config names).
inline const char *modeName(DistributionMode Mode) {
  switch (Mode) {
  case DistributionMode::Preprocessed:
    return "preprocessed";
  case DistributionMode::Sources:
    return "sources";
  case DistributionMode::LocalFiles:
    return "local files";
  }
  return "?";
}

} // namespace clang::dist

#endif
