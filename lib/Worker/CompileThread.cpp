//===- Worker/CompileThread.cpp - A slot's compiles -----------------------===//

#include "Worker/CompileThread.h"
#include "Worker/ClientFileSystem.h"
#include "Worker/JobChannel.h"
#include "llvm/Support/FormatVariadic.h"

using namespace clang::dist;

JobConnection::~JobConnection() = default;

/// A later answer about a path replaces an earlier one.
static void learn(ClientAnswers &Known, std::vector<Answers::Entry> Learned) {
  for (Answers::Entry &E : Learned) {
    LookupReply Reply{0, E.Index, E.Info};
    auto [It, New] = Known.try_emplace(E.Path, Reply);
    if (!New && It->second.Index < E.Index)
      It->second = Reply;
  }
}

/// The file a job compiles: cc1 takes it last, after "-x LANGUAGE".
static llvm::StringRef sourceName(const CompileJob &Job) {
  for (size_t I = Job.Args.size(); I >= 3; --I)
    if (Job.Args[I - 3] == "-x")
      return Job.Args[I - 1];
  return "(no source named)";
}

/// What became of a job, for its line in the log.
static std::string outcome(const CompileResult &Result, bool Lost) {
  if (Lost)
    return "lost with its connection";
  if (Result.Refused) {
    // "error: clang-dist-worker refuses the job: WHY" (Compiler.h).
    llvm::StringRef Line =
        llvm::StringRef(Result.Diagnostics).split('\n').first;
    llvm::StringRef Why = Line.split("refuses the job: ").second;
    return ("refused: " + (Why.empty() ? Line : Why)).str();
  }
  if (Result.Unanswerable)
    return "needs what no answer tells (runs on the client)";
  if (Result.ExitCode != 0)
    return "errors, exit code " + std::to_string(Result.ExitCode);
  return "ok";
}

/// What became of a job, for the metrics.
static SlotOutcome outcomeOf(const CompileResult &Result, bool Lost) {
  if (Lost)
    return SlotOutcome::Lost;
  if (Result.Refused)
    return SlotOutcome::Refused;
  return Result.ExitCode == 0 ? SlotOutcome::Completed : SlotOutcome::Failed;
}

void CompileThread::start() {
  Thread = std::thread([this] { run(); });
}

CompileThread::~CompileThread() {
  if (Thread.joinable())
    Thread.join();
}

bool CompileThread::finish(std::chrono::milliseconds Grace) {
  if (!Thread.joinable())
    return true;
  {
    std::unique_lock<std::mutex> Lock(M);
    if (!Ended.wait_for(Lock, Grace, [&] { return Done; }))
      return false;
  }
  Thread.join();
  return true;
}

void CompileThread::run() {
  while (std::optional<QueuedJob> Q = Queue.pop()) {
    if (!Q->Conn->isOpen()) {
      Counters.jobEnded(Q->Job.Mode, SlotOutcome::Lost, std::nullopt);
      // Frees the slot; the result goes nowhere.
      Q->Conn->deliver(CompileResult());
      continue;
    }
    CompileResult Result;
    bool Lost = false;
    Counters.Busy = 1;
    auto Started = std::chrono::steady_clock::now();
    if (Q->Job.Mode == DistributionMode::Sources) {
      ClientAnswers &Known = Q->Conn->answers();
      learn(Known, std::move(Q->Learned));
      JobChannel Channel(*Q->Conn, Q->Job.Id, Store, Log);
      auto Files = llvm::makeIntrusiveRefCnt<ClientFileSystem>(
          Known, Channel, Q->Job.WorkingDir);
      Result = Compile(Q->Job, Files);
      Result.Consulted = Files->consulted();
      Result.Unanswerable = Files->unanswerable();
      Lost = Channel.failed();
      Counters.BlobHits += Channel.blobHits();
      Counters.BlobMisses += Channel.blobMisses();
    } else {
      Result = Compile(Q->Job, nullptr);
    }
    Counters.Busy = 0;
    // A compile that lost its files with its connection was no compile.
    Compiled += !Lost;
    std::chrono::duration<double> Took =
        std::chrono::steady_clock::now() - Started;
    Log.log(llvm::formatv("job {0} from {1} (user {5}): {2}: {3} ({4:f3} s)",
                          Q->Job.Id, Q->Conn->peerName(), sourceName(Q->Job),
                          outcome(Result, Lost), Took.count(),
                          Q->Conn->user()));
    Counters.jobEnded(
        Q->Job.Mode, outcomeOf(Result, Lost),
        Lost || Result.Refused
            ? std::nullopt
            : std::optional(
                  std::chrono::duration_cast<std::chrono::microseconds>(Took)));
    Q->Conn->deliver(std::move(Result));
  }
  {
    std::lock_guard<std::mutex> Lock(M);
    Done = true;
  }
  Ended.notify_all();
}
