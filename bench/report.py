"""Writes docs/PERFORMANCE.md from one run's results."""
import json
import os
import statistics
import subprocess

import farmreport

NOTES = """\
## How it is measured

* **Builds.** Each project is configured once with `bench/wrap/cc` and `bench/wrap/c++` as its
  compilers; they `exec $BENCH_CC` / `$BENCH_CXX`, which each anchor sets (table below), so every
  anchor builds the same configured tree. Before each build: `make clean` and every `.o` removed;
  no result cache but the cache anchors' own (below). The wall time is the `make` (or
  `distcc-pump make`) alone; daemons are started before it (icecream's toolchain tarball is
  shipped by an unmeasured warm-up compile) and a clang-dist server is left to exit
  (`idle-timeout 2`) before the next build. Each build of a
  clang-dist anchor has a fresh `CLANG_DIST_RUNTIME_DIR`. With `--interleave` (the command
  above says whether), each repetition builds with every anchor in turn, each anchor started
  before its build and stopped after it, so that a target's ratio compares builds made under
  the same load; what an anchor keeps between its builds (the workers' blob caches) it keeps.
* **Result caches, cold and warm.** Before each measured build an anchor may run unmeasured
  builds of its own (`prepare` in bench/anchors.py), each from a `make clean` tree. A cache
  anchor's cache is a directory of its own under the work dir, emptied before every measured
  build: the cold anchor (`ccache`) builds into the empty cache; the warm one (`ccache-warm`,
  `sccache-warm`) first fills it with an unmeasured cold build, so that the measured build is
  the rebuild after `make clean`, and has its statistics zeroed in between. The hits and misses
  are the cache's own counts over the measured build (`ccache --print-stats`, `sccache
  --show-stats`); a warm build with a miss, or a cold one with none, fails the anchor (such a
  build stays in the results, marked `rejected`, and out of the tables). ccache runs as
  Debian configures it (direct mode); the sccache server (Debian's 0.4) runs in the foreground
  on port 4226, in group `compile` (it runs the compiles), and is restarted with each emptied
  cache.
* **The floor** (`floor`, not a product): `bench/floorcc`, a static C program, is the compiler.
  An unmeasured build with `floorcc --record` compiles with clang-16 and keeps each compile
  step's object and dependency file; the measured rebuild's compile steps only copy them back
  (no hashing, no lookup, no temporary file). No cache run as the compiler can do less, so its
  warm rebuild is the lowest wall time any can reach, and its ratio to `ccache-warm` says
  whether a target's ratio can be met at all.
* **clang-dist's result cache** (docs/CACHE.md) is off (`cache off`) in the anchors that
  measure distribution (`cd-local`, `cd-workers*`), and on in `cd-cache-cold`,
  `cd-cache-warm` and `cd-cache-shared`: the local default (no `worker` line) with a
  `cache-dir` of the anchor's own, emptied before each measured build as above. Each
  unmeasured build has a runtime directory of its own, and its server is waited for (it has
  stored every result when it exits). The hits and misses are the measured build's
  `clang-dist --print-stats` (`cache_hit`, `cache_hit_shared`, `cache_miss`,
  `cache_uncacheable_*`), from its own runtime directory. A compile the cache refuses to keep
  (it counts why) misses on every build, so a warm build's misses must all be such compiles.
  `cd-cache-shared` is a team's second user: the anchor starts Debian's `redis-server` on
  127.0.0.1:6479 (`--save "" --appendonly no`, as the unit tests start theirs; group
  `remote`, the team's machine), empties it (`FLUSHALL`) and the two local caches before each
  measured build, builds once as the first user (`cache redis://127.0.0.1:6479` with a
  `cache-dir` and a runtime directory of its own), then measures the second: the same Redis,
  an empty local cache. Its build must have had hits from Redis (`cache_hit_shared`). *Hit
  rate* = hits / (hits + misses). *Of which clang-dist server*: the server's CPU
  (`/proc/PID/stat` after the build) per TU, part of the client CPU; the rest is the
  clang-dist processes (with `bench/wrap`'s exec of each). The target on a warm rebuild's
  client CPU compares it with that rest in `cd-local`'s build, the same commands with the
  cache off: the client process's own cost.
* **distcc-pump.** Debian bookworm's include server fails on every question under Python 3.11
  (its C extension lacks `PY_SSIZE_T_CLEAN`) and distcc then preprocesses on the client, which
  is plain distcc. `bench/pump-include-server.sh` rebuilds that extension from Debian's distcc
  source with the macro (and `Py_ssize_t` lengths) and runs a copy of Debian's `distcc-pump`
  that loads it; Debian's package is left as it is. Every distcc build logs its client's lines
  (`DISTCC_LOG`); a pump build in which any TU was preprocessed on the client, or none was
  served by the include server, fails the anchor with the client's warning, as above.
* **CPU split** (cgroup v1 `cpuacct.usage`). *Client CPU* is the compiler's client side:
  every compile step (`bench/wrap` moves an invocation with `-c` into group `compile` before it
  execs the anchor's compiler) with all it starts: distcc's and icecream's local
  preprocessing, the clang-dist clients and the clang-dist local server, which double-forks
  out of make's tree but stays in the group; distcc-pump's include server (moved into
  `compile` by a watcher polling `/proc` every 10 ms); and icecream's client-side `iceccd` (it
  accepts no remote jobs; it only brokers the client's jobs, group `clientd`). The rest of the
  build (make, cmake's helpers, shells, the links, which every anchor runs locally) stays in
  group `client`, shown as *make, links CPU*. `distccd`, the compiling `iceccd`,
  `icecc-scheduler` and `clang-dist-worker` run in `remote` (worker-side). The clang-dist-worker that a
  clang-dist server with no `worker` line starts itself is moved to `remote` by the same
  watcher; the few ms it runs before the move stay client-side.
  *Remote cores one client can feed* = worker CPU per TU / client CPU per TU.
* **Bytes**: nftables counters in the output hook of `lo` on the worker ports (distccd 3632,
  the compiling iceccd 10246, clang-dist-worker 63100+): whole IP packets, TCP/IP headers and ACKs
  included. The built-in local worker of clang-dist picks its ports at start, so for it the bytes
  are the TCP payload (`ss -ti` `bytes_acked`/`bytes_received`) of the server's connections to
  its slots, read after the build while the server idles; the same payload count is shown for
  the clang-dist anchors with explicit workers as a cross-check.
* **Server peak memory**: `VmHWM` of the clang-dist local server (pid from
  `server-*.lock`), read after the build, before it exits.
* **Preprocessing micro-benchmark**: every compile command captured from the project's own
  build (`bench/logcc.py` logs argv and cwd), turned into `clang-16 -E -o /dev/null` (the
  `-c`, `-o` and `-M*` options dropped) and run serially, one process per TU; CPU from
  `getrusage(RUSAGE_CHILDREN)`. The in-process figures are the CPU the clang-dist server's
  threads spent in `prepareJob` over a build (its log's `preparing jobs took N ms of CPU`, the
  sum of each job's thread CPU time), divided by the TUs: parsing the cc1 arguments and the
  rewriting. The sources mode preprocesses nothing on the client: its row is the server
  process's whole CPU time over the build (`/proc/PID/stat`), divided by the TUs: answering
  the workers' questions, checking the answers each result used, digests and zstd of new
  files, sockets and writing objects.
* **The farm** (section "Farm", issue 18): `python3 bench/farm.py [--label NAME] [--bin DIR]
  [--reps N]`, as root after `bash bench/install.sh`, with clang-dist built (`--bin`, default
  `build/bin`, is copied first; `--label` names that build: its rounds replace that label's in
  `bench/results/farm.json`, and the section is written again from every label;
  `--report-only` only writes it). Three clients by default (`--clients
  zeromq:16,curl:4,curl:4`), each a Unix user of its own (`farm-a`, `farm-b`, ...; `useradd
  --system` if missing: a worker that shares its slots between users knows them by the name
  their servers send, so one user with three runtime directories would be one user) with a
  copy of its project, sources and configured build tree, under `WORK/farm/a`, ...: a
  worker's log names the client of each job by its source's path (a relative one, a
  generated source, by the connection it came on). All start `make -jJ` at once from a
  `make clean` tree. The slots: `--workers 2 --slots 2`, 4 slots on this 2-core machine.
  clang-dist: two `clang-dist-worker --cores 2` on 127.0.0.1:63200-63203 with `--log-file`
  (a line per job: its client's connection, its source, its outcome and its compile time),
  one dist.conf of two `worker` lines and `cache off` for all, a runtime directory (so a
  local server) per client. icecream: `icecc-scheduler -vvv` on port 8775, two compiling
  `iceccd -m 2` (ports 10250-10251, each sent the toolchain by an unmeasured compile first;
  each sees a `/proc/stat` of its own that stands still, a copy bound over it in a mount
  namespace, unless `--icecc-real-load`: icecream counts all the CPU of a compiling daemon's
  machine as its load and gives it no job at 100 %, and here that machine is the clients'
  too, and other work's: with the real `/proc/stat`, at a load average of 15, the scheduler
  placed none of the 528 jobs on the compiling daemons and handed each back to its client)
  and an `iceccd --no-remote` per client with a socket of its own, `ICECC_TEST_REMOTEBUILD=1`,
  each client's icecc logging at debug level into a file of its own (which host each job
  was given: `Have to use host`, or `building myself` when the scheduler handed it back).
  *Slot time*, per job: clang-dist, its compile's time in the worker's log, ending at the
  line's millisecond time stamp; icecream, the scheduler's `END` line's `real=N` (ms, the
  compile on the compiling daemon), its client from the job's `BEGIN` line, ending in the
  middle of the second the `END` line names (icecream's logs have whole seconds). Neither
  counts a job's wait in a slot's queue (clang-dist) or a daemon's (icecream preloads a job
  or more beyond a daemon's slots). A client's *share* is its part of all clients' slot time
  within the *overlap*, from the start until the first client finished. The demand: every
  client keeps at least 4 compiles waiting (zeromq's 114 C++ TUs at `-j16`, curl's 207 C TUs
  at `-j4`), more than its fair third of 4 slots, so that fair shares are equal ones; and
  zeromq's TUs take about 3.5 times as long as curl's, which is what a first-come slot hands
  out unequally: alternating between one job of each user, it gives most of its time to the
  user with the longest jobs. Checks, which fail a system (kept as an error in the results):
  every client had jobs on the workers (clang-dist: `ok` in the workers' logs, at least as
  many as its server counted) or on the compiling daemons (icecc: `Have to use host` naming
  one of them, no other host). The CPU is counted as in the builds above, but every process
  of a client's build (its clang-dist server included) in group `client`: its user may not
  write the cgroup.
"""


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _fmt(v, digits=1):
    return "–" if v is None else f"{v:.{digits}f}"


