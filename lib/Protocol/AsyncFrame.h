//===- Protocol/AsyncFrame.h - Frames over Boost.Asio streams ---*- C++ -*-===//
//
// The local server and the slots wait on one io_context each; these helpers
// read frames (or messages of one type) from, and queue frames to, any Asio
// stream (TCP, UNIX, or a link in TLS).
// Timeouts are the caller's: it arms a steady_timer and closes the socket.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_PROTOCOL_ASYNCFRAME_H
#define CLANG_DIST_PROTOCOL_ASYNCFRAME_H

#include "Protocol/Errors.h"
#include "Protocol/Frame.h"
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <functional>
#include <memory>

namespace clang::dist {

/// End of stream is a PeerClosed; anything else an I/O error.
inline llvm::Error asioError(const boost::system::error_code &EC) {
  if (EC == boost::asio::error::eof)
    return llvm::make_error<PeerClosed>();
  return llvm::createStringError(std::make_error_code(std::errc::io_error),
                                 "%s", EC.message().c_str());
}

/// An error of an operation on stream \p S as an llvm::Error; a stream whose
/// errors mean more (Tls/LinkStream.h) overloads it in its own namespace.
template <typename Stream>
llvm::Error streamError(const Stream &S, const boost::system::error_code &EC) {
  return asioError(EC);
}

/// The frame types a read accepts: a header of another type fails the read
/// after its 8 bytes, before any payload is read or reserved.
class MessageTypeSet {
public:
  MessageTypeSet(std::initializer_list<MessageType> Types) {
    for (MessageType T : Types)
      Bits |= bit(T);
    Named = *Types.begin();
  }
  static MessageTypeSet any() {
    MessageTypeSet All({MessageType::Hello});
    All.Bits = ~0ull;
    return All;
  }
  bool contains(MessageType T) const { return Bits & bit(T); }
  /// The type an error names as the one expected.
  MessageType named() const { return Named; }

private:
  static uint64_t bit(MessageType T) {
    return 1ull << static_cast<uint32_t>(T);
  }
  uint64_t Bits = 0;
  MessageType Named;
};

namespace detail {
struct FrameRead {
  std::array<char, FrameHeaderSize> Header;
  uint32_t Size = 0;
  Frame F;
};

/// Reads the rest of \p St's payload, a step at a time (growPayload).
template <typename Stream, typename Handler>
void asyncReadPayload(Stream &S, std::shared_ptr<FrameRead> St, Handler H) {
  llvm::MutableArrayRef<char> Room = growPayload(St->F.Payload, St->Size);
  if (Room.empty())
    return H(llvm::Expected<Frame>(std::move(St->F)));
  boost::asio::async_read(
      S, boost::asio::buffer(Room.data(), Room.size()),
      [&S, St, H = std::move(H)](const boost::system::error_code &EC,
                                 size_t) mutable {
        if (EC)
          return H(llvm::Expected<Frame>(streamError(S, EC)));
        asyncReadPayload(S, std::move(St), std::move(H));
      });
}
} // namespace detail

/// Reads one frame of a type in \p Accepted from \p S and calls \p H with
/// llvm::Expected<Frame>. \p S must outlive the operation.
template <typename Stream, typename Handler>
void asyncReadFrame(Stream &S, MessageTypeSet Accepted, Handler H) {
  auto St = std::make_shared<detail::FrameRead>();
  boost::asio::async_read(
      S, boost::asio::buffer(St->Header),
      [&S, St, Accepted, H = std::move(H)](const boost::system::error_code &EC,
                                           size_t) mutable {
        if (EC)
          return H(llvm::Expected<Frame>(streamError(S, EC)));
        llvm::Expected<FrameHeader> Header = decodeFrameHeader(
            llvm::StringRef(St->Header.data(), St->Header.size()));
        if (!Header)
          return H(llvm::Expected<Frame>(Header.takeError()));
        if (!Accepted.contains(Header->Type))
          return H(llvm::Expected<Frame>(
              unexpectedFrame(Accepted.named(), Header->Type)));
        St->F.Type = Header->Type;
        St->Size = Header->PayloadSize;
        detail::asyncReadPayload(S, std::move(St), std::move(H));
      });
}

/// Reads one frame of any type.
template <typename Stream, typename Handler>
void asyncReadFrame(Stream &S, Handler H) {
  asyncReadFrame(S, MessageTypeSet::any(), std::move(H));
}

/// Reads one message of type M and calls \p H with llvm::Expected<M>: a
/// frame of another type, or one that does not decode, is a ProtocolError.
template <typename M, typename Stream, typename Handler>
void asyncReadMessage(Stream &S, Handler H) {
  asyncReadFrame(S, {MessageTraits<M>::Type},
                 [H = std::move(H)](llvm::Expected<Frame> F) mutable {
                   if (!F)
                     return H(llvm::Expected<M>(F.takeError()));
                   H(MessageTraits<M>::decode(F->Payload));
                 });
}

/// Writes queued frames one after another, so that frames queued by
/// different handlers (results, heartbeats) never interleave on the stream.
/// Shared-owned so that queued bytes outlive the writes in flight even when
/// the connection that owns the queue goes away; all calls on the stream's
/// executor.
template <typename Stream>
class FrameWriteQueue
    : public std::enable_shared_from_this<FrameWriteQueue<Stream>> {
public:
  explicit FrameWriteQueue(Stream &S) : S(S) {}

  /// \p OnError is called once, on the first failed write.
  void setErrorHandler(std::function<void(llvm::Error)> Handler) {
    OnError = std::move(Handler);
  }
  /// Keeps \p Owner (the holder of the stream) alive while a write is in
  /// flight: a TLS stream's write uses the stream until it completes, even
  /// once its socket is closed.
  void setStreamOwner(std::weak_ptr<void> Owner) {
    StreamOwner = std::move(Owner);
  }

  template <typename M> void push(const M &Message) {
    pushBytes(encodeFrame(Message));
  }
  void pushBytes(std::string Bytes) {
    Pending.push_back(std::move(Bytes));
    if (Pending.size() == 1)
      writeFront();
  }
  /// Calls \p Then once everything queued so far is written (or failed).
  void whenIdle(std::function<void()> Then) {
    if (Pending.empty())
      return Then();
    IdleHandlers.push_back(std::move(Then));
  }

private:
  void writeFront() {
    boost::asio::async_write(
        S, boost::asio::buffer(Pending.front()),
        [Self = this->shared_from_this(),
         Hold = StreamOwner.lock()](const boost::system::error_code &EC,
                                    size_t) { Self->written(EC); });
  }

  void written(const boost::system::error_code &EC) {
    if (EC) {
      Pending.clear();
      if (OnError)
        std::exchange(OnError, nullptr)(streamError(S, EC));
    } else {
      Pending.pop_front();
      if (!Pending.empty())
        return writeFront();
    }
    for (auto &Then : std::exchange(IdleHandlers, {}))
      Then();
  }

  Stream &S;
  std::weak_ptr<void> StreamOwner;
  std::deque<std::string> Pending;
  std::function<void(llvm::Error)> OnError;
  std::vector<std::function<void()>> IdleHandlers;
};

} // namespace clang::dist

#endif
