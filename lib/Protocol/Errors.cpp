//===- Protocol/Errors.cpp - How a connection fails -----------------------===//

#include "Protocol/Errors.h"
#include "llvm/Support/raw_ostream.h"

using namespace clang::dist;

char ProtocolError::ID;
char PeerClosed::ID;

void ProtocolError::log(llvm::raw_ostream &OS) const { OS << Message; }

std::error_code ProtocolError::convertToErrorCode() const {
  return std::make_error_code(std::errc::protocol_error);
}

void PeerClosed::log(llvm::raw_ostream &OS) const {
  OS << "connection closed by peer";
}

std::error_code PeerClosed::convertToErrorCode() const {
  return std::make_error_code(std::errc::connection_aborted);
}

std::string clang::dist::describeUnlessClosed(llvm::Error E) {
  std::string Message;
  llvm::handleAllErrors(
      std::move(E), [](const PeerClosed &) {},
      [&](const llvm::ErrorInfoBase &Other) { Message = Other.message(); });
  return Message;
}

std::string clang::dist::peerText(llvm::StringRef Text, size_t Max) {
  std::string Out;
  for (char C : Text.take_front(Max))
    Out += static_cast<unsigned char>(C) < 0x20 || C == 0x7f ? '?' : C;
  if (Text.size() > Max)
    Out += "...";
  return Out;
}
