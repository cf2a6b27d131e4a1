//===- Protocol/Frame.cpp - Framing of messages on a byte stream ----------===//

#include "Protocol/Frame.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/Errc.h"
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
  if (Type < static_cast<uint32_t>(MessageType::Hello) ||
      Type > static_cast<uint32_t>(MessageType::Answers))
    return llvm::createStringError(
        std::make_error_code(std::errc::protocol_error),
        "bad frame: unknown message type %u", Type);
  if (Size > MaxFramePayload)
    return llvm::createStringError(
        std::make_error_code(std::errc::protocol_error),
        "bad frame: %s payload of %u bytes exceeds "
        "the limit of %u",
        messageTypeName(MessageType(Type)).data(), Size, MaxFramePayload);
  return FrameHeader{MessageType(Type), Size};
}

llvm::Error clang::dist::unexpectedFrame(MessageType Expected,
                                         MessageType Got) {
  return llvm::createStringError(
      std::make_error_code(std::errc::protocol_error),
      "protocol error: expected %s, got %s", messageTypeName(Expected).data(),
      messageTypeName(Got).data());
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
      return llvm::createStringError(
          std::make_error_code(std::errc::connection_aborted),
          "connection closed by peer");
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
  Frame F{Header->Type, std::string(Header->PayloadSize, '\0')};
  if (llvm::Error E = readExactly(F.Payload.data(), F.Payload.size()))
    return E;
  return F;
}
