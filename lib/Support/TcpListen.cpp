//===- Support/TcpListen.cpp - A listening TCP socket ---------------------===//

#include "Support/TcpListen.h"
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

using namespace clang::dist;

llvm::Expected<int> clang::dist::listenTcp(llvm::StringRef Address,
                                           uint16_t Port, uint16_t &BoundPort) {
  sockaddr_storage Addr{};
  socklen_t Len;
  std::string Host = Address.str();
  auto *V4 = reinterpret_cast<sockaddr_in *>(&Addr);
  auto *V6 = reinterpret_cast<sockaddr_in6 *>(&Addr);
  if (::inet_pton(AF_INET, Host.c_str(), &V4->sin_addr) == 1) {
    V4->sin_family = AF_INET;
    V4->sin_port = htons(Port);
    Len = sizeof(*V4);
  } else if (::inet_pton(AF_INET6, Host.c_str(), &V6->sin6_addr) == 1) {
    V6->sin6_family = AF_INET6;
    V6->sin6_port = htons(Port);
    Len = sizeof(*V6);
  } else {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "invalid bind address '%s' (expected an "
                                   "IPv4 or IPv6 address)",
                                   Host.c_str());
  }
  int Fd = ::socket(Addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int One = 1;
  if (Fd < 0 ||
      ::setsockopt(Fd, SOL_SOCKET, SO_REUSEADDR, &One, sizeof(One)) != 0 ||
      ::bind(Fd, reinterpret_cast<sockaddr *>(&Addr), Len) != 0 ||
      ::listen(Fd, SOMAXCONN) != 0 ||
      ::getsockname(Fd, reinterpret_cast<sockaddr *>(&Addr), &Len) != 0) {
    int Err = errno;
    if (Fd >= 0)
      ::close(Fd);
    return llvm::createStringError(
        std::error_code(Err, std::generic_category()),
        "cannot listen on %s port %u: %s", Host.c_str(), Port,
        std::strerror(Err));
  }
  BoundPort = ntohs(Addr.ss_family == AF_INET ? V4->sin_port : V6->sin6_port);
  return Fd;
}
