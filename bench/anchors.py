"""The anchors: how each one is started, pointed at by the build, and stopped.

Every daemon binds 127.0.0.1 only and runs in the 'remote' cgroup, except
icecream's client-side iceccd ('clientd', counted as the user's machine) and
the sccache server, which compiles on the user's machine ('compile').

Each measured build of an anchor runs prepare() (unmeasured builds, e.g. the
cold build before a warm one), begin(), the build, end() (figures for the
result) and verify() (raises if the build did not use the anchor as meant)."""
import json
import os
import re
import shutil
import signal
import subprocess
import time

DISTCC_PORT = 3632
ICE_SCHED_PORT = 8765
ICE_WORKER_PORT = 10246
WORKER_PORT = 63100
REDIS_PORT = 6479


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

    def prepare(self, build):
        """Before each measured build, unmeasured: `build(tag, env=None)` runs
        one build of the project from a clean tree with this anchor's env()
        updated by `env`, and raises if it fails."""

    def begin(self):
        """Right before the measured build."""

    def end(self):
        """Right after the measured build: figures for its result."""
        return {}

    def verify(self, result):
        """Raises RuntimeError if the measured build did not use the anchor as meant."""

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
    """distcc plain (pump=False) or pump mode, distccd on 127.0.0.1 with N slots.
    Pump mode runs ctx.pump, Debian's distcc-pump with a rebuilt include
    server (bench/pump-include-server.sh): Debian's own fails on every TU,
    and distcc then quietly preprocesses on the client, as plain distcc does."""
    ports = [(DISTCC_PORT, DISTCC_PORT)]

    def __init__(self, name, ctx, pump):
        super().__init__(name, ctx)
        self.pump = pump
        self.build_prefix = [ctx.pump] if pump else []
        self.client_log = os.path.join(self.dir, "distcc-client.log")

    def start(self):
        os.makedirs(os.path.join(self.dir, "distcc-dir"), exist_ok=True)
        os.chmod(self.dir, 0o777)  # distccd drops to user 'distccd' and writes its log here
        self.spawn(["distccd", "--no-detach", "--daemon", "--listen", "127.0.0.1",
                    "--allow", "127.0.0.1", "--port", str(DISTCC_PORT),
                    "--jobs", str(self.ctx.cores), "--log-level", "info",
                    "--log-file", os.path.join(self.dir, "distccd.log")], self.ctx.remote)
        wait_until(lambda: _listening(DISTCC_PORT), 10, "distccd")

    def env(self):
        hosts = f"127.0.0.1:{DISTCC_PORT}/{self.ctx.cores}" + (",cpp,lzo" if self.pump else "")
        # DISTCC_LOG: the client's info lines (a few per TU) say where each
        # TU was preprocessed.
        env = {"BENCH_CC": "distcc clang-16", "BENCH_CXX": "distcc clang++-16",
               "DISTCC_HOSTS": hosts, "DISTCC_DIR": os.path.join(self.dir, "distcc-dir"),
               "DISTCC_LOG": self.client_log}
        if self.pump:
            env["DISTCC_LOCATION"] = "/usr/bin"  # the copied pump script's distcc
        return env

    def remote_jobs(self):
        """Jobs distccd compiled: distccd logs one COMPILE_OK line per job."""
        path = os.path.join(self.dir, "distccd.log")
        with open(path, errors="replace") as f:
            return sum("COMPILE_OK" in line for line in f)

    def begin(self):
        self.jobs_before = self.remote_jobs()
        self.log_offset = os.path.getsize(self.client_log) if os.path.exists(self.client_log) else 0

    def end(self):
        remote, cpp, warnings = set(), set(), []
        if not os.path.exists(self.client_log):  # no distcc client ran
            open(self.client_log, "w").close()
        with open(self.client_log, errors="replace") as f:
            f.seek(self.log_offset)
            for line in f:
                m = re.match(r"distcc\[(\d+)\] (compile|cpp) .* on (\S+) completed ok", line)
                if m and m.group(2) == "compile" and m.group(3) != "localhost":
                    remote.add(m.group(1))
                elif m and m.group(2) == "cpp":
                    cpp.add(m.group(1))
                elif "include server" in line or "INCLUDE_SERVER" in line:
                    warnings.append(line.strip())
        self.warnings = warnings
        return {"worker_tus": self.remote_jobs() - self.jobs_before,
                "preprocessed_on_client": len(cpp), "pump_served": len(remote - cpp)}

    def verify(self, result):
        if not self.pump:
            return
        local, served = result["preprocessed_on_client"], result["pump_served"]
        if local or not served:
            why = self.warnings[0] if self.warnings else "no warning"
            raise RuntimeError(
                f"distcc-pump was not pump: the include server answered for {served} TUs, "
                f"{local} were preprocessed on the client as plain distcc does ({why}); "
                f"see {self.client_log}")


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
            os.makedirs(os.path.join(self.dir, d), exist_ok=True)
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
    or 'preprocessed' (the `mode` line). These anchors measure distribution, so
    their result cache is off: every repetition after the first would be hits."""
    clang_dist = True

    def __init__(self, name, ctx, workers=False, mode=None):
        super().__init__(name, ctx)
        self.workers, self.mode = workers, mode
        self.ports = [(WORKER_PORT, WORKER_PORT + ctx.cores - 1)] if workers else []
        self.conf = os.path.join(self.dir, "dist.conf")
        self.runtime = None

    def cache_lines(self):
        return ["cache off"]

    def write_conf(self, path, cache_lines):
        lines = ["idle-timeout 2"]
        if self.workers:
            lines.append(f"worker 127.0.0.1:{WORKER_PORT}-{WORKER_PORT + self.ctx.cores - 1}")
        if self.mode:
            lines.append(f"mode {self.mode}")
        with open(path, "w") as f:
            f.write("\n".join(lines + cache_lines) + "\n")

    def start(self):
        self.write_conf(self.conf, self.cache_lines())
        # A blob cache of the anchor's own, empty at its first start: its
        # first build is cold, the next ones warm, started anew between them
        # (--interleave) or not. The built-in local worker takes theirs from
        # TMPDIR, which env() sets.
        self.tmp = os.path.join(self.dir, "tmp")
        os.makedirs(self.tmp, exist_ok=True)
        if self.workers:
            self.spawn([os.path.join(self.ctx.bin, "clang-dist-worker"), "--cores", str(self.ctx.cores),
                        "--port", str(WORKER_PORT), "--bind", "127.0.0.1",
                        "--cache-dir", os.path.join(self.tmp, "blobs")], self.ctx.remote)
            wait_until(lambda: all(_listening(WORKER_PORT + i) for i in range(self.ctx.cores)),
                       10, "clang-dist-worker")

    def new_runtime_dir(self, tag):
        """A fresh runtime dir per build, so each build has its own server log
        and stats."""
        self.runtime = os.path.join(self.dir, f"rt-{tag}")
        shutil.rmtree(self.runtime, ignore_errors=True)
        return self.runtime

    def env(self, conf=None):
        conf = f"--distributed {conf or self.conf}"
        env = {"BENCH_CC": f"{self.ctx.bin}/clang-dist {conf}",
               "BENCH_CXX": f"{self.ctx.bin}/clang-dist++ {conf}", "TMPDIR": self.tmp}
        if self.runtime:
            env["CLANG_DIST_RUNTIME_DIR"] = self.runtime
        return env


class CacheAnchor(Anchor):
    """clang-16 behind a result cache in a directory of the anchor's own. Cold:
    each measured build starts from an empty cache. Warm: prepare() fills the
    empty cache with an unmeasured build, so the measured build is the rebuild
    after `make clean`. Subclasses say how the cache is named to the build,
    emptied, and counted."""

    def __init__(self, name, ctx, warm):
        super().__init__(name, ctx)
        self.warm = warm
        self.cache = os.path.join(self.dir, "cache")

    def empty_cache(self):
        shutil.rmtree(self.cache, ignore_errors=True)
        os.makedirs(self.cache)

    def prepare(self, build):
        self.empty_cache()
        if self.warm:
            build("cold")
        self.zero_stats()

    def end(self):
        return self.stats()

    def verify(self, result):
        hits, misses = result["cache_hits"], result["cache_misses"]
        # A compile the cache refused to keep (clang-dist counts why) misses
        # on every build, by design: not a failure of a warm cache.
        kept_misses = misses - result.get("cache_uncacheable", 0)
        if self.warm and (kept_misses or not hits):
            raise RuntimeError(f"{self.name}: a build with a filled cache had {hits} cache hits, "
                               f"{misses} misses{_uncacheable_text(result)}")
        if not self.warm and (hits or not misses):
            raise RuntimeError(f"{self.name}: a cold build had {hits} cache hits, {misses} misses")

    def run_tool(self, *argv):
        return subprocess.run(argv, env={**os.environ, **self.env()}, check=True,
                              capture_output=True, text=True).stdout


def _uncacheable_text(result):
    why = result.get("cache_uncacheable_why")
    return f" ({', '.join(f'{k} {v}' for k, v in why.items())} uncacheable)" if why else ""


class Ccache(CacheAnchor):
    """Debian's ccache in front of clang-16, in its default (direct) mode."""

    def env(self):
        return {"BENCH_CC": "ccache clang-16", "BENCH_CXX": "ccache clang++-16",
                "CCACHE_DIR": self.cache}

    def zero_stats(self):
        self.run_tool("ccache", "--zero-stats")

    def stats(self):
        stats = dict(line.split("\t") for line in self.run_tool("ccache", "--print-stats").splitlines())
        return {"cache_hits": int(stats["direct_cache_hit"]) + int(stats["preprocessed_cache_hit"]),
                "cache_misses": int(stats["cache_miss"])}


