#include "shapes.h"
#include <array>

extern "C" int lookup(int i) {
  static constexpr std::array<int, 3> Table{5, 7, 9};
  return Table.at(i);
}
