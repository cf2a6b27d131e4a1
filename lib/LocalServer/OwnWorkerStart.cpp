//===- LocalServer/OwnWorkerStart.cpp - Own worker, on demand -------------===//

#include "LocalServer/OwnWorkerStart.h"
#include <boost/asio/post.hpp>

using namespace clang::dist;

OwnWorkerStart::OwnWorkerStart(boost::asio::io_context &IO,
                               boost::asio::thread_pool &Pool, StartFn Start,
                               StartedFn Started)
    : IO(IO), Pool(Pool), Start(std::move(Start)), Started(std::move(Started)) {
}

OwnWorkerStart::~OwnWorkerStart() = default;

void OwnWorkerStart::afterStart(std::function<void()> Then) {
  if (Done)
    return Then();
  Waiting.push_back(std::move(Then));
  if (Starting)
    return;
  Starting = true;
  // The server joins its pool before it stops, but the io thread may have
  // stopped first: a worker started then belongs to a handler that never
  // runs, and stops when the io_context drops it. Hence no Expected in the
  // handler, which must not be dropped unchecked.
  boost::asio::post(Pool, [this] {
    auto Outcome = std::make_shared<std::unique_ptr<LocalWorker>>();
    std::string Error;
    llvm::Expected<std::unique_ptr<LocalWorker>> Result = Start();
    if (Result)
      *Outcome = std::move(*Result);
    else
      Error = llvm::toString(Result.takeError());
    boost::asio::post(IO, [this, Outcome, Error] {
      Done = true;
      if (*Outcome) {
        Worker = std::move(*Outcome);
        Started(Worker->endpoints());
      } else {
        Started(llvm::createStringError(
            std::make_error_code(std::errc::io_error), Error));
      }
      for (std::function<void()> &Then : std::exchange(Waiting, {}))
        Then();
    });
  });
}
