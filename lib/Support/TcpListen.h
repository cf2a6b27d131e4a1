//===- Support/TcpListen.h - A listening TCP socket -------------*- C++ -*-===//
//
// The listening sockets of a worker's slots and of the metrics endpoints,
// bound before anything is served, so that a port in use is an error the
// caller reports at once, and port 0 a port the system chooses.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_SUPPORT_TCPLISTEN_H
#define CLANG_DIST_SUPPORT_TCPLISTEN_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <cstdint>

namespace clang::dist {

/// A close-on-exec socket listening on \p Address (a numeric IPv4 or IPv6
/// address) and \p Port, whose port is put in \p BoundPort.
llvm::Expected<int> listenTcp(llvm::StringRef Address, uint16_t Port,
                              uint16_t &BoundPort);

} // namespace clang::dist

#endif
