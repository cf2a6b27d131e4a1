#!/usr/bin/env python3
"""The farm scenario (issue 18): several users build at once on one set of
loopback slots, with clang-dist and with icecream, and how fairly the slots
were shared while all of them were building.

Usage: farm.py [--clients zeromq:16,curl:4,curl:4] [--workers 2] [--slots 2]
               [--systems clang-dist,icecc] [--reps N] [--label main] [--icecc-real-load]
               [--bin DIR] [--built-from TEXT] [--work DIR] [--results FILE]
               [--doc FILE] [--report-only]

Each client is a Unix user of its own (farm-a, farm-b, ...; created if
missing) building a copy of its project, sources included, so that a
worker's log names the client of each job by its source's path. clang-dist:
one dist.conf of static `worker` lines shared by all, a runtime directory
and so a local server per client. icecream: one scheduler, an iceccd
--no-remote per client, and compiling iceccds with the same slots as
clang-dist's workers. --label names the clang-dist build measured (--bin,
default build/bin): its results replace that label's in --results, and the
"Farm" section of --doc is written again from all labels."""
import argparse
import datetime
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import time
import traceback

import anchors as anchors_mod
import bench
import farmreport
import measure
import projects as projects_mod

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
CD_PORT = 63200
ICE_SCHED_PORT = 8775
ICE_WORKER_PORT = 10250
ICE_CLIENT_PORT = 10260


class Client:
    """One user: a project of its own (sources and build tree) and its -j."""

    def __init__(self, ctx, index, kind, jobs):
        self.label = "abcdefgh"[index]
        self.user = f"farm-{self.label}"
        self.kind, self.jobs = kind, jobs
        self.name = f"{self.label.upper()}: {kind} -j{jobs}"
        _ensure_user(self.user)
        pw = pwd.getpwnam(self.user)
        self.uid, self.gid = pw.pw_uid, pw.pw_gid
        p = projects_mod.ALL[kind](ctx)
        p.fetch()
        root = os.path.join(ctx.work, "farm", self.label)
        src = os.path.join(root, "src", os.path.basename(p.src))
        if not os.path.exists(src):
            os.makedirs(os.path.dirname(src), exist_ok=True)
            subprocess.run(["cp", "-a", p.src, src], check=True)
        p.src, p.build = src, os.path.join(root, "build")
        p.configure()
        self.project, self.root = p, root
        self.tus = None

    def clean(self):
        measure._clean(self.project)
        subprocess.run(["chown", "-R", f"{self.uid}:{self.gid}", self.root], check=True)

    def dir_of_own(self, path):
        """A fresh directory owned by the client's user."""
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
        os.chown(path, self.uid, self.gid)
        os.chmod(path, 0o700)
        return path

    def become(self, group):
        """A preexec_fn: the build's CPU is counted in `group` (joined as
        root), and the build runs as the client's user."""
        def run():
            group.add(os.getpid())
            os.setgroups([])
            os.setgid(self.gid)
            os.setuid(self.uid)
        return run


def _ensure_user(name):
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                        name], check=True)


def _stamp(text):
    return datetime.datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f").timestamp()


