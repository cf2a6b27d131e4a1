//===- unittests/Protocol/SharedSecretTest.cpp - Shared secret tests ------===//

#include "Protocol/SharedSecret.h"
#include "ExpectedMatchers.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include <catch2/catch.hpp>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace clang::dist;
using namespace clang::dist::test;
using Catch::Matchers::Contains;
using Role = SharedSecret::Role;

namespace {

/// A secret file in a fresh directory, removed at the end of the test.
class SecretFile {
public:
  SecretFile(const std::string &Text, mode_t Mode = 0600) {
    REQUIRE_FALSE(llvm::sys::fs::createUniqueDirectory("secret-test", Dir));
    Path = (Dir + "/secret").str();
    std::ofstream(Path) << Text;
    REQUIRE(::chmod(Path.c_str(), Mode) == 0);
  }
  ~SecretFile() { llvm::sys::fs::remove_directories(Dir); }
  std::string Path;

private:
  llvm::SmallString<128> Dir;
};

} // namespace

TEST_CASE("A proof checks out only for the same secret, role and nonces",
          "[SharedSecret]") {
  SecretFile File("correct horse\n"), Other("battery staple\n");
  SharedSecret S = unwrap(SharedSecret::load(File.Path));
  SharedSecret T = unwrap(SharedSecret::load(Other.Path));
  Nonce Mine = freshNonce(), Theirs = freshNonce();
  REQUIRE(Mine != Theirs);
  Proof P = S.prove(Role::Worker, Mine, Theirs);

  CHECK(S.verify(P, Role::Worker, Mine, Theirs));
  // Another secret, the other side's role, the nonces swapped (the other
  // side's proof on this connection), another connection's nonce.
  CHECK_FALSE(T.verify(P, Role::Worker, Mine, Theirs));
  CHECK_FALSE(S.verify(P, Role::Server, Mine, Theirs));
  CHECK_FALSE(S.verify(P, Role::Worker, Theirs, Mine));
  CHECK_FALSE(S.verify(P, Role::Worker, Mine, freshNonce()));
  Proof Flipped = P;
  Flipped[31] ^= 1;
  CHECK_FALSE(S.verify(Flipped, Role::Worker, Mine, Theirs));
}

TEST_CASE("The TLS and cache keys are the secret's and nothing else's",
          "[SharedSecret]") {
  SecretFile File("correct horse\n"), Same("correct horse"),
      Other("battery staple\n");
  SharedSecret S = unwrap(SharedSecret::load(File.Path));
  CHECK(S.tlsKey() == unwrap(SharedSecret::load(Same.Path)).tlsKey());
  CHECK(S.tlsKey() != unwrap(SharedSecret::load(Other.Path)).tlsKey());
  // Not the proofs' key: a proof keyed with it would be S's own.
  std::array<uint8_t, 32> Zero{};
  CHECK(S.tlsKey() != Zero);
  // The shared cache's key is a third, of its own.
  CHECK(S.cacheKey() == unwrap(SharedSecret::load(Same.Path)).cacheKey());
  CHECK(S.cacheKey() != unwrap(SharedSecret::load(Other.Path)).cacheKey());
  CHECK(S.cacheKey() != S.tlsKey());
}

TEST_CASE("Trailing whitespace is not part of the secret", "[SharedSecret]") {
  SecretFile Bare("s3cret"), Newline("s3cret\n\n");
  SharedSecret A = unwrap(SharedSecret::load(Bare.Path));
  SharedSecret B = unwrap(SharedSecret::load(Newline.Path));
  Nonce N1 = freshNonce(), N2 = freshNonce();
  CHECK(B.verify(A.prove(Role::Server, N1, N2), Role::Server, N1, N2));
}

TEST_CASE("Secret files that others could read or that are unusable are "
          "refused",
          "[SharedSecret]") {
  SECTION("readable by the group") {
    SecretFile File("x", 0640);
    CHECK_THAT(errorText(SharedSecret::load(File.Path)),
               Contains("is accessible to others (mode 640); make it mode "
                        "0600"));
  }
  SECTION("writable by others") {
    SecretFile File("x", 0602);
    CHECK_THAT(errorText(SharedSecret::load(File.Path)),
               Contains("is accessible to others (mode 602)"));
  }
  SECTION("empty") {
    SecretFile File(" \n");
    CHECK_THAT(errorText(SharedSecret::load(File.Path)),
               Contains("is empty"));
  }
  SECTION("missing") {
    CHECK_THAT(errorText(SharedSecret::load("/nonexistent/secret")),
               Contains("cannot read secret file '/nonexistent/secret'"));
  }
  SECTION("owned by another user") {
    if (::getuid() != 0)
      return; // Only root can give a file away.
    SecretFile File("x");
    REQUIRE(::chown(File.Path.c_str(), 65534, 65534) == 0);
    CHECK_THAT(errorText(SharedSecret::load(File.Path)),
               Contains("is owned by uid 65534, not by you"));
  }
}

TEST_CASE("A systemd credential (mode 0400, the service's user's) is "
          "accepted; one its group may read is not",
          "[SharedSecret]") {
  // LoadCredential= hands the secret over read-only (docs/SERVICE.md).
  SecretFile Credential("s3cret\n", 0400), Shared("s3cret\n", 0440);
  SharedSecret S = unwrap(SharedSecret::load(Credential.Path));
  Nonce N1 = freshNonce(), N2 = freshNonce();
  CHECK(S.verify(S.prove(Role::Worker, N1, N2), Role::Worker, N1, N2));
  CHECK_THAT(errorText(SharedSecret::load(Shared.Path)),
             Contains("is accessible to others (mode 440)"));
}

TEST_CASE("Nonces are fresh", "[SharedSecret]") {
  CHECK(freshNonce() != freshNonce());
}

TEST_CASE("A created secret is private, fresh, and the file's",
          "[SharedSecret]") {
  // Created over a file anyone could read: replaced, not reused.
  SecretFile File("old secret\n", 0644);
  SharedSecret A = unwrap(SharedSecret::create(File.Path));
  struct stat St;
  REQUIRE(::stat(File.Path.c_str(), &St) == 0);
  CHECK((St.st_mode & 07777) == 0600);
  CHECK(St.st_uid == ::getuid());

  SharedSecret Loaded = unwrap(SharedSecret::load(File.Path));
  SharedSecret B = unwrap(SharedSecret::create(File.Path));
  Nonce N1 = freshNonce(), N2 = freshNonce();
  Proof P = A.prove(Role::Worker, N1, N2);
  CHECK(Loaded.verify(P, Role::Worker, N1, N2));
  CHECK_FALSE(B.verify(P, Role::Worker, N1, N2));

  CHECK_THAT(errorText(SharedSecret::create("/nonexistent-dir/secret")),
             Contains("cannot write secret file '/nonexistent-dir/secret'"));
}
