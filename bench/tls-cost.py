#!/usr/bin/env python3
"""The CPU that TLS costs a build: the same translation units through a
local server and a loopback worker, plain and with `tls always`, alternated.

  bench/tls-cost.py BUILD_DIR [--tus N] [--reps R] [--mode sources|preprocessed]

Counts the CPU (user + system, /proc/PID/stat) of the local server and of
the worker's slot processes over each build, not wall time (the machine is
shared). Each build is N C++ translation units of a few standard headers,
made distinct so that no result is reused, all submitted at once to two
slots; the result cache is off. Prints each build and the medians (docs/PERFORMANCE.md).
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DIST = os.path.join(HERE, "..", "test", "lit", "Inputs", "dist.py")
TICK = os.sysconf("SC_CLK_TCK")


def dist(*args):
    return subprocess.run([sys.executable, DIST] + list(args), check=True,
                          capture_output=True, text=True).stdout


def ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def main():
    build, rest = os.path.abspath(sys.argv[1]), sys.argv[2:]
    tus, reps, mode = 24, 3, "preprocessed"
    while rest:
        if rest[0] == "--tus":
            tus = int(rest[1])
        elif rest[0] == "--reps":
            reps = int(rest[1])
        elif rest[0] == "--mode":
            mode = rest[1]
        rest = rest[2:]
    bin_dir = os.path.join(build, "bin")
    os.environ["CLANG_DIST_WORKER"] = os.path.join(bin_dir, "clang-dist-worker")
    os.environ["CLANG_DIST_TEST_MODE"] = mode
    work = tempfile.mkdtemp(prefix="tls-cost-")
    runtime = os.path.join(work, "rt")
    os.makedirs(runtime, mode=0o700)
    os.environ["CLANG_DIST_RUNTIME_DIR"] = runtime
    os.environ["XDG_CACHE_HOME"] = runtime
    secret = os.path.join(work, "secret")
    with open(secret, "w") as f:
        f.write("tls cost\n")
    os.chmod(secret, 0o600)
    for i in range(tus):
        with open(os.path.join(work, "tu%d.cpp" % i), "w") as f:
            f.write("#include <map>\n#include <string>\n#include <vector>\n"
                    "#include <algorithm>\n"
                    "std::map<std::string, std::vector<int>> f%d(int n) {\n"
                    "  std::map<std::string, std::vector<int>> m;\n"
                    "  for (int i = 0; i < n; ++i)\n"
                    "    m[std::to_string(i)].push_back(i * %d);\n"
                    "  std::sort(m[\"0\"].begin(), m[\"0\"].end());\n"
                    "  return m;\n}\n" % (i, i))
    workers = os.path.join(work, "w")
    dist("start-workers", workers, "--secret", secret, "--cores", "2",
         "--config-line", "secret " + secret, "--config-line", "cache off",
         # The server must outlive each build on a loaded machine: its CPU
         # is read after the build.
         "--config-line", "idle-timeout 300",
         "--lifetime", "3600")
    slots = [int(l.split()[0]) for l in
             dist("worker-pids", workers, "--slots").splitlines()]
    base = open(os.path.join(workers, "dist.conf")).read()
    confs = {}
    for variant, extra in (("plain", ""), ("tls", "tls always\n")):
        confs[variant] = os.path.join(work, variant + ".conf")
        with open(confs[variant], "w") as f:
            f.write(base + extra)
    cpu = {"plain": [], "tls": []}
    try:
        for rep in range(reps):
            for variant in ("plain", "tls"):
                dist("stop-server", runtime)
                before = sum(ticks(p) for p in slots)
                out = dist("parallel", str(tus), "--",
                           os.path.join(bin_dir, "clang-dist++"),
                           "--distributed", confs[variant], "-c",
                           os.path.join(work, "tu{}.cpp"), "-o",
                           os.path.join(work, "tu{}.o"))
                if "failed: 0" not in out:
                    sys.exit("a build failed: " + out)
                server = int(dist("server-pids", runtime).split()[0])
                total = (ticks(server) + sum(ticks(p) for p in slots) - before)
                cpu[variant].append(total / TICK)
                print("%s %d: %.2f s CPU (server + slots)" %
                      (variant, rep, total / TICK), flush=True)
        dist("stop-server", runtime)
        logs = "".join(open(os.path.join(runtime, n)).read()
                       for n in os.listdir(runtime) if n.endswith(".log"))
        if "running locally" in logs:
            sys.exit("a job ran on the client: the measurement is void")
    finally:
        dist("stop-workers", workers)
    for variant in ("plain", "tls"):
        print("%s: median %.2f s" % (variant, statistics.median(cpu[variant])))
    print("tls / plain: %.3f" % (statistics.median(cpu["tls"]) /
                                 statistics.median(cpu["plain"])))


if __name__ == "__main__":
    main()
