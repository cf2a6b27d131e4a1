//===- Protocol/Errors.h - How a connection fails ---------------*- C++ -*-===//
//
// Two ways a connection ends that callers handle differently from any other
// I/O error: a peer that breaks the protocol (garbage: its slot is backed
// off, its connection is closed) and a peer that simply went away (not
// news: nothing is logged).
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_PROTOCOL_ERRORS_H
#define CLANG_DIST_PROTOCOL_ERRORS_H

#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"

namespace clang::dist {

/// The peer sent what the protocol does not allow: a frame too large for its
/// type or of a type not expected there, a message that does not decode, a
/// compressed blob that does not match what it declares.
class ProtocolError : public llvm::ErrorInfo<ProtocolError> {
public:
  static char ID;
  explicit ProtocolError(std::string Message) : Message(std::move(Message)) {}
  void log(llvm::raw_ostream &OS) const override;
  std::error_code convertToErrorCode() const override;

private:
  std::string Message;
};

/// The peer closed the connection (end of stream).
class PeerClosed : public llvm::ErrorInfo<PeerClosed> {
public:
  static char ID;
  void log(llvm::raw_ostream &OS) const override;
  std::error_code convertToErrorCode() const override;
};

inline llvm::Error protocolError(const llvm::Twine &Message) {
  return llvm::make_error<ProtocolError>(Message.str());
}

/// The message of \p E, or "" if the peer only closed the connection.
std::string describeUnlessClosed(llvm::Error E);

/// \p Text a peer sent, as one line a terminal shows as it is: control
/// characters (escape sequences, line breaks) become '?', and more than
/// \p Max bytes end in "...". A worker's refusal reaches every developer's
/// stderr, and is sent before the peer has proved anything.
std::string peerText(llvm::StringRef Text, size_t Max = 200);

} // namespace clang::dist

#endif
