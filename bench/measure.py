"""One measured build of one project with one anchor."""
import glob
import os
import re
import shutil
import subprocess
import time

import cgroups
import netcount


def _proc_status(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])  # kB
    return 0


def _proc_cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _server_pid(runtime):
    for lock in glob.glob(os.path.join(runtime, "server-*.lock")):
        with open(lock) as f:
            text = f.read().strip()
        if text.isdigit() and os.path.exists(f"/proc/{text}"):
            return int(text)
    return None


def _server_snapshot(runtime):
    """Read while the idle server waits for its idle timeout, before it exits."""
    pid = _server_pid(runtime)
    if pid is None:
        return {"server_seen": False}
    snap = {"server_seen": True, "server_pid": pid,
            "server_vmhwm_kib": _proc_status(pid, "VmHWM"),
            "server_cpu_s": _proc_cpu_s(pid)}
    payload = netcount.tcp_payload_of(pid)
    snap["payload_sent"], snap["payload_received"] = payload["sent"], payload["received"]
    return snap


def _wait_gone(pid, timeout=30):
    end = time.monotonic() + timeout
    while os.path.exists(f"/proc/{pid}") and time.monotonic() < end:
        time.sleep(0.05)
    if os.path.exists(f"/proc/{pid}"):
        raise RuntimeError(f"clang-dist server {pid} did not exit within {timeout}s of idling")


def _server_log_summary(runtime):
    """Jobs per worker, jobs that ran on the client and the CPU spent preparing
    jobs (the scan or the preprocessing), from the server's log."""
    workers, local, prepare_ms = {}, 0, 0
    for log in glob.glob(os.path.join(runtime, "server-*.log")):
        with open(log, errors="replace") as f:
            for line in f:
                m = re.match(r".*\]   (\S+): (\d+) translation units", line)
                if m:
                    workers[m.group(1)] = workers.get(m.group(1), 0) + int(m.group(2))
                elif "running locally" in line:
                    local += 1
                m = re.match(r".*preparing jobs took (\d+) ms of CPU", line)
                if m:
                    prepare_ms += int(m.group(1))
    return {"worker_tus": sum(workers.values()), "client_fallbacks": local,
            "prepare_cpu_s": prepare_ms / 1000}


def _clean(project):
    project.clean()
    for o in glob.glob(os.path.join(project.build, "**", "*.o"), recursive=True):
        os.unlink(o)


def _unmeasured_build(project, anchor, rep, tag, env=None):
    """The builds an anchor's prepare() asks for, e.g. the cold build before a
    warm one. A clang-dist build has a runtime directory of its own, and its
    server is waited for: it has stored every result when it exits, and it
    must not serve the measured build."""
    _clean(project)
    name = f"{project.name}-{rep}-{tag}"
    log_path = os.path.join(anchor.dir, f"prepare-{name}.log")
    runtime = {}
    if anchor.clang_dist:
        runtime["CLANG_DIST_RUNTIME_DIR"] = os.path.join(anchor.dir, f"rt-prepare-{name}")
        shutil.rmtree(runtime["CLANG_DIST_RUNTIME_DIR"], ignore_errors=True)
    with open(log_path, "w") as log:
        p = subprocess.run(anchor.build_prefix + project.build_argv(), cwd=project.build,
                           env={**os.environ, **anchor.env(), **(env or {}), **runtime},
                           stdout=log, stderr=subprocess.STDOUT)
    if p.returncode != 0:
        raise RuntimeError(f"{anchor.name}: the unmeasured {tag} build failed, see {log_path}")
    pid = _server_pid(runtime["CLANG_DIST_RUNTIME_DIR"]) if runtime else None
    if pid is not None:
        _wait_gone(pid)


def run(project, anchor, ctx, rep):
    anchor.prepare(lambda tag, env=None: _unmeasured_build(project, anchor, rep, tag, env))
    _clean(project)
    if anchor.clang_dist:
        anchor.new_runtime_dir(f"{project.name}-{rep}")
    counter = netcount.PortCounter(anchor.ports) if anchor.ports else None
    if counter:
        counter.reset()
    groups = ("client", "compile", "clientd", "remote")
    before = {g: getattr(ctx, g).usage_s() for g in groups}
    log_path = os.path.join(anchor.dir, f"build-{project.name}-{rep}.log")
    env = {**os.environ, **anchor.env(), "BENCH_COMPILE_CGROUP": ctx.compile.path}
    rules = [(lambda argv: os.path.basename(argv[0]) == b"clang-dist-worker", ctx.remote),
             (lambda argv: any(a.endswith(b"include_server.py") for a in argv), ctx.compile)]
    anchor.begin()
    with cgroups.Mover(rules, [ctx.client, ctx.compile]), open(log_path, "w") as log:
        t0 = time.monotonic()
        p = subprocess.run(anchor.build_prefix + project.build_argv(), cwd=project.build, env=env,
                           stdout=log, stderr=subprocess.STDOUT, preexec_fn=ctx.client.joiner())
        wall = time.monotonic() - t0
        result = {"project": project.name, "anchor": anchor.name, "rep": rep,
                  "wall_s": round(wall, 3), "exit_code": p.returncode, "log": log_path}
        if anchor.clang_dist:
            result.update(_server_snapshot(anchor.runtime))
            if result["server_seen"]:
                _wait_gone(result["server_pid"])
            result.update(_server_log_summary(anchor.runtime))
    after = {g: getattr(ctx, g).usage_s() for g in groups}
    for g in after:
        result[f"cpu_{g}_s"] = round(after[g] - before[g], 3)
    if counter:
        result.update({f"net_{k}": v for k, v in counter.read().items()})
        counter.remove()
    result.update(anchor.end())
    result["objects"] = len(glob.glob(os.path.join(project.build, "**", "*.o"), recursive=True))
    return result
