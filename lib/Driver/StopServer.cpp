//===- Driver/StopServer.cpp - clang-dist --stop-server -------------------===//

#include "Driver/StopServer.h"
#include "llvm/Support/raw_ostream.h"

using namespace clang::dist;

int clang::dist::stopServer(const ServerTarget &Target) {
  std::string Config = Target.configName();
  auto Failed = [&](llvm::Error E) {
    llvm::errs() << "clang-dist: error: cannot stop the local server of "
                 << Config << ": " << llvm::toString(std::move(E)) << "\n";
    return 1;
  };
  llvm::Expected<std::optional<FrameSocket>> Socket =
      connectToRunningServer(Target);
  if (!Socket)
    return Failed(Socket.takeError());
  if (!*Socket) {
    llvm::outs() << "clang-dist: no local server runs for " << Config << "\n";
    return 0;
  }
  if (llvm::Error E = (*Socket)->writeAll(encodeFrame(StopServer())))
    return Failed(std::move(E));
  llvm::Expected<StopServerReply> Reply = (*Socket)->read<StopServerReply>();
  if (!Reply)
    return Failed(Reply.takeError());
  int Pid = serverPid(**Socket);
  llvm::outs() << "clang-dist: stopping the local server of " << Config
               << " (pid " << Pid << ")";
  if (Reply->JobsInFlight)
    llvm::outs() << " once its jobs in flight are done (" << Reply->JobsInFlight
                 << ")";
  llvm::outs() << "\n";
  llvm::outs().flush();
  // However long the jobs in flight take: each ends, the server sees to it.
  awaitExit(Pid, -1);
  llvm::outs() << "clang-dist: the local server has exited\n";
  return 0;
}