def _summaries(data, project, tus):
    rows = {}
    for b in data["builds"]:
        if b["project"] != project or b["exit_code"] != 0 or b.get("rejected"):
            continue
        rows.setdefault(b["anchor"], []).append(b)
    out = {}
    for anchor, builds in rows.items():
        def med(key, builds=builds):
            return _median([b.get(key) for b in builds])
        # Results from before the compile group had it all in "client".
        client = _median([b.get("cpu_compile_s", b["cpu_client_s"]) + b["cpu_clientd_s"]
                          for b in builds])
        build = _median([b["cpu_client_s"] for b in builds if "cpu_compile_s" in b])
        remote = med("cpu_remote_s")
        local_worker = anchor.startswith("cd-local")
        # Each clang-dist anchor's workers start with an empty blob cache: its
        # first build is cold, the later ones warm.
        warm = [b for b in builds if b["rep"] > 0] or builds
        cold = [b for b in builds if b["rep"] == 0]
        sent_key = "payload_sent" if local_worker else "net_sent"
        sent = med(sent_key, warm)
        sent_cold = med(sent_key, cold) if cold else None
        received = med("payload_received" if local_worker else "net_received", warm)
        out[anchor] = {
            "reps": len(builds), "wall": med("wall_s"),
            "wall_min": min(b["wall_s"] for b in builds), "wall_max": max(b["wall_s"] for b in builds),
            "client": client, "remote": remote, "build": build,
            "client_ms": client / tus * 1000, "remote_ms": remote / tus * 1000,
            "feed": remote / client if client and remote > 0.05 * client else None,
            "sent_kib": sent / tus / 1024 if sent is not None else None,
            "sent_cold_kib": sent_cold / tus / 1024 if sent_cold is not None else None,
            "recv_kib": received / tus / 1024 if received is not None else None,
            "payload_sent_kib": med("payload_sent") / tus / 1024 if med("payload_sent") is not None else None,
            "hwm_mib": med("server_vmhwm_kib") / 1024 if med("server_vmhwm_kib") else None,
            "server_cpu": med("server_cpu_s"),
            "prepare_cpu": med("prepare_cpu_s"),
            "worker_tus": med("worker_tus"), "fallbacks": med("client_fallbacks"),
            "cache_hits": med("cache_hits"), "cache_misses": med("cache_misses"),
            "cache_hits_shared": med("cache_hits_shared"),
            "cache_uncacheable": med("cache_uncacheable"),
            "hit_rate": _median([b["cache_hits"] / (b["cache_hits"] + b["cache_misses"])
                                 for b in builds if b.get("cache_hits") is not None
                                 and b["cache_hits"] + b["cache_misses"]]),
            # The clang-dist server's share of the client CPU, and the rest:
            # the clang-dist processes (with bench/wrap's exec of each).
            "server_ms": _median([b["server_cpu_s"] / tus * 1000 for b in builds
                                  if b.get("server_cpu_s") is not None]),
            "process_ms": _median([(b["cpu_compile_s"] + b["cpu_clientd_s"] - b["server_cpu_s"])
                                   / tus * 1000 for b in builds
                                   if b.get("server_cpu_s") is not None and "cpu_compile_s" in b]),
            # Runs from before the check counted what the include server served.
            "unverified_pump": anchor == "distcc-pump" and any("pump_served" not in b for b in builds),
        }
    return out


