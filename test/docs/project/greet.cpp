#include "util.h"
#include <cstdio>
#include <string>

int greet(int N) {
  std::string Text = "hello from clang-dist: " + std::to_string(N);
  std::puts(Text.c_str());
  return N;
}
