//===- Redis/Client.cpp - One connection to a Redis server ----------------===//

#include "Redis/Client.h"
#include "llvm/Support/Errc.h"
#include "llvm/Support/FormatVariadic.h"
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace clang::dist;
using Clock = std::chrono::steady_clock;

char RedisError::ID;

std::error_code RedisError::convertToErrorCode() const {
  return std::make_error_code(K == TimedOut  ? std::errc::timed_out
                              : K == Broken  ? std::errc::protocol_error
                              : K == Refused ? std::errc::permission_denied
                                             : std::errc::host_unreachable);
}

namespace {

llvm::Error redisError(RedisError::Kind K, const llvm::Twine &Message) {
  return llvm::make_error<RedisError>(K, Message.str());
}

/// Waits until \p Fd is ready for \p Events or \p Deadline passes.
bool waitFor(int Fd, short Events, Clock::time_point Deadline) {
  while (true) {
    auto Left = std::chrono::duration_cast<std::chrono::milliseconds>(
        Deadline - Clock::now());
    if (Left.count() <= 0)
      return false;
    pollfd P{Fd, Events, 0};
    int N = ::poll(&P, 1, static_cast<int>(Left.count()));
    if (N > 0)
      return true;
    if (N < 0 && errno != EINTR)
      return false;
  }
}

/// A connected, non-blocking socket to one of \p Address's addresses.
llvm::Expected<int> connectSocket(const RedisAddress &Address,
                                  Clock::time_point Deadline) {
  addrinfo Hints{};
  Hints.ai_family = AF_UNSPEC;
  Hints.ai_socktype = SOCK_STREAM;
  addrinfo *Found = nullptr;
  std::string Port = std::to_string(Address.Port);
  if (int Err =
          ::getaddrinfo(Address.Host.c_str(), Port.c_str(), &Hints, &Found))
    return redisError(RedisError::Unreachable,
                      llvm::formatv("cannot resolve '{0}': {1}", Address.Host,
                                    ::gai_strerror(Err)));
  std::string LastError = "no address";
  RedisError::Kind LastKind = RedisError::Unreachable;
  int Fd = -1;
  for (addrinfo *A = Found; A && Fd < 0; A = A->ai_next) {
    int S =
        ::socket(A->ai_family, A->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                 A->ai_protocol);
    if (S < 0) {
      LastError = std::strerror(errno);
      continue;
    }
    int Err = 0;
    if (::connect(S, A->ai_addr, A->ai_addrlen) != 0) {
      Err = errno;
      if (Err == EINPROGRESS) {
        Err = ETIMEDOUT;
        if (waitFor(S, POLLOUT, Deadline)) {
          socklen_t Size = sizeof(Err);
          if (::getsockopt(S, SOL_SOCKET, SO_ERROR, &Err, &Size) != 0)
            Err = errno;
        }
      }
    }
    if (Err == 0) {
      Fd = S;
      break;
    }
    ::close(S);
    LastKind =
        Err == ETIMEDOUT ? RedisError::TimedOut : RedisError::Unreachable;
    LastError = Err == ETIMEDOUT ? "timed out" : std::strerror(Err);
  }
  ::freeaddrinfo(Found);
  if (Fd < 0)
    return redisError(LastKind, llvm::formatv("cannot connect to {0}: {1}",
                                              Address.str(), LastError));
  // Commands are small and each waits for its reply.
  int One = 1;
  ::setsockopt(Fd, IPPROTO_TCP, TCP_NODELAY, &One, sizeof(One));
  return Fd;
}

} // namespace

/// \p Text with each `%XX` replaced by its byte, or std::nullopt if a `%` is
/// not followed by two hex digits.
static std::optional<std::string> percentDecode(llvm::StringRef Text) {
  std::string Out;
  while (!Text.empty()) {
    size_t Percent = Text.find('%');
    Out += Text.take_front(Percent);
    if (Percent == llvm::StringRef::npos)
      break;
    unsigned Byte;
    if (Text.size() < Percent + 3 ||
        Text.substr(Percent + 1, 2).getAsInteger(16, Byte))
      return std::nullopt;
    Out += static_cast<char>(Byte);
    Text = Text.drop_front(Percent + 3);
  }
  return Out;
}

