/* floorcc: the floor under every result cache's warm rebuild.
 *
 *   floorcc --record DIR COMPILER ARGS...   compiles, then keeps a copy of the
 *                                           object and dependency file in DIR
 *   floorcc DIR COMPILER ARGS...            writes the kept copies, compiles
 *                                           nothing
 *
 * A compile step (-c) of the second form costs one small static process and
 * two file copies: what any cache a build runs as its compiler must at least
 * pay. Its warm rebuild is the wall time no such cache can go below, so the
 * ratio a target asks of a cache against ccache is reachable only if this
 * one's is below it (bench/ANALYSIS.md). Anything but a compile step runs the
 * compiler. A compile with no kept copy fails: the floor never compiles.
 * Each copy appends a byte to DIR/.copies, the anchor's count of hits. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *value(char **argv, int argc, const char *flag) {
  size_t n = strlen(flag);
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], flag) == 0 && i + 1 < argc)
      return argv[i + 1];
    if (strncmp(argv[i], flag, n) == 0 && argv[i][n])
      return argv[i] + n;
  }
  return NULL;
}

static int has(char **argv, int argc, const char *flag) {
  for (int i = 0; i < argc; i++)
    if (strcmp(argv[i], flag) == 0)
      return 1;
  return 0;
}

/* DIR followed by PATH made absolute. */
static void kept(char *out, const char *dir, const char *path) {
  char cwd[PATH_MAX] = "";
  if (path[0] != '/' && !getcwd(cwd, sizeof cwd))
    exit(1);
  snprintf(out, PATH_MAX * 2, "%s%s%s%s", dir, cwd, path[0] == '/' ? "" : "/",
           path);
}

static void mkdirs(char *path) {
  for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
    *p = 0;
    mkdir(path, 0755);
    *p = '/';
  }
}

static int copy(const char *from, const char *to) {
  int in = open(from, O_RDONLY | O_CLOEXEC);
  if (in < 0)
    return -1;
  int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (out < 0) {
    close(in);
    return -1;
  }
  ssize_t n;
  char buf[1 << 16];
  while ((n = read(in, buf, sizeof buf)) > 0)
    if (write(out, buf, n) != n)
      n = -1;
  close(in);
  return close(out) == 0 && n == 0 ? 0 : -1;
}

int main(int argc, char **argv) {
  int record = argc > 1 && strcmp(argv[1], "--record") == 0;
  if (argc < 3 + record) {
    fprintf(stderr, "usage: floorcc [--record] DIR COMPILER ARGS...\n");
    return 2;
  }
  const char *dir = argv[1 + record];
  char **cc = argv + 2 + record;
  int ccargc = argc - 2 - record;
  const char *outputs[2] = {value(cc, ccargc, "-o"), value(cc, ccargc, "-MF")};
  if (!has(cc, ccargc, "-c") || !outputs[0]) {
    execvp(cc[0], cc);
    perror(cc[0]);
    return 127;
  }
  char path[PATH_MAX * 2];
  if (record) {
    pid_t pid = fork();
    if (pid == 0) {
      execvp(cc[0], cc);
      perror(cc[0]);
      _exit(127);
    }
    int status;
    if (pid < 0 || waitpid(pid, &status, 0) < 0)
      return 1;
    if (!WIFEXITED(status) || WEXITSTATUS(status))
      return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
    for (int i = 0; i < 2; i++) {
      if (!outputs[i])
        continue;
      kept(path, dir, outputs[i]);
      mkdirs(path);
      if (copy(outputs[i], path) != 0) {
        fprintf(stderr, "floorcc: cannot keep %s: %s\n", outputs[i],
                strerror(errno));
        return 1;
      }
    }
    return 0;
  }
  for (int i = 0; i < 2; i++) {
    if (!outputs[i])
      continue;
    kept(path, dir, outputs[i]);
    if (copy(path, outputs[i]) != 0) {
      fprintf(stderr, "floorcc: no kept %s for %s\n", path, outputs[i]);
      return 1;
    }
  }
  snprintf(path, sizeof path, "%s/.copies", dir);
  int count = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (count < 0 || write(count, "1", 1) != 1)
    return 1;
  close(count);
  return 0;
}
