//===- Driver/DistributedCommand.h - A remote compile job -------*- C++ -*-===//
// C++ -*-===//
//
// Replaces a compile job in clang's own job list, so that clang's driver keeps
// everything else: job order, -v output, removing outputs of failed jobs,
// "command failed" messages and exit codes. Executing it prints what the
// remote compile printed, in one write, and returns its exit code; if the
// server cannot or will not compile it, the original command runs here.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_DRIVER_DISTRIBUTEDCOMMAND_H
#define CLANG_DIST_DRIVER_DISTRIBUTEDCOMMAND_H

#include "Driver/ServerConnection.h"
#include "clang/Driver/Job.h"
#include <optional>

namespace clang::dist {

/// A CC1Command, so that it prints as clang-16 prints its in-process jobs.
class DistributedCommand : public clang::driver::CC1Command {
public:
  DistributedCommand(const clang::driver::CC1Command &Original,
                     const ServerTarget &Target);

  /// Sends the job to the server without waiting, so that all compile jobs
  /// of one invocation run at once; Execute() collects the outcome.
  void submit();

  int Execute(llvm::ArrayRef<std::optional<llvm::StringRef>> Redirects,
              std::string *ErrMsg, bool *ExecutionFailed) const override;

  /// \p C as a cc1 job that compiles one source file to an object, bitcode
  /// or assembly, or null.
  static const clang::driver::CC1Command *
  asCandidate(const clang::driver::Command &C);

private:
  const ServerTarget &Target;
  std::string Request;
  mutable std::optional<FrameSocket> Connection;
};

} // namespace clang::dist

#endif
