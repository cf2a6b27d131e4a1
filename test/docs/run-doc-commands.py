#!/usr/bin/env python3
"""Runs the shell commands that README.md and docs/*.md show, as written.

  run-doc-commands.py SOURCE_DIR BIN_DIR WORK_DIR [DOC...]

Every ```sh block of the docs (or of the DOCs named, paths relative to
SOURCE_DIR) runs, in the order of each file, with `bash -e -o pipefail`:
each command's exit status counts. HTML comments right before a block (a
reader of the rendered page does not see them) change that; the convention
is in docs/BUILD.md:

  <!-- doc-test: skip: REASON -->   not run, and counted with REASON
  <!-- doc-test: fresh -->          runs in a fresh copy of the project
  <!-- doc-test: each alone -->     each command in a fresh copy of its own:
                                    the block lists alternatives
  <!-- doc-test: background on HOST... -->
                                    runs on each HOST, in the background,
                                    until the file's blocks are done; the
                                    next block starts once each has printed
                                    a line (a worker prints its ports)
  <!-- doc-test: before: COMMAND --> COMMAND first: what the text around
                                    the block says is the case (a build runs)
  <!-- doc-test: then: COMMAND -->  after the block, COMMAND checks what the
                                    doc claims happened

A block runs in the file's directory, WORK_DIR/NAME, which starts as a copy
of test/docs/project (a Makefile, two C files and a C++ one, CMake and Meson
files, a dist.conf naming no worker) and keeps what earlier blocks made, as
a reader's directory would.

The commands run in a sandbox that makes them real and keeps them from the
machine (Linux namespaces; needs root, as test/lit/fault-network.test):
a network of its own in which `buildbox1` and `buildbox2` (/etc/hosts) are
two more network namespaces linked by veth pairs, so that ports such as
63000 are free and a worker on 0.0.0.0 is reached by its host name, and
`cachehost` is a Redis on loopback (Debian's redis-server); /tmp
and /usr/local/bin of its own, the latter holding the build's programs, as
`cmake --install` would; a HOME of its own per file; processes of its own,
all of which end with it.
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import time

PROGRAMS = ["clang-dist", "clang-dist++", "clang-dist-server",
            "clang-dist-worker", "clangd-slave"]
HOSTS = {"buildbox1": 1, "buildbox2": 2}
BLOCK_TIMEOUT = 600
READY_TIMEOUT = 60
MARKER = r"\s*<!-- doc-test: (.*) -->\s*$"


class Block:
    def __init__(self, doc, line, text, directives):
        self.doc, self.line, self.text = doc, line, text
        self.directives = directives
        self.skip = self.before = self.then = self.background = None
        self.fresh = self.each_alone = False
        for d in directives:
            if d.startswith("skip:"):
                self.skip = d[len("skip:"):].strip()
            elif d == "fresh":
                self.fresh = True
            elif d == "each alone":
                self.each_alone = True
            elif d.startswith("background on "):
                self.background = d[len("background on "):].split()
            elif d.startswith("before:"):
                self.before = d[len("before:"):].strip()
            elif d.startswith("then:"):
                self.then = d[len("then:"):].strip()
            else:
                raise SystemExit("%s:%d: unknown doc-test directive %r" %
                                 (doc, line, d))
        for host in self.background or []:
            if host not in HOSTS:
                raise SystemExit("%s:%d: no host %r in the sandbox (%s)" %
                                 (doc, line, host, " ".join(HOSTS)))

    def where(self):
        return "%s:%d" % (self.doc, self.line)


def blocks_of(source_dir, doc):
    """The ```sh blocks of DOC, each with the directives of the HTML
    comments right before its fence."""
    lines = open(os.path.join(source_dir, doc)).read().split("\n")
    found, i = [], 0
    while i < len(lines):
        if lines[i].strip() != "```sh":
            i += 1
            continue
        directives, j = [], i - 1
        while j >= 0 and re.match(MARKER, lines[j]):
            directives.insert(0, re.match(MARKER, lines[j]).group(1).strip())
            j -= 1
        end = i + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        indent = len(lines[i]) - len(lines[i].lstrip())
        text = "\n".join(l[indent:] for l in lines[i + 1:end]) + "\n"
        found.append(Block(doc, i + 1, text, directives))
        i = end + 1
    markers = sum(1 for l in lines if re.match(MARKER, l))
    if markers != sum(len(b.directives) for b in found):
        raise SystemExit("%s: a doc-test marker is not right before a ```sh "
                         "block" % doc)
    return found


