//===- Driver/DistributedCommand.cpp - A remote compile job ---------------===//

#include "Driver/DistributedCommand.h"
#include "Config/ProgramPlaces.h"
#include "Driver/ClientFallbacks.h"
#include "Protocol/Errors.h"
#include "Support/Log.h"
#include "Support/WriteAll.h"
#include "clang/Basic/Version.h"
#include "clang/Driver/InputInfo.h"
#include "clang/Driver/Types.h"
#include "llvm/Support/Process.h"
#include <cerrno>
#include <sys/stat.h>
#include <unistd.h>

using namespace clang::dist;
using clang::driver::CC1Command;
using clang::driver::Command;

namespace {
/// The one line a fallback the user should hear of prints: what failed, and
/// how many fallbacks of its cause went unsaid since the last such line.
void warnFallback(llvm::StringRef Slot, llvm::StringRef Reason,
                  uint64_t Untold) {
  std::string Line = "clang-dist: warning: compiled locally: ";
  if (!Slot.empty())
    Line += Slot.str() + " ";
  Line += Reason.str();
  if (Untold)
    Line += " (" + std::to_string(Untold) + " more since the last warning)";
  writeAll(STDERR_FILENO, Line + "\n");
}

/// A fallback this client found itself, with no server to count it or to
/// limit its warnings: logged to the server's log, counted in the config's
/// client fallbacks file, and perhaps warned of.
void clientFallback(const ServerTarget &Target, llvm::Error Why) {
  FallbackCause Cause = Why.isA<ProgramMissing>() ? FallbackCause::ServerMissing
                                                  : FallbackCause::ServerFailed;
  std::string Text = llvm::toString(std::move(Why));
  if (auto Log = Logger::openFile(Target.Paths.Log, "clang-dist"))
    Log->log("compiling locally: " + Text +
             " (fallback: " + fallbackCauseName(Cause) + ")");
  else
    llvm::consumeError(Log.takeError());
  llvm::Expected<std::optional<uint64_t>> Warn =
      recordClientFallback(Target.Paths.ClientFallbacks, Cause);
  // Without the shared file every client would warn: none does.
  if (!Warn)
    return llvm::consumeError(Warn.takeError());
  if (*Warn && Target.FallbackWarnings)
    warnFallback("", Text, **Warn);
}

std::optional<FrameSocket> sendRequest(const ServerTarget &Target,
                                       llvm::StringRef Request) {
  llvm::Expected<FrameSocket> Socket = connectToServer(Target);
  if (!Socket) {
    clientFallback(Target, Socket.takeError());
    return std::nullopt;
  }
  if (llvm::Error E = Socket->writeAll(Request)) {
    clientFallback(Target,
                   llvm::createStringError(llvm::inconvertibleErrorCode(),
                                           "cannot send the job: " +
                                               llvm::toString(std::move(E))));
    return std::nullopt;
  }
  return std::move(*Socket);
}

/// The outcome, or an error if the server went away before answering.
llvm::Expected<JobOutcome> awaitOutcome(FrameSocket &Socket) {
  llvm::Expected<HelloReply> Reply = Socket.read<HelloReply>();
  if (!Reply)
    return Reply.takeError();
  if (!Reply->Accepted)
    return llvm::createStringError(
        std::make_error_code(std::errc::protocol_error),
        "local server refused: %s", Reply->Reason.c_str());
  return Socket.read<JobOutcome>();
}

} // namespace

DistributedCommand::DistributedCommand(const CC1Command &Original,
                                       const ServerTarget &Target)
    : CC1Command(Original), Target(Target) {}

const CC1Command *DistributedCommand::asCandidate(const Command &C) {
  const auto *CC1 = dynamic_cast<const CC1Command *>(&C);
  if (!CC1)
    return nullptr;
  const llvm::opt::ArgStringList &Args = C.getArguments();
  // Compiles whose one output is an object, bitcode (-flto) or assembly.
  static constexpr llvm::StringLiteral Actions[] = {
      "-emit-obj", "-emit-llvm-bc", "-S", "-emit-llvm"};
  if (Args.empty() || llvm::StringRef(Args[0]) != "-cc1" ||
      llvm::none_of(Args, [](const char *A) {
        return llvm::is_contained(Actions, llvm::StringRef(A));
      }))
    return nullptr;
  // One source still to be preprocessed, not standard input: the later steps
  // of -save-temps (inputs .i or .bc) need not ask. The server checks
  // everything else about the job.
  const auto &Inputs = C.getInputInfos();
  if (Inputs.size() != 1 || !Inputs[0].isFilename() ||
      llvm::StringRef(Inputs[0].getFilename()) == "-" ||
      !clang::driver::types::isSrcFile(Inputs[0].getType()))
    return nullptr;
  return CC1;
}

void DistributedCommand::submit() {
  SubmitJob Job;
  llvm::SmallString<256> Cwd;
  if (llvm::sys::fs::current_path(Cwd))
    return;
  Job.WorkingDir = std::string(Cwd);
  for (const char *A : getArguments())
    Job.Args.push_back(A);
  // The only way to read the umask is to set it; this thread is the only one.
  mode_t Umask = ::umask(022);
  ::umask(Umask);
  Job.Umask = Umask;
  Hello H;
  H.ClangVersion = clang::getClangFullVersion();
  H.Peer = "clang-dist client";
  Request = encodeFrame(H) + encodeFrame(Job);

  // A server that was exiting when we connected closes without reading;
  // Execute() then tries a second connection, which finds or starts a new one.
  Connection = sendRequest(Target, Request);
}

int DistributedCommand::Execute(
    llvm::ArrayRef<std::optional<llvm::StringRef>> Redirects,
    std::string *ErrMsg, bool *ExecutionFailed) const {
  // The caller leaves it uninitialized and reads it after every run.
  if (ExecutionFailed)
    *ExecutionFailed = false;
  for (int Try = 0; Connection && Try < 2; ++Try) {
    llvm::Expected<JobOutcome> Outcome = awaitOutcome(*Connection);
    if (!Outcome) {
      std::string Why = llvm::toString(Outcome.takeError());
      if (Try == 0) {
        awaitServerExit(*Connection);
        Connection = sendRequest(Target, Request);
      } else {
        Connection.reset();
        clientFallback(Target, llvm::createStringError(
                                   llvm::inconvertibleErrorCode(),
                                   "the local server did not answer: " + Why));
      }
      continue;
    }
    Connection.reset();
    if (!Outcome->Notice.empty())
      writeAll(STDERR_FILENO,
               "clang-dist: warning: " + peerText(Outcome->Notice) + "\n");
    if (Outcome->Kind == JobOutcome::Disposition::Completed) {
      // One write: diagnostics of parallel jobs must not interleave.
      writeAll(STDERR_FILENO, Outcome->Diagnostics);
      return Outcome->ExitCode;
    }
    // The server counted it and chose whether this client warns.
    if (Outcome->Warn)
      warnFallback(Outcome->Slot, Outcome->Reason, Outcome->Suppressed);
    break;
  }
  return CC1Command::Execute(Redirects, ErrMsg, ExecutionFailed);
}
