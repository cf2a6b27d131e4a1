//===- unittests/Config/ProgramPlacesTest.cpp - Finding the programs ------===//

#include "Config/ProgramPlaces.h"
#include "ExpectedMatchers.h"
#include "TempDir.h"
#include "llvm/Support/Path.h"
#include <catch2/catch.hpp>
#include <sys/stat.h>

using namespace clang::dist;
using namespace clang::dist::test;
using Catch::Matchers::Equals;

TEST_CASE("Each program looks beside itself first: the build tree's layout",
          "[ProgramPlaces]") {
  std::vector<std::string> Server = serverProgramPlaces("/b/bin/clang-dist");
  REQUIRE(Server.size() == 2);
  CHECK(Server[0] == "/b/bin/clang-dist-server");
  std::vector<std::string> Worker =
      workerProgramPlaces("/b/bin/clang-dist-server");
  REQUIRE(Worker.size() == 2);
  CHECK(Worker[0] == "/b/bin/clang-dist-worker");
}

TEST_CASE("The installed server finds the worker beside the client",
          "[ProgramPlaces]") {
  // Whatever the layout's directories, the two relative paths lead back.
  std::string Server = serverProgramPlaces("/p/bin/clang-dist")[1];
  CHECK(llvm::StringRef(Server).endswith("/clang-dist/clang-dist-server"));
  CHECK(Server.find("..") == std::string::npos);
  CHECK(workerProgramPlaces(Server)[1] == "/p/bin/clang-dist-worker");
}

TEST_CASE("findProgram takes the first executable file", "[ProgramPlaces]") {
  TempDir Dir;
  Dir.write("plain", "");
  Dir.write("program", "#!/bin/sh\n");
  REQUIRE(::chmod(Dir.file("program").c_str(), 0755) == 0);
  REQUIRE(llvm::sys::fs::create_directory(Dir.file("dir")) ==
          std::error_code());
  CHECK(unwrap(findProgram({Dir.file("missing"), Dir.file("plain"),
                            Dir.file("dir"), Dir.file("program")})) ==
        Dir.file("program"));
}

TEST_CASE("findProgram names every directory it looked in", "[ProgramPlaces]") {
  TempDir Dir;
  llvm::Expected<std::string> Found = findProgram(
      {Dir.file("a/clang-dist-server"), Dir.file("b/clang-dist-server")});
  REQUIRE(!Found);
  CHECK(Found.errorIsA<ProgramMissing>());
  CHECK_THAT(llvm::toString(Found.takeError()),
             Equals("there is no clang-dist-server in '" + Dir.file("a") +
                    "' nor in '" + Dir.file("b") + "'"));
}
