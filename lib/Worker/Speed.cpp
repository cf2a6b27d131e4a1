//===- Worker/Speed.cpp - How fast this machine compiles ------------------===//

#include "Worker/Speed.h"
#include "Protocol/Compression.h"
#include "Worker/Compiler.h"
#include "llvm/TargetParser/Host.h"
#include <algorithm>

using namespace clang::dist;
using Clock = std::chrono::steady_clock;

/// What a compile spends its time on, in little: templates, classes with
/// virtual functions, loops for the optimizer, code generation.
static constexpr char Source[] = R"cpp(
template <typename T, int N> struct Vec {
  T V[N];
  constexpr T dot(const Vec &O) const {
    T S = 0;
    for (int I = 0; I < N; ++I)
      S += V[I] * O.V[I];
    return S;
  }
};
struct Shape {
  virtual ~Shape() = default;
  virtual double area() const = 0;
};
struct Square : Shape {
  double Side;
  explicit Square(double S) : Side(S) {}
  double area() const override { return Side * Side; }
};
template <typename T> T sum(const T *P, int N) {
  T S{};
  for (int I = 0; I < N; ++I)
    S += P[I] > 0 ? P[I] : -P[I];
  return S;
}
double run(const Shape &S, const double *P, int N) {
  Vec<double, 4> A{{1, 2, 3, 4}}, B{{P[0], P[1], P[2], P[3]}};
  Vec<long, 3> C{{1, 2, 3}};
  return S.area() + A.dot(B) + C.dot(C) + sum(P, N) +
         sum(reinterpret_cast<const int *>(P), N) +
         sum(reinterpret_cast<const short *>(P), N);
}
double square(double Side, const double *P, int N) {
  return run(Square(Side), P, N);
}
)cpp";

/// Runs: the fastest of them is the measure.
static constexpr int Runs = 3;

uint32_t clang::dist::speedOf(std::chrono::nanoseconds BestCompile) {
  constexpr double ReferenceNs = 10e6;
  double Speed = 1000 * ReferenceNs / std::max<int64_t>(BestCompile.count(), 1);
  return static_cast<uint32_t>(std::clamp(Speed, 1.0, 1e9));
}

uint32_t clang::dist::measureSpeed() {
  initializeCompiler();
  CompileJob Job;
  Job.Mode = DistributionMode::Preprocessed;
  Job.WorkingDir = "/";
  Job.Args = {"-cc1",      "-triple", llvm::sys::getDefaultTargetTriple(),
              "-emit-obj", "-O1",     "-o",
              "speed.o",   "-x",      "c++",
              "speed.cpp"};
  std::string Text = Source;
  Job.Files.push_back({"speed.cpp", Text.size(), compress(Text)});
  auto Best = Clock::duration::max();
  for (int I = 0; I < Runs; ++I) {
    auto Start = Clock::now();
    CompileResult R = compile(Job, nullptr, /*LocalFilesAllowed=*/false);
    auto Took = Clock::now() - Start;
    // A machine that cannot compile it has no speed to tell; no server
    // would get a result from it anyway.
    if (R.Refused || R.ExitCode != 0)
      return speedOf(std::chrono::seconds(1));
    Best = std::min(Best, Took);
  }
  return speedOf(Best);
}
