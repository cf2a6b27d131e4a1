//===- LocalServer/Preprocessor.h - Turn a cc1 job into a CompileJob -*- C++
//-*-===//
//
// Decides whether a job can run on a slave and, if so, preprocesses it in
// process the way -frewrite-includes does (includes inlined, macros kept, so
// that the slave's diagnostics are clang's own) and writes its dependency
// file, as the local compile would have.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_PREPROCESSOR_H
#define CLANG_DIST_LOCALSERVER_PREPROCESSOR_H

#include "LocalServer/FileCache.h"
#include "Protocol/Messages.h"
#include <string>

namespace clang::dist {

struct PreparedJob {
  /// The source file as the client named it, for the log; empty if the
  /// arguments did not parse.
  std::string MainFile;
  /// Non-empty when the client must run the job itself; says why.
  std::string RunLocallyReason;
  CompileJob Job;
  /// Absolute path of the object file to write.
  std::string ObjectPath;
  /// Absolute path of the .dwo file to write (-gsplit-dwarf), or empty.
  std::string SplitDwarfPath;
};

/// Safe to call from many threads at once with one cache.
PreparedJob prepareJob(const SubmitJob &Submit, SharedFileCache &Cache);

} // namespace clang::dist

#endif
