#include "shapes.h"
#include <stdio.h>

int main(void) {
  printf("square %d, area %d\n", square(lookup(1)), area(3, 4));
  return 0;
}