def _table(summ, order):
    base = summ.get("clang", {}).get("wall")
    distcc = summ.get("distcc", {}).get("wall")
    lines = ["| anchor | reps | wall s (median; min-max) | vs clang | vs distcc | client CPU s | "
             "client ms/TU | client vs distcc | worker CPU s | worker ms/TU | remote cores fed | "
             "sent KiB/TU (warm; cold) | recv KiB/TU | server VmHWM MiB | TUs on workers | "
             "ran on client | make, links CPU s |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    distcc_client = summ.get("distcc", {}).get("client_ms")
    for a in order:
        s = summ.get(a)
        if not s:
            continue
        payload = a.startswith("cd-local")
        lines.append(
            f"| {a} | {s['reps']} | {_fmt(s['wall'])} ({_fmt(s['wall_min'])}-{_fmt(s['wall_max'])}) | "
            f"{_fmt(s['wall'] / base if base else None, 2)} | {_fmt(s['wall'] / distcc if distcc else None, 2)} | "
            f"{_fmt(s['client'])} | {_fmt(s['client_ms'])} | "
            f"{_fmt(s['client_ms'] / distcc_client if distcc_client else None, 2)} | "
            f"{_fmt(s['remote'])} | {_fmt(s['remote_ms'])} | "
            f"{_fmt(s['feed'])} | {_fmt(s['sent_kib'])}{'*' if payload else ''}"
            f"{'; ' + _fmt(s['sent_cold_kib']) if s['sent_cold_kib'] is not None else ''} | "
            f"{_fmt(s['recv_kib'])}{'*' if payload else ''} | {_fmt(s['hwm_mib'], 0)} | "
            f"{_fmt(s['worker_tus'], 0)} | {_fmt(s['fallbacks'], 0)} | {_fmt(s['build'])} |")
    return "\n".join(lines)


def _cache_table(summ, order):
    """The anchors with a result cache: those whose builds counted hits."""
    rows = [a for a in order if a in summ and summ[a]["cache_hits"] is not None]
    if not rows:
        return None
    base = summ.get("clang", {}).get("wall")
    warm = summ.get("ccache-warm", {}).get("wall")
    lines = ["| anchor | reps | wall s (median; min-max) | vs clang | vs ccache-warm | client CPU s | "
             "client ms/TU | of which clang-dist server | cache hits | of which shared | "
             "cache misses | of which uncacheable | hit rate |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for a in rows:
        s = summ[a]
        lines.append(
            f"| {a} | {s['reps']} | {_fmt(s['wall'])} ({_fmt(s['wall_min'])}-{_fmt(s['wall_max'])}) | "
            f"{_fmt(s['wall'] / base if base else None, 2)} | {_fmt(s['wall'] / warm if warm else None, 2)} | "
            f"{_fmt(s['client'])} | {_fmt(s['client_ms'])} | {_fmt(s['server_ms'], 2)} | "
            f"{_fmt(s['cache_hits'], 0)} | {_fmt(s['cache_hits_shared'], 0)} | "
            f"{_fmt(s['cache_misses'], 0)} | {_fmt(s['cache_uncacheable'], 0)} | "
            f"{_percent(s['hit_rate'])} |")
    return "\n".join(lines)


def _percent(v):
    return "–" if v is None else f"{v * 100:.1f}%"


def _prepare_speedup(p, summ, anchors, key="prepare_cpu"):
    """clang -E's CPU per TU over the server's CPU per TU: its preparation of
    jobs, or (key "server_cpu") everything it did."""
    a = next((a for a in anchors if a in summ and summ[a].get(key)), None)
    if not a:
        return None
    return p["preprocess"]["cpu_s"] / summ[a][key]


def _targets(data):
    """The targets of issues 5, 6 and 17, each with what this run measured."""
    rows = ["| target | project | measured | met |", "|---|---|---|---|"]

    def row(target, project, value, ok, fmt="{:.2f}", text=None):
        if value is None:
            rows.append(f"| {target} | {project} | not measured | – |")
        else:
            shown = text or fmt.format(value)
            rows.append(f"| {target} | {project} | {shown} | {'yes' if ok(value) else '**no**'} |")

    def get(summ, anchor, key):
        return summ.get(anchor, {}).get(key)

    def ratio(a, b):
        return a / b if a is not None and b else None

    for name, p in data["projects"].items():
        summ = _summaries(data, name, p["tus"])
        cpp = p["lang"] == "C++"
        client = get(summ, "cd-workers", "client_ms")
        row("client CPU/TU ≤ 1/3 of distcc's", name,
            ratio(client, get(summ, "distcc", "client_ms")), lambda v: v <= 1 / 3, "{:.2f}x distcc's")
        pump = None if get(summ, "distcc-pump", "unverified_pump") else get(summ, "distcc-pump", "client_ms")
        row("client CPU/TU below distcc-pump's", name, ratio(client, pump), lambda v: v < 1,
            "{:.2f}x pump's")
        if cpp:
            row("one client feeds ≥ 100 remote cores", name, get(summ, "cd-workers", "feed"),
                lambda v: v >= 100, "{:.0f} cores")
        need = 2.0 if cpp else 3.3
        row(f"the server's whole CPU per TU ≥ {need}x below `clang -E` per file (sources mode)", name,
            _prepare_speedup(p, summ, ("cd-workers",), "server_cpu"), lambda v: v >= need,
            "{:.2f}x")
        row(f"in-process preprocessing ≥ {need}x faster than `clang -E` per file (preprocessed mode)",
            name, _prepare_speedup(p, summ, ("cd-workers-preprocessed",)),
            lambda v: v >= need, "{:.2f}x")
        row("local default wall ≤ 0.95x plain clang", name,
            ratio(get(summ, "cd-local", "wall"), get(summ, "clang", "wall")), lambda v: v <= 0.95,
            "{:.2f}x")
        for other in ("distcc", "icecc"):
            row(f"loopback workers' wall below {other}'s", name,
                ratio(get(summ, "cd-workers", "wall"), get(summ, other, "wall")), lambda v: v < 1,
                "{:.2f}x")
        if cpp:
            row("sources mode: client CPU/TU ≥ 3x lower than the preprocessed mode's", name,
                ratio(get(summ, "cd-workers-preprocessed", "client_ms"), client), lambda v: v >= 3,
                "{:.2f}x lower")
        row("sources mode, warm: bytes sent/TU ≤ 1/10 of the preprocessed mode's", name,
            ratio(get(summ, "cd-workers", "sent_kib"), get(summ, "cd-workers-preprocessed", "sent_kib")),
            lambda v: v <= 0.1, "{:.3f}x")
        # Issue 17: the result cache, in its local default (no worker line).
        row("result cache: warm rebuild wall ≤ 0.8x ccache's warm rebuild", name,
            ratio(get(summ, "cd-cache-warm", "wall"), get(summ, "ccache-warm", "wall")),
            lambda v: v <= 0.8, "{:.2f}x")
        # Not a target: whether the one above can be met by any cache.
        floor = ratio(get(summ, "floor", "wall"), get(summ, "ccache-warm", "wall"))
        if floor is not None:
            rows.append(f"| (the floor: `bench/floorcc`'s warm rebuild, a cache that costs a static "
                        f"process and two copies, against ccache's) | {name} | {floor:.2f}x | "
                        f"{'reachable' if floor <= 0.8 else '**0.8x is out of reach**'} |")
        row("result cache: a cold build ≤ 1.03x the same build with `cache off`", name,
            ratio(get(summ, "cd-cache-cold", "wall"), get(summ, "cd-local", "wall")),
            lambda v: v <= 1.03, "{:.3f}x")
        row("result cache: the second user's build ≥ 95% hits", name,
            get(summ, "cd-cache-shared", "hit_rate"), lambda v: v >= 0.95, "{:.1%}")
        if cpp:
            # The client process's own cost: cd-local's client CPU without its
            # server's, the same commands with the cache off.
            warm = get(summ, "cd-cache-warm", "client_ms")
            own = get(summ, "cd-local", "process_ms")
            above = warm - own if warm is not None and own is not None else None
            row("result cache: warm rebuild's client-side CPU/TU ≤ the client process's own + 1 ms",
                name, above, lambda v: v <= 1,
                text=None if above is None else
                f"{warm:.2f} ms/TU (server {get(summ, 'cd-cache-warm', 'server_ms'):.2f}); "
                f"the client process alone {own:.2f} (`cd-local`): +{above:.2f} ms")
    return "\n".join(rows)


def _load(data):
    """What else the machine was doing: the 1, 5 and 15 minute load averages."""
    if "loadavg_start" not in data:
        return ("The machine is shared and its load was not recorded: treat single-rep numbers as "
                "indicative only.")
    fmt = lambda l: " / ".join(f"{v:.1f}" for v in l)
    return (f"Load average (1 / 5 / 15 min) at the start: {fmt(data['loadavg_start'])}; at the end: "
            f"{fmt(data['loadavg_end'])}. The benchmark keeps {data['cores']} cores busy by itself; "
            "more means other work shared the machine.")


def _machine():
    def sh(cmd):
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    lscpu = sh("lscpu | grep -E '^(Architecture|CPU\\(s\\)|Model name|Thread|Core|Socket|CPU max MHz|L2|L3)'")
    return (f"```\n{lscpu}\nkernel: {sh('uname -srm')}\n{sh('free -h | head -2')}\n"
            f"{sh('. /etc/os-release; echo $PRETTY_NAME')}; {sh('clang-16 --version | head -1')}\n"
            f"{sh('distcc --version | head -1')}; icecc {sh('icecc --version 2>&1 | head -1')}\n```")


def write(data, path):
    order = list(dict.fromkeys(b["anchor"] for b in data["builds"]))
    out = ["# Performance", "",
           "Generated by `" + " ".join(["bash bench/run.sh"] + data["argv"]) + f"` on {data['started']} "
           f"(whole run: {data['elapsed_s']:.0f} s). Raw data: `bench/results/results.json`.", "",
           f"clang-dist binary sha256 `{data.get('clang_dist_sha256', 'not recorded')}`.", "",
           _load(data), "", "## Machine", "", _machine(), "",
           f"{data['cores']} cores: `-j{data['cores']}` for every build, {data['cores']} slots for every "
           "worker daemon, all on 127.0.0.1.", ""]
    out += ["## Targets", "",
            "Issue 5's, 6's and 17's targets, from this run (clang-dist: `cd-workers`, the default "
            "sources mode on loopback workers, unless the target says otherwise; the result "
            "cache's: the local default, `cd-cache-*` against `ccache-warm` and `cd-local`). "
            "bench/ANALYSIS.md, linked at the end of this page, says why a target is missed.", "",
            _targets(data), ""]
    for e in data["errors"]:
        out.append(f"**{e['project']} / {e['anchor']} failed:** {e['error']}  ")
    out.append("")
    for name, p in data["projects"].items():
        tus = p["tus"]
        summ = _summaries(data, name, tus)
        out += [f"## {name} ({p['source']}, {p['lang']}, {tus} TUs)", "",
                "Configure: `" + " ".join(p["configure"]) + "`  ",
                "Build: `" + " ".join(p["build"]) + "`", "", _table(summ, order), "",
                "`*`: TCP payload of the server's slot connections (ss); other byte counts are "
                "IP packets on the worker ports (nftables).", ""]
        if summ.get("distcc-pump", {}).get("unverified_pump"):
            out += ["**The `distcc-pump` row is plain distcc.** This run predates the check that "
                    "pump really ran: Debian's include server failed on every TU (its C extension "
                    "lacks `PY_SSIZE_T_CLEAN` under Python 3.11) and distcc preprocessed each one "
                    "on the client, sending it with lzo. See *distcc-pump* under "
                    "\"How it is measured\".", ""]
        caches = _cache_table(summ, order)
        if caches:
            out += ["Result caches (cold: an empty cache; warm: the rebuild after `make clean` "
                    "with the cache a cold build filled; shared: a second user with an empty "
                    "local cache and the Redis a first user's build filled):", "", caches, ""]
        pp = p["preprocess"]
        out += ["Preprocessing, per TU:", "", "| path | wall ms/TU | CPU ms/TU | vs `clang -E` |",
                "|---|---|---|---|",
                f"| `clang-16 -E`, one process per TU, serial | {pp['wall_s'] / tus * 1000:.1f} | "
                f"{pp['cpu_s'] / tus * 1000:.1f} | 1.00 |"]
        # The server's own log: CPU of its pool in deciding and preparing jobs.
        for anchors, what, key in (
                (("cd-workers-preprocessed",),
                 "preprocessed mode: -frewrite-includes in process", "prepare_cpu"),
                (("cd-workers",),
                 "sources mode (the default): nothing preprocessed; all the server's CPU "
                 "(answers to the workers, their checks, sockets, outputs)", "server_cpu"),
                (("cd-local",),
                 "no worker line: the arguments parsed, nothing read", "prepare_cpu")):
            a = next((a for a in anchors if a in summ and summ[a].get(key)), None)
            if a:
                ms = summ[a][key] / tus * 1000
                out.append(f"| clang-dist server, {what} (`{a}`) | – | {ms:.1f} | "
                           f"{pp['cpu_s'] / tus * 1000 / ms:.2f}x faster |")
        out.append("")
    out += ["## Anchors: what the build ran", ""]
    for name, p in data["projects"].items():
        for a, spec in p.get("anchors", {}).items():
            env = " ".join(f"{k}='{v}'" for k, v in spec["env"].items())
            out.append(f"* `{a}` ({name}): `{env} {' '.join(spec['prefix'] + p['build'])}`")
            for d in spec["daemons"]:
                out.append(f"  * daemon: `{d}`")
            if spec.get("dist_conf"):
                out.append("  * dist.conf: `" + "; ".join(spec["dist_conf"].splitlines()) + "`")
        break  # the same for every project
    out += ["", NOTES]
    # Measured by hand, not by this benchmark.
    out += ["", "## Build", "",
            "What a clean build of clang-dist costs, and its static programs' start: "
            "[docs/BUILD.md](BUILD.md)."]
    out += ["", "## TLS", "",
            "What TLS costs a build's CPU (`tls always` against plain, on loopback): "
            "measured by hand with `bench/tls-cost.py`, in "
            "[bench/ANALYSIS.md](../bench/ANALYSIS.md#tls-on-the-links-to-workers-issue-18)."]
    # Measured by bench/farm.py, on its own: kept when this page is rewritten.
    if os.path.exists(farmreport.RESULTS):
        with open(farmreport.RESULTS) as f:
            out += [""] + farmreport.section(json.load(f))[:-1]
    # The hand-written analysis stays in one place.
    out += ["", "## Where the client's time goes, and the targets missed", "",
            "Hand-written, from profiles of these runs: "
            "[bench/ANALYSIS.md](../bench/ANALYSIS.md)."]
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
