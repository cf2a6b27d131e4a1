//===- Support/PrometheusText.cpp - Prometheus' text format ---------------===//

#include "Support/PrometheusText.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"
#include <cassert>
#include <cmath>
#include <cstdlib>

using namespace clang::dist;

namespace {

[[maybe_unused]] bool isName(llvm::StringRef Name, llvm::StringRef Extra) {
  auto Allowed = [&](char C) {
    return llvm::isAlpha(C) || C == '_' || Extra.contains(C);
  };
  return !Name.empty() && Allowed(Name[0]) && llvm::all_of(Name, [&](char C) {
    return Allowed(C) || llvm::isDigit(C);
  });
}

/// \p Quote: a label value, in double quotes; else a HELP text.
void escape(llvm::raw_ostream &OS, llvm::StringRef Text, bool Quote) {
  for (char C : Text) {
    if (C == '\\')
      OS << "\\\\";
    else if (C == '\n')
      OS << "\\n";
    else if (C == '"' && Quote)
      OS << "\\\"";
    else
      OS << C;
  }
}

std::string number(double Value) {
  if (std::isinf(Value))
    return Value > 0 ? "+Inf" : "-Inf";
  if (std::isnan(Value))
    return "NaN";
  // Whole numbers as such: a bucket's bound is le="10", not le="1e+01".
  if (std::fabs(Value) < 0x1p53 && Value == std::trunc(Value))
    return std::to_string(static_cast<int64_t>(Value));
  // Else the shortest form that reads back as the same double: 0.25, not
  // 0.25000000000000000.
  std::string Short;
  for (int Digits = 1; Digits <= 17; ++Digits) {
    Short.clear();
    llvm::raw_string_ostream(Short) << llvm::format("%.*g", Digits, Value);
    if (std::strtod(Short.c_str(), nullptr) == Value)
      break;
  }
  return Short;
}

} // namespace

void PrometheusText::family(llvm::StringRef Name, Type T,
                            llvm::StringRef Help) {
  assert(isName(Name, ":") && "not a metric name");
  assert((T != Type::Counter || Name.endswith("_total")) &&
         "a counter's name ends in _total");
  Family = Name.str();
  llvm::raw_string_ostream OS(Out);
  OS << "# HELP " << Name << ' ';
  escape(OS, Help, /*Quote=*/false);
  OS << "\n# TYPE " << Name << ' '
     << (T == Type::Counter ? "counter"
         : T == Type::Gauge ? "gauge"
                            : "histogram")
     << '\n';
}

void PrometheusText::line(llvm::StringRef Suffix,
                          llvm::ArrayRef<MetricLabel> Labels,
                          std::optional<MetricLabel> Extra,
                          llvm::StringRef Value) {
  assert(!Family.empty() && "a sample before its family");
  llvm::raw_string_ostream OS(Out);
  OS << Family << Suffix;
  char Separator = '{';
  auto Label = [&](const MetricLabel &L) {
    assert(isName(L.first, "") && !L.first.startswith("__") &&
           "not a label name");
    OS << Separator << L.first << "=\"";
    escape(OS, L.second, /*Quote=*/true);
    OS << '"';
    Separator = ',';
  };
  for (const MetricLabel &L : Labels)
    Label(L);
  if (Extra)
    Label(*Extra);
  if (Separator == ',')
    OS << '}';
  OS << ' ' << Value << '\n';
}

void PrometheusText::sample(llvm::ArrayRef<MetricLabel> Labels,
                            uint64_t Value) {
  line("", Labels, std::nullopt, std::to_string(Value));
}

void PrometheusText::sample(llvm::ArrayRef<MetricLabel> Labels, double Value) {
  line("", Labels, std::nullopt, number(Value));
}

void PrometheusText::histogram(llvm::ArrayRef<MetricLabel> Labels,
                               llvm::ArrayRef<double> Bounds,
                               llvm::ArrayRef<uint64_t> Counts, double Sum) {
  assert(Counts.size() == Bounds.size() + 1 && "one count per bucket");
  uint64_t Cumulative = 0;
  for (size_t I = 0; I < Counts.size(); ++I) {
    Cumulative += Counts[I];
    std::string Bound = I < Bounds.size() ? number(Bounds[I]) : "+Inf";
    line("_bucket", Labels, MetricLabel("le", Bound),
         std::to_string(Cumulative));
  }
  line("_sum", Labels, std::nullopt, number(Sum));
  line("_count", Labels, std::nullopt, std::to_string(Cumulative));
}
