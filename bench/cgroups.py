"""CPU accounting with cgroup v1 cpuacct groups.

Four groups under /sys/fs/cgroup/cpuacct/cdbench: 'client' holds the build
(make, cmake, shells, links); 'compile' the compile steps, which bench/wrap
puts there, and whatever they start (a clang-dist local server stays in its
starter's group even though it double-forks out of make's tree; distcc's
local preprocessor), and distcc-pump's include server; 'clientd' holds
daemons that serve the build on the user's machine (icecream's local iceccd);
'remote' holds the worker side (distccd, the compiling iceccd,
icecc-scheduler, clang-dist-worker)."""
import os
import threading

ROOT = "/sys/fs/cgroup/cpuacct/cdbench"


class Group:
    def __init__(self, name):
        self.path = os.path.join(ROOT, name)
        os.makedirs(self.path, exist_ok=True)

    def add(self, pid):
        with open(os.path.join(self.path, "cgroup.procs"), "w") as f:
            f.write(str(pid))

    def pids(self):
        with open(os.path.join(self.path, "cgroup.procs")) as f:
            return f.read().split()

    def usage_s(self):
        with open(os.path.join(self.path, "cpuacct.usage")) as f:
            return int(f.read()) / 1e9

    def joiner(self):
        """A preexec_fn that puts the child into this group before it execs."""
        return lambda: self.add(os.getpid())


def _cmdline(pid):
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        return f.read().split(b"\0")


class Mover:
    """Moves processes of the `sources` groups into other groups: each rule is
    (predicate on a pid's argv as bytes, target group).

    The clang-dist local server starts its built-in clang-dist-worker itself, in
    the compile group, and distcc-pump starts its include server in the
    client group; this puts them where they belong. CPU a process used before
    it was moved (its first few ms) stays where it was."""

    def __init__(self, rules, sources, period=0.01):
        self.rules, self.sources, self.period = rules, sources, period
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        self.thread.join()

    def _run(self):
        # Only processes of our own build: other clang-dist-workers on this machine
        # (someone's tests) are none of our business.
        while not self.stop_event.wait(self.period):
            for source in self.sources:
                for pid in source.pids():
                    try:
                        argv = _cmdline(pid)
                        for matches, target in self.rules:
                            if target is not source and matches(argv):
                                target.add(pid)
                                break
                    except OSError:
                        pass  # the process exited meanwhile