llvm::Expected<RedisAddress> RedisAddress::parse(llvm::StringRef URL) {
  // The URL may hold a password: an error names what is after it only.
  llvm::StringRef Shown = URL;
  if (size_t At = URL.rfind('@'); At != llvm::StringRef::npos)
    Shown = URL.drop_front(At + 1);
  auto Bad = [&](const llvm::Twine &Why) {
    return llvm::createStringError(
        llvm::errc::invalid_argument,
        "'%s%s' is not redis://[[USER:]PASSWORD@]HOST[:PORT][/DB]: %s",
        Shown.size() == URL.size() ? "" : "redis://...@", Shown.str().c_str(),
        Why.str().c_str());
  };
  llvm::StringRef Rest = URL;
  if (!Rest.consume_front("redis://"))
    return Bad("it does not start with redis://");
  RedisAddress A;
  if (size_t At = Rest.rfind('@'); At != llvm::StringRef::npos) {
    auto [User, Password] = Rest.take_front(At).split(':');
    if (Rest.take_front(At).find(':') == llvm::StringRef::npos)
      std::swap(User, Password);
    std::optional<std::string> DecodedUser = percentDecode(User);
    std::optional<std::string> DecodedPassword = percentDecode(Password);
    if (!DecodedUser || !DecodedPassword)
      return Bad("a '%' in the user or password is not followed by two hex "
                 "digits");
    if (DecodedPassword->empty())
      return Bad("an empty password");
    A.User = std::move(*DecodedUser);
    A.Password = std::move(*DecodedPassword);
    Rest = Rest.drop_front(At + 1);
  }
  auto [HostPort, Db] = Rest.split('/');
  if (!Db.empty() &&
      (Db.find_first_not_of("0123456789") != llvm::StringRef::npos ||
       Db.getAsInteger(10, A.Database) || A.Database > 65535))
    return Bad("the database '" + Db + "' is not a number up to 65535");
  llvm::StringRef Host = HostPort, Port;
  if (HostPort.consume_front("[")) {
    // [IPv6]:PORT
    auto [Inside, After] = HostPort.split(']');
    if (After.size() == HostPort.size() - Inside.size())
      return Bad("'[' without ']'");
    Host = Inside;
    if (!After.empty() && !After.consume_front(":"))
      return Bad("text after ']'");
    Port = After;
  } else if (size_t Colon = HostPort.rfind(':');
             Colon != llvm::StringRef::npos) {
    Host = HostPort.take_front(Colon);
    Port = HostPort.drop_front(Colon + 1);
  }
  if (Host.empty())
    return Bad("no host");
  if (!Port.empty() &&
      (Port.find_first_not_of("0123456789") != llvm::StringRef::npos ||
       Port.getAsInteger(10, A.Port) || A.Port == 0))
    return Bad("the port '" + Port + "' is not a number from 1 to 65535");
  A.Host = Host.str();
  return A;
}

std::string RedisAddress::str() const {
  bool V6 = Host.find(':') != std::string::npos;
  return llvm::formatv("redis://{0}{1}{2}:{3}/{4}", V6 ? "[" : "", Host,
                       V6 ? "]" : "", Port, Database);
}