class Sccache(CacheAnchor):
    """Debian's sccache (0.4) in front of clang-16, its server in the
    foreground on a port of its own and restarted whenever its cache is
    emptied: it keeps an index of the cache directory in memory."""
    port = 4226

    def start(self):
        os.makedirs(self.cache, exist_ok=True)
        self._start_server()

    def _start_server(self):
        self.spawn(["sccache"], self.ctx.compile,
                   env={"SCCACHE_DIR": self.cache, "SCCACHE_SERVER_PORT": str(self.port),
                        "SCCACHE_START_SERVER": "1", "SCCACHE_NO_DAEMON": "1",
                        "SCCACHE_IDLE_TIMEOUT": "0"},
                   log="sccache-server.log")
        wait_until(lambda: _listening(self.port), 10, "the sccache server")

    def empty_cache(self):
        self.stop()
        wait_until(lambda: not _listening(self.port), 10, "the sccache server to stop")
        super().empty_cache()
        self._start_server()

    def env(self):
        return {"BENCH_CC": "sccache clang-16", "BENCH_CXX": "sccache clang++-16",
                "SCCACHE_DIR": self.cache, "SCCACHE_SERVER_PORT": str(self.port)}

    def zero_stats(self):
        self.run_tool("sccache", "--zero-stats")

    def stats(self):
        stats = json.loads(self.run_tool("sccache", "--show-stats", "--stats-format", "json"))["stats"]
        return {"cache_hits": sum(stats["cache_hits"]["counts"].values()),
                "cache_misses": sum(stats["cache_misses"]["counts"].values())}


