//===- Worker/JobConnection.h - A job's connection --------------*- C++ -*-===//
//
// What the compile thread needs of the connection a job came on: whether it
// is still open, a way to ask the local server about the client's files, the
// answers it was given, and where the result goes. The io thread owns the
// socket (Connection.h); unit tests put a fake in its place.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_WORKER_JOBCONNECTION_H
#define CLANG_DIST_WORKER_JOBCONNECTION_H

#include "Protocol/Frame.h"
#include "Protocol/Messages.h"
#include "Worker/ClientFileSystem.h"
#include <string>

namespace clang::dist {

/// Called on the compile thread only.
class JobConnection {
public:
  virtual ~JobConnection();
  /// False once closed: a queued job of a closed connection is not run.
  virtual bool isOpen() const = 0;
  /// Sends \p Question (an encoded frame) and waits for the reply, a frame of
  /// type \p ReplyType. An error means the connection is lost.
  virtual llvm::Expected<Frame> ask(std::string Question,
                                    MessageType ReplyType) = 0;
  /// The server sent a bad reply: closes the connection, whose job is then
  /// lost (the server tries it on another slot).
  virtual void abandon(const std::string &Why) = 0;
  /// Called once for every job taken from the queue, run or not: the slot
  /// is free again. Sends the result of a job this connection submitted;
  /// dropped if the connection has closed since (a job not run is one whose
  /// connection had closed).
  virtual void deliver(CompileResult Result) = 0;
  /// The answers about the client's files this connection was given, kept
  /// for its next jobs.
  virtual ClientAnswers &answers() = 0;
  /// "ADDRESS:PORT" of the local server, for the log.
  virtual const std::string &peerName() const = 0;
  /// Whose jobs the server sends (Hello::User), for the log.
  virtual const std::string &user() const = 0;
};

} // namespace clang::dist

#endif