def commands_of(text):
    """The block's commands, a line each, with its continuation lines."""
    commands, current = [], ""
    for line in text.splitlines():
        current += line + "\n"
        if not line.endswith("\\"):
            if current.strip() and not current.lstrip().startswith("#"):
                commands.append(current)
            current = ""
    return commands


# ---- The sandbox: set up once, as the namespaces' first process. ----

def sh(*cmd):
    subprocess.run(cmd, check=True)


def set_up_sandbox(bin_dir, work_dir):
    for path in ("/tmp", "/usr/local/bin"):
        sh("mount", "-t", "tmpfs", "-o", "mode=1777" if path == "/tmp" else
           "mode=755", "tmpfs", path)
    for name in PROGRAMS:
        os.symlink(os.path.join(bin_dir, name),
                   os.path.join("/usr/local/bin", name))
    os.makedirs("/run/netns", exist_ok=True)
    sh("mount", "-t", "tmpfs", "tmpfs", "/run/netns")
    hosts = os.path.join(work_dir, "hosts")
    with open(hosts, "w") as f:
        f.write("127.0.0.1 localhost cachehost\n::1 localhost\n")
        for host, k in HOSTS.items():
            f.write("10.77.%d.2 %s\n" % (k, host))
    sh("mount", "--bind", hosts, "/etc/hosts")
    sh("ip", "link", "set", "lo", "up")
    subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", "6379",
                      "--save", "", "--appendonly", "no"],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + READY_TIMEOUT
    while subprocess.run(["redis-cli", "ping"], capture_output=True,
                         text=True).stdout.strip() != "PONG":
        if time.monotonic() > deadline:
            raise SystemExit("redis-server does not answer")
        time.sleep(0.05)
    for host, k in HOSTS.items():
        here, there = "dt%dh" % k, "dt%dt" % k
        sh("ip", "netns", "add", host)
        sh("ip", "link", "add", here, "type", "veth", "peer", "name", there)
        sh("ip", "link", "set", there, "netns", host)
        sh("ip", "addr", "add", "10.77.%d.1/24" % k, "dev", here)
        sh("ip", "link", "set", here, "up")
        sh("ip", "netns", "exec", host, "ip", "addr", "add",
           "10.77.%d.2/24" % k, "dev", there)
        sh("ip", "netns", "exec", host, "ip", "link", "set", there, "up")
        sh("ip", "netns", "exec", host, "ip", "link", "set", "lo", "up")


def environment(home):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CLANG_DIST_", "CCACHE_", "XDG_", "MAKE",
                                "MFLAGS"))}
    env.update(HOME=home, PATH="/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
               LC_ALL="C", TMPDIR="/tmp")
    env.pop("CC", None)
    env.pop("CXX", None)
    return env


