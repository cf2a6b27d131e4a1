//===- Support/PrometheusText.h - Prometheus' text format -------*- C++ -*-===//
//
// Metrics as Prometheus scrapes them (its text exposition format, version
// 0.0.4), and as node_exporter's textfile collector reads them: each family
// is its HELP and TYPE lines, then its samples, one per label set. Names are
// ours and fixed (asserted); label values may be anything, a slot's address
// or a config's path, and are escaped.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_SUPPORT_PROMETHEUSTEXT_H
#define CLANG_DIST_SUPPORT_PROMETHEUSTEXT_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace clang::dist {

/// The Content-Type an HTTP endpoint serves the text with.
inline constexpr llvm::StringLiteral PrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

/// A label's name and value.
using MetricLabel = std::pair<llvm::StringRef, llvm::StringRef>;

class PrometheusText {
public:
  enum class Type { Counter, Gauge, Histogram };

  /// Starts the family \p Name: a counter's name ends in _total.
  void family(llvm::StringRef Name, Type T, llvm::StringRef Help);
  /// One sample of the family just started (a histogram's own are written by
  /// histogram()).
  void sample(llvm::ArrayRef<MetricLabel> Labels, uint64_t Value);
  void sample(llvm::ArrayRef<MetricLabel> Labels, double Value);
  /// A histogram family's samples for \p Labels: \p Counts has one count per
  /// bucket, those at most each of \p Bounds and those past the last, not
  /// cumulative; \p Sum is of every observation.
  void histogram(llvm::ArrayRef<MetricLabel> Labels,
                 llvm::ArrayRef<double> Bounds, llvm::ArrayRef<uint64_t> Counts,
                 double Sum);

  const std::string &text() const { return Out; }

private:
  void line(llvm::StringRef Suffix, llvm::ArrayRef<MetricLabel> Labels,
            std::optional<MetricLabel> Extra, llvm::StringRef Value);

  std::string Out;
  std::string Family;
};

} // namespace clang::dist

#endif
