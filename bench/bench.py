#!/usr/bin/env python3
"""Builds each project with each anchor --reps times and writes the results.

Usage: bench.py [--reps N] [--projects curl,zeromq] [--anchors a,b,...] [--work DIR]
                [--results FILE] [--doc FILE] [--pump SCRIPT] [--interleave] [--report-only]

--interleave: rep after rep, each anchor's build in turn, each started and
stopped around its build, so that the ratios of a target compare builds made
under the same load. What an anchor keeps between its builds (the workers'
blob caches of cd-workers) it keeps either way."""
import argparse
import datetime
import glob
import json
import os
import subprocess
import sys
import time
import traceback

import anchors as anchors_mod
import cgroups
import measure
import preprocess
import projects as projects_mod
import report

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


class Context:
    def __init__(self, work):
        self.work = work
        self.cores = os.cpu_count()
        self.bin = os.path.join(work, "bin")
        self.client = cgroups.Group("client")
        self.compile = cgroups.Group("compile")
        self.clientd = cgroups.Group("clientd")
        self.remote = cgroups.Group("remote")
        self.icecc_env = None
        self.pump = None


def copy_binaries(ctx):
    # /work/main/build is rebuilt while benchmarks run, and a clang-dist server
    # retires when its executable is replaced: measure a private copy.
    os.makedirs(ctx.bin, exist_ok=True)
    subprocess.run(["cp", "-a", os.path.join(REPO, "build", "bin") + "/.", ctx.bin + "/"], check=True)
    subprocess.run(["clang-16", "-O2", "-static", "-o", os.path.join(ctx.bin, "floorcc"),
                    os.path.join(HERE, "floorcc.c")], check=True)


def icecc_toolchain(ctx):
    d = os.path.join(ctx.work, "icecc-env")
    found = glob.glob(os.path.join(d, "*.tar.gz"))
    if not found:
        os.makedirs(d, exist_ok=True)
        subprocess.run(["/usr/lib/icecc/icecc-create-env", "--clang", "/usr/bin/clang-16"], cwd=d,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        found = glob.glob(os.path.join(d, "*.tar.gz"))
    return found[0]


def pump_script(ctx):
    """Debian's distcc-pump with an include server that works (pump-include-server.sh)."""
    out = subprocess.run(["bash", os.path.join(HERE, "pump-include-server.sh"), ctx.work],
                         check=True, text=True, stdout=subprocess.PIPE).stdout
    return out.strip().splitlines()[-1]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--projects", default=",".join(projects_mod.ALL))
    ap.add_argument("--anchors", default="all", help="comma-separated names, or 'all'")
    ap.add_argument("--work", default=os.environ.get("BENCH_WORK", "/work/bench-work"))
    ap.add_argument("--results", default=os.path.join(HERE, "results", "results.json"))
    ap.add_argument("--doc", default=os.path.join(REPO, "docs", "PERFORMANCE.md"))
    ap.add_argument("--interleave", action="store_true",
                    help="rep after rep, each anchor in turn (see above)")
    ap.add_argument("--pump", help="the distcc-pump script of the distcc-pump anchor (default: "
                    "Debian's with the include server pump-include-server.sh rebuilds; "
                    "/usr/bin/distcc-pump shows the check failing on Debian's own)")
    ap.add_argument("--report-only", action="store_true",
                    help="rewrite --doc from an existing --results file, without building")
    args = ap.parse_args()
    if args.report_only:
        with open(args.results) as f:
            report.write(json.load(f), args.doc)
        return

    started = time.monotonic()
    ctx = Context(os.path.abspath(args.work))
    copy_binaries(ctx)
    ctx.icecc_env = icecc_toolchain(ctx)
    available = anchors_mod.make_all(ctx)
    wanted = list(available) if args.anchors == "all" else args.anchors.split(",")
    # The names from before the rename of "slave" to "worker" still work.
    older = {"cd-slaves": "cd-workers", "cd-slaves-preprocessed": "cd-workers-preprocessed"}
    wanted = [older.get(a, a) for a in wanted]
    unknown = [a for a in wanted if a not in available]
    if unknown:
        sys.exit(f"bench: unknown anchors: {', '.join(unknown)}")
    if "distcc-pump" in wanted:
        ctx.pump = args.pump or pump_script(ctx)

    data = {"started": datetime.datetime.now().isoformat(timespec="seconds"),
            "argv": sys.argv[1:], "cores": ctx.cores, "loadavg_start": os.getloadavg(),
            # The measured binary is built from a working tree, not a commit: name it by content.
            "clang_dist_sha256": subprocess.run(["sha256sum", os.path.join(ctx.bin, "clang-dist")],
                                                capture_output=True, text=True).stdout.split()[0],
            "projects": {}, "builds": [], "errors": []}

    def save():
        data["elapsed_s"] = round(time.monotonic() - started, 1)
        data["loadavg_end"] = os.getloadavg()
        os.makedirs(os.path.dirname(args.results), exist_ok=True)
        with open(args.results, "w") as f:
            json.dump(data, f, indent=1)

    projects = [projects_mod.ALL[name](ctx) for name in args.projects.split(",")]
    for p in projects:
        log(f"{p.name}: fetch, configure, capture the compile commands")
        p.fetch()
        p.configure()
        tus = p.capture_compiles()
        log(f"{p.name}: {tus} translation units; preprocessing micro-benchmark")
        data["projects"][p.name] = {"package": p.package, "source": os.path.basename(p.src),
                                    "lang": p.lang, "tus": tus, "configure": p.configure_argv(),
                                    "build": p.build_argv(), "preprocess": preprocess.run(p.capture)}
        save()

    def measure_reps(p, name, anchor, reps):
        """Starts \p anchor, builds \p p with it for each of \p reps, stops it."""
        try:
            log(f"{p.name}: {name}: starting")
            anchor.start()
            data["projects"][p.name].setdefault("anchors", {})[name] = {
                "env": {k: v for k, v in anchor.env().items() if k != "CLANG_DIST_RUNTIME_DIR"},
                "prefix": anchor.build_prefix, "daemons": [c.strip() for c in anchor.commands],
                "dist_conf": open(anchor.conf).read() if anchor.clang_dist else None}
            for rep in reps:
                r = measure.run(p, anchor, ctx, rep)
                log(f"{p.name}: {name}: rep {rep}: {r['wall_s']:.1f} s, exit {r['exit_code']}")
                data["builds"].append(r)
                save()
                if r["exit_code"] != 0:
                    raise RuntimeError(f"build failed, see {r['log']}")
                # A warm cache's build may compile nothing.
                if r.get("worker_tus") == 0 and not r.get("cache_hits"):
                    raise RuntimeError(f"no TU was compiled on a worker, see {r['log']}")
                try:
                    anchor.verify(r)
                except RuntimeError as e:
                    r["rejected"] = str(e)  # kept in the data, left out of the tables
                    save()
                    raise
            return True
        except Exception as e:  # one broken anchor must not cost the others
            traceback.print_exc()
            data["errors"].append({"project": p.name, "anchor": name, "error": str(e)})
            save()
            return False
        finally:
            anchor.stop()

    for p in projects:
        if not args.interleave:
            for name in wanted:
                measure_reps(p, name, available[name](), range(args.reps))
            continue
        anchors = {name: available[name]() for name in wanted}
        for rep in range(args.reps):
            for name in [n for n in wanted if n in anchors]:
                if not measure_reps(p, name, anchors[name], [rep]):
                    del anchors[name]

    save()
    report.write(data, args.doc)
    log(f"done in {data['elapsed_s']:.0f} s; {args.results}, {args.doc}")


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
