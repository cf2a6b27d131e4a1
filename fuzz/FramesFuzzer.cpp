//===- fuzz/FramesFuzzer.cpp - Frames read from a byte stream -------------===//
//
// The input is what a peer wrote on a connection. Both frame readers read it
// until their first error: the client's blocking FrameSocket and the servers'
// asyncReadFrame. They must agree on every frame and on the error, and the
// frames, encoded again, must be the input's first bytes: a reader that
// skipped, repeated or reordered bytes would fail that.
//
//===----------------------------------------------------------------------===//

#include "Protocol/AsyncFrame.h"
#include "Protocol/Frame.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/raw_ostream.h"
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cstdlib>
#include <sys/mman.h>
#include <unistd.h>

using namespace clang::dist;

namespace {

[[noreturn]] void violated(llvm::StringRef Property) {
  llvm::errs() << "frames: " << Property << "\n";
  std::abort();
}

/// What a reader made of the stream.
struct Reading {
  std::vector<Frame> Frames;
  std::string Error;
};

/// A file descriptor to read \p Bytes from, as from a peer that wrote them
/// and closed the connection: reads return them, then end of file.
int streamOf(llvm::StringRef Bytes) {
  int Fd = memfd_create("fuzz-frames", MFD_CLOEXEC);
  if (Fd < 0 ||
      write(Fd, Bytes.data(), Bytes.size()) !=
          static_cast<ssize_t>(Bytes.size()) ||
      lseek(Fd, 0, SEEK_SET) != 0) {
    perror("fuzz-frames: memfd");
    std::exit(1);
  }
  return Fd;
}

Reading readBlocking(llvm::StringRef Bytes) {
  FrameSocket Socket(streamOf(Bytes));
  Reading R;
  while (true) {
    llvm::Expected<Frame> F = Socket.readFrame();
    if (!F) {
      R.Error = llvm::toString(F.takeError());
      return R;
    }
    R.Frames.push_back(std::move(*F));
  }
}

Reading readAsync(llvm::StringRef Bytes) {
  boost::asio::io_context Context;
  // epoll refuses regular files; Asio then reads them without waiting.
  boost::asio::posix::stream_descriptor Stream(Context, streamOf(Bytes));
  Reading R;
  std::function<void()> ReadNext = [&] {
    asyncReadFrame(Stream, [&](llvm::Expected<Frame> F) {
      if (!F) {
        R.Error = llvm::toString(F.takeError());
        return;
      }
      R.Frames.push_back(std::move(*F));
      ReadNext();
    });
  };
  ReadNext();
  Context.run();
  return R;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  // Frames that declare far more than the input holds are read like any
  // other: the readers reserve payload memory as the bytes arrive, never the
  // declared size.
  llvm::StringRef Bytes(reinterpret_cast<const char *>(Data), Size);

  Reading Blocking = readBlocking(Bytes);
  Reading Async = readAsync(Bytes);
  if (Blocking.Error != Async.Error)
    violated("the readers fail differently: '" + Blocking.Error + "' and '" +
             Async.Error + "'");
  if (Blocking.Frames.size() != Async.Frames.size())
    violated("the readers read different numbers of frames");

  llvm::StringRef Rest = Bytes;
  for (size_t I = 0; I != Blocking.Frames.size(); ++I) {
    const Frame &F = Blocking.Frames[I];
    if (F.Type != Async.Frames[I].Type || F.Payload != Async.Frames[I].Payload)
      violated("the readers read different frames");
    auto Header = encodeFrameHeader(F.Type, F.Payload.size());
    llvm::StringRef HeaderBytes(Header.data(), Header.size());
    if (!Rest.consume_front(HeaderBytes) || !Rest.consume_front(F.Payload))
      violated("a frame is not the next bytes of the stream");
  }
  // What stopped the readers is the next header, or the end of the stream
  // before a whole frame.
  if (Rest.size() < FrameHeaderSize)
    return 0;
  llvm::Expected<FrameHeader> Next =
      decodeFrameHeader(Rest.take_front(FrameHeaderSize));
  if (!Next) {
    if (llvm::toString(Next.takeError()) != Blocking.Error)
      violated("the readers fail otherwise than the header they stopped at");
  } else if (Next->PayloadSize <= Rest.size() - FrameHeaderSize) {
    violated("the readers stopped before a whole frame");
  }
  return 0;
}
