//===- unittests/Worker/SlotTest.cpp - One slot process -------------------===//
//
// A slot on a loopback port, with a fake compile, stopped while a job is in
// flight: how its shutdown is ordered against its compile thread.
//
//===----------------------------------------------------------------------===//

#include "Worker/Slot.h"
#include "ExpectedMatchers.h"
#include "Loopback.h"
#include "Protocol/Frame.h"
#include "Support/TcpListen.h"
#include "TempDir.h"
#include "clang/Basic/Version.h"
#include <catch2/catch.hpp>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>

using namespace clang::dist;
using namespace clang::dist::test;
using namespace std::chrono_literals;

namespace {

/// A local server that has sent the slot one job.
FrameSocket submit(uint16_t Port, DistributionMode Mode) {
  int Fd = connectToLoopback(Port);
  FrameSocket Server(Fd);
  Hello H;
  H.ClangVersion = clang::getClangFullVersion();
  H.Peer = "test";
  REQUIRE(!Server.writeAll(encodeFrame(H)));
  llvm::Expected<HelloReply> Reply = Server.read<HelloReply>();
  REQUIRE(static_cast<bool>(Reply));
  REQUIRE(Reply->Accepted);
  CompileJob Job;
  Job.Id = 1;
  Job.Mode = Mode;
  Job.WorkingDir = "/src";
  Job.Args = {"-cc1"};
  REQUIRE(!Server.writeAll(encodeFrame(Job)));
  return Server;
}

void waitFor(const std::atomic<bool> &Flag) {
  auto Deadline = std::chrono::steady_clock::now() + 10s;
  while (!Flag && std::chrono::steady_clock::now() < Deadline)
    std::this_thread::sleep_for(1ms);
  REQUIRE(Flag);
}

struct Fixture {
  test::TempDir Dir;
  Logger Log;
  BlobStore Store = llvm::cantFail(BlobStore::open(Dir.file("cache"), 1 << 20));
  SlotOptions Options;
  uint16_t Port = 0;
  Fixture() { Options.ListenFd = unwrap(listenTcp("127.0.0.1", 0, Port)); }
};

} // namespace

TEST_CASE("Slot is destroyed only after its compile thread is done with it",
          "[Slot]") {
  Fixture F;
  std::atomic<bool> Started{false}, Returned{false};
  CompileFunction Slow = [&](const CompileJob &Job,
                             llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem>) {
    Started = true;
    std::this_thread::sleep_for(300ms);
    Returned = true;
    CompileResult R;
    R.Id = Job.Id;
    return R;
  };
  auto S = std::make_unique<Slot>(F.Options, F.Log, F.Store, Slow);
  std::thread Io([&] { S->run(); });
  FrameSocket Server = submit(F.Port, DistributionMode::LocalFiles);
  waitFor(Started);
  S->stop();
  Io.join();
  S.reset();
  CHECK(Returned);
}

TEST_CASE("Slot stopped while a compile waits for a reply ends that compile",
          "[Slot]") {
  Fixture F;
  std::atomic<bool> Started{false};
  std::error_code Seen;
  CompileFunction Asking =
      [&](const CompileJob &Job,
          llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> Files) {
        Started = true;
        Seen = Files->status("/src/a.h").getError();
        CompileResult R;
        R.Id = Job.Id;
        return R;
      };
  auto S = std::make_unique<Slot>(F.Options, F.Log, F.Store, Asking);
  std::thread Io([&] { S->run(); });
  FrameSocket Server = submit(F.Port, DistributionMode::Sources);
  // The question comes (after heartbeats, maybe), and no reply goes back.
  llvm::Expected<Frame> Question = Server.readFrame();
  while (Question && Question->Type == MessageType::Heartbeat)
    Question = Server.readFrame();
  REQUIRE(static_cast<bool>(Question));
  CHECK(Question->Type == MessageType::Lookup);
  S->stop();
  Io.join();
  auto Stopped = std::chrono::steady_clock::now();
  CHECK(S->finish(10s));
  // Well before the reply timeout (60 s), however loaded the machine.
  CHECK(std::chrono::steady_clock::now() - Stopped < 30s);
  CHECK(Seen == std::errc::io_error);
}

TEST_CASE("Slot does not wait past its grace for a compile", "[Slot]") {
  Fixture F;
  std::atomic<bool> Started{false}, Release{false};
  CompileFunction Long = [&](const CompileJob &Job,
                             llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem>) {
    Started = true;
    while (!Release)
      std::this_thread::sleep_for(1ms);
    CompileResult R;
    R.Id = Job.Id;
    return R;
  };
  auto S = std::make_unique<Slot>(F.Options, F.Log, F.Store, Long);
  std::thread Io([&] { S->run(); });
  FrameSocket Server = submit(F.Port, DistributionMode::LocalFiles);
  waitFor(Started);
  S->stop();
  Io.join();
  CHECK_FALSE(S->finish(50ms));
  Release = true;
  CHECK(S->finish(10s));
}
