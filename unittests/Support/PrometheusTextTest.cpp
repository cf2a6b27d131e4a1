//===- unittests/Support/PrometheusTextTest.cpp - Prometheus' format ------===//

#include "Support/PrometheusText.h"
#include <catch2/catch.hpp>

using namespace clang::dist;

TEST_CASE("A family is its HELP and TYPE lines, then its samples",
          "[PrometheusText]") {
  PrometheusText T;
  T.family("x_jobs_total", PrometheusText::Type::Counter, "Jobs that ended.");
  T.sample({{"mode", "sources"}, {"outcome", "completed"}}, uint64_t(3));
  T.sample({}, uint64_t(0));
  T.family("x_busy", PrometheusText::Type::Gauge, "Busy slots.");
  T.sample({}, 0.25);
  CHECK(T.text() == "# HELP x_jobs_total Jobs that ended.\n"
                    "# TYPE x_jobs_total counter\n"
                    "x_jobs_total{mode=\"sources\",outcome=\"completed\"} 3\n"
                    "x_jobs_total 0\n"
                    "# HELP x_busy Busy slots.\n"
                    "# TYPE x_busy gauge\n"
                    "x_busy 0.25\n");
}

TEST_CASE("Label values and HELP texts are escaped", "[PrometheusText]") {
  PrometheusText T;
  T.family("x_total", PrometheusText::Type::Counter,
           "A \\ and a\nnew line, \"quoted\".");
  T.sample({{"config", "/a \"b\"\\c\nd"}}, uint64_t(1));
  CHECK(T.text() == "# HELP x_total A \\\\ and a\\nnew line, \"quoted\".\n"
                    "# TYPE x_total counter\n"
                    "x_total{config=\"/a \\\"b\\\"\\\\c\\nd\"} 1\n");
}

TEST_CASE("Doubles are written in their shortest exact form",
          "[PrometheusText]") {
  PrometheusText T;
  T.family("x_seconds_total", PrometheusText::Type::Counter, "Time.");
  T.sample({}, 1.5);
  T.sample({}, 0.1);
  T.sample({}, 12345.678901);
  T.sample({}, 0.0);
  T.sample({}, 1e21);
  T.sample({}, 300.0);
  CHECK(T.text() == "# HELP x_seconds_total Time.\n"
                    "# TYPE x_seconds_total counter\n"
                    "x_seconds_total 1.5\n"
                    "x_seconds_total 0.1\n"
                    "x_seconds_total 12345.678901\n"
                    "x_seconds_total 0\n"
                    "x_seconds_total 1e+21\n"
                    "x_seconds_total 300\n");
}

TEST_CASE("A histogram's buckets are cumulative, +Inf last",
          "[PrometheusText]") {
  PrometheusText T;
  T.family("x_duration_seconds", PrometheusText::Type::Histogram, "Times.");
  T.histogram({{"mode", "sources"}}, {0.5, 2}, {1, 0, 2}, 7.25);
  CHECK(T.text() ==
        "# HELP x_duration_seconds Times.\n"
        "# TYPE x_duration_seconds histogram\n"
        "x_duration_seconds_bucket{mode=\"sources\",le=\"0.5\"} 1\n"
        "x_duration_seconds_bucket{mode=\"sources\",le=\"2\"} 1\n"
        "x_duration_seconds_bucket{mode=\"sources\",le=\"+Inf\"} 3\n"
        "x_duration_seconds_sum{mode=\"sources\"} 7.25\n"
        "x_duration_seconds_count{mode=\"sources\"} 3\n");
}
