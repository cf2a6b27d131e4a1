//===- Worker/JobChannel.h - A job's questions ------------------*- C++ -*-===//
//
// The ServerChannel of one sources job (ClientFileSystem.h): questions go
// over the job's connection, and contents come from the blob store first.
// A reply that is not what was asked for, or a blob damaged in transit,
// ends the connection and the job with it: the server tries it elsewhere. So
// do contents past what one job may make the worker hold: no more than the
// answers said the files are, nor more than JobInputBudget in all.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_WORKER_JOBCHANNEL_H
#define CLANG_DIST_WORKER_JOBCHANNEL_H

#include "Support/Log.h"
#include "Worker/BlobStore.h"
#include "Worker/ClientFileSystem.h"
#include "Worker/Compiler.h"
#include "Worker/JobConnection.h"

namespace clang::dist {

class JobChannel : public ServerChannel {
public:
  JobChannel(JobConnection &Conn, uint64_t JobId, const BlobStore &Store,
             Logger &Log, uint64_t Budget = JobInputBudget)
      : Conn(Conn), JobId(JobId), Store(Store), Log(Log), Budget(Budget) {}

  /// Some question got no reply: the job was lost with its connection.
  bool failed() const { return Failed; }
  /// Contents found in the blob store, and those asked of the server.
  unsigned blobHits() const { return BlobHits; }
  unsigned blobMisses() const { return BlobMisses; }

  llvm::Expected<LookupReply> lookup(llvm::StringRef Path) override;
  llvm::Expected<std::shared_ptr<llvm::MemoryBuffer>>
  contents(const ContentDigest &Digest, uint64_t Size) override;

private:
  /// A bad reply ends the connection, and the job with it.
  llvm::Error fail(llvm::Error E);
  llvm::Error lost(llvm::Error E);

  JobConnection &Conn;
  uint64_t JobId;
  const BlobStore &Store;
  Logger &Log;
  /// Bytes of contents this job may be given in all (JobInputBudget), and
  /// has been.
  uint64_t Budget;
  uint64_t Given = 0;
  bool Failed = false;
  unsigned BlobHits = 0;
  unsigned BlobMisses = 0;
};

} // namespace clang::dist

#endif
