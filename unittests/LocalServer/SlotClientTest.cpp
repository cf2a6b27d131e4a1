//===- unittests/LocalServer/SlotClientTest.cpp - One slot's connection ---===//
//
// A SlotClient against a slot that the test scripts, on a real loopback
// socket, with the worker's questions answered by a fake.
//
//===----------------------------------------------------------------------===//

#include "LocalServer/SlotClient.h"
#include "LocalServer/Sources/AnswerBook.h"
#include "Protocol/Errors.h"
#include "Protocol/Frame.h"
#include "clang/Basic/Version.h"
#include <catch2/catch.hpp>
#include <deque>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace clang::dist;
using Catch::Matchers::Contains;

namespace {

/// Answers every Lookup with a file the size of its path's length.
class FakeQuestions : public SlotQuestions {
public:
  std::optional<Answers> answersSince(size_t &Told) override {
    if (Told == Given.size())
      return std::nullopt;
    Answers News;
    for (size_t I = Told; I != Given.size(); ++I)
      News.Entries.push_back(
          {static_cast<uint32_t>(I), Given[I].Path, Given[I].Info});
    Told = Given.size();
    return News;
  }
  llvm::Expected<LookupReply> lookup(const Lookup &Ask) override {
    GivenAnswer &G = Given.emplace_back();
    G.Path = Ask.Path;
    G.Info.Kind = PathInfo::PathKind::File;
    G.Info.Size = Ask.Path.size();
    return LookupReply{Ask.Id, static_cast<uint32_t>(Given.size() - 1), G.Info};
  }
  llvm::Expected<Blobs> contents(const NeedBlobs &Need) override {
    return protocolError("no such contents");
  }
  llvm::Expected<std::vector<const GivenAnswer *>>
  consulted(llvm::ArrayRef<uint32_t> Indices) override {
    std::vector<const GivenAnswer *> Named;
    for (uint32_t I : Indices) {
      if (I >= Given.size())
        return protocolError("answer " + llvm::Twine(I) + " was never given");
      Named.push_back(&Given[I]);
    }
    return Named;
  }
  std::deque<GivenAnswer> Given;
};

/// One slot on a loopback port: accepts one connection, accepts its Hello
/// and then plays \p Script on it, on a thread of its own.
class ScriptedSlot {
public:
  explicit ScriptedSlot(std::function<void(FrameSocket &)> Script) {
    ListenFd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in Addr{};
    Addr.sin_family = AF_INET;
    Addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t Len = sizeof(Addr);
    REQUIRE(::bind(ListenFd, reinterpret_cast<sockaddr *>(&Addr), Len) == 0);
    REQUIRE(::listen(ListenFd, 1) == 0);
    REQUIRE(::getsockname(ListenFd, reinterpret_cast<sockaddr *>(&Addr),
                          &Len) == 0);
    Port = ntohs(Addr.sin_port);
    Thread = std::thread([this, Script = std::move(Script)] {
      FrameSocket S(::accept4(ListenFd, nullptr, nullptr, SOCK_CLOEXEC));
      llvm::Expected<Hello> H = S.read<Hello>();
      if (!H)
        return llvm::consumeError(H.takeError());
      HelloReply Reply;
      Reply.Accepted = true;
      Reply.ClangVersion = H->ClangVersion;
      llvm::cantFail(S.writeAll(encodeFrame(Reply)));
      Script(S);
    });
  }
  ~ScriptedSlot() {
    Thread.join();
    ::close(ListenFd);
  }
  uint16_t Port = 0;

private:
  int ListenFd;
  std::thread Thread;
};

/// A frame of the slot's script, which fails the test if it does not come.
template <typename M> M expect(FrameSocket &S) {
  llvm::Expected<M> Got = S.read<M>();
  if (!Got)
    FAIL("the slot did not get the frame: " << llvm::toString(Got.takeError()));
  return std::move(*Got);
}

/// Runs one job of id 7 through a SlotClient to \p Slot.
llvm::Expected<RemoteResult> runJob(ScriptedSlot &Slot,
                                    SlotQuestions *Questions) {
  boost::asio::io_context IO;
  DistConfig Config;
  SlotClient Client(IO, SlotAddress{"127.0.0.1", Slot.Port}, Config,
                    Config.Secret, /*Tls=*/nullptr, Questions);
  CompileJob Job;
  Job.Id = 7;
  Job.Mode = DistributionMode::Sources;
  std::optional<llvm::Expected<RemoteResult>> Result;
  Client.run(
      std::make_shared<const std::string>(encodeFrame(Job)), Job.Id,
      [&](llvm::Expected<RemoteResult> R) { Result.emplace(std::move(R)); });
  IO.run_for(std::chrono::seconds(60));
  REQUIRE(Result);
  return std::move(*Result);
}

SlotFailure::Kind failureKind(llvm::Expected<RemoteResult> R,
                              std::string &Message) {
  REQUIRE(!R);
  SlotFailure::Kind Kind = SlotFailure::Unreachable;
  llvm::handleAllErrors(R.takeError(), [&](const SlotFailure &F) {
    Kind = F.kind();
    Message = F.message();
  });
  return Kind;
}

} // namespace