class Runner:
    def __init__(self, source_dir, work_dir):
        self.source_dir, self.work_dir = source_dir, work_dir
        self.project = os.path.join(source_dir, "test", "docs", "project")
        self.copies = 0
        self.ran = self.failed = 0
        self.skipped = []

    def fresh_copy(self, name):
        self.copies += 1
        path = os.path.join(self.work_dir, "%s.%d" % (name, self.copies))
        shutil.copytree(self.project, path)
        return path

    def shell(self, script, cwd, env, log):
        """Runs SCRIPT; its exit status, its output in LOG."""
        with open(log, "a") as out:
            out.write("$ " + script.replace("\n", "\n  ").rstrip() + "\n")
            out.flush()
            try:
                return subprocess.run(
                    ["bash", "-e", "-o", "pipefail", "-c", script], cwd=cwd,
                    env=env, stdin=subprocess.DEVNULL, stdout=out,
                    stderr=subprocess.STDOUT, timeout=BLOCK_TIMEOUT).returncode
            except subprocess.TimeoutExpired:
                out.write("timed out after %d s\n" % BLOCK_TIMEOUT)
                return 124

    def report(self, block, ok, seconds, log):
        if ok:
            self.ran += 1
            print("ok    %s (%.1f s)" % (block.where(), seconds))
            return
        self.failed += 1
        print("FAIL  %s\n%s" % (block.where(), block.text.rstrip()))
        print("  output (%s):" % log)
        with open(log) as f:
            for line in f.read().splitlines()[-40:]:
                print("  | " + line)
        # What the local servers said, for a failure that is theirs.
        for runtime in sorted(glob.glob("/tmp/clang-dist-*/")):
            for server_log in sorted(glob.glob(runtime + "server-*.log")):
                print("  %s:" % server_log)
                with open(server_log) as f:
                    for line in f.read().splitlines()[-20:]:
                        print("  | " + line)

    def checked(self, block, script, cwd, env, log):
        """Runs the block's SCRIPT between its before and then commands."""
        return all(self.shell(step, cwd, env, log) == 0
                   for step in (block.before, script, block.then) if step)

    def start_background(self, block, cwd, env, log):
        started = []
        for host in block.background:
            out = "%s.%s.out" % (log, host)
            with open(out, "w") as f:
                p = subprocess.Popen(
                    ["ip", "netns", "exec", host, "bash", "-e", "-o",
                     "pipefail", "-c", block.text], cwd=cwd, env=env,
                    stdin=subprocess.DEVNULL, stdout=f,
                    stderr=subprocess.STDOUT)
            started.append((host, p, out))
        deadline = time.monotonic() + READY_TIMEOUT
        for host, p, out in started:
            while (p.poll() is None and not open(out).read().strip()
                   and time.monotonic() < deadline):
                time.sleep(0.05)
            with open(log, "a") as f:
                f.write("[%s]\n%s" % (host, open(out).read()))
            if p.poll() is not None or not open(out).read().strip():
                return started, False
        return started, True

    def run_doc(self, doc):
        name = doc.replace("/", "_")
        home = os.path.join(self.work_dir, name + ".home")
        os.makedirs(home)
        env = environment(home)
        cwd = self.fresh_copy(name)
        background = []
        for block in blocks_of(self.source_dir, doc):
            if block.skip:
                self.skipped.append((block.where(), block.skip))
                print("skip  %s: %s" % (block.where(), block.skip))
                continue
            log = os.path.join(self.work_dir, "%s.%d.log" % (name, block.line))
            start = time.monotonic()
            if block.background:
                started, ok = self.start_background(block, cwd, env, log)
                background += started
            elif block.each_alone:
                ok = all(self.checked(block, command, self.fresh_copy(name),
                                      env, log)
                         for command in commands_of(block.text))
            else:
                if block.fresh:
                    cwd = self.fresh_copy(name)
                ok = self.checked(block, block.text, cwd, env, log)
            self.report(block, ok, time.monotonic() - start, log)
        for host, p, out in background:
            p.terminate()
            p.wait()

    def summary(self):
        print("\n%d blocks ran, %d failed, %d not run:" %
              (self.ran + self.failed, self.failed, len(self.skipped)))
        for where, reason in self.skipped:
            print("  %s: %s" % (where, reason))
        return 1 if self.failed else 0


def docs_of(source_dir):
    return ["README.md"] + sorted(
        os.path.join("docs", name)
        for name in os.listdir(os.path.join(source_dir, "docs"))
        if name.endswith(".md"))


def main():
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    source_dir, bin_dir, work_dir = (os.path.abspath(a) for a in sys.argv[1:4])
    docs = sys.argv[4:] or docs_of(source_dir)
    if os.environ.get("DOC_COMMANDS_SANDBOX") != "inside":
        shutil.rmtree(work_dir, ignore_errors=True)
        os.makedirs(work_dir)
        # The script again, as the first process of namespaces of its own:
        # every process the commands leave behind ends with it.
        return subprocess.run(
            ["unshare", "--net", "--mount", "--pid", "--fork", "--mount-proc",
             sys.executable, os.path.abspath(__file__), source_dir, bin_dir,
             work_dir] + docs,
            env=dict(os.environ, DOC_COMMANDS_SANDBOX="inside")).returncode
    set_up_sandbox(bin_dir, work_dir)
    runner = Runner(source_dir, work_dir)
    for doc in docs:
        runner.run_doc(doc)
    return runner.summary()


if __name__ == "__main__":
    sys.exit(main())
