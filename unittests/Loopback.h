//===- unittests/Loopback.h - A connection to a loopback port ---*- C++ -*-===//

#ifndef CLANG_DIST_UNITTESTS_LOOPBACK_H
#define CLANG_DIST_UNITTESTS_LOOPBACK_H

#include <catch2/catch.hpp>
#include <cstdint>
#include <netinet/in.h>
#include <sys/socket.h>

namespace clang::dist::test {

/// A blocking socket connected to 127.0.0.1:\p Port.
inline int connectToLoopback(uint16_t Port) {
  int Fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(Fd >= 0);
  sockaddr_in Addr{};
  Addr.sin_family = AF_INET;
  Addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  Addr.sin_port = htons(Port);
  REQUIRE(::connect(Fd, reinterpret_cast<sockaddr *>(&Addr), sizeof(Addr)) ==
          0);
  return Fd;
}

} // namespace clang::dist::test

#endif