class ClangDistFarm(anchors_mod.Anchor):
    """`workers` clang-dist-workers of `slots` slots each on loopback, each
    logging every job it compiles (--log-file), and one dist.conf naming them
    all; each client has a runtime directory, so a local server, of its own."""
    clang_dist = True

    def __init__(self, ctx, workers, slots):
        super().__init__("farm-clang-dist", ctx)
        self.workers, self.slots = workers, slots
        self.conf = os.path.join(self.dir, "dist.conf")
        os.chmod(self.dir, 0o755)

    def worker_log(self, i):
        return os.path.join(self.dir, f"worker{i}.log")

    def start(self):
        lines = ["idle-timeout 2"]
        for i in range(self.workers):
            port = CD_PORT + i * self.slots
            lines.append(f"worker 127.0.0.1:{port}-{port + self.slots - 1}")
            self.spawn([os.path.join(self.ctx.bin, "clang-dist-worker"), "--cores", str(self.slots),
                        "--port", str(port), "--bind", "127.0.0.1",
                        "--cache-dir", os.path.join(self.dir, f"blobs{i}"),
                        "--log-file", self.worker_log(i)], self.ctx.remote, log=f"worker{i}.out")
        with open(self.conf, "w") as f:
            f.write("\n".join(lines + ["cache off"]) + "\n")
        ports = range(CD_PORT, CD_PORT + self.workers * self.slots)
        anchors_mod.wait_until(lambda: all(anchors_mod._listening(p) for p in ports), 10,
                               "clang-dist-worker")

    def begin(self, clients, rep):
        self.offsets = [_size(self.worker_log(i)) for i in range(self.workers)]
        self.runtimes = {c.label: c.dir_of_own(os.path.join(self.dir, f"rt-{c.label}-{rep}"))
                         for c in clients}
        self.tmps = {c.label: c.dir_of_own(os.path.join(self.dir, f"tmp-{c.label}"))
                     for c in clients}

    def client_env(self, client):
        conf = f"--distributed {self.conf}"
        return {"BENCH_CC": f"{self.ctx.bin}/clang-dist {conf}",
                "BENCH_CXX": f"{self.ctx.bin}/clang-dist++ {conf}",
                "CLANG_DIST_RUNTIME_DIR": self.runtimes[client.label],
                "TMPDIR": self.tmps[client.label]}

    def end(self, clients):
        """Each client's jobs as its server counted them, and every job's
        time on a slot, [start, end] in epoch seconds, from the workers' logs
        (a job's line is written when its compile ends and says how long
        the compile took: its queue time is not counted)."""
        out = {c.label: {"intervals": [], "slot_jobs": 0, "remote_jobs": 0} for c in clients}
        for c in clients:
            pid = measure._server_pid(self.runtimes[c.label])
            if pid is not None:
                measure._wait_gone(pid)
            out[c.label].update(measure._server_log_summary(self.runtimes[c.label]))
        # A worker that shares its slots between users names each job's user
        # (" (user NAME)"); else a job names its source as its compile command
        # did, and a relative path (a generated source in the build tree) is
        # the client's whose absolute paths came over the same connection.
        job = re.compile(r"^(\S+ \S+) .* job \d+ from (\S+)(?: \(user ([^)]*)\))?: (.*?): "
                         r"(.*) \(([\d.]+) s\)$")
        lines, peers = [], {}
        for i in range(self.workers):
            with open(self.worker_log(i), errors="replace") as f:
                f.seek(self.offsets[i])
                for line in f:
                    m = job.match(line.rstrip("\n"))
                    if not m:
                        continue
                    lines.append(m)
                    who = next((c for c in clients if c.user == m.group(3) or
                                m.group(4).startswith(c.root + "/")), None)
                    if who is not None:
                        peers[m.group(2)] = who
        for m in lines:
            who = peers.get(m.group(2))
            if who is None:
                raise RuntimeError(f"a job of no client on a worker: {m.group(0)}")
            end = _stamp(m.group(1))
            o = out[who.label]
            o["intervals"].append((end - float(m.group(6)), end))
            o["slot_jobs"] += 1
            # Not "ok": refused, or stopped by a question the server would
            # not answer; the job then ran on its client.
            o["remote_jobs"] += m.group(5) == "ok"
        return out

    def verify(self, clients, figures):
        for c in clients:
            f = figures[c.label]
            if not f["remote_jobs"]:
                raise RuntimeError(f"clang-dist: no job of client {c.name} ran on a worker")
            # A job compiled again (an input changed under it) is one TU.
            if f["worker_tus"] > f["remote_jobs"]:
                raise RuntimeError(f"clang-dist: client {c.name}'s server counts {f['worker_tus']} "
                                   f"jobs on workers, the workers' logs {f['remote_jobs']}")


