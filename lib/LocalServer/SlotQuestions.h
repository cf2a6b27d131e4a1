//===- LocalServer/SlotQuestions.h - A worker's questions -------*- C++ -*-===//
//
// What a slot's connection asks of the rest of the server while a job runs:
// in the sources mode, what the worker asks about the client's files. The
// connection carries the questions; whoever implements this answers them,
// so the connection can be tested with a fake (SlotClientTest.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_SLOTQUESTIONS_H
#define CLANG_DIST_LOCALSERVER_SLOTQUESTIONS_H

#include "Protocol/Messages.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"
#include <optional>
#include <vector>

namespace clang::dist {

struct GivenAnswer;

/// Called on the io thread. An error is the worker's fault (a question
/// nobody could answer honestly) and fails the job as garbage.
class SlotQuestions {
public:
  virtual ~SlotQuestions() = default;
  /// The answers given since a connection had the first \p Told, to send
  /// with its next job; advances \p Told. None when there are none.
  virtual std::optional<Answers> answersSince(size_t &Told) = 0;
  virtual llvm::Expected<LookupReply> lookup(const Lookup &Ask) = 0;
  virtual llvm::Expected<Blobs> contents(const NeedBlobs &Need) = 0;
  /// The answers a result names, for the job's check.
  virtual llvm::Expected<std::vector<const GivenAnswer *>>
  consulted(llvm::ArrayRef<uint32_t> Indices) = 0;
};

} // namespace clang::dist

#endif
