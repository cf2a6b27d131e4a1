"""The anchors: how each one is started, pointed at by the build, and stopped.

Every daemon binds 127.0.0.1 only and runs in the 'remote' cgroup, except
icecream's client-side iceccd ('clientd', counted as the user's machine)."""
import os
import shutil
import signal
import subprocess
import time

DISTCC_PORT = 3632
ICE_SCHED_PORT = 8765
ICE_WORKER_PORT = 10246
WORKER_PORT = 63100


def wait_until(pred, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.1)
    raise RuntimeError(f"timed out waiting for {what}")


class Anchor:
    """Plain clang-16: the local baseline. Subclasses add daemons."""
    clang_dist = False
    ports = []            # worker port ranges whose traffic is counted
    build_prefix = []     # e.g. ['pump']

    def __init__(self, name, ctx):
        self.name, self.ctx = name, ctx
        self.procs = []
        self.commands = []    # daemon command lines, for the report
        self.dir = os.path.join(ctx.work, "anchors", name)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)

    def env(self):
        return {"BENCH_CC": "clang-16", "BENCH_CXX": "clang++-16"}

    def start(self):
        pass

    def spawn(self, argv, group, env=None, log="daemon.log"):
        self.commands.append(" ".join(f"{k}={v}" for k, v in (env or {}).items()) + " " + " ".join(argv))
        out = open(os.path.join(self.dir, log), "ab")
        p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             env={**os.environ, **(env or {})}, preexec_fn=group.joiner(),
                             start_new_session=True)
        self.procs.append(p)
        return p

    def stop(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in reversed(self.procs):
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        self.procs = []


class Distcc(Anchor):
    """distcc plain (pump=False) or pump mode, distccd on 127.0.0.1 with N slots."""
    ports = [(DISTCC_PORT, DISTCC_PORT)]

    def __init__(self, name, ctx, pump):
        super().__init__(name, ctx)
        self.pump = pump
        self.build_prefix = ["distcc-pump"] if pump else []

    def start(self):
        os.makedirs(os.path.join(self.dir, "distcc-dir"))
        os.chmod(self.dir, 0o777)  # distccd drops to user 'distccd' and writes its log here
        self.spawn(["distccd", "--no-detach", "--daemon", "--listen", "127.0.0.1",
                    "--allow", "127.0.0.1", "--port", str(DISTCC_PORT),
                    "--jobs", str(self.ctx.cores), "--log-level", "info",
                    "--log-file", os.path.join(self.dir, "distccd.log")], self.ctx.remote)
        wait_until(lambda: _listening(DISTCC_PORT), 10, "distccd")

    def env(self):
        hosts = f"127.0.0.1:{DISTCC_PORT}/{self.ctx.cores}" + (",cpp,lzo" if self.pump else "")
        return {"BENCH_CC": "distcc clang-16", "BENCH_CXX": "distcc clang++-16",
                "DISTCC_HOSTS": hosts, "DISTCC_DIR": os.path.join(self.dir, "distcc-dir")}

    def remote_jobs(self):
        """Jobs distccd compiled: distccd logs one COMPILE_OK line per job."""
        path = os.path.join(self.dir, "distccd.log")
        with open(path, errors="replace") as f:
            return sum("COMPILE_OK" in line for line in f)


class Icecream(Anchor):
    """icecc-scheduler plus two iceccd: a client-side one that accepts no remote
    jobs and one with N slots that compiles. With a single daemon the scheduler
    hands a loopback job back to its client, which then compiles locally; the
    second daemon and ICECC_TEST_REMOTEBUILD (icecream's own test-suite set-up)
    make every job travel over TCP to the compiling daemon."""
    ports = [(ICE_WORKER_PORT, ICE_WORKER_PORT)]

    def start(self):
        ctx = self.ctx
        for d in ("env-local", "env-worker"):
            os.makedirs(os.path.join(self.dir, d))
        # The daemons drop to user 'icecc' before touching these.
        shutil.chown(self.dir, "icecc", "icecc")
        for root, dirs, files in os.walk(self.dir):
            for d in dirs:
                shutil.chown(os.path.join(root, d), "icecc", "icecc")
        self.spawn(["icecc-scheduler", "-p", str(ICE_SCHED_PORT),
                    "-l", os.path.join(self.dir, "scheduler.log")], ctx.remote)
        sched = f"127.0.0.1:{ICE_SCHED_PORT}"
        self.spawn(["iceccd", "--no-remote", "-m", str(ctx.cores), "-s", sched, "-N", "benchlocal",
                    "-b", os.path.join(self.dir, "env-local"), "-l", os.path.join(self.dir, "local.log")],
                   ctx.clientd, env={"ICECC_TEST_SOCKET": self.socket("local")})
        self.spawn(["iceccd", "-m", str(ctx.cores), "-s", sched, "-N", "benchworker",
                    "-p", str(ICE_WORKER_PORT), "-b", os.path.join(self.dir, "env-worker"),
                    "-l", os.path.join(self.dir, "worker.log")],
                   ctx.remote, env={"ICECC_TEST_SOCKET": self.socket("worker")})
        # Ready once a compile travels to the compiling daemon; that first
        # compile, outside the measurement, also ships the toolchain tarball.
        wait_until(self._warm_up, 60, "a compile to run on the compiling iceccd")

    def socket(self, which):
        return os.path.join(self.dir, f"{which}.sock")

    def _warm_up(self):
        src = os.path.join(self.dir, "warm.c")
        with open(src, "w") as f:
            f.write("int warm(void) { return 1; }\n")
        log = os.path.join(self.dir, "warm-up.log")
        env = {**os.environ, **self.env(), "ICECC_DEBUG": "debug", "ICECC_LOGFILE": log}
        # Until the local daemon has registered with the scheduler, icecc
        # fails (exit 119): not ready yet.
        done = subprocess.run(["icecc", "/usr/bin/clang-16", "-c", src, "-o", src + ".o"],
                              env=env, cwd=self.dir, capture_output=True)
        if done.returncode != 0:
            return False
        with open(log, errors="replace") as f:
            return f"Have to use host 127.0.0.1:{ICE_WORKER_PORT}" in f.read().split("icecc /usr/bin")[-1]

    def env(self):
        return {"BENCH_CC": "icecc /usr/bin/clang-16", "BENCH_CXX": "icecc /usr/bin/clang++-16",
                "ICECC_VERSION": self.ctx.icecc_env, "ICECC_TEST_SOCKET": self.socket("local"),
                "ICECC_TEST_REMOTEBUILD": "1", "ICECC_PREFERRED_HOST": "benchworker"}


class ClangDist(Anchor):
    """clang-dist with a dist.conf: with workers=False, no worker line (the built-in
    local worker); else N clang-dist-worker slots on loopback. mode: None, 'sources'
    or 'preprocessed' (the `mode` line)."""
    clang_dist = True

    def __init__(self, name, ctx, workers, mode):
        super().__init__(name, ctx)
        self.workers, self.mode = workers, mode
        self.ports = [(WORKER_PORT, WORKER_PORT + ctx.cores - 1)] if workers else []
        self.conf = os.path.join(self.dir, "dist.conf")
        lines = ["idle-timeout 2"]
        if workers:
            lines.append(f"worker 127.0.0.1:{WORKER_PORT}-{WORKER_PORT + ctx.cores - 1}")
        if mode:
            lines.append(f"mode {mode}")
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.runtime = None

    def start(self):
        # A blob cache of the anchor's own, empty at its start: its first
        # build is cold, the next ones warm. The built-in local worker takes
        # theirs from TMPDIR, which env() sets.
        self.tmp = os.path.join(self.dir, "tmp")
        shutil.rmtree(self.tmp, ignore_errors=True)
        os.makedirs(self.tmp)
        if self.workers:
            self.spawn([os.path.join(self.ctx.bin, "clang-dist-worker"), "--cores", str(self.ctx.cores),
                        "--port", str(WORKER_PORT), "--bind", "127.0.0.1",
                        "--cache-dir", os.path.join(self.tmp, "blobs")], self.ctx.remote)
            wait_until(lambda: all(_listening(WORKER_PORT + i) for i in range(self.ctx.cores)),
                       10, "clang-dist-worker")

    def new_runtime_dir(self, tag):
        """A fresh runtime dir per build, so each build has its own server log."""
        self.runtime = os.path.join(self.dir, f"rt-{tag}")
        shutil.rmtree(self.runtime, ignore_errors=True)
        return self.runtime

    def env(self):
        conf = f"--distributed {self.conf}"
        env = {"BENCH_CC": f"{self.ctx.bin}/clang-dist {conf}",
               "BENCH_CXX": f"{self.ctx.bin}/clang-dist++ {conf}", "TMPDIR": self.tmp}
        if self.runtime:
            env["CLANG_DIST_RUNTIME_DIR"] = self.runtime
        return env


def _listening(port):
    out = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], text=True,
                         capture_output=True).stdout
    return bool(out.strip())


def make_all(ctx):
    """Every anchor, in the order of the report. cd-workers uses the default
    mode (sources); cd-local has no worker line, so no mode applies: its
    workers read the files from disk."""
    return {
        "clang": lambda: Anchor("clang", ctx),
        "distcc": lambda: Distcc("distcc", ctx, pump=False),
        "distcc-pump": lambda: Distcc("distcc-pump", ctx, pump=True),
        "icecc": lambda: Icecream("icecc", ctx),
        "cd-local": lambda: ClangDist("cd-local", ctx, workers=False, mode=None),
        "cd-workers": lambda: ClangDist("cd-workers", ctx, workers=True, mode=None),
        "cd-workers-preprocessed": lambda: ClangDist("cd-workers-preprocessed", ctx, True, "preprocessed"),
    }