llvm::Expected<RedisClient>
RedisClient::connect(const RedisAddress &Address,
                     std::chrono::milliseconds Timeout, RedisLimits Limits) {
  Clock::time_point Deadline = Clock::now() + Timeout;
  llvm::Expected<int> Fd = connectSocket(Address, Deadline);
  if (!Fd)
    return Fd.takeError();
  RedisClient Client(*Fd, Address.str(), Limits);
  // What the connection must do before it serves its caller; each step's
  // refusal is the address's fault, not the connection's.
  auto Setup = [&](llvm::ArrayRef<llvm::StringRef> Args,
                   llvm::StringRef Shown) -> llvm::Error {
    auto Left = std::chrono::duration_cast<std::chrono::milliseconds>(
        Deadline - Clock::now());
    llvm::Expected<RedisReply> Reply =
        Client.command(Args, std::max(Left, Timeout / 10));
    if (!Reply)
      return Reply.takeError();
    if (Reply->Type != RedisReply::Kind::Status)
      return redisError(RedisError::Refused,
                        llvm::formatv("{0} refused {1}: {2}", Client.Name,
                                      Shown, Reply->Text.substr(0, 200)));
    return llvm::Error::success();
  };
  if (!Address.Password.empty()) {
    // The password itself is never part of a message.
    llvm::Error E = Address.User.empty()
                        ? Setup({"AUTH", Address.Password}, "AUTH")
                        : Setup({"AUTH", Address.User, Address.Password},
                                "AUTH as '" + Address.User + "'");
    if (E)
      return std::move(E);
  }
  if (Address.Database != 0) {
    std::string Db = std::to_string(Address.Database);
    if (llvm::Error E = Setup({"SELECT", Db}, "SELECT " + Db))
      return std::move(E);
  }
  return Client;
}

RedisClient::RedisClient(RedisClient &&Other)
    : Fd(std::exchange(Other.Fd, -1)), Name(std::move(Other.Name)),
      Limits(Other.Limits) {}

RedisClient::~RedisClient() {
  if (Fd >= 0)
    ::close(Fd);
}

llvm::Expected<RedisReply>
RedisClient::command(llvm::ArrayRef<llvm::StringRef> Args,
                     std::chrono::milliseconds Timeout) {
  Clock::time_point Deadline = Clock::now() + Timeout;
  auto Fail = [&](RedisError::Kind K, const llvm::Twine &Why) {
    // Whatever the server sends later belongs to this command: the
    // connection cannot carry another.
    ::close(Fd);
    Fd = -1;
    return redisError(K, Name + ": " + Why);
  };
  if (Fd < 0)
    return redisError(RedisError::Broken,
                      Name + ": the connection failed before");
  std::string Out = encodeRedisCommand(Args);
  llvm::StringRef ToWrite = Out;
  while (!ToWrite.empty()) {
    ssize_t N = ::send(Fd, ToWrite.data(), ToWrite.size(), MSG_NOSIGNAL);
    if (N > 0) {
      ToWrite = ToWrite.drop_front(N);
      continue;
    }
    if (N < 0 && errno == EINTR)
      continue;
    if (N < 0 && errno != EAGAIN)
      return Fail(RedisError::Unreachable,
                  llvm::Twine("cannot send: ") + std::strerror(errno));
    if (!waitFor(Fd, POLLOUT, Deadline))
      return Fail(RedisError::TimedOut, "timed out sending a command");
  }
  std::string In;
  while (true) {
    size_t Consumed = 0;
    llvm::Expected<std::optional<RedisReply>> Reply =
        parseRedisReply(In, Limits, Consumed);
    if (!Reply)
      return Fail(RedisError::Broken, llvm::toString(Reply.takeError()));
    if (*Reply) {
      if (Consumed != In.size())
        return Fail(RedisError::Broken, "more than one reply to a command");
      return std::move(**Reply);
    }
    if (!waitFor(Fd, POLLIN, Deadline))
      return Fail(RedisError::TimedOut, "no reply in time");
    char Buffer[64 << 10];
    ssize_t N = ::recv(Fd, Buffer, sizeof(Buffer), 0);
    if (N < 0 && (errno == EINTR || errno == EAGAIN))
      continue;
    if (N < 0)
      return Fail(RedisError::Broken,
                  llvm::Twine("cannot receive: ") + std::strerror(errno));
    if (N == 0)
      return Fail(RedisError::Broken, "closed the connection");
    In.append(Buffer, N);
  }
}

llvm::Expected<RedisReply>
RedisConnection::command(llvm::ArrayRef<llvm::StringRef> Args) {
  if (!Client) {
    llvm::Expected<RedisClient> Connected =
        RedisClient::connect(Address, ConnectTimeout, Limits);
    if (!Connected)
      return Connected.takeError();
    Client.emplace(std::move(*Connected));
  }
  llvm::Expected<RedisReply> Reply = Client->command(Args, CommandTimeout);
  // A connection that failed once is not used again.
  if (!Reply)
    Client.reset();
  return Reply;
}
