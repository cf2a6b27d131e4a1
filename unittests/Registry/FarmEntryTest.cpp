//===- unittests/Registry/FarmEntryTest.cpp - A registry entry ------------===//

#include "Registry/FarmEntry.h"
#include <catch2/catch.hpp>

using namespace clang::dist;

namespace {

FarmEntry sample() {
  FarmEntry E;
  E.Host = "10.0.0.5";
  E.Ports = {63000, 63001, 63002};
  E.ClangVersion = "Debian clang version 16.0.6 (15)";
  E.Protocol = 7;
  E.ClangDistVersion = "0.9.0";
  E.Secret = true;
  E.Busy = 2;
  E.Started = 1733400000;
  E.Speed = 551;
  return E;
}

std::string errorOf(llvm::StringRef Text) {
  llvm::Expected<FarmEntry> E = parseFarmEntry(Text);
  if (E)
    return "";
  return llvm::toString(E.takeError());
}

} // namespace

TEST_CASE("A farm entry survives its format") {
  FarmEntry E = sample();
  llvm::Expected<FarmEntry> Back = parseFarmEntry(formatFarmEntry(E));
  REQUIRE(static_cast<bool>(Back));
  CHECK(*Back == E);
  CHECK(E.key() == "clang-dist:farm:worker:10.0.0.5:63000");
}

TEST_CASE("A farm entry without its optional keys survives its format") {
  llvm::Expected<FarmEntry> E =
      parseFarmEntry("address h\nports 1\nclang x\nprotocol 7\n");
  REQUIRE(static_cast<bool>(E));
  llvm::Expected<FarmEntry> Back = parseFarmEntry(formatFarmEntry(*E));
  REQUIRE(static_cast<bool>(Back));
  CHECK(*Back == *E);
}

TEST_CASE("A farm entry's unknown keys are ignored") {
  std::string Text = formatFarmEntry(sample()) + "load 1.75\nfuture a b c\n";
  llvm::Expected<FarmEntry> Back = parseFarmEntry(Text);
  REQUIRE(static_cast<bool>(Back));
  CHECK(*Back == sample());
}

TEST_CASE("A farm entry's speed is a whole number") {
  std::string Text = formatFarmEntry(sample());
  CHECK(Text.find("\nspeed 551\n") != std::string::npos);
  size_t At = Text.find("speed 551");
  CHECK(errorOf(Text.substr(0, At) + "speed 1.75\n")
            .find("'speed' cannot be '1.75'") != std::string::npos);
}

TEST_CASE("A farm entry needs its address, ports and versions") {
  CHECK(errorOf("ports 1\nclang x\nprotocol 7\n").find("no 'address'") !=
        std::string::npos);
  CHECK(errorOf("address h\nclang x\nprotocol 7\n").find("no 'ports'") !=
        std::string::npos);
  CHECK(errorOf("address h\nports 1\nprotocol 7\n").find("no 'clang'") !=
        std::string::npos);
  CHECK(errorOf("address h\nports 1\nclang x\n").find("no 'protocol'") !=
        std::string::npos);
  CHECK(errorOf("address h\nports 1\nclang x\nprotocol 7\n").empty());
}

TEST_CASE("Garbage is no farm entry") {
  const char *Base = "ports 1\nclang x\nprotocol 7\n";
  CHECK(!errorOf("").empty());
  CHECK(!errorOf("\x01\x02garbage").empty());
  CHECK(errorOf(std::string("address h\n") + Base + "address g\n")
            .find("given twice") != std::string::npos);
  CHECK(errorOf(std::string("address h i\n") + Base).find("'address'") !=
        std::string::npos);
  CHECK(errorOf(std::string("address \x1b[31m\n") + Base)
            .find("control characters") != std::string::npos);
  CHECK(errorOf("address h\nports 1,0\nclang x\nprotocol 7\n")
            .find("'0' is not a port") != std::string::npos);
  CHECK(errorOf("address h\nports 70000\nclang x\nprotocol 7\n")
            .find("is not a port") != std::string::npos);
  CHECK(errorOf("address h\nports 1\nclang x\nprotocol -1\n")
            .find("'protocol'") != std::string::npos);
  CHECK(errorOf("address h\nports 1\nclang x\nprotocol 7\nsecret maybe\n")
            .find("'secret'") != std::string::npos);
  CHECK(errorOf("address h\nnovalue\n").find("not 'key value'") !=
        std::string::npos);
}

TEST_CASE("A farm entry is held to its limits") {
  std::string Ports = "1";
  for (size_t I = 1; I <= MaxFarmEntryPorts; ++I)
    Ports += ",1";
  CHECK(errorOf("address h\nports " + Ports + "\nclang x\nprotocol 7\n")
            .find("more than 1024 ports") != std::string::npos);
  std::string Large = "address h\nports 1\nclang x\nprotocol 7\npad " +
                      std::string(MaxFarmEntrySize, 'x') + "\n";
  CHECK(errorOf(Large).find("bytes, more than") != std::string::npos);
}
