//===- Worker/CompileThread.cpp - A slot's compiles -----------------------===//

#include "Worker/CompileThread.h"
#include "Worker/ClientFileSystem.h"
#include "Worker/JobChannel.h"

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
      continue;
    }
    CompileResult Result;
    bool Lost = false;
    Counters.Busy = 1;
    auto Start = std::chrono::steady_clock::now();
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
    Counters.jobEnded(
        Q->Job.Mode, outcomeOf(Result, Lost),
        Lost || Result.Refused
            ? std::nullopt
            : std::optional(
                  std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - Start)));
    Q->Conn->deliver(std::move(Result));
  }
  {
    std::lock_guard<std::mutex> Lock(M);
    Done = true;
  }
  Ended.notify_all();
}
