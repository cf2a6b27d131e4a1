//===- Protocol/AsyncFrame.h - Frames over Boost.Asio streams ---*- C++ -*-===//
//
// The local server and the slaves wait on one io_context each; these helpers
// read frames from, and queue frames to, any Asio stream (TCP or UNIX).
// Timeouts are the caller's: it arms a steady_timer and closes the socket.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_PROTOCOL_ASYNCFRAME_H
#define CLANG_DIST_PROTOCOL_ASYNCFRAME_H

#include "Protocol/Frame.h"
#include "llvm/Support/Errc.h"
#include <boost/asio.hpp>
#include <deque>
#include <memory>

namespace clang::dist {

inline llvm::Error asioError(const boost::system::error_code &EC) {
  if (EC == boost::asio::error::eof)
    return llvm::createStringError(
        std::make_error_code(std::errc::connection_aborted),
        "connection closed by peer");
  return llvm::createStringError(std::make_error_code(std::errc::io_error),
                                 "%s", EC.message().c_str());
}

/// Reads one frame from \p S and calls \p H with llvm::Expected<Frame>.
/// \p S must outlive the operation.
template <typename Stream, typename Handler>
void asyncReadFrame(Stream &S, Handler H) {
  struct State {
    std::array<char, FrameHeaderSize> Header;
    Frame F;
  };
  auto St = std::make_shared<State>();
  boost::asio::async_read(
      S, boost::asio::buffer(St->Header),
      [&S, St, H = std::move(H)](const boost::system::error_code &EC,
                                 size_t) mutable {
        if (EC)
          return H(llvm::Expected<Frame>(asioError(EC)));
        llvm::Expected<FrameHeader> Header = decodeFrameHeader(
            llvm::StringRef(St->Header.data(), St->Header.size()));
        if (!Header)
          return H(llvm::Expected<Frame>(Header.takeError()));
        St->F.Type = Header->Type;
        St->F.Payload.resize(Header->PayloadSize);
        boost::asio::async_read(
            S, boost::asio::buffer(St->F.Payload),
            [St, H = std::move(H)](const boost::system::error_code &EC,
                                   size_t) mutable {
              if (EC)
                return H(llvm::Expected<Frame>(asioError(EC)));
              H(llvm::Expected<Frame>(std::move(St->F)));
            });
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
        [Self = this->shared_from_this()](const boost::system::error_code &EC,
                                          size_t) { Self->written(EC); });
  }

  void written(const boost::system::error_code &EC) {
    if (EC) {
      Pending.clear();
      if (OnError)
        std::exchange(OnError, nullptr)(asioError(EC));
    } else {
      Pending.pop_front();
      if (!Pending.empty())
        return writeFront();
    }
    for (auto &Then : std::exchange(IdleHandlers, {}))
      Then();
  }

  Stream &S;
  std::deque<std::string> Pending;
  std::function<void(llvm::Error)> OnError;
  std::vector<std::function<void()>> IdleHandlers;
};

} // namespace clang::dist

#endif
