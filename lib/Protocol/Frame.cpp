//===- Protocol/Frame.cpp - Framing of messages on a byte stream ----------===//

#include "Protocol/Frame.h"
#include "Protocol/Errors.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FormatVariadic.h"
#include <cerrno>
#include <sys/socket.h>
#include <unistd.h>

using namespace clang::dist;
namespace endian = llvm::support::endian;

std::array<char, FrameHeaderSize>
clang::dist::encodeFrameHeader(MessageType Type, size_t PayloadSize) {
  std::array<char, FrameHeaderSize> Header;
  endian::write32le(Header.data(), static_cast<uint32_t>(Type));
  endian::write32le(Header.data() + 4, static_cast<uint32_t>(PayloadSize));
  return Header;
}

llvm::Expected<FrameHeader>
clang::dist::decodeFrameHeader(llvm::StringRef Bytes) {
  assert(Bytes.size() == FrameHeaderSize);
  uint32_t Type = endian::read32le(Bytes.data());
  uint32_t Size = endian::read32le(Bytes.data() + 4);
  if (!isMessageType(Type))
    return protocolError("bad frame: unknown message type " +
                         llvm::Twine(Type));
  if (Size > maxPayload(MessageType(Type)))
    return protocolError(
        llvm::formatv("bad frame: {0} payload of {1} bytes exceeds the limit "
                      "of {2}",
                      messageTypeName(MessageType(Type)), Size,
                      maxPayload(MessageType(Type))));
  return FrameHeader{MessageType(Type), Size};
}

llvm::MutableArrayRef<char> clang::dist::growPayload(std::string &Payload,
                                                     uint32_t Size) {
  size_t Have = Payload.size();
  Payload.resize(Have + std::min<size_t>(Size - Have, FrameReadStep));
  return llvm::MutableArrayRef<char>(Payload.data(), Payload.size())
      .drop_front(Have);
}

llvm::Error clang::dist::unexpectedFrame(MessageType Expected,
                                         MessageType Got) {
  return protocolError("protocol error: expected " + messageTypeName(Expected) +
                       ", got " + messageTypeName(Got));
}

FrameSocket::~FrameSocket() {
  if (Fd >= 0)
    ::close(Fd);
}

llvm::Error FrameSocket::writeAll(llvm::StringRef Bytes) {
  while (!Bytes.empty()) {
    // MSG_NOSIGNAL: a peer that went away (a local server exiting on idle)
    // must be an error the client can fall back from, not a SIGPIPE.
    ssize_t N = ::send(Fd, Bytes.data(), Bytes.size(), MSG_NOSIGNAL);
    if (N < 0 && errno == ENOTSOCK)
      N = ::write(Fd, Bytes.data(), Bytes.size());
    if (N < 0) {
      if (errno == EINTR)
        continue;
      return llvm::errorCodeToError(
          std::error_code(errno, std::generic_category()));
    }
    Bytes = Bytes.drop_front(N);
  }
  return llvm::Error::success();
}

llvm::Error FrameSocket::readExactly(char *Buffer, size_t Size) {
  while (Size > 0) {
    ssize_t N = ::read(Fd, Buffer, Size);
    if (N < 0) {
      if (errno == EINTR)
        continue;
      return llvm::errorCodeToError(
          std::error_code(errno, std::generic_category()));
    }
    if (N == 0)
      return llvm::make_error<PeerClosed>();
    Buffer += N;
    Size -= N;
  }
  return llvm::Error::success();
}

llvm::Expected<Frame> FrameSocket::readFrame() {
  char HeaderBytes[FrameHeaderSize];
  if (llvm::Error E = readExactly(HeaderBytes, sizeof(HeaderBytes)))
    return E;
  llvm::Expected<FrameHeader> Header =
      decodeFrameHeader(llvm::StringRef(HeaderBytes, sizeof(HeaderBytes)));
  if (!Header)
    return Header.takeError();
  Frame F{Header->Type, {}};
  while (F.Payload.size() < Header->PayloadSize) {
    llvm::MutableArrayRef<char> Room =
        growPayload(F.Payload, Header->PayloadSize);
    if (llvm::Error E = readExactly(Room.data(), Room.size()))
      return E;
  }
  return F;
}
