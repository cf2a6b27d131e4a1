//===- unittests/Protocol/FrameTest.cpp - Frame and FrameSocket tests -----===//
//
// FrameSocket is tested over a socketpair(2): real blocking I/O with partial
// reads and peers that go away, but no network.
//
//===----------------------------------------------------------------------===//

#include "Protocol/Frame.h"
#include "ExpectedMatchers.h"
#include "Protocol/Errors.h"
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <string>
#include <sys/resource.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace clang::dist;
using namespace clang::dist::test;
using Catch::Matchers::Contains;
using namespace std::string_literals;

namespace {

std::string errorText(llvm::Error E) {
  if (!E)
    return "<no error>";
  return llvm::toString(std::move(E));
}

/// True on success; a failure is consumed and shown with the next assertion.
bool succeeded(llvm::Error E) {
  if (!E)
    return true;
  UNSCOPED_INFO(llvm::toString(std::move(E)));
  return false;
}

template <typename T> bool succeeded(llvm::Expected<T> &Value) {
  return Value ? true : succeeded(Value.takeError());
}

std::string header(uint32_t Type, uint32_t Size) {
  auto Bytes = encodeFrameHeader(MessageType(Type), Size);
  return std::string(Bytes.data(), Bytes.size());
}

/// Both ends of a connected UNIX stream socket.
struct SocketPair {
  SocketPair() {
    int Fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, Fds) == 0);
    A = FrameSocket(Fds[0]);
    B = FrameSocket(Fds[1]);
  }
  FrameSocket A{-1};
  FrameSocket B{-1};
};

} // namespace

TEST_CASE("Frame header layout is little-endian type then size", "[Frame]") {
  CHECK(header(5, 0x01020304) == "\x05\0\0\0\x04\x03\x02\x01"s);
}

TEST_CASE("Frame header round trip for every type", "[Frame]") {
  for (uint32_t Type = 1; isMessageType(Type); ++Type) {
    INFO("type " << Type);
    uint32_t Size = std::min(1234u, maxPayload(MessageType(Type)));
    auto Header = decodeFrameHeader(header(Type, Size));
    REQUIRE(succeeded(Header));
    CHECK(Header->Type == MessageType(Type));
    CHECK(Header->PayloadSize == Size);
  }
}

TEST_CASE("Unknown frame types are rejected", "[Frame]") {
  for (uint32_t Type : {0u, 255u, 0x54534443u, 0xFFFFFFFFu}) {
    INFO("type " << Type);
    CHECK_THAT(errorText(decodeFrameHeader(header(Type, 0))),
               Contains("unknown message type"));
  }
}

TEST_CASE("Each type's payload limit is checked before allocation", "[Frame]") {
  for (uint32_t Type = 1; isMessageType(Type); ++Type) {
    MessageType T = MessageType(Type);
    INFO(messageTypeName(T).str());
    CHECK(maxPayload(T) <= MaxFramePayload);
    auto Header = decodeFrameHeader(header(Type, maxPayload(T)));
    REQUIRE(succeeded(Header));
    CHECK(Header->PayloadSize == maxPayload(T));
    for (uint32_t Size : {maxPayload(T) + 1, 0xFFFFFFFFu})
      CHECK_THAT(errorText(decodeFrameHeader(header(Type, Size))),
                 Contains(messageTypeName(T).str() + " payload") &&
                     Contains("exceeds"));
  }
  // What a peer may send before it has proved the shared secret is small.
  CHECK(maxPayload(MessageType::Hello) == 64u << 10);
  CHECK(maxPayload(MessageType::Authenticate) == 32);
  CHECK(maxPayload(MessageType::Heartbeat) == 0);
}

TEST_CASE("encodeFrame is the header followed by the payload", "[Frame]") {
  SubmitJob M{"/w", {"-cc1"}};
  std::string Payload = encode(M);
  CHECK(encodeFrame(M) == header(3, Payload.size()) + Payload);
  CHECK(encodeFrame(Heartbeat{}) == header(7, 0));
}

TEST_CASE("unexpectedFrame names both types", "[Frame]") {
  CHECK_THAT(
      errorText(unexpectedFrame(MessageType::HelloReply, MessageType::Hello)),
      Contains("expected HelloReply, got Hello"));
}

TEST_CASE("FrameSocket reads back what was written", "[Frame]") {
  SocketPair P;
  SubmitJob In{"/work dir", {"-cc1", "\0x"s, ""}};
  Hello Greeting;
  Greeting.ClangVersion = "clang 16";
  Greeting.Peer = "test";
  // Back to back in one write: the reader must not read past a frame.
  REQUIRE(succeeded(P.A.writeAll(encodeFrame(In) + encodeFrame(Heartbeat{}) +
                                 encodeFrame(Greeting))));

  llvm::Expected<SubmitJob> Out = P.B.read<SubmitJob>();
  REQUIRE(succeeded(Out));
  CHECK(Out->WorkingDir == In.WorkingDir);
  CHECK(Out->Args == In.Args);

  llvm::Expected<Frame> Beat = P.B.readFrame();
  REQUIRE(succeeded(Beat));
  CHECK(Beat->Type == MessageType::Heartbeat);
  CHECK(Beat->Payload.empty());

  llvm::Expected<Hello> H = P.B.read<Hello>();
  REQUIRE(succeeded(H));
  CHECK(H->ClangVersion == "clang 16");
  CHECK(H->Peer == "test");
}

