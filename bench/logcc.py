#!/usr/bin/env python3
"""logcc.py COMPILER ARGS...: append {cwd, argv} to $BENCH_CAPTURE, then run the compiler.

Used once per project, in an unmeasured build, so that the preprocessing
micro-benchmark replays exactly the compile commands the project runs."""
import json
import os
import sys

argv = sys.argv[1:]
if "-c" in argv:
    line = json.dumps({"cwd": os.getcwd(), "argv": argv}) + "\n"
    # One O_APPEND write per line: parallel make jobs never interleave.
    fd = os.open(os.environ["BENCH_CAPTURE"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.write(fd, line.encode())
    os.close(fd)
os.execvp(argv[0], argv)
