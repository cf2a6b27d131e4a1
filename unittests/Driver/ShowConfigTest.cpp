//===- Driver/ShowConfigTest.cpp - clang-dist --show-config ---------------===//

#include "Driver/ShowConfig.h"
#include "ExpectedMatchers.h"
#include <catch2/catch.hpp>

using namespace clang::dist;
using namespace clang::dist::test;

TEST_CASE("Every setting with its value and origin", "[ShowConfig]") {
  DistConfig Config = unwrap(parseConfig("worker a:1-3\n"
                                         "worker b:7 cores=2\n"
                                         "worker a:9\n"
                                         "mode preprocessed\n"
                                         "idle-timeout 5\n"
                                         "idle-timeout 6\n"
                                         "cache-dir /var/cache/cd\n"
                                         "cache-size 2g\n"
                                         "cache redis://r:7/2\n"
                                         "metrics [::1]:9101\n",
                                         "dist.conf"));
  Config.Path = "/home/u/farm/dist.conf";
  CHECK(describeConfig(Config, 8) ==
        "worker                a:1-3                         dist.conf:1\n"
        "worker                b:7-8                         dist.conf:2\n"
        "worker                a:9                           dist.conf:3\n"
        "mode                  preprocessed                  dist.conf:4\n"
        "secret                none                          default\n"
        "tls                   remote                        default\n"
        "idle-timeout          6 s                           dist.conf:6\n"
        "connect-timeout-ms    3000 ms                       default\n"
        "heartbeat-timeout-ms  10000 ms                      default\n"
        "worker-backoff        30 s                          default\n"
        "fallback-warnings     on                            default\n"
        "log-max-size          10485760 bytes                default\n"
        "cache                 on, shared redis://r:7/2      dist.conf:9\n"
        "cache-dir             /var/cache/cd                 dist.conf:7\n"
        "cache-size            2147483648 bytes              dist.conf:8\n"
        "metrics               [::1]:9101                    dist.conf:10\n");
}

TEST_CASE("The sources mode's shared paths", "[ShowConfig]") {
  DistConfig Config = unwrap(parseConfig("worker a:1\n"
                                         "share /opt/sdk\n"
                                         "share /srv/common\n",
                                         "dist.conf"));
  Config.Path = "/home/u/farm/dist.conf";
  CHECK_THAT(
      describeConfig(Config, 8),
      Catch::Matchers::Contains(
          "mode                  sources                       default\n"
          "share                 /opt/sdk                      dist.conf:2\n"
          "share                 /srv/common                   dist.conf:3\n"
          "secret "));
  Config.SharedPaths.clear();
  CHECK_THAT(
      describeConfig(Config, 8),
      Catch::Matchers::Contains(
          "share                 none                          default\n"));
}

TEST_CASE("Without workers, the local worker's slots", "[ShowConfig]") {
  CHECK_THAT(describeConfig(DistConfig(), 8),
             Catch::Matchers::StartsWith(
                 "worker                none: one on this machine     "
                 "default\n"
                 "local-workers         one per core (8)              "
                 "default\n"));
  DistConfig Config = unwrap(parseConfig("\nlocal-workers 3\n", "my.conf"));
  Config.Path = "/etc/my.conf";
  CHECK_THAT(describeConfig(Config, 8),
             Catch::Matchers::StartsWith(
                 "worker                none: one on this machine     "
                 "default\n"
                 "local-workers         3                             "
                 "my.conf:2\n"));
}
