//===- unittests/LocalServer/SlotPoolTest.cpp - A farm's slots ------------===//

#include "LocalServer/SlotPool.h"
#include "TempDir.h"
#include <catch2/catch.hpp>
#include <ctime>

using namespace clang::dist;
using namespace clang::dist::test;

TEST_CASE("A slot pool grows as a farm's workers join and leave",
          "[SlotPool]") {
  TempDir Dir;
  boost::asio::io_context IO;
  Logger Log;
  Stats Counters(IO, Dir.file("server.stats"), Log);
  DistConfig Config;
  Farm TheFarm;
  TheFarm.Slots = {{"10.0.0.1", 63000}};
  SlotPool Pool(IO, Config, TheFarm, nullptr, Log, Counters);
  REQUIRE(Pool.size() == 1);

  // A worker of two slots joins; the config's own slot is not the farm's.
  std::vector<size_t> Joined = Pool.join(
      {{"10.0.0.2", 63000}, {"10.0.0.2", 63001}, {"10.0.0.1", 63000}});
  CHECK(Joined == std::vector<size_t>{1, 2});
  CHECK(Pool.size() == 3);
  CHECK(Pool.live() == 3);
  CHECK(Pool.name(2) == "10.0.0.2:63001");

  // It leaves: its slots keep their indices, and get no job.
  Pool.retire(1);
  Pool.retire(2);
  Pool.retire(2);
  CHECK(Pool.size() == 3);
  CHECK(Pool.live() == 1);
  CHECK(Pool.isRetired(1));
  std::vector<std::optional<size_t>> Given;
  Pool.acquire([&](std::optional<size_t> Slot) { Given.push_back(Slot); });
  Pool.acquire([&](std::optional<size_t> Slot) { Given.push_back(Slot); });
  CHECK(Given == std::vector<std::optional<size_t>>{0});

  // It comes back: the same slots, free again; the waiting job gets one.
  CHECK(Pool.join({{"10.0.0.2", 63000}, {"10.0.0.2", 63001}}) ==
        std::vector<size_t>{1, 2});
  CHECK(Pool.live() == 3);
  CHECK(Given.size() == 2);
  CHECK(Given.back() == std::optional<size_t>(1));
}

TEST_CASE("A farm's slot that an earlier server backed off joins backed off",
          "[SlotPool]") {
  TempDir Dir;
  std::string Path = Dir.file("server.backoff");
  REQUIRE(!writeSlotBackoffs(
      Path, {{"10.0.0.2:63000", std::time(nullptr) + 20, "refused"}}));
  boost::asio::io_context IO;
  Logger Log;
  Stats Counters(IO, Dir.file("server.stats"), Log);
  DistConfig Config;
  Config.Farm = RedisAddress();
  Farm TheFarm;
  TheFarm.BackoffsPath = Path;
  SlotPool Pool(IO, Config, TheFarm, nullptr, Log, Counters);

  CHECK(Pool.join({{"10.0.0.2", 63000}, {"10.0.0.2", 63001}}) ==
        std::vector<size_t>{0, 1});
  ServerStatus::Slot Backed = Pool.describe(0);
  CHECK(Backed.State == ServerStatus::SlotState::BackedOff);
  CHECK(Backed.Why == "refused");
  CHECK(Pool.describe(1).State != ServerStatus::SlotState::BackedOff);
}