class IcecreamFarm(anchors_mod.Anchor):
    """icecc-scheduler, `workers` compiling iceccds of `slots` slots each, and
    an iceccd --no-remote per client (its own socket, as the Icecream anchor's
    client daemon). ICECC_TEST_REMOTEBUILD sends every job the scheduler
    places on a compiling daemon there, not back to the client. Each
    client's icecc logs at debug level into a file of its own: which host
    each job used."""

    def __init__(self, ctx, workers, slots, real_load):
        super().__init__("farm-icecc", ctx)
        self.workers, self.slots, self.real_load = workers, slots, real_load
        self.clients = []

    def socket(self, which):
        return os.path.join(self.dir, f"{which}.sock")

    def scheduler_log(self):
        return os.path.join(self.dir, "scheduler.log")

    def start(self):
        ctx = self.ctx
        dirs = [f"env-worker{i}" for i in range(self.workers)] + \
            [f"env-{c.label}" for c in self.clients]
        for d in dirs:
            os.makedirs(os.path.join(self.dir, d))
        for root, subdirs, files in os.walk(self.dir):
            shutil.chown(root, "icecc", "icecc")
        os.chmod(self.dir, 0o777)  # the clients' logs
        # -vvv: a line per job it places, and per job it holds back because
        # no compiling daemon is eligible (busy, or its machine's CPU is).
        self.spawn(["icecc-scheduler", "-p", str(ICE_SCHED_PORT), "-vvv",
                    "-l", self.scheduler_log()], ctx.remote)
        sched = f"127.0.0.1:{ICE_SCHED_PORT}"
        for i, c in enumerate(self.clients):
            self.spawn(["iceccd", "--no-remote", "-m", str(ctx.cores), "-s", sched,
                        "-N", f"farmclient{c.label}", "-p", str(ICE_CLIENT_PORT + i),
                        "-b", os.path.join(self.dir, f"env-{c.label}"),
                        "-l", os.path.join(self.dir, f"client-{c.label}.log")],
                       ctx.clientd, env={"ICECC_TEST_SOCKET": self.socket(c.label)})
        # The compiling daemons share this machine with the clients (and
        # whatever else runs on it), whose CPU icecream counts as their
        # machine's load: at 100 % the scheduler gives them no job, and hands
        # each back to its client. A farm's machines compile only; here each
        # compiling iceccd sees a /proc/stat of its own that stands still (a
        # copy, bound over it in a mount namespace), which icecream reads as
        # an idle machine: its slots are then the limit, as clang-dist's are.
        frozen = os.path.join(self.dir, "stat")
        shutil.copyfile("/proc/stat", frozen)
        for i in range(self.workers):
            iceccd = ["iceccd", "-m", str(self.slots), "-s", sched, "-N", f"farmworker{i}",
                      "-p", str(ICE_WORKER_PORT + i), "-b", os.path.join(self.dir, f"env-worker{i}"),
                      "-l", os.path.join(self.dir, f"worker{i}.log")]
            if not self.real_load:
                iceccd = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                          f'mount --bind {frozen} /proc/stat && exec "$@"', "iceccd"] + iceccd
            self.spawn(iceccd, ctx.remote, env={"ICECC_TEST_SOCKET": self.socket(f"worker{i}")})
        # Each compiling daemon gets the toolchain tarball with a first
        # compile, outside the measurement (as the Icecream anchor's warm-up);
        # the scheduler waits while the machine's CPU is saturated, which on
        # a shared machine may take a while.
        for i in range(self.workers):
            anchors_mod.wait_until(lambda: self._warm_up(i), 300,
                                   f"a compile to run on compiling iceccd {i}")

    def _warm_up(self, i):
        src = os.path.join(self.dir, "warm.c")
        with open(src, "w") as f:
            f.write("int warm(void) { return 1; }\n")
        log = os.path.join(self.dir, f"warm-up{i}.log")
        env = {**os.environ, "ICECC_VERSION": self.ctx.icecc_env,
               "ICECC_TEST_SOCKET": self.socket(self.clients[0].label),
               "ICECC_TEST_REMOTEBUILD": "1", "ICECC_PREFERRED_HOST": f"farmworker{i}",
               "ICECC_DEBUG": "debug", "ICECC_LOGFILE": log}
        try:
            done = subprocess.run(["icecc", "/usr/bin/clang-16", "-c", src, "-o", src + ".o"],
                                  env=env, cwd=self.dir, capture_output=True, timeout=60)
        except subprocess.TimeoutExpired:
            return False
        if done.returncode != 0:
            return False
        with open(log, errors="replace") as f:
            last = f.read().split("icecc /usr/bin")[-1]
        return f"Have to use host 127.0.0.1:{ICE_WORKER_PORT + i}" in last

    def begin(self, clients, rep):
        self.scheduler_offset = _size(self.scheduler_log())
        self.logs = {}
        for c in clients:
            self.logs[c.label] = os.path.join(self.dir, f"icecc-{c.label}-{rep}.log")
            if os.path.exists(self.logs[c.label]):
                os.unlink(self.logs[c.label])

    def client_env(self, client):
        return {"BENCH_CC": "icecc /usr/bin/clang-16", "BENCH_CXX": "icecc /usr/bin/clang++-16",
                "ICECC_VERSION": self.ctx.icecc_env, "ICECC_TEST_SOCKET": self.socket(client.label),
                "ICECC_TEST_REMOTEBUILD": "1", "ICECC_DEBUG": "debug",
                "ICECC_LOGFILE": self.logs[client.label]}

    def end(self, clients):
        """Per client, from its icecc's log: the jobs a compiling daemon was
        given ("Have to use host"), and those the scheduler handed back to
        the client ("building myself"). Per job, from the scheduler's log: its
        client (BEGIN), and its compile's time on a compiling daemon (END's
        real=N ms, which, like the clang-dist worker's, leaves out the time
        the job waited in the daemon behind others: icecream gives a daemon
        a job or more beyond its slots to preload), ending in the middle of
        the second the END line names (the log has no finer time)."""
        workers = tuple(f"127.0.0.1:{ICE_WORKER_PORT + i}" for i in range(self.workers))
        out = {}
        for c in clients:
            remote, local, other = set(), set(), set()
            with open(self.logs[c.label], errors="replace") as f:
                for line in f:
                    m = re.match(r"^ICECC\[(\d+)\] \S+ \S+: (.*)$", line)
                    if not m:
                        continue
                    h = re.match(r"Have to use host (\S+) ", m.group(2))
                    if h:
                        (remote if h.group(1) in workers else other).add(m.group(1))
                    elif m.group(2).startswith("building myself"):
                        local.add(m.group(1))
            out[c.label] = {"intervals": [], "remote_jobs": len(remote),
                            "client_fallbacks": len(local), "other_host": len(other)}
        owner, self.held_back = {}, 0
        with open(self.scheduler_log(), errors="replace") as f:
            f.seek(self.scheduler_offset)
            for line in f:
                self.held_back += "No suitable host found, delaying" in line
                m = re.search(r"BEGIN: (\d+) client=farmclient(\w)\(", line)
                if m:
                    owner[m.group(1)] = m.group(2)
                m = re.search(r"\] (\S+ \S+): END (\d+) .* real=(\d+) .*server=farmworker", line)
                if m and m.group(2) in owner:
                    end = datetime.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S")
                    end = end.timestamp() + 0.5
                    out[owner[m.group(2)]]["intervals"].append((end - int(m.group(3)) / 1000, end))
        return out

    def verify(self, clients, figures):
        for c in clients:
            f = figures[c.label]
            if not f["remote_jobs"] or f["other_host"]:
                raise RuntimeError(f"icecc: client {c.name} had {f['remote_jobs']} jobs on the "
                                   f"compiling daemons, {f['other_host']} elsewhere; see "
                                   f"{self.logs[c.label]}")


