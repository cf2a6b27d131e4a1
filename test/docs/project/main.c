#include "util.h"

int main(void) { return greet(twice(21)) == 42 ? 0 : 1; }
