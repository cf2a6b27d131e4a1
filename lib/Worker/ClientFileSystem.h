//===- Worker/ClientFileSystem.h - The client's files -----------*- C++ -*-===//
//
// A sources job carries no files. Its compile sees the client's file system
// through this one, which answers from what the connection was told (the
// answers to its own questions, and those the server sends with each job) and
// asks the local server about any other path, so that a header is asked about
// once per build, not once per translation unit. Contents come from the blob
// store, or from the server when the store lacks them. Every answer the
// compile used is recorded: the server checks them against its disk before it
// keeps the result (LocalServer/Sources/AnswerBook.h), so an answer kept from
// an earlier job never makes a wrong object. A path the job may not read the
// server refuses to describe; the compile then fails every further path
// without asking, and the server runs the job on the client.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_WORKER_CLIENTFILESYSTEM_H
#define CLANG_DIST_WORKER_CLIENTFILESYSTEM_H

#include "Protocol/Messages.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/VirtualFileSystem.h"
#include <map>
#include <memory>

namespace clang::dist {

/// How a compile asks its local server. Blocks the compile thread; an error
/// means the connection is lost, and the job with it.
class ServerChannel {
public:
  virtual ~ServerChannel();
  virtual llvm::Expected<LookupReply> lookup(llvm::StringRef Path) = 0;
  /// The contents named \p Digest, which the answer says are \p Size
  /// bytes, from the blob store or the server.
  virtual llvm::Expected<std::shared_ptr<llvm::MemoryBuffer>>
  contents(const ContentDigest &Digest, uint64_t Size) = 0;
};

/// The answers one connection was given, by absolute path as the compile
/// spelled it (a later one about a path replaces an earlier one). Kept across
/// the connection's jobs; one thread at a time.
using ClientAnswers = llvm::StringMap<LookupReply>;

/// One job's view of the client's file system.
class ClientFileSystem : public llvm::vfs::FileSystem {
public:
  ClientFileSystem(ClientAnswers &Answers, ServerChannel &Channel,
                   std::string WorkingDir);

  llvm::ErrorOr<llvm::vfs::Status> status(const llvm::Twine &Path) override;
  llvm::ErrorOr<std::unique_ptr<llvm::vfs::File>>
  openFileForRead(const llvm::Twine &Path) override;
  /// No answer lists a directory: the job is marked unanswerable.
  llvm::vfs::directory_iterator dir_begin(const llvm::Twine &Dir,
                                          std::error_code &EC) override;
  std::error_code setCurrentWorkingDirectory(const llvm::Twine &Path) override;
  llvm::ErrorOr<std::string> getCurrentWorkingDirectory() const override;
  /// As clang's in-memory file system does: the path made absolute, with
  /// "." and ".." removed.
  std::error_code
  getRealPath(const llvm::Twine &Path,
              llvm::SmallVectorImpl<char> &Output) const override;

  /// The indices of the answers this job's compile used, each once.
  std::vector<uint32_t> consulted() const;
  bool unanswerable() const { return Unanswerable; }

private:
  /// The answer for \p Path, asked for if the connection has none; records
  /// it as used.
  llvm::ErrorOr<const LookupReply *> answerFor(const llvm::Twine &Path,
                                               std::string &Absolute);

  ClientAnswers &Answers;
  ServerChannel &Channel;
  std::string WorkingDir;
  llvm::DenseSet<uint32_t> Used;
  bool Unanswerable = false;
  /// The server refused to say what a path is: the job may not read it.
  bool Refused = false;
  /// Contents this job loaded, shared with the buffers clang holds.
  std::map<ContentDigest, std::shared_ptr<llvm::MemoryBuffer>> Loaded;
};

} // namespace clang::dist

#endif
