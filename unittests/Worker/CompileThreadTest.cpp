//===- unittests/Worker/CompileThreadTest.cpp - A slot's compiles ---------===//
//
// The compile thread over a fake connection and a fake compile: which jobs
// it runs, what a sources compile sees of the client's files and reports
// having used, and what a lost connection does to the count.
//
//===----------------------------------------------------------------------===//

#include "Worker/CompileThread.h"
#include "TempDir.h"
#include <catch2/catch.hpp>
#include <condition_variable>
#include <mutex>

using namespace clang::dist;
using Kind = PathInfo::PathKind;

namespace {

/// A local server that says every path it is asked about is missing, or
/// whose connection is lost; the results it gets wait for the test.
class FakeConnection : public JobConnection {
public:
  bool isOpen() const override { return Open; }
  llvm::Expected<Frame> ask(std::string Question,
                            MessageType ReplyType) override {
    // Called on the compile thread, where Catch2 cannot assert.
    if (!Open || ReplyType != MessageType::LookupReply)
      return llvm::createStringError(llvm::inconvertibleErrorCode(), "lost");
    ++Asked;
    LookupReply Reply{1, NextIndex++, PathInfo()};
    return Frame{MessageType::LookupReply, encode(Reply)};
  }
  void abandon(const std::string &) override { Open = false; }
  void deliver(CompileResult Result) override {
    {
      std::lock_guard<std::mutex> Lock(M);
      Results.push_back(std::move(Result));
    }
    Delivered.notify_all();
  }
  ClientAnswers &answers() override { return Known; }
  const std::string &peerName() const override { return Name; }
  const std::string &user() const override { return Name; }

  /// The first \p N results, once they came.
  std::vector<CompileResult> results(size_t N) {
    std::unique_lock<std::mutex> Lock(M);
    REQUIRE(Delivered.wait_for(Lock, std::chrono::seconds(10),
                               [&] { return Results.size() >= N; }));
    return Results;
  }

  std::atomic<bool> Open{true};
  unsigned Asked = 0;

private:
  ClientAnswers Known;
  std::string Name = "127.0.0.1:40000";
  uint32_t NextIndex = 10;
  std::mutex M;
  std::condition_variable Delivered;
  std::vector<CompileResult> Results;
};

QueuedJob job(std::shared_ptr<FakeConnection> Conn, uint64_t Id,
              DistributionMode Mode = DistributionMode::Preprocessed) {
  QueuedJob Q;
  Q.Conn = std::move(Conn);
  Q.Job.Id = Id;
  Q.Job.Mode = Mode;
  Q.Job.WorkingDir = "/src";
  return Q;
}

/// A compile that looks at \p Path when the job gives it the client's files.
CompileFunction statting(std::string Path) {
  return [Path](const CompileJob &Job,
                llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> Files) {
    CompileResult R;
    R.Id = Job.Id;
    R.ExitCode = Files && Files->status(Path) ? 0 : 1;
    return R;
  };
}

struct Fixture {
  test::TempDir Dir;
  Logger Log;
  BlobStore Store = llvm::cantFail(BlobStore::open(Dir.file("cache"), 1 << 20));
  SlotCounters Counters;
  JobQueue Queue{&Counters.Queued};
};

} // namespace

TEST_CASE("CompileThread runs the jobs of open connections in order",
          "[CompileThread]") {
  Fixture F;
  auto Open = std::make_shared<FakeConnection>();
  auto Closed = std::make_shared<FakeConnection>();
  Closed->Open = false;
  CompileThread Thread(F.Queue, F.Store, F.Log, F.Counters,
                       statting("/src/a.h"));
  Thread.start();
  F.Queue.push(job(Open, 1));
  F.Queue.push(job(Closed, 2));
  F.Queue.push(job(Open, 3));
  std::vector<CompileResult> Results = Open->results(2);
  F.Queue.close();
  CHECK(Results[0].Id == 1);
  CHECK(Results[1].Id == 3);
  CHECK(Thread.compiled() == 2);
  // The closed connection's job was not run, but freed the slot: an empty
  // result, which a Connection drops.
  CHECK(Closed->results(1)[0].Id == 0);
  // The job of the closed connection was lost; the statting compile
  // found no file in the preprocessed mode and failed.
  auto Jobs = [&](SlotOutcome O) {
    return F.Counters
        .Jobs[size_t(DistributionMode::Preprocessed) - 1][size_t(O)]
        .load();
  };
  CHECK(Jobs(SlotOutcome::Failed) == 2);
  CHECK(Jobs(SlotOutcome::Lost) == 1);
  CHECK(Jobs(SlotOutcome::Completed) == 0);
  CHECK(F.Counters.Busy == 0);
  CHECK(F.Counters.Queued == 0);
  uint64_t Timed = 0;
  for (const auto &B : F.Counters.CompileBuckets)
    Timed += B;
  CHECK(Timed == 2);
}

TEST_CASE("CompileThread gives a sources compile its connection's answers",
          "[CompileThread]") {
  Fixture F;
  auto Conn = std::make_shared<FakeConnection>();
  CompileThread Thread(F.Queue, F.Store, F.Log, F.Counters,
                       statting("/src/a.h"));
  Thread.start();

  // What the server sent with the job is known without asking; the later of
  // two answers about a path holds.
  QueuedJob First = job(Conn, 1, DistributionMode::Sources);
  PathInfo File;
  File.Kind = Kind::File;
  First.Learned = {{4, "/src/a.h", PathInfo()}, {5, "/src/a.h", File}};
  F.Queue.push(std::move(First));
  // The next job knows what the first asked about.
  F.Queue.push(job(Conn, 2, DistributionMode::Sources));
  std::vector<CompileResult> Results = Conn->results(2);
  F.Queue.close();
  CHECK(Conn->Asked == 0);
  CHECK(Results[0].ExitCode == 0);
  CHECK(Results[0].Consulted == std::vector<uint32_t>{5});
  CHECK(Results[1].Consulted == std::vector<uint32_t>{5});
}

TEST_CASE("CompileThread does not count a compile that lost its connection",
          "[CompileThread]") {
  Fixture F;
  auto Conn = std::make_shared<FakeConnection>();
  CompileFunction LosesConnection =
      [&](const CompileJob &Job,
          llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> Files) {
        Conn->Open = false;
        return statting("/src/b.h")(Job, Files);
      };
  CompileThread Thread(F.Queue, F.Store, F.Log, F.Counters, LosesConnection);
  Thread.start();
  F.Queue.push(job(Conn, 1, DistributionMode::Sources));
  std::vector<CompileResult> Results = Conn->results(1);
  F.Queue.close();
  CHECK(Results[0].ExitCode == 1);
  CHECK(Thread.compiled() == 0);
  CHECK(F.Counters.Jobs[size_t(DistributionMode::Sources) - 1]
                       [size_t(SlotOutcome::Lost)] == 1);
}
