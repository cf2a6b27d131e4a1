//===- unittests/Config/RuntimeDirTest.cpp - Runtime directory tests ------===//
//
// openRuntimeDir() is pointed at a fresh temporary path through
// CLANG_DIST_RUNTIME_DIR, so the tests never touch the real
// /tmp/clang-dist-<uid> of a running server.
//
//===----------------------------------------------------------------------===//

#include "Config/RuntimeDir.h"
#include "ExpectedMatchers.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fcntl.h>
#include <optional>
#include <set>
#include <string>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

using namespace clang::dist;
using namespace clang::dist::test;
using Catch::Matchers::Contains;

namespace {

constexpr const char *RuntimeDirVariable = "CLANG_DIST_RUNTIME_DIR";

/// Sets CLANG_DIST_RUNTIME_DIR to a path in a fresh temporary directory that
/// does not exist yet, and restores the variable and removes the directory
/// at the end of the test.
class RuntimeDirFixture {
public:
  RuntimeDirFixture() {
    if (const char *Old = std::getenv(RuntimeDirVariable))
      Saved = Old;
    REQUIRE_FALSE(
        llvm::sys::fs::createUniqueDirectory("clang-dist-runtime", Parent));
    llvm::SmallString<128> Path(Parent);
    llvm::sys::path::append(Path, "run");
    Dir = Path.str().str();
    REQUIRE(::setenv(RuntimeDirVariable, Dir.c_str(), 1) == 0);
  }
  ~RuntimeDirFixture() {
    if (Saved)
      ::setenv(RuntimeDirVariable, Saved->c_str(), 1);
    else
      ::unsetenv(RuntimeDirVariable);
    // remove_directories cannot enter a directory of mode 0000 and friends.
    ::chmod(Dir.c_str(), 0700);
    llvm::sys::fs::remove_directories(Parent);
  }

protected:
  std::string Dir;

private:
  std::optional<std::string> Saved;
  llvm::SmallString<128> Parent;
};

bool isLowerHex(const std::string &S) {
  return S.find_first_not_of("0123456789abcdef") == std::string::npos;
}

} // namespace

TEST_CASE_METHOD(RuntimeDirFixture, "A missing runtime dir is created 0700",
                 "[RuntimeDir]") {
  CHECK(unwrap(openRuntimeDir()) == Dir);
  struct stat St;
  REQUIRE(::stat(Dir.c_str(), &St) == 0);
  CHECK(S_ISDIR(St.st_mode));
  CHECK((St.st_mode & 07777) == 0700);

  // Opening it again finds it, as every client after the first does.
  CHECK(unwrap(openRuntimeDir()) == Dir);
}

TEST_CASE_METHOD(RuntimeDirFixture, "A runtime dir others may write is refused",
                 "[RuntimeDir]") {
  for (mode_t Mode : {0777, 0770, 0702, 01777}) {
    INFO("mode " << std::oct << Mode);
    ::rmdir(Dir.c_str());
    REQUIRE(::mkdir(Dir.c_str(), 0700) == 0);
    REQUIRE(::chmod(Dir.c_str(), Mode) == 0);
    CHECK_THAT(errorText(openRuntimeDir()),
               Contains(Dir) && Contains("writable by others"));
  }
  // Readable by others is harmless: nobody can plant a socket.
  REQUIRE(::chmod(Dir.c_str(), 0755) == 0);
  CHECK(errorText(openRuntimeDir()) == "<no error>");
}

TEST_CASE_METHOD(RuntimeDirFixture, "A runtime dir that is a file is refused",
                 "[RuntimeDir]") {
  int Fd = ::open(Dir.c_str(), O_CREAT | O_WRONLY, 0600);
  REQUIRE(Fd >= 0);
  ::close(Fd);
  CHECK_THAT(errorText(openRuntimeDir()),
             Contains(Dir) && Contains("is not a directory"));
}

TEST_CASE_METHOD(RuntimeDirFixture,
                 "A runtime dir that is a symlink is refused", "[RuntimeDir]") {
  // Someone else's link in /tmp must not send our sockets elsewhere, even
  // to a directory that would pass every other check.
  std::string Target = Dir + ".target";
  REQUIRE(::mkdir(Target.c_str(), 0700) == 0);
  REQUIRE(::symlink(Target.c_str(), Dir.c_str()) == 0);
  CHECK_THAT(errorText(openRuntimeDir()), Contains("is a symbolic link"));
}

TEST_CASE_METHOD(RuntimeDirFixture,
                 "A runtime dir that cannot be created is an error",
                 "[RuntimeDir]") {
  std::string Deep = Dir + "/a/b";
  REQUIRE(::setenv(RuntimeDirVariable, Deep.c_str(), 1) == 0);
  CHECK_THAT(errorText(openRuntimeDir()),
             Contains("cannot create runtime directory '" + Deep + "'"));
}

TEST_CASE("configHash is 16 hex digits and stable and distinct",
          "[RuntimeDir]") {
  std::string Default = configHash("");
  CHECK(Default.size() == 16);
  CHECK(isLowerHex(Default));
  CHECK(configHash("") == Default);
  CHECK(configHash("/a/dist.conf") == configHash("/a/dist.conf"));

  // Enough paths that some hash has leading zero digits, which must be kept.
  std::set<std::string> Seen = {Default};
  for (int I = 0; I < 1000; ++I) {
    std::string Path = "/home/u/build" + std::to_string(I) + "/dist.conf";
    std::string Hash = configHash(Path);
    INFO(Path << " -> " << Hash);
    CHECK(Hash.size() == 16);
    CHECK(isLowerHex(Hash));
    CHECK(Seen.insert(Hash).second);
  }
  // The default config is not the config at any of these strings.
  for (llvm::StringRef Path : {"/", "default", " "})
    CHECK(configHash(Path) != Default);
}

TEST_CASE("serverPaths", "[RuntimeDir]") {
  SECTION("names every file after the config hash") {
    ServerPaths Paths = unwrap(serverPaths("/run/cd", "/a/dist.conf"));
    std::string Base = "/run/cd/server-" + configHash("/a/dist.conf");
    CHECK(Paths.Socket == Base + ".sock");
    CHECK(Paths.ServerLock == Base + ".lock");
    CHECK(Paths.StartLock == Base + ".start");
    CHECK(Paths.Log == Base + ".log");
    CHECK(Paths.WorkerSecret == Base + ".secret");
    CHECK(Paths.Backoffs == Base + ".backoff");
    CHECK(Paths.Stats == Base + ".stats");
    CHECK(Paths.ClientFallbacks == Base + ".fallbacks");

    CHECK(unwrap(serverPaths("/run/cd", "/b/dist.conf")).Socket !=
          Paths.Socket);
  }

  SECTION("refuses a socket path that does not fit in sockaddr_un") {
    // "/server-" + 16 digits + ".sock" is 29 bytes; the path needs its NUL.
    const size_t Longest = sizeof(sockaddr_un::sun_path) - 1 - 29;
    std::string Fits = "/" + std::string(Longest - 1, 'd');
    CHECK(unwrap(serverPaths(Fits, "")).Socket.size() ==
          sizeof(sockaddr_un::sun_path) - 1);

    CHECK_THAT(errorText(serverPaths(Fits + "d", "")),
               Contains("longer than 107 bytes") &&
                   Contains("CLANG_DIST_RUNTIME_DIR"));
  }
}
