//===- Protocol/Frame.h - Framing of messages on a byte stream --*- C++ -*-===//
//
// A frame is an 8-byte header (u32 message type, u32 payload length, both
// little-endian) followed by the payload. The header is checked before any
// payload memory is allocated, so garbage costs at most 8 bytes of reading,
// and the payload is read in steps, so that a peer that declares a large
// payload and sends nothing holds one step's memory, not the declared size.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_PROTOCOL_FRAME_H
#define CLANG_DIST_PROTOCOL_FRAME_H

#include "Protocol/Messages.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <array>
#include <chrono>
#include <string>

namespace clang::dist {

inline constexpr size_t FrameHeaderSize = 8;
/// The largest payload of any frame (MessageTypes.def has each type's).
inline constexpr uint32_t MaxFramePayload = 1u << 30;
/// How much payload memory a read reserves ahead of the bytes that arrived.
inline constexpr size_t FrameReadStep = 256u << 10;

struct FrameHeader {
  MessageType Type;
  uint32_t PayloadSize;
};

struct Frame {
  MessageType Type;
  std::string Payload;
};

std::array<char, FrameHeaderSize> encodeFrameHeader(MessageType Type,
                                                    size_t PayloadSize);
/// Rejects unknown message types and payloads over their type's limit
/// (ProtocolError).
llvm::Expected<FrameHeader> decodeFrameHeader(llvm::StringRef Bytes);

/// Makes room in \p Payload, which holds the first bytes of a payload of
/// \p Size, for the next ones: at most FrameReadStep more, so that memory
/// follows the bytes that arrive, not the size a header declares. Returns the
/// room to read into; empty once the payload is whole.
llvm::MutableArrayRef<char> growPayload(std::string &Payload, uint32_t Size);

/// Header and payload of \p Message, ready to be written.
template <typename M> std::string encodeFrame(const M &Message) {
  std::string Payload = encode(Message);
  auto Header = encodeFrameHeader(MessageTraits<M>::Type, Payload.size());
  Payload.insert(0, Header.data(), Header.size());
  return Payload;
}

/// An error naming what was expected when a frame of another type arrives.
llvm::Error unexpectedFrame(MessageType Expected, MessageType Got);

/// Blocking frame I/O on a file descriptor, for the client, which has one
/// request in flight and nothing else to wait for.
class FrameSocket {
public:
  explicit FrameSocket(int Fd) : Fd(Fd) {}
  FrameSocket(FrameSocket &&Other) noexcept : Fd(Other.Fd) { Other.Fd = -1; }
  FrameSocket(const FrameSocket &) = delete;
  FrameSocket &operator=(FrameSocket Other) noexcept {
    std::swap(Fd, Other.Fd);
    return *this;
  }
  ~FrameSocket();

  int fd() const { return Fd; }
  llvm::Error writeAll(llvm::StringRef Bytes);
  llvm::Expected<Frame> readFrame();
  /// Reads one frame of type M, skipping nothing: any other type is an error.
  template <typename M> llvm::Expected<M> read() {
    llvm::Expected<Frame> F = readFrame();
    if (!F)
      return F.takeError();
    if (F->Type != MessageTraits<M>::Type)
      return unexpectedFrame(MessageTraits<M>::Type, F->Type);
    return MessageTraits<M>::decode(F->Payload);
  }

private:
  llvm::Error readExactly(char *Buffer, size_t Size);
  int Fd;
};

} // namespace clang::dist

#endif
