//===- Worker/PendingReply.h - A question's reply ---------------*- C++ -*-===//
//
// A sources compile asks the local server about the client's files one
// question at a time: the compile thread waits, and the io thread, which
// reads the connection, hands it the reply. Closing wakes the compile thread
// for good, so that a connection that ends (or a slot that stops) never
// leaves a compile waiting.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_WORKER_PENDINGREPLY_H
#define CLANG_DIST_WORKER_PENDINGREPLY_H

#include "Protocol/Frame.h"
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>

namespace clang::dist {

class PendingReply {
public:
  /// On the compile thread, before the question goes out: the reply is a
  /// frame of type \p Type.
  void expect(MessageType Type);
  /// On the compile thread: the reply; std::nullopt once closed, or after
  /// \p Timeout, when no reply is expected any more.
  std::optional<Frame> wait(std::chrono::milliseconds Timeout);
  /// On the io thread: \p F arrived. A ProtocolError if it replies to no
  /// question.
  llvm::Error fulfil(Frame F);
  /// No reply will come: wakes the compile thread, and every later wait
  /// returns at once.
  void close();
  bool isOpen() const { return Open.load(); }

private:
  std::mutex M;
  std::condition_variable Arrived;
  std::optional<MessageType> Awaited;
  std::optional<Frame> Reply;
  std::atomic<bool> Open{true};
};

} // namespace clang::dist

#endif
