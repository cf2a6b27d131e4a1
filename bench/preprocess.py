"""The preprocessing micro-benchmark: every captured compile of a project,
turned into `clang-16 -E -o /dev/null` and run serially, one process per TU."""
import json
import resource
import subprocess
import time

# Options that name outputs other than the object: dropped, with their values.
DROP_WITH_VALUE = {"-o", "-MF", "-MT", "-MQ"}
DROP = {"-c", "-MD", "-MMD", "-MP"}


def preprocess_argv(argv):
    out = [argv[0], "-E", "-o", "/dev/null"]
    skip = False
    for a in argv[1:]:
        if skip:
            skip = False
        elif a in DROP_WITH_VALUE:
            skip = True
        elif a not in DROP:
            out.append(a)
    return out


def run(capture_path):
    with open(capture_path) as f:
        compiles = [json.loads(line) for line in f]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    for c in compiles:
        subprocess.run(preprocess_argv(c["argv"]), cwd=c["cwd"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"tus": len(compiles), "wall_s": round(wall, 3), "cpu_s": round(cpu, 3)}
