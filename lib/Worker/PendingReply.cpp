//===- Worker/PendingReply.cpp - A question's reply -----------------------===//

#include "Worker/PendingReply.h"
#include "Protocol/Errors.h"

using namespace clang::dist;

void PendingReply::expect(MessageType Type) {
  std::lock_guard<std::mutex> Lock(M);
  Awaited = Type;
  Reply.reset();
}

std::optional<Frame> PendingReply::wait(std::chrono::milliseconds Timeout) {
  std::unique_lock<std::mutex> Lock(M);
  Arrived.wait_for(Lock, Timeout, [&] { return Reply || !isOpen(); });
  Awaited.reset();
  return std::exchange(Reply, std::nullopt);
}

llvm::Error PendingReply::fulfil(Frame F) {
  {
    std::lock_guard<std::mutex> Lock(M);
    if (Awaited != F.Type)
      return protocolError(messageTypeName(F.Type) +
                           " that replies to no question");
    Awaited.reset();
    Reply = std::move(F);
  }
  Arrived.notify_one();
  return llvm::Error::success();
}

void PendingReply::close() {
  {
    std::lock_guard<std::mutex> Lock(M);
    Open = false;
  }
  Arrived.notify_all();
}
