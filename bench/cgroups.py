"""CPU accounting with cgroup v1 cpuacct groups.

Three groups under /sys/fs/cgroup/cpuacct/cdbench: 'client' holds the build
(make, compiler drivers, clients, the clang-dist local server, which stays in
its starter's group even though it double-forks out of make's process tree),
'clientd' holds daemons that serve the build on the user's machine (icecream's
local iceccd), 'remote' holds the slave side (distccd, the compiling iceccd,
icecc-scheduler, clangd-slave)."""
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


class Mover:
    """Moves every process of `source` whose name is in `names` into `target`.

    The clang-dist local server starts its built-in clangd-slave itself, inside
    the client group; this puts that slave where it belongs. CPU a process used
    before it was moved (its first few ms) stays with the client group."""

    def __init__(self, names, source, target, period=0.01):
        self.names, self.period = set(names), period
        self.source, self.target = source, target
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        self.thread.join()

    def _run(self):
        # Only processes of our own build: other clangd-slaves on this machine
        # (someone's tests) are none of our business.
        while not self.stop_event.wait(self.period):
            for pid in self.source.pids():
                try:
                    with open(f"/proc/{pid}/comm") as f:
                        if f.read().strip() in self.names:
                            self.target.add(pid)
                except OSError:
                    pass  # the process exited meanwhile
