#include "util.h"

int twice(int N) { return 2 * N; }