TEST_CASE("SlotClient carries the worker's questions to the answers",
          "[SlotClient]") {
  FakeQuestions Questions;
  Questions.lookup(Lookup{1, "/earlier.h"}).get();
  ScriptedSlot Slot([](FrameSocket &S) {
    // What was answered before the job comes first.
    Answers News = expect<Answers>(S);
    REQUIRE(News.Entries.size() == 1);
    CHECK(News.Entries[0].Path == "/earlier.h");
    CHECK(expect<CompileJob>(S).Id == 7);
    llvm::cantFail(S.writeAll(encodeFrame(Heartbeat())));
    llvm::cantFail(S.writeAll(encodeFrame(Lookup{7, "/src/a.h"})));
    LookupReply Reply = expect<LookupReply>(S);
    CHECK(Reply.Index == 1);
    CHECK(Reply.Info.Size == 8);
    CompileResult Result;
    Result.Id = 7;
    Result.Diagnostics = "warning: w\n";
    Result.Consulted = {0, 1};
    llvm::cantFail(S.writeAll(encodeFrame(Result)));
  });
  RemoteResult R = llvm::cantFail(runJob(Slot, &Questions));
  CHECK(R.Result.Diagnostics == "warning: w\n");
  REQUIRE(R.Consulted.size() == 2);
  CHECK(R.Consulted[0]->Path == "/earlier.h");
  CHECK(R.Consulted[1]->Path == "/src/a.h");
}

TEST_CASE("SlotClient fails a worker that asks what its mode answers not",
          "[SlotClient]") {
  ScriptedSlot Slot([](FrameSocket &S) {
    expect<CompileJob>(S);
    llvm::cantFail(S.writeAll(encodeFrame(Lookup{7, "/etc/shadow"})));
    CHECK(!S.readFrame());
  });
  std::string Message;
  CHECK(failureKind(runJob(Slot, nullptr), Message) == SlotFailure::Garbage);
  CHECK_THAT(Message, Contains("Lookup in a mode that sends all a job reads"));
}

TEST_CASE("SlotClient fails a result that names answers never given",
          "[SlotClient]") {
  FakeQuestions Questions;
  ScriptedSlot Slot([](FrameSocket &S) {
    expect<CompileJob>(S);
    CompileResult Result;
    Result.Id = 7;
    Result.Consulted = {3};
    llvm::cantFail(S.writeAll(encodeFrame(Result)));
    CHECK(!S.readFrame());
  });
  std::string Message;
  CHECK(failureKind(runJob(Slot, &Questions), Message) == SlotFailure::Garbage);
  CHECK_THAT(Message, Contains("answer 3 was never given"));
}

TEST_CASE("SlotClient fails a question or result for another job",
          "[SlotClient]") {
  FakeQuestions Questions;
  for (bool Question : {true, false}) {
    ScriptedSlot Slot([Question](FrameSocket &S) {
      expect<CompileJob>(S);
      CompileResult Result;
      Result.Id = 8;
      llvm::cantFail(S.writeAll(Question ? encodeFrame(Lookup{8, "/a.h"})
                                         : encodeFrame(Result)));
      CHECK(!S.readFrame());
    });
    std::string Message;
    CHECK(failureKind(runJob(Slot, &Questions), Message) ==
          SlotFailure::Garbage);
    CHECK_THAT(Message, Contains("answer for job 8, expected job 7"));
  }
}

TEST_CASE("SlotClient tells a slot lost during the job", "[SlotClient]") {
  ScriptedSlot Slot([](FrameSocket &S) {
    expect<CompileJob>(S);
    // The slot process dies: its connection closes.
  });
  std::string Message;
  CHECK(failureKind(runJob(Slot, nullptr), Message) == SlotFailure::Lost);
}
