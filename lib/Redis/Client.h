//===- Redis/Client.h - One connection to a Redis server --------*- C++ -*-===//
//
// A blocking connection, for a thread that may wait (the server's pool):
// every step has a deadline, so a Redis that is down, firewalled or slow
// costs its caller the timeout and an error, never a hang. A connection that
// failed once is not used again; its owner connects anew.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_REDIS_CLIENT_H
#define CLANG_DIST_REDIS_CLIENT_H

#include "Redis/Reply.h"
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace clang::dist {

/// `redis://[[USER:]PASSWORD@]HOST[:PORT][/DB]`, as ccache spells it; the
/// user and password percent-encoded, as in any URL.
struct RedisAddress {
  std::string Host;
  uint16_t Port = 6379;
  unsigned Database = 0;
  /// Sent with AUTH on every connection when Password is not empty; an
  /// empty User is Redis's `default` user (`requirepass`).
  std::string User;
  std::string Password;

  static llvm::Expected<RedisAddress> parse(llvm::StringRef URL);
  /// As a log line names it: `redis://HOST:PORT/DB`, never the password.
  std::string str() const;
};

/// Why a connection failed: the caller reconnects after a Broken one, and
/// skips Redis for a while after the others.
class RedisError : public llvm::ErrorInfo<RedisError> {
public:
  enum Kind {
    /// Cannot resolve, connect or write.
    Unreachable,
    /// No answer within the deadline.
    TimedOut,
    /// Closed the connection, or sent what is not RESP.
    Broken,
    /// Answered, but refused to serve this connection: a wrong password, no
    /// password where one is required, a database it does not have.
    Refused,
  };
  RedisError(Kind K, std::string Message) : K(K), Message(std::move(Message)) {}
  Kind kind() const { return K; }
  void log(llvm::raw_ostream &OS) const override { OS << Message; }
  std::error_code convertToErrorCode() const override;
  static char ID;

private:
  Kind K;
  std::string Message;
};

class RedisClient {
public:
  /// Connects, authenticates when the address has a password, and selects
  /// the address's database, within \p Timeout (but
  /// for resolving the host name, which has the resolver's own timeouts).
  static llvm::Expected<RedisClient> connect(const RedisAddress &Address,
                                             std::chrono::milliseconds Timeout,
                                             RedisLimits Limits = {});
  RedisClient(RedisClient &&Other);
  RedisClient &operator=(RedisClient &&) = delete;
  ~RedisClient();

  /// Sends \p Args as one command and reads its reply, within \p Timeout.
  /// A reply of kind Error is a reply: the command failed, the connection
  /// did not.
  llvm::Expected<RedisReply> command(llvm::ArrayRef<llvm::StringRef> Args,
                                     std::chrono::milliseconds Timeout);

private:
  RedisClient(int Fd, std::string Name, RedisLimits Limits)
      : Fd(Fd), Name(std::move(Name)), Limits(Limits) {}

  int Fd;
  /// redis://HOST:PORT, for errors.
  std::string Name;
  RedisLimits Limits;
};

/// A connection made when first needed, and made anew after one fails: for
/// an owner that calls Redis now and then, from one thread at a time (a
/// server's listings of the farm's registry, a worker's lease there).
class RedisConnection {
public:
  RedisConnection(RedisAddress Address,
                  std::chrono::milliseconds ConnectTimeout,
                  std::chrono::milliseconds CommandTimeout,
                  RedisLimits Limits = {})
      : Address(std::move(Address)), ConnectTimeout(ConnectTimeout),
        CommandTimeout(CommandTimeout), Limits(Limits) {}

  /// RedisClient::command, on a connection made first if there is none.
  llvm::Expected<RedisReply> command(llvm::ArrayRef<llvm::StringRef> Args);
  /// Drops the connection: the next command connects anew.
  void reset() { Client.reset(); }

private:
  const RedisAddress Address;
  const std::chrono::milliseconds ConnectTimeout;
  const std::chrono::milliseconds CommandTimeout;
  const RedisLimits Limits;
  std::optional<RedisClient> Client;
};

} // namespace clang::dist

#endif