TEST_CASE("FrameSocket reads a frame larger than the socket buffer",
          "[Frame]") {
  SocketPair P;
  CompileResult In;
  In.Id = 42;
  In.Outputs.push_back({OutputKind::Primary, 1, std::string(4 << 20, 'o')});
  for (size_t I = 0; I < In.Outputs[0].Compressed.size(); I += 4093)
    In.Outputs[0].Compressed[I] = static_cast<char>(I);
  // The writer blocks until the reader drains the socket.
  llvm::Error WriteError = llvm::Error::success();
  std::thread Writer([&] { WriteError = P.A.writeAll(encodeFrame(In)); });
  llvm::Expected<CompileResult> Out = P.B.read<CompileResult>();
  // Should the read have failed early, the writer must not block forever.
  P.B = FrameSocket(-1);
  Writer.join();
  CHECK(succeeded(std::move(WriteError)));
  REQUIRE(succeeded(Out));
  CHECK(Out->Id == 42);
  REQUIRE(Out->Outputs.size() == 1);
  CHECK(Out->Outputs[0].Compressed == In.Outputs[0].Compressed);
}

TEST_CASE("FrameSocket reports a peer that closes", "[Frame]") {
  SocketPair P;
  std::string Bytes = encodeFrame(SubmitJob{"/w", {"-cc1", "a.c"}});
  size_t Sent = 0;

  SECTION("before the frame") { Sent = 0; }
  SECTION("in the header") { Sent = FrameHeaderSize - 3; }
  SECTION("after the header") { Sent = FrameHeaderSize; }
  SECTION("in the payload") { Sent = Bytes.size() - 1; }

  REQUIRE(succeeded(P.A.writeAll(llvm::StringRef(Bytes).take_front(Sent))));
  P.A = FrameSocket(-1);
  llvm::Expected<SubmitJob> Out = P.B.read<SubmitJob>();
  REQUIRE(!Out);
  CHECK(Out.errorIsA<PeerClosed>());
  CHECK_THAT(errorText(Out.takeError()), Contains("connection closed by peer"));
}

TEST_CASE("A declared payload reserves memory as its bytes arrive", "[Frame]") {
  // Before, a reader reserved (and zeroed) the declared size first: a peer
  // that sent 8 bytes held a gigabyte until it closed.
  SocketPair P;
  rusage Before;
  ::getrusage(RUSAGE_SELF, &Before);
  REQUIRE(succeeded(P.A.writeAll(header(5, MaxFramePayload) + "a few bytes")));
  P.A = FrameSocket(-1);
  CHECK(P.B.readFrame().errorIsA<PeerClosed>());
  rusage After;
  ::getrusage(RUSAGE_SELF, &After);
  // Peak resident sizes in KiB; the step is 256 KiB.
  CHECK(After.ru_maxrss - Before.ru_maxrss < 64 * 1024);
}

TEST_CASE("FrameSocket rejects a frame of another type", "[Frame]") {
  SocketPair P;
  Hello Greeting;
  REQUIRE(succeeded(P.A.writeAll(encodeFrame(Greeting))));
  llvm::Expected<SubmitJob> Out = P.B.read<SubmitJob>();
  REQUIRE(!Out);
  CHECK(Out.errorIsA<ProtocolError>());
  CHECK_THAT(errorText(Out.takeError()),
             Contains("expected SubmitJob") && Contains("got Hello"));
}

TEST_CASE("FrameSocket rejects a bad header", "[Frame]") {
  SocketPair P;
  REQUIRE(succeeded(P.A.writeAll(header(99, 0))));
  CHECK_THAT(errorText(P.B.readFrame()), Contains("unknown message type 99"));
}

TEST_CASE("FrameSocket write to a closed peer is an error and no SIGPIPE",
          "[Frame]") {
  // Were SIGPIPE raised, it would kill the whole test run (exit status 141).
  SocketPair P;
  P.B = FrameSocket(-1);
  CHECK_THAT(errorText(P.A.writeAll(encodeFrame(Heartbeat{}))),
             Contains("Broken pipe"));
}

TEST_CASE("FrameSocket owns its descriptor", "[Frame]") {
  int Fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, Fds) == 0);
  ::close(Fds[1]);
  {
    FrameSocket S(Fds[0]);
    FrameSocket Moved(std::move(S));
    CHECK(S.fd() == -1);
    CHECK(Moved.fd() == Fds[0]);
  }
  // Closed by the socket it was moved to, and not left open.
  CHECK(::fcntl(Fds[0], F_GETFD) == -1);
}