class Floor(CacheAnchor):
    """bench/floorcc: a compile step that writes the object and dependency
    file an unmeasured build kept, and nothing else. Its warm rebuild is the
    floor under every result cache's: one small static process and two file
    copies per compile step."""

    def __init__(self, name, ctx):
        super().__init__(name, ctx, warm=True)
        self.floorcc = os.path.join(ctx.bin, "floorcc")

    def env(self, record=False):
        mode = f"{self.floorcc} {'--record ' if record else ''}{self.cache}"
        return {"BENCH_CC": f"{mode} clang-16", "BENCH_CXX": f"{mode} clang++-16"}

    def prepare(self, build):
        self.empty_cache()
        build("record", env=self.env(record=True))
        self.zero_stats()

    def zero_stats(self):
        counter = os.path.join(self.cache, ".copies")
        if os.path.exists(counter):
            os.unlink(counter)

    def stats(self):
        counter = os.path.join(self.cache, ".copies")
        return {"cache_hits": os.path.getsize(counter) if os.path.exists(counter) else 0,
                "cache_misses": 0}


class ClangDistCache(CacheAnchor, ClangDist):
    """clang-dist's local default (no worker line) with its result cache on,
    in a directory of the anchor's own, 'cold' or 'warm' as CacheAnchor says.
    'shared': the second user of a team's Redis, a redis-server of the
    anchor's own on loopback (started as unittests/RedisServer.h does):
    prepare() builds once as the first user (a local cache directory and a
    runtime directory of its own, the same Redis), and the measured build
    starts with an empty local cache."""

    def __init__(self, name, ctx, kind):
        super().__init__(name, ctx, warm=kind != "cold")
        self.shared = kind == "shared"
        self.first_user_conf = os.path.join(self.dir, "first-user.conf")
        self.first_user_cache = os.path.join(self.dir, "first-user-cache")

    def cache_lines(self, cache_dir=None):
        store = f"cache redis://127.0.0.1:{REDIS_PORT}" if self.shared else "cache on"
        return [store, f"cache-dir {cache_dir or self.cache}"]

    def start(self):
        super().start()
        if not self.shared:
            return
        self.write_conf(self.first_user_conf, self.cache_lines(self.first_user_cache))
        self.spawn(["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--dir", self.dir],
                   self.ctx.remote, log="redis.log")
        wait_until(lambda: self.redis("PING") == "PONG", 10, "redis-server")

    def redis(self, *command):
        done = subprocess.run(["redis-cli", "-p", str(REDIS_PORT), *command],
                              capture_output=True, text=True)
        return done.stdout.strip()

    def prepare(self, build):
        if not self.shared:
            return super().prepare(build)
        self.empty_cache()
        shutil.rmtree(self.first_user_cache, ignore_errors=True)
        os.makedirs(self.first_user_cache)
        if self.redis("FLUSHALL") != "OK":
            raise RuntimeError(f"{self.name}: redis-server did not empty its cache")
        build("first-user", env=self.env(self.first_user_conf))

    def zero_stats(self):
        """Nothing to zero: each measured build has a runtime directory, and
        so stats, of its own."""

    def stats(self):
        out = self.run_tool(os.path.join(self.ctx.bin, "clang-dist"), "--distributed", self.conf,
                            "--print-stats")
        stats = {k: int(v) for k, v in (line.split("\t") for line in out.splitlines())}
        prefix = "cache_uncacheable_"
        return {"cache_hits": stats["cache_hit"], "cache_hits_shared": stats["cache_hit_shared"],
                "cache_misses": stats["cache_miss"], "cache_uncacheable": stats["cache_uncacheable"],
                "cache_uncacheable_why": {k[len(prefix):]: v for k, v in stats.items()
                                          if k.startswith(prefix) and v}}

    def verify(self, result):
        super().verify(result)
        if self.shared and not result["cache_hits_shared"]:
            raise RuntimeError(f"{self.name}: the second user had no hit from the shared cache "
                               f"({result['cache_hits']} hits in all)")


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
        "ccache": lambda: Ccache("ccache", ctx, warm=False),
        "ccache-warm": lambda: Ccache("ccache-warm", ctx, warm=True),
        "sccache-warm": lambda: Sccache("sccache-warm", ctx, warm=True),
        "cd-cache-cold": lambda: ClangDistCache("cd-cache-cold", ctx, "cold"),
        "cd-cache-warm": lambda: ClangDistCache("cd-cache-warm", ctx, "warm"),
        "cd-cache-shared": lambda: ClangDistCache("cd-cache-shared", ctx, "shared"),
        "floor": lambda: Floor("floor", ctx),
    }