def _commit_of(bin_dir):
    """The commit checked out in the tree whose build/bin `bin_dir` is, and
    whether that tree had changes; None outside a git tree."""
    tree = os.path.dirname(os.path.dirname(os.path.abspath(bin_dir)))
    head = subprocess.run(["git", "-C", tree, "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True)
    if head.returncode != 0:
        return None
    dirty = subprocess.run(["git", "-C", tree, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return head.stdout.strip() + (" (with changes)" if dirty else "")


def _size(path):
    return os.path.getsize(path) if os.path.exists(path) else 0


def run_round(ctx, system, clients, rep):
    """All clients' makes started at once; each one's wall time; the
    system's figures per client; the fairness over the overlap."""
    for c in clients:
        c.clean()
    system.begin(clients, rep)
    cpu_before = {g: getattr(ctx, g).usage_s() for g in ("client", "clientd", "remote")}
    procs = {}
    for c in clients:
        log = open(os.path.join(system.dir, f"build-{c.label}-{rep}.log"), "w")
        env = {**os.environ, **system.client_env(c), "HOME": c.root, "USER": c.user,
               "LOGNAME": c.user}
        env.pop("BENCH_COMPILE_CGROUP", None)  # the client's user may not write the cgroup
        procs[c.label] = (subprocess.Popen(["make", f"-j{c.jobs}"], cwd=c.project.build, env=env,
                                           stdout=log, stderr=subprocess.STDOUT,
                                           preexec_fn=c.become(ctx.client)), time.time(), log)
    ends = {}
    while len(ends) < len(procs):
        for label, (p, _, log) in procs.items():
            if label not in ends and p.poll() is not None:
                ends[label] = time.time()
                log.close()
        time.sleep(0.02)
    figures = system.end(clients)
    cpu = {g: round(getattr(ctx, g).usage_s() - cpu_before[g], 2) for g in cpu_before}
    for c in clients:
        p, start, log = procs[c.label]
        if p.returncode != 0:
            raise RuntimeError(f"{system.name}: client {c.name}'s build failed, see {log.name}")
    system.verify(clients, figures)
    t0 = max(start for _, start, _ in procs.values())
    t1 = min(ends.values())
    rows = []
    for c in clients:
        f = figures[c.label]
        _, start, _ = procs[c.label]
        rows.append({"client": c.label, "name": c.name, "project": c.kind, "jobs": c.jobs,
                     "wall_s": round(ends[c.label] - start, 2),
                     "remote_jobs": f["remote_jobs"], "client_fallbacks": f.get("client_fallbacks", 0),
                     "slot_s": round(sum(e - s for s, e in f["intervals"]), 2),
                     "slot_s_overlap": round(sum(max(0.0, min(e, t1) - max(s, t0))
                                                 for s, e in f["intervals"]), 2)})
    return {"system": system.name[len("farm-"):], "rep": rep, "overlap_s": round(t1 - t0, 2),
            "held_back": getattr(system, "held_back", None),
            "cpu_s": cpu, "clients": rows, **fairness(rows, t1 - t0, system)}


def fairness(rows, overlap, system):
    """Jain's index over the clients' shares of slot time in the overlap
    (1: equal shares; 1/n: one client had all), and the least share as a
    fraction of the fair one (every client wanted more than its fair share:
    see the demand in docs/PERFORMANCE.md)."""
    got = [r["slot_s_overlap"] for r in rows]
    total = sum(got)
    if not total:
        raise RuntimeError(f"{system.name}: no slot time in the overlap")
    n = len(got)
    for r in rows:
        r["share"] = round(r["slot_s_overlap"] / total, 3)
    return {"jain": round(total ** 2 / (n * sum(g * g for g in got)), 3),
            "min_share_vs_fair": round(min(got) / total * n, 3),
            "slot_use": round(total / (system.workers * system.slots * overlap), 3)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", default="zeromq:16,curl:4,curl:4",
                    help="PROJECT:J per client, comma-separated")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--slots", type=int, default=2, help="slots per worker")
    ap.add_argument("--systems", default="clang-dist,icecc")
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--icecc-real-load", action="store_true",
                    help="let the compiling iceccds see this machine's load (by default they see "
                    "an idle machine: their slots are the limit, as clang-dist's are)")
    ap.add_argument("--label", default="main", help="what clang-dist build is measured")
    ap.add_argument("--bin", default=os.path.join(REPO, "build", "bin"),
                    help="the clang-dist binaries (copied before the run)")
    ap.add_argument("--built-from", help="what --bin was built from, for the report "
                    "(default: the commit of the tree around it)")
    ap.add_argument("--work", default=os.environ.get("BENCH_WORK", "/work/bench-work"))
    ap.add_argument("--results", default=os.path.join(HERE, "results", "farm.json"))
    ap.add_argument("--doc", default=os.path.join(REPO, "docs", "PERFORMANCE.md"))
    ap.add_argument("--report-only", action="store_true")
    args = ap.parse_args()
    runs = {}
    if os.path.exists(args.results):
        with open(args.results) as f:
            runs = json.load(f)
    if not args.report_only:
        runs[args.label] = measure_all(args)
        os.makedirs(os.path.dirname(args.results), exist_ok=True)
        with open(args.results, "w") as f:
            json.dump(runs, f, indent=1)
    farmreport.splice(runs, args.doc)


def measure_all(args):
    started = time.monotonic()
    ctx = bench.Context(os.path.abspath(args.work))
    ctx.bin = os.path.join(ctx.work, "farm", "bin", args.label)
    os.makedirs(ctx.bin, exist_ok=True)
    subprocess.run(["cp", "-a", args.bin.rstrip("/") + "/.", ctx.bin + "/"], check=True)
    ctx.icecc_env = bench.icecc_toolchain(ctx)
    clients = []
    for i, spec in enumerate(args.clients.split(",")):
        kind, jobs = spec.split(":")
        if kind not in projects_mod.ALL:
            sys.exit(f"farm: unknown project '{kind}' (known: {', '.join(projects_mod.ALL)})")
        bench.log(f"farm: client {i}: {kind} -j{jobs}: fetch, copy, configure")
        clients.append(Client(ctx, i, kind, int(jobs)))
    data = {"started": datetime.datetime.now().isoformat(timespec="seconds"),
            "argv": sys.argv[1:], "cores": ctx.cores, "loadavg_start": os.getloadavg(),
            "workers": args.workers, "slots": args.slots, "icecc_real_load": args.icecc_real_load,
            "bin": os.path.abspath(args.bin), "bin_commit": args.built_from or _commit_of(args.bin),
            "clang_dist_sha256": subprocess.run(["sha256sum", os.path.join(ctx.bin, "clang-dist")],
                                                capture_output=True, text=True).stdout.split()[0],
            "rounds": [], "errors": []}
    systems = {"clang-dist": lambda: ClangDistFarm(ctx, args.workers, args.slots),
               "icecc": lambda: IcecreamFarm(ctx, args.workers, args.slots, args.icecc_real_load)}
    for name in args.systems.split(","):
        system = systems[name]()
        system.clients = clients
        try:
            bench.log(f"farm: {name}: starting")
            system.start()
            data.setdefault("daemons", {})[name] = [c.strip() for c in system.commands]
            for rep in range(args.reps):
                r = run_round(ctx, system, clients, rep)
                bench.log(f"farm: {name}: rep {rep}: " + "; ".join(
                    f"{c['name']} {c['wall_s']} s, share {c['share']}" for c in r["clients"]) +
                    f"; Jain {r['jain']}")
                data["rounds"].append(r)
        except Exception as e:  # the other system is still worth measuring
            traceback.print_exc()
            data["errors"].append({"system": name, "error": str(e)})
        finally:
            system.stop()
    data["loadavg_end"] = os.getloadavg()
    data["elapsed_s"] = round(time.monotonic() - started, 1)
    return data


if __name__ == "__main__":
    main()
