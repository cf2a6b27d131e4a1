#!/usr/bin/env python3
"""Helpers for clang-dist's lit tests: real processes, real sockets.

Every wait below that fails a test after SECONDS (spawn, wait-spawned,
wait-busy, wait-log, wait-pane, wait-no-server, wait-new-server,
wait-clients) counts them as an idle machine would: while more threads are runnable than there
are cores, a second counts for the share of a core each gets, and each
counts for less again in a sanitizer build ($CLANG_DIST_TEST_SLOWDOWN, which
lit sets). A loaded machine makes the tests slower, not red; a hang leaves
the cores idle and fails in about SECONDS all the same.

  start-workers DIR [--cores N] [--cache-size SIZE] [--secret FILE]
               [--config-line LINE]... [--bind ADDRESS] [--netns NAME]
               [--host HOSTS_DIR K] [--program NAME] [--key KEY]
               [--metrics ADDRESS:PORT] [--registry URL]
               [--registry-password FILE]
      Starts a real clang-dist-worker on loopback ports the system chooses and
      writes DIR/dist.conf naming them. The worker dies after --lifetime
      seconds at the latest, so a failing test leaves nothing behind. Its
      blob cache is DIR/cache, limited to SIZE (clang-dist-worker's --cache-size)
      if given; with --secret it serves only peers that prove FILE's secret.
      With --bind it listens on ADDRESS instead of 127.0.0.1 (and dist.conf
      names ADDRESS); with --netns it runs in the network namespace NAME
      (`ip netns exec`), as if on another host; --host HOSTS_DIR K means
      both, for host K that hosts-up HOSTS_DIR made. --program runs NAME
      from beside clang-dist-worker instead (clangd-slave, its older name),
      and --key names the slots with KEY lines in dist.conf (slave, the
      older name of worker). With --metrics the worker serves its metrics
      there (port 0: one the system chooses), and DIR/metrics.url names
      them (for scrape and http-probe). With --registry the worker keeps its
      entry in the farm's registry URL (redis://...; @FILE: the URL FILE
      holds, as start-redis writes it), and dist.conf names the farm
      (`farm URL`) instead of the slots; DIR/farm.id has the line a server
      logs when it joins ("farm worker HOST:FIRSTPORT joined");
      --registry-password passes the worker its option of that name.
  hosts-up DIR N [--loss PERCENT] [--rate RATE] [--lifetime SECONDS]
      Makes N "hosts" (Linux network namespaces, each linked to this one by
      a veth pair on a /24 of its own) for workers started with --host DIR K
      (K = 1..N), and prints "host K: ADDRESS" for each. Names and subnets
      derive from DIR's absolute path, so that tests (and the two modes) do
      not collide, and leftovers of an earlier run are removed first. A
      detached guard (hosts-guard) removes them after SECONDS (default 120)
      unless hosts-down did, or a later hosts-up of DIR took over. With
      --loss each host drops that share of the packets it receives and of
      those it sends (iptables' statistic match); with --rate, this side of
      each link sends at most RATE (tc tbf, e.g. 20mbit). Needs root. (No
      netem: kernels without it are common, so no fixed added delay.)
  hosts-down DIR
      Kills every process in DIR's hosts and removes them (and their links).
  host-link DIR K up|down
      Takes the link to host K down, or up again (this side of the pair).
  scrape DIR [CURL_ARGS]...
      Runs the real curl on the metrics of the worker start-workers started
      in DIR (`curl -sf --max-time 10 CURL_ARGS URL`), and exits with its
      code.
  http-probe DIR (--garbage | --big-head | --silent)
      Speaks to the metrics endpoint of the worker in DIR as a client that
      is no scraper: --garbage sends a TLS ClientHello's first bytes and a
      blank line, --big-head a GET whose head is 16 KiB; each prints the
      status line it gets ("closed" if none). --silent connects, sends
      nothing, and prints "closed by the endpoint" once the endpoint closes
      the connection (fails after 30 s; its deadline is 5).
  stop-workers DIR
      Stops it and prints each slot's "ADDRESS compiled N translation units"
      summary and "total: N".
  stop-server RUNTIME_DIR
      Stops every local server of RUNTIME_DIR (pids from the lock files) and
      waits until they are gone.
  server-pids RUNTIME_DIR
      Prints the pid of each running local server, one per line.
  wait-no-server RUNTIME_DIR SECONDS
      Waits until no local server of RUNTIME_DIR runs; fails after SECONDS.
  closed-port [CONFIG [LINE]...]
      Prints a loopback port nobody listens on; with CONFIG, also writes a
      config naming it ("worker 127.0.0.1:PORT"), then each LINE.
  start-redis DIR [--port PORT] [--lifetime SECONDS]
      Starts a real redis-server (Debian's) on loopback, on PORT or one the
      system chooses, with no persistence, and waits until it answers PING.
      Writes DIR/redis.port, DIR/redis.pid (for signal) and DIR/redis.url
      (redis://127.0.0.1:PORT); its log goes to DIR/redis.log. A detached
      guard (signal-guard) kills it after SECONDS (default 120), so a failing
      test leaves nothing behind.
  redis DIR ARG...
      Runs Debian's redis-cli on the redis-server start-redis started in DIR
      with the command ARG... and prints its reply. A last ARG @FILE stands
      for FILE's contents (a value of several lines, or a large one).
  blackhole DIR N [--lifetime SECONDS]
      Listens on N loopback ports the system chooses and never accepts a
      connection (the kernel completes TCP's handshake, then nothing answers:
      a worker whose host stopped without closing anything), and writes
      DIR/dist.conf naming them, one worker line each. Its pid goes to
      DIR/blackhole.pid (for signal); it exits after SECONDS (default 60).
      (blackhole-serve is its background half.)
  fake-worker DIR (--clang-version CLANG_VERSION | --refuse-jobs
              CLANG_VERSION | --probe CLANG_VERSION PATHS) [--lifetime SECONDS]
      Plays a worker of one slot on a loopback port the system chooses and
      writes DIR/dist.conf naming it. With --clang-version it refuses every
      handshake as a worker of that clang would (a version mismatch); with
      --refuse-jobs it accepts the handshake as a worker of that clang, and
      refuses every job as a worker of another build of clang-dist would
      (CompileResult with refused set). With --probe it is a rogue worker of
      the sources mode: it accepts the handshake, and for each job asks the
      server about each line of the file PATHS (a Lookup each), logs
      "PATH: KIND index=N" for each reply to DIR/probe.log (KIND File,
      Directory, Missing, NotADirectory, Unavailable or Refused), and then
      claims the job compiled (exit code 0, no outputs). CLANG_VERSION @FILE
      stands for the first line of FILE. It exits after SECONDS (default 60).
      (fake-worker-serve is its background half.)
  hello PORT VERSION CLANG_VERSION [--bad-proof]
      Sends a Hello with the given protocol and clang version to a worker and
      prints its HelloReply (the first frame it answers with). PORT may also
      be a dist.conf: its first worker (address and port; PORT alone is on
      loopback). CLANG_VERSION @FILE stands for
      the first line of FILE. With --bad-proof, then sends an Authenticate
      with a proof of no secret and prints the answer too.
  send-job PORT FILE [--local-files] [--declare BYTES] -- CC1ARGS...
      Sends a worker (PORT, or a dist.conf: its first slot) a preprocessed
      CompileJob of FILE with these cc1 arguments, as no local server would,
      and prints its exit code, diagnostics and number of outputs. With
      --declare, FILE's blob says it holds BYTES once decompressed.
  server-descendants RUNTIME_DIR
      Prints "PID NAME" for each process descended from a running local
      server of RUNTIME_DIR (its own worker, for instance).
  still-running FILE
      Prints each "PID NAME" line of FILE (as server-descendants wrote it)
      whose process still runs with that name.
  exit-code -- COMMAND...
      Runs COMMAND (its output goes where this one's goes), prints
      "exit code: N" and succeeds whatever N is: checked later, after the
      test has stopped what it started.
  with-umask MASK -- COMMAND...
      Runs COMMAND with the umask MASK (octal) and exits with its code.
  with-fd-limit N [--hard] -- COMMAND...
      Runs COMMAND with its soft limit of open descriptors (ulimit -n) set
      to N (with --hard, its hard limit too), and exits with its code. A
      local server it starts inherits the limits.
  server-fd-limit RUNTIME_DIR
      Prints "soft S hard H": the descriptor limits of the running local
      server of RUNTIME_DIR.
  hold-fds RUNTIME_DIR FILE -- COMMAND...
      Runs COMMAND as make runs a job: with an inheritable pipe (make's
      jobserver, which MAKEFLAGS names as make 4.3 does) and FILE open for
      reading and writing, inheritable too ({fd} in COMMAND stands for its
      descriptor). While COMMAND runs it looks at the processes descended
      from it every 10 ms, and once it exited at each running local server
      of RUNTIME_DIR and the processes descended from that, and prints for
      each "NAME: pipe P, file F, MAKEFLAGS M" (yes or no: whether the
      process holds that end of the pipe or FILE, whether its environment has
      MAKEFLAGS; NAME is "cc1" for a process with -cc1 among its arguments),
      as last seen; a fork of the client not yet running its program is no
      such process.
      Last, whether the pipe's reader saw its end within 2 seconds of
      COMMAND's exit ("pipe: end of file" or "pipe: still held open"), as
      make and `ninja | tee` wait for it. Exits with COMMAND's code.
  same-files REF DIR
      Compares each file of DIR with the file of the same name in REF;
      prints "N files, each the same as in REF" or fails naming those that
      differ or that REF lacks.
  flood-handshakes WORKERS_DIR [--tls]
      Floods the one slot of the worker in WORKERS_DIR with handshakes of a
      peer without the secret (frames declaring 1 GiB, a hundred half-sent
      Hellos; with --tls, TLS records too long and a hundred half-sent
      ClientHellos) and fails if the slot's peak resident size grew by
      16 MiB.
  count-lines GLOB TEXT MAX
      Prints how many lines of the files matching GLOB contain TEXT, and
      fails if there are more than MAX.
  mode FILE...
      Prints each FILE's permission bits in octal, and its name.
  interrupt-after SECONDS -- COMMAND...
      Runs COMMAND, sends it SIGTERM after SECONDS, and waits for it; fails
      if it ended sooner.
  parallel N [--gate] [--watch-server RUNTIME_DIR --max-fds F --new-fds K
           --max-hwm-mb M] -- COMMAND...
      Runs COMMAND N times at once ({} in it is replaced by the index) and
      prints "failed: K". With --gate, each COMMAND waits (flock(1) on a
      shared lock) until all N processes exist, and then all go at once.
      With --watch-server, also samples the running local server of
      RUNTIME_DIR (every 10 ms while the commands run; it must be the same
      server throughout) and prints its open descriptors before the
      commands started, at most while they ran (checked against F) and
      after they ended (checked to be at most K more than before: a leak),
      its descriptor limit (checked to be at least twice F), and its VmHWM
      (peak resident memory, checked against M MiB), each with "yes" or
      "NO".
  spawn DIR NAME [--timeout SECONDS] -- COMMAND...
      Starts COMMAND in the background (a session of its own; stdout to
      DIR/NAME.out, stderr to DIR/NAME.err, its pid in DIR/NAME.pid) and
      returns at once. When it ends, DIR/NAME.rc says "exit code: N"; if it
      still runs after SECONDS (default 60) its process group is killed and
      NAME.rc says so. (spawn-run is its background half.)
  wait-spawned DIR [--timeout SECONDS] NAME...
      Waits for each spawned NAME to end and prints "NAME: " and its NAME.rc.
      One still running after SECONDS (default 60, for all of them) is a
      hung client: its process group is killed and "NAME: hung" printed.
  worker-pids DIR [--supervisor | --slots]
      Prints "PID NAME" for the supervisor, then each slot process, of the
      worker that start-workers started in DIR (for signal and still-running);
      only the supervisor or only the slots if asked.
  wait-busy (--workers DIR | --server RUNTIME_DIR) [--count K]
            [--timeout SECONDS]
      Waits until K (default 1) slot processes are compiling: each used 0.3 s
      of CPU since the command started. The slots are those of the worker
      start-workers started in DIR, or those of the running local server's
      own worker (whichever server runs). Prints "PID NAME" of each; fails
      after SECONDS (default 30).
  wait-child PID_FILE ARG [--timeout SECONDS]
      Waits until a child of the process whose pid PID_FILE holds (as spawn
      writes it) runs a program with ARG among its arguments (so after its
      exec, not just its fork) and prints "PID NAME" of it; fails after
      SECONDS (default 30).
  kill-with-arg ARG
      Prints "PID NAME" of each process that runs with ARG among its
      arguments, and kills it (SIGKILL), so that a failing test leaves no
      such process behind.
  wait-gone FILE [--timeout SECONDS]
      Waits until no process of FILE's "PID NAME" lines (as wait-child,
      worker-pids and server-descendants print them) runs any more; fails
      after SECONDS (default 30), printing those still running.
  signal SIGNAL FILE... [--cont-after SECONDS]
      Sends SIGNAL (KILL, STOP, CONT, TERM or a number) to each process
      named by the first word of each line of the FILEs (as worker-pids,
      wait-busy and server-pids print them), in that order; one already gone
      is skipped. With --cont-after (for STOP), a detached guard sends them
      SIGCONT after SECONDS, so that a test that fails before it sends CONT
      itself leaves no stopped process behind. (signal-guard is that guard.)
  wait-log GLOB TEXT [--timeout SECONDS]
      Waits until a line containing TEXT appears in a file matching GLOB
      (a server log, say) and prints it; fails after SECONDS (default 30).
      TEXT @FILE stands for what FILE holds (a worker's farm.id, say).
  wait-pane SOCKET TEXT... [--timeout SECONDS]
      Waits until the screen of the tmux server at SOCKET (tmux -S; its
      current pane, as `tmux capture-pane -p` shows it) has a line
      containing each TEXT, and prints that screen (trailing blank lines
      dropped); fails after SECONDS (default 30), printing the last screen.
  stall-pipe FIFO PID_FILE GLOB TEXT [--timeout SECONDS]
      Opens the named pipe FIFO for reading, shrinks its buffer to one page
      and reads nothing until a writer has filled it (the writer then waits
      in its write); then sends SIGTERM to the process whose pid PID_FILE
      holds (as spawn writes it), waits until a line of a file matching GLOB
      contains TEXT, and then drains the pipe until the writer closes it.
      Fails after SECONDS (default 30) at any step.
  rewrite-backoffs RUNTIME_DIR PORTS_FILE TEXT
      Replaces the contents of the backoff file of RUNTIME_DIR (a local
      server's server-<hash>.backoff) that names the first port of
      PORTS_FILE (one a line, as closed-port prints them) with TEXT, in
      which {1}, {2}... stand for the ports of PORTS_FILE and \n for a line
      break.
  log-interval GLOB FROM TO MAX
      In the first file matching GLOB (a server log, say) with a line
      containing FROM, takes the first such line and the first after it
      containing TO, and prints the seconds between their timestamps and
      whether that is at most MAX ("yes" or "NO"); fails if there are no
      such lines.
  wait-new-server RUNTIME_DIR PID_FILE [--timeout SECONDS]
      Waits until a local server of RUNTIME_DIR runs whose pid is not in
      PID_FILE (as server-pids wrote it) and prints its pid; fails after
      SECONDS (default 30).
  wait-clients RUNTIME_DIR N [--timeout SECONDS]
      Waits until the running local servers of RUNTIME_DIR hold N client
      connections (accepted connections on their sockets: /proc/net/unix
      and the servers' descriptors); fails after SECONDS (default 30).
  unmount-under DIR
      Unmounts every file system mounted at or below DIR (a test's left-over
      tmpfs, say); succeeds if there is none.
  proxy DIR CONFIG [--lifetime SECONDS]
        [--cut-frame TYPE | --cut-after N | --forge lookup|blobs|result|header]
      Starts a TCP proxy on a loopback port the system chooses, forwarding
      to the first worker of CONFIG (a dist.conf). In the first Blobs frame
      (type 9) the server sends through it, it flips one byte of a blob's
      contents (inside a raw zstd block, so that the blob still decompresses
      but to other bytes) and logs "damaged blob HEX" to DIR/proxy.log. It
      writes DIR/dist.conf: a worker line naming itself, then every line of
      CONFIG. It dies after --lifetime seconds (default 60) at the latest.
      With --cut-frame TYPE it damages nothing; instead it forwards the first
      half (header included) of the first frame of that type (5 CompileJob,
      9 Blobs) the server sends, then closes both sides of that connection
      and logs "cut a frame of type TYPE after K of M bytes". With
      --cut-after N it closes both sides of the first connection to carry
      N bytes from the server once they went through, and logs "cut the
      connection after N bytes from the server". Either cut happens once;
      later connections are forwarded untouched. With --forge KIND it plays a
      rogue worker once, in the first frame of the kind it forges: "lookup"
      asks about a relative path instead of the first Lookup, "blobs" asks
      for contents of no file instead of it (a NeedBlobs), "result" names
      an answer never given in place of the first CompileResult, and
      "header" sends a frame header of no known type in its place; it
      logs "forged a frame of type T in place of one of type U". (proxy-serve
      is its background half.) The worker may be on any address CONFIG
      names. --listen-host HOSTS_DIR K makes the proxy listen on this side's
      address of host K's link (not loopback, so a server speaks TLS to
      it) and name that in DIR/dist.conf; --record writes every byte it
      forwards, both ways, to DIR/recording.bin; --pass forwards bytes as
      they come and damages nothing; --flip-after N forwards bytes as they
      come and flips one bit of the N+1th byte the worker sends, once, and
      logs "flipped byte N from the worker"; --flip-to-worker N does the
      same to the N+1th byte the server sends, and logs "flipped byte N from
      the server".
  stop-proxy DIR
      Stops the proxy of DIR.
  find-blob CACHE_DIR FILE
      Prints the name (the hex digest) of the blob in a worker's cache whose
      contents are FILE's; fails if there is none.
  damage-blob CACHE_DIR FILE
      Finds the blob whose contents are FILE's, rewrites one of its bytes in
      place (same path, size and mtime), and prints its name.
  age-blobs CACHE_DIR SECONDS FILE...
      Sets the mtime (a blob's last use) of the blobs whose contents are the
      FILEs' to SECONDS ago.
  cache-stats CACHE_DIR LIMIT
      Prints the blob cache's file count and bytes (all files but "lock"),
      whether they are within LIMIT bytes (K, M, G suffixes), and whether
      the count in "lock" equals those bytes.
  traffic LOG...
      Prints "sent N" for each "traffic:" line of local server logs (one per
      server life), and for each after the first, what percentage of the
      first it is.
"""
import fcntl
import os
import signal
import re
import socket
import struct
import subprocess
import sys
import time


def start_workers(args):
    out_dir = args[0]
    cores, lifetime, extra, cache_size, secret = 2, 600, [], [], []
    bind, netns, program, key = "127.0.0.1", [], None, "worker"
    metrics, registry, registry_password = [], None, []
    rest = args[1:]
    while rest:
        if rest[0] == "--bind":
            bind = rest[1]
        elif rest[0] == "--netns":
            netns = [sbin("ip"), "netns", "exec", rest[1]]
        elif rest[0] == "--host":
            host = host_names(rest[1], int(rest[2]))
            netns = [sbin("ip"), "netns", "exec", host["netns"]]
            bind = host["there"]
            rest = rest[1:]
        elif rest[0] == "--cores":
            cores = int(rest[1])
        elif rest[0] == "--lifetime":
            lifetime = int(rest[1])
        elif rest[0] == "--config-line":
            extra.append(rest[1])
        elif rest[0] == "--cache-size":
            cache_size = ["--cache-size", rest[1]]
        elif rest[0] == "--secret":
            secret = ["--secret", rest[1]]
        elif rest[0] == "--program":
            program = rest[1]
        elif rest[0] == "--key":
            key = rest[1]
        elif rest[0] == "--metrics":
            metrics = ["--metrics", rest[1]]
        elif rest[0] == "--registry":
            registry = rest[1]
            if registry.startswith("@"):
                registry = open(registry[1:]).read().strip()
        elif rest[0] == "--registry-password":
            registry_password = ["--registry-password", rest[1]]
        else:
            sys.exit("unknown option " + rest[0])
        rest = rest[2:]
    worker = os.environ["CLANG_DIST_WORKER"]
    if program:
        worker = os.path.join(os.path.dirname(worker), program)
    os.makedirs(out_dir, exist_ok=True)
    log = open(os.path.join(out_dir, "workers.log"), "w")
    proc = subprocess.Popen(
        netns +
        ["timeout", "-s", "TERM", str(lifetime), worker, "--cores", str(cores),
         "--port", "0", "--bind", bind,
         "--cache-dir", os.path.join(out_dir, "cache")] + cache_size + secret +
        metrics + (["--registry", registry] if registry else []) +
        registry_password,
        stdout=subprocess.PIPE, stderr=log, start_new_session=True)
    ports = []
    while len(ports) < cores:
        line = proc.stdout.readline().decode()
        if not line:
            sys.exit("clang-dist-worker exited before listening")
        ports.append(int(line.rsplit(":", 1)[1]))
    if metrics:
        line = proc.stdout.readline().decode()
        if " metrics on " not in line:
            sys.exit("clang-dist-worker did not say where its metrics are")
        with open(os.path.join(out_dir, "metrics.url"), "w") as f:
            f.write("http://%s/metrics\n" % line.split(" metrics on ")[1].strip())
    with open(os.path.join(out_dir, "workers.pid"), "w") as f:
        f.write(str(proc.pid))
    with open(os.path.join(out_dir, "dist.conf"), "w") as f:
        for port in ports if not registry else []:
            f.write("%s %s:%d\n" % (key, bind, port))
        if registry:
            f.write("farm %s\n" % registry)
            with open(os.path.join(out_dir, "farm.id"), "w") as g:
                g.write("farm worker %s:%d joined\n" % (bind, ports[0]))
        f.write("idle-timeout 5\n")
        # The mode lit runs the suite in; a test's own lines come later and
        # so win.
        f.write("mode %s\n" % os.environ["CLANG_DIST_TEST_MODE"])
        for line in extra:
            f.write(line + "\n")


def metrics_url(out_dir):
    with open(os.path.join(out_dir, "metrics.url")) as f:
        return f.read().strip()


def scrape(args):
    url = metrics_url(args[0])
    sys.exit(subprocess.call(["curl", "-sf", "--max-time", "10"] + args[1:] +
                             [url]))


def http_probe(args):
    host_port = metrics_url(args[0]).split("//")[1].split("/")[0]
    host, port = host_port.rsplit(":", 1)
    s = socket.create_connection((host.strip("[]"), int(port)), timeout=30)
    if args[1] == "--silent":
        try:
            if s.recv(1) == b"":
                print("closed by the endpoint")
                return
        except socket.timeout:
            pass
        sys.exit("the endpoint did not close a silent connection")
    if args[1] == "--garbage":
        s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n")
    elif args[1] == "--big-head":
        s.sendall(b"GET /metrics HTTP/1.1\r\nX-Big: " + b"a" * 16384 +
                  b"\r\n\r\n")
    else:
        sys.exit("unknown option " + args[1])
    got = b""
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
    except ConnectionResetError:
        pass
    print(got.split(b"\r\n")[0].decode() if got else "closed")


def core_share():
    """The share of a core that a runnable thread gets right now."""
    with open("/proc/stat") as f:
        running = next(int(l.split()[1]) for l in f
                       if l.startswith("procs_running "))
    # This process is one of them.
    return min(1.0, os.cpu_count() / max(1, running - 1))


class Deadline:
    """SECONDS of waiting, counted as the module's docstring says."""

    def __init__(self, seconds):
        self.left = seconds * float(
            os.environ.get("CLANG_DIST_TEST_SLOWDOWN", "1"))
        self.last = time.monotonic()

    def passed(self):
        now = time.monotonic()
        self.left -= (now - self.last) * core_share()
        self.last = now
        return self.left <= 0


def host_names(hosts_dir, k):
    import hashlib
    key = hashlib.sha1(os.path.abspath(hosts_dir).encode()).hexdigest()
    a = 100 + int(key[0:2], 16) % 100
    b = (int(key[2:4], 16) % 60) * 4 + k
    return {"netns": "cdist-%s-%d" % (key[:6], k),
            "here_if": "cd%sh%d" % (key[:6], k),
            "there_if": "cd%st%d" % (key[:6], k),
            "here": "10.%d.%d.1" % (a, b), "there": "10.%d.%d.2" % (a, b),
            "prefix": "cdist-%s-" % key[:6], "if_prefix": "cd%s" % key[:6]}


def sbin(name):
    """A system tool, also where a user's PATH (and lit's) does not look."""
    import shutil
    return shutil.which(name, path=os.pathsep.join(
        [os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])) or name


def run(*cmd):
    subprocess.check_call(list(cmd))


def hosts_down(args):
    try:
        os.unlink(os.path.join(args[0], "hosts.token"))
    except OSError:
        pass
    names = host_names(args[0], 0)
    netns = subprocess.run([sbin("ip"), "netns", "list"], capture_output=True,
                           text=True).stdout.split()
    for name in netns:
        if not name.startswith(names["prefix"]):
            continue
        pids = subprocess.run([sbin("ip"), "netns", "pids", name],
                              capture_output=True, text=True).stdout.split()
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in pids:
                try:
                    os.kill(int(pid), sig)
                except ProcessLookupError:
                    pass
            for _ in range(100):
                if all(process_name(int(p)) is None for p in pids):
                    break
                time.sleep(0.05)
        subprocess.call([sbin("ip"), "netns", "del", name])
    links = subprocess.run([sbin("ip"), "-o", "link", "show"],
                           capture_output=True, text=True).stdout.splitlines()
    for line in links:
        name = line.split(":")[1].strip().split("@")[0]
        if name.startswith(names["if_prefix"]):
            subprocess.call([sbin("ip"), "link", "del", name])


def hosts_up(args):
    hosts_dir, n, rest = args[0], int(args[1]), args[2:]
    loss, rate, lifetime = None, None, 120
    while rest:
        if rest[0] == "--loss":
            loss = float(rest[1]) / 100
        elif rest[0] == "--rate":
            rate = rest[1]
        elif rest[0] == "--lifetime":
            lifetime = float(rest[1])
        else:
            sys.exit("unknown option " + rest[0])
        rest = rest[2:]
    hosts_down([hosts_dir])
    os.makedirs(hosts_dir, exist_ok=True)
    token = os.urandom(8).hex()
    write_atomically(os.path.join(hosts_dir, "hosts.token"), token)
    subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "hosts-guard", hosts_dir,
         token, str(lifetime)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True)
    for k in range(1, n + 1):
        h = host_names(hosts_dir, k)
        ip = sbin("ip")
        ns = [ip, "netns", "exec", h["netns"]]
        run(ip, "netns", "add", h["netns"])
        run(ip, "link", "add", h["here_if"], "type", "veth", "peer", "name",
            h["there_if"])
        run(ip, "link", "set", h["there_if"], "netns", h["netns"])
        run(ip, "addr", "add", h["here"] + "/24", "dev", h["here_if"])
        run(ip, "link", "set", h["here_if"], "up")
        run(*ns, ip, "addr", "add", h["there"] + "/24", "dev", h["there_if"])
        run(*ns, ip, "link", "set", h["there_if"], "up")
        run(*ns, ip, "link", "set", "lo", "up")
        if loss:
            for chain in ("INPUT", "OUTPUT"):
                run(*ns, sbin("iptables"), "-A", chain, "-m", "statistic",
                    "--mode", "random", "--probability", str(loss), "-j",
                    "DROP")
        if rate:
            run(sbin("tc"), "qdisc", "add", "dev", h["here_if"], "root", "tbf",
                "rate", rate, "burst", "32kbit", "latency", "100ms")
        print("host %d: %s" % (k, h["there"]))


def hosts_guard(args):
    hosts_dir, token, lifetime = args[0], args[1], float(args[2])
    token_file = os.path.join(hosts_dir, "hosts.token")
    deadline = time.time() + lifetime
    while time.time() < deadline:
        time.sleep(1)
        try:
            current = open(token_file).read()
        except OSError:
            current = None
        if current != token:
            return  # hosts-down ran, or a new run made the hosts its own
    hosts_down([hosts_dir])


def host_link(args):
    h = host_names(args[0], int(args[1]))
    run(sbin("ip"), "link", "set", h["here_if"], args[2])


def stop_workers(args):
    out_dir = args[0]
    pid = int(open(os.path.join(out_dir, "workers.pid")).read())
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    # Gone, or a zombie: its parent (start-workers) exited, and whoever
    # inherited it may take its time to reap it.
    for _ in range(200):
        if process_name(pid) is None:
            break
        time.sleep(0.05)
    total = 0
    for line in open(os.path.join(out_dir, "workers.log")):
        summary = re.search(r"\S+ compiled (\d+) translation units", line)
        if summary:
            print(summary.group(0))
            total += int(summary.group(1))
    print("total: %d" % total)


def server_pids(runtime_dir):
    pids = []
    if not os.path.isdir(runtime_dir):
        return pids
    for name in os.listdir(runtime_dir):
        if not name.endswith(".lock"):
            continue
        path = os.path.join(runtime_dir, name)
        with open(path) as f:
            try:
                # A lock we can take is held by nobody: no server.
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(f, fcntl.LOCK_UN)
                continue
            except BlockingIOError:
                pass
            text = f.read().strip()
        if text:
            pids.append(int(text))
    return pids


def wait_no_server(runtime_dir, seconds):
    deadline = Deadline(seconds)
    while server_pids(runtime_dir):
        if deadline.passed():
            sys.exit("a local server still runs after %s seconds" % seconds)
        time.sleep(0.1)


def stop_server(args):
    for pid in server_pids(args[0]):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    wait_no_server(args[0], 30)


def closed_port(args):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    print(port)
    if args:
        with open(args[0], "w") as f:
            f.write("worker 127.0.0.1:%d\n" % port)
            for line in args[1:]:
                f.write(line + "\n")


def redis(args):
    port = open(os.path.join(args[0], "redis.port")).read().strip()
    words, value = args[1:], None
    # The value goes on stdin (redis-cli -x): it may be larger than a
    # command line may be.
    if words and words[-1].startswith("@"):
        value = open(words.pop()[1:], "rb")
    sys.exit(subprocess.call(["/usr/bin/redis-cli", "-p", port] +
                             (["-x"] if value else []) + words, stdin=value))


def start_redis(args):
    out_dir, port, lifetime = args[0], None, 120.0
    rest = args[1:]
    while rest:
        if rest[0] == "--port":
            port = int(rest[1])
        elif rest[0] == "--lifetime":
            lifetime = float(rest[1])
        else:
            sys.exit("start-redis: unknown option %s" % rest[0])
        rest = rest[2:]
    os.makedirs(out_dir, exist_ok=True)
    if port is None:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
    log = open(os.path.join(out_dir, "redis.log"), "w")
    proc = subprocess.Popen(
        ["/usr/bin/redis-server", "--port", str(port), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no", "--dir",
         os.path.abspath(out_dir)],
        stdin=subprocess.DEVNULL, stdout=log, stderr=log,
        start_new_session=True)
    subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "signal-guard", "KILL",
         str(lifetime), "%d:%s" % (proc.pid, "redis-server")],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = Deadline(30)
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), 1) as c:
                c.sendall(b"*1\r\n$4\r\nPING\r\n")
                if c.recv(16).startswith(b"+PONG"):
                    break
        except OSError:
            pass
        if proc.poll() is not None or deadline.passed():
            sys.exit("start-redis: redis-server did not answer on port %d "
                     "(see %s)" % (port, log.name))
        time.sleep(0.05)
    for name, text in [("redis.port", "%d\n" % port),
                       ("redis.pid", "%d redis-server\n" % proc.pid),
                       ("redis.url", "redis://127.0.0.1:%d\n" % port)]:
        with open(os.path.join(out_dir, name), "w") as f:
            f.write(text)


def blackhole(args):
    out_dir, n, lifetime = args[0], int(args[1]), 60
    if args[2:3] == ["--lifetime"]:
        lifetime = float(args[3])
    os.makedirs(out_dir, exist_ok=True)
    proc = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "blackhole-serve", str(n),
         str(lifetime)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, start_new_session=True)
    ports = [int(proc.stdout.readline()) for _ in range(n)]
    with open(os.path.join(out_dir, "blackhole.pid"), "w") as f:
        f.write("%d\n" % proc.pid)
    with open(os.path.join(out_dir, "dist.conf"), "w") as f:
        for port in ports:
            f.write("worker 127.0.0.1:%d\n" % port)


def blackhole_serve(args):
    sockets = []
    for _ in range(int(args[0])):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        sockets.append(s)
        print(s.getsockname()[1], flush=True)
    time.sleep(float(args[1]))


def fake_worker(args):
    out_dir, mode, clang_version = args[0], args[1], args[2]
    probes, rest = "", args[3:]
    if mode == "--probe":
        probes, rest = os.path.abspath(rest[0]), rest[1:]
    lifetime = rest[1] if rest[:1] == ["--lifetime"] else "60"
    if clang_version.startswith("@"):
        with open(clang_version[1:]) as f:
            clang_version = f.readline().rstrip("\n")
    os.makedirs(out_dir, exist_ok=True)
    proc = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "fake-worker-serve", mode,
         clang_version, lifetime, probes,
         os.path.join(os.path.abspath(out_dir), "probe.log")],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, start_new_session=True)
    port = int(proc.stdout.readline())
    with open(os.path.join(out_dir, "fake-worker.pid"), "w") as f:
        f.write("%d\n" % proc.pid)
    with open(os.path.join(out_dir, "dist.conf"), "w") as f:
        f.write("worker 127.0.0.1:%d\n" % port)


PATH_KINDS = {1: "File", 2: "Directory", 3: "Missing", 4: "NotADirectory",
              5: "Unavailable", 6: "Refused"}


def fake_worker_serve(args):
    import threading
    mode, clang_version, lifetime = args[0], args[1], float(args[2])
    probes, probe_log = args[3], args[4]
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    print(listener.getsockname()[1], flush=True)

    def hello_reply(accepted, reason):
        return frame(2, bytes([accepted]) +
                     struct.pack("<I", protocol_version()) +
                     string(clang_version) + string(reason) + bytes(1 + 64) +
                     struct.pack("<I", 1000))

    def serve(conn):
        with conn:
            try:
                _, _, rest = read_frame(conn, b"")
                if mode == "--clang-version":
                    conn.sendall(hello_reply(0, "clang version mismatch: peer "
                                             "has another, this worker has "
                                             "'%s'" % clang_version))
                    return
                conn.sendall(hello_reply(1, ""))
                while True:
                    msg_type, body, rest = read_frame(conn, rest)
                    if msg_type != 5:
                        continue
                    (job_id,) = struct.unpack("<Q", body[:8])
                    if mode == "--probe":
                        rest = probe(conn, job_id, rest)
                        # Compiled, it says: exit code 0, no diagnostics,
                        # outputs, answers used nor inputs.
                        conn.sendall(frame(6, struct.pack(
                            "<QiIII", job_id, 0, 0, 0, 0) + b"\0\0" +
                            struct.pack("<I", 0) + b"\0"))
                        continue
                    conn.sendall(frame(6, struct.pack("<Qi", job_id, 0) +
                                       string("option '-fake' is not one a "
                                              "worker runs") +
                                       struct.pack("<II", 0, 0) +
                                       bytes([0, 1]) +
                                       struct.pack("<I", 0) + bytes([0])))
            except (OSError, SystemExit):
                pass

    def probe(conn, job_id, rest):
        """Asks about each path of the probes file; returns what was read
        past the last reply."""
        with open(probes) as f:
            paths = [line.rstrip("\n") for line in f if line.strip()]
        with open(probe_log, "a") as log:
            for path in paths:
                conn.sendall(frame(11, struct.pack("<Q", job_id) +
                                   string(path)))
                msg_type = None
                while msg_type != 12:
                    msg_type, body, rest = read_frame(conn, rest)
                _, index, kind = struct.unpack("<QIB", body[:13])
                log.write("%s: %s index=%d\n" %
                          (path, PATH_KINDS.get(kind, str(kind)), index))
                log.flush()
        return rest

    def accept():
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    time.sleep(lifetime)


def protocol_version():
    """ProtocolVersion of lib/Protocol/Messages.h, the one place it is set."""
    header = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                          "..", "lib", "Protocol", "Messages.h")
    with open(header) as f:
        return int(re.search(r"ProtocolVersion = (\d+);", f.read()).group(1))


def frame(msg_type, payload):
    return struct.pack("<II", msg_type, len(payload)) + payload


def string(s):
    b = s.encode()
    return struct.pack("<I", len(b)) + b


def read_frame(s, data):
    """Reads one frame from socket s, after the bytes already in data;
    returns (type, payload, bytes left over)."""
    while len(data) < 8 or len(data) < 8 + struct.unpack("<I", data[4:8])[0]:
        chunk = s.recv(65536)
        if not chunk:
            sys.exit("connection closed after %d bytes of the reply" % len(data))
        data += chunk
    msg_type, length = struct.unpack("<II", data[:8])
    return msg_type, data[8:8 + length], data[8 + length:]


def print_hello_reply(msg_type, body):
    accepted = body[0]
    (reply_version,) = struct.unpack("<I", body[1:5])
    (n,) = struct.unpack("<I", body[5:9])
    clang = body[9:9 + n].decode()
    (m,) = struct.unpack("<I", body[9 + n:13 + n])
    reason = body[13 + n:13 + n + m].decode()
    auth = body[13 + n + m] if len(body) > 13 + n + m else 0
    print("type=%d accepted=%d version=%d auth=%d" %
          (msg_type, accepted, reply_version, auth))
    print("clang=%s" % clang)
    print("reason=%s" % reason)


def hello(args):
    port, version, clang_version = args[0], int(args[1]), args[2]
    bad_proof = args[3:] == ["--bad-proof"]
    host = "127.0.0.1"
    if port.isdigit():
        port = int(port)
    else:
        host, port = first_worker(port).rsplit(":", 1)
        port = int(port)
    if clang_version.startswith("@"):
        with open(clang_version[1:]) as f:
            clang_version = f.readline().rstrip("\n")
    # The challenge of version 2's authentication.
    payload = (struct.pack("<II", 0x54534443, version) + string(clang_version) +
               string("lit test") + string("lit") + os.urandom(32))
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(frame(1, payload))
        # A worker that accepts keeps the connection open for jobs: read one
        # frame, not until the end of the stream.
        msg_type, body, rest = read_frame(s, b"")
        print_hello_reply(msg_type, body)
        if bad_proof:
            # An Authenticate whose proof knows no secret: the worker answers
            # with a refusal.
            s.sendall(frame(10, bytes(32)))
            msg_type, body, rest = read_frame(s, rest)
            print_hello_reply(msg_type, body)


def zstd_frame(data):
    """One zstd frame holding data as a single raw block, with its content
    size declared, as clang-dist's decoders require (data < 128 KiB)."""
    descriptor = (2 << 6) | (1 << 5)  # 4-byte content size, single segment
    block = 1 | (len(data) << 3)      # last block, raw
    return (struct.pack("<IB", 0xFD2FB528, descriptor) +
            struct.pack("<I", len(data)) + struct.pack("<I", block)[:3] + data)


def send_job(args):
    """send-job PORT FILE [--local-files] -- CC1ARGS...: a preprocessed-mode
    CompileJob that carries FILE at its absolute path, as no local server
    would send it; with --local-files, a job that carries nothing and names
    the worker's own files; with --declare BYTES, FILE's blob declares that
    many bytes, whatever it holds."""
    port, path, rest = args[0], args[1], args[args.index("--") + 1:]
    options = args[2:args.index("--")]
    local_files = "--local-files" in options
    declared = (int(options[options.index("--declare") + 1])
                if "--declare" in options else None)
    if not port.isdigit():
        with open(port) as f:
            port = next(l.split()[1].rsplit(":", 1)[1] for l in f
                        if l.startswith("worker "))
    path = os.path.abspath(path)
    with open(path, "rb") as f:
        source = f.read()
    files = (struct.pack("<I", 0) if local_files else
             struct.pack("<I", 1) + string(path) +
             struct.pack("<Q", len(source) if declared is None else declared) +
             struct.pack("<I", len(zstd_frame(source))) + zstd_frame(source))
    job = (struct.pack("<QB", 7, 3 if local_files else 1) + string(os.getcwd()) +
           struct.pack("<I", len(rest)) + b"".join(string(a) for a in rest) +
           files)
    clang_version = subprocess.run(["clang-16", "--version"], capture_output=True,
                                   text=True).stdout.splitlines()[0]
    hello_payload = (struct.pack("<II", 0x54534443, protocol_version()) +
                     string(clang_version) +
                     string("lit test") + string("lit") + os.urandom(32))
    with socket.create_connection(("127.0.0.1", int(port)), timeout=30) as s:
        s.sendall(frame(1, hello_payload))
        msg_type, body, rest_bytes = read_frame(s, b"")
        if msg_type != 2 or body[0] != 1:
            sys.exit("handshake refused")
        s.sendall(frame(5, job))
        while True:
            msg_type, body, rest_bytes = read_frame(s, rest_bytes)
            if msg_type != 7:  # heartbeats
                break
    if msg_type != 6:
        sys.exit("expected a CompileResult, got frame type %d" % msg_type)
    exit_code, n = struct.unpack("<iI", body[8:16])
    print("exit code: %d" % exit_code)
    sys.stdout.write(body[16:16 + n].decode())
    (outputs,) = struct.unpack("<I", body[16 + n:20 + n])
    print("outputs: %d" % outputs)
    # After the flags come the inputs (an empty list but for LocalFiles jobs)
    # and the caching byte: refused is the sixth byte from the end.
    print("refused: %d" % body[-6])


def flood_handshakes(args):
    """flood-handshakes WORKERS_DIR: what a peer without the secret can do to
    the one slot of the worker start-workers started in WORKERS_DIR. Sends
    frames that declare far more than they carry (three Hellos of 1 GiB; three
    Hellos followed by an Authenticate of 1 GiB) and waits until the slot has
    closed each; then opens a hundred connections that each send a Hello
    header of 64 KiB and most of its payload, and waits for the slot's log to
    say it stopped accepting. Prints how much the slot's peak resident size
    grew and fails if that is 16 MiB or more. With --tls the same in TLS,
    which the slot starts on a connection's first byte, on loopback too:
    three TLS records that declare 64 KiB (more than TLS allows), then a
    hundred connections that each send most of a 16 KiB record."""
    out_dir = args[0]
    tls = args[1:] == ["--tls"]
    holders, limit_kib = 100, 16 * 1024
    slot = worker_processes(out_dir)[1]
    conf = os.path.join(out_dir, "dist.conf")
    port = first_worker_port(conf)
    before = proc_status(slot, "VmHWM")
    clang_version = subprocess.run(["clang-16", "--version"], capture_output=True,
                                   text=True).stdout.splitlines()[0]
    hello = frame(1, struct.pack("<II", 0x54534443, protocol_version()) +
                  string(clang_version) + string("lit test") + string("lit") +
                  os.urandom(32))
    oversized = []
    for _ in range(3):
        s = socket.create_connection(("127.0.0.1", port), timeout=60)
        if tls:
            s.sendall(b"\x16\x03\x01\xff\xff" + b"x" * 100)
        else:
            s.sendall(struct.pack("<II", 1, 1 << 30) + b"x" * 100)
        oversized.append(s)
    for _ in range(0 if tls else 3):
        s = socket.create_connection(("127.0.0.1", port), timeout=60)
        s.sendall(hello)
        read_frame(s, b"")
        s.sendall(struct.pack("<II", 10, 1 << 30) + b"x" * 100)
        oversized.append(s)
    for s in oversized:
        # The slot closes each (a refusing HelloReply may come first; the
        # bytes it did not read make it a reset).
        try:
            while s.recv(65536):
                pass
        except ConnectionResetError:
            pass
        s.close()
    held = []
    for _ in range(holders):
        s = socket.create_connection(("127.0.0.1", port), timeout=60)
        if tls:
            s.sendall(b"\x16\x03\x01\x40\x00\x01\x00\x3f\xfc" +
                      b"h" * 15000)
        else:
            s.sendall(struct.pack("<II", 1, 64 << 10) + b"h" * 60000)
        held.append(s)
    wait_log([os.path.join(out_dir, "workers.log"),
              "connections in their handshake", "--timeout", "120"])
    grown = proc_status(slot, "VmHWM") - before
    for s in held:
        s.close()
    print("peak resident size grew by %s KiB" %
          ("less than %d" % limit_kib if grown < limit_kib else grown))
    if grown >= limit_kib:
        sys.exit("the slot's peak resident size grew by %d KiB" % grown)


# What /proc/PID/stat calls a worker's processes: the kernel keeps the first
# 15 bytes of the program's name ("clang-dist-work"), or clangd-slave when it
# was started by its older name.
WORKER_NAMES = ("clang-dist-worker"[:15], "clangd-slave")


def process_name(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except OSError:
        return None
    if stat[stat.rindex(")") + 2] == "Z":
        return None  # a zombie runs no more
    return stat[stat.index("(") + 1:stat.rindex(")")]


def server_descendants(runtime_dir):
    parent_of = parents()
    found = set(server_pids(runtime_dir))
    roots = set(found)
    while True:
        more = {p for p, pp in parent_of.items() if pp in found and p not in found}
        if not more:
            break
        found |= more
    for pid in sorted(found - roots):
        name = process_name(pid)
        if name:
            print("%d %s" % (pid, name))


def running(path):
    """The "PID NAME" lines of the file PATH whose process still runs."""
    left = []
    for line in open(path):
        pid, name = line.split()
        if process_name(int(pid)) == name:
            left.append(line.rstrip())
    return left


def still_running(path):
    for line in running(path):
        print(line)


def exit_code(args):
    assert args[0] == "--"
    sys.stdout.flush()
    print("exit code: %d" % subprocess.call(args[1:]))


def with_umask(args):
    assert args[1] == "--"
    os.umask(int(args[0], 8))
    sys.exit(subprocess.call(args[2:]))


def with_fd_limit(args):
    import resource
    n, rest = int(args[0]), args[1:]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if rest[0] == "--hard":
        hard, rest = n, rest[1:]
    assert rest[0] == "--"
    resource.setrlimit(resource.RLIMIT_NOFILE, (n, hard))
    sys.exit(subprocess.call(rest[1:]))


def server_fd_limit(args):
    pids = server_pids(args[0])
    if len(pids) != 1:
        sys.exit("%d local servers run, not one" % len(pids))
    with open("/proc/%d/limits" % pids[0]) as f:
        for line in f:
            if line.startswith("Max open files"):
                print("soft %s hard %s" % tuple(line.split()[3:5]))


def holds(pid, targets):
    """Which of the (device, inode) pairs TARGETS process PID holds open."""
    held = set()
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                st = os.stat("/proc/%d/fd/%s" % (pid, fd))
            except OSError:
                continue
            held.add((st.st_dev, st.st_ino))
    except OSError:
        return None
    return {name for name, key in targets.items() if key in held}


def hold_fds(args):
    runtime_dir, path = args[0], args[1]
    assert args[2] == "--"
    read_end, write_end = os.pipe()
    os.set_inheritable(write_end, True)
    held = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.set_inheritable(held, True)
    targets = {"pipe": (os.fstat(write_end).st_dev, os.fstat(write_end).st_ino),
               "file": (os.fstat(held).st_dev, os.fstat(held).st_ino)}
    env = dict(os.environ)
    env["MAKEFLAGS"] = " -j2 --jobserver-auth=%d,%d" % (read_end, write_end)
    cmd = [c.replace("{fd}", str(held)) for c in args[3:]]
    seen = {}

    def look(pids):
        for pid in pids:
            name = process_name(pid)
            found = holds(pid, targets)
            # A fork of the client before its exec holds everything still.
            if name in (None, "clang-dist", "clang-dist++") or found is None:
                continue
            try:
                with open("/proc/%d/cmdline" % pid, "rb") as f:
                    if b"-cc1" in f.read().split(b"\0")[1:]:
                        name = "cc1"
                with open("/proc/%d/environ" % pid, "rb") as f:
                    env_names = [v.split(b"=")[0] for v in f.read().split(b"\0")]
            except OSError:
                continue
            seen[pid] = "%s: pipe %s, file %s, MAKEFLAGS %s" % (
                name, "yes" if "pipe" in found else "no",
                "yes" if "file" in found else "no",
                "yes" if b"MAKEFLAGS" in env_names else "no")

    proc = subprocess.Popen(cmd, env=env, pass_fds=(read_end, write_end, held))
    while proc.poll() is None:
        look(descendants([proc.pid]))
        time.sleep(0.01)
    os.close(write_end)
    os.close(held)
    servers = server_pids(runtime_dir)
    look(servers)
    look(descendants(servers))
    for pid in seen:
        print(seen[pid])
    import select
    ready, _, _ = select.select([read_end], [], [], 2)
    print("pipe: end of file" if ready and os.read(read_end, 1) == b""
          else "pipe: still held open")
    sys.exit(proc.returncode)


def same_files(args):
    ref, out = args[0], args[1]
    names = sorted(os.listdir(out))
    bad = []
    for name in names:
        ref_path = os.path.join(ref, name)
        if not os.path.exists(ref_path):
            bad.append(name + " (not in %s)" % ref)
            continue
        with open(ref_path, "rb") as a:
            with open(os.path.join(out, name), "rb") as b:
                same = a.read() == b.read()
        if not same:
            bad.append(name)
    if bad:
        sys.exit("differ: " + " ".join(bad))
    print("%d files, each the same as in %s" % (len(names), ref))


def count_lines(args):
    import glob
    pattern, text, most = args[0], args[1], int(args[2])
    n = 0
    for path in glob.glob(pattern):
        with open(path, errors="replace") as f:
            n += sum(1 for line in f if text in line)
    print("%d lines with '%s'" % (n, text))
    if n > most:
        sys.exit("more than %d" % most)


def mode(args):
    for path in args:
        print("%03o %s" % (os.stat(path).st_mode & 0o7777, path))


def interrupt_after(args):
    """Runs COMMAND, sends it SIGTERM after SECONDS, and waits for it."""
    seconds = float(args[0])
    assert args[1] == "--"
    proc = subprocess.Popen(args[2:])
    try:
        proc.wait(timeout=seconds)
        sys.exit("the command ended before it could be interrupted")
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)
        proc.wait()


def open_fds(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return None


def proc_status(pid, field):
    """A "Field:" line's first word from /proc/PID/status, as an int."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def fd_limit(pid):
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith("Max open files"):
                return int(line.split()[3])
    return None


def parallel(args):
    n = int(args[0])
    rest = args[1:]
    watch, max_fds, new_fds, max_hwm_mb, gate = None, None, 0, None, None
    while rest[0] != "--":
        if rest[0] == "--gate":
            import tempfile
            gate = tempfile.NamedTemporaryFile(prefix="dist-gate-")
            fcntl.flock(gate, fcntl.LOCK_EX)
            rest = rest[1:]
            continue
        if rest[0] == "--watch-server":
            watch = rest[1]
        elif rest[0] == "--max-fds":
            max_fds = int(rest[1])
        elif rest[0] == "--new-fds":
            new_fds = int(rest[1])
        elif rest[0] == "--max-hwm-mb":
            max_hwm_mb = int(rest[1])
        else:
            sys.exit("unknown option " + rest[0])
        rest = rest[2:]
    cmd = rest[1:]
    if watch:
        import threading
        pids = server_pids(watch)
        if len(pids) != 1:
            sys.exit("--watch-server: %d local servers run, not one" %
                     len(pids))
        server = pids[0]
        before = open_fds(server)
        samples, seen = [], set()
        done = threading.Event()

        def sample():
            while not done.is_set():
                seen.update(server_pids(watch))
                count = open_fds(server)
                if count is not None:
                    samples.append(count)
                time.sleep(0.01)
        sampler = threading.Thread(target=sample)
        sampler.start()
    prefix = ["flock", "--shared", gate.name] if gate else []
    procs = [subprocess.Popen(prefix + [c.replace("{}", str(i)) for c in cmd])
             for i in range(n)]
    if gate:
        # Every process exists; each waits for the lock, or for its turn to
        # take it.
        fcntl.flock(gate, fcntl.LOCK_UN)
    failed = sum(1 for p in procs if p.wait() != 0)
    print("failed: %d" % failed)
    if not watch:
        return
    done.set()
    sampler.join()
    # The sessions of the clients that just ended close on the server's io
    # thread: give it a moment.
    after = None
    for _ in range(100):
        after = open_fds(server)
        if after is None or after <= before + new_fds:
            break
        time.sleep(0.05)
    yes = lambda ok: "yes" if ok else "NO"
    print("servers seen: %d" % len(seen | {server}))
    print("descriptors before: %d" % before)
    most = max(samples) if samples else 0
    print("descriptors at most: %d (within %d: %s)" %
          (most, max_fds, yes(most <= max_fds)))
    leak_free = after is not None and after <= before + new_fds
    print("descriptors after: %s (at most %d more than before: %s)" %
          (after, new_fds, yes(leak_free)))
    limit = fd_limit(server)
    print("descriptor limit: %d (at least %d: %s)" %
          (limit, 2 * max_fds, yes(limit >= 2 * max_fds)))
    hwm = proc_status(server, "VmHWM")
    print("VmHWM: %s kB (within %d MiB: %s)" %
          (hwm, max_hwm_mb, yes(hwm is not None and hwm <= max_hwm_mb * 1024)))


def spawn(args):
    out_dir, name, rest = args[0], args[1], args[2:]
    seconds = 60
    if rest[0] == "--timeout":
        seconds, rest = float(rest[1]), rest[2:]
    assert rest[0] == "--"
    for ext in (".pid", ".rc"):
        if os.path.exists(os.path.join(out_dir, name + ext)):
            os.unlink(os.path.join(out_dir, name + ext))
    subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "spawn-run", out_dir, name,
         str(seconds), "--"] + rest[1:],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True)
    pid_file = os.path.join(out_dir, name + ".pid")
    for _ in range(200):
        if os.path.exists(pid_file):
            return
        time.sleep(0.05)
    sys.exit("spawn: %s did not start" % name)


def write_atomically(path, text):
    with open(path + ".new", "w") as f:
        f.write(text)
    os.rename(path + ".new", path)


def spawn_run(args):
    out_dir, name, seconds = args[0], args[1], float(args[2])
    assert args[3] == "--"
    base = os.path.join(out_dir, name)
    with open(base + ".out", "w") as out, open(base + ".err", "w") as err:
        proc = subprocess.Popen(args[4:], stdin=subprocess.DEVNULL, stdout=out,
                                stderr=err, start_new_session=True)
    write_atomically(base + ".pid", "%d\n" % proc.pid)
    deadline = Deadline(seconds)
    while proc.poll() is None and not deadline.passed():
        time.sleep(0.05)
    if proc.returncode is not None:
        text = "exit code: %d\n" % proc.returncode
    else:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        text = "hung: still running after %g seconds (killed)\n" % seconds
    write_atomically(base + ".rc", text)


def wait_spawned(args):
    out_dir, seconds, names = args[0], 60.0, args[1:]
    if names[0] == "--timeout":
        seconds, names = float(names[1]), names[2:]
    deadline = Deadline(seconds)
    for name in names:
        base = os.path.join(out_dir, name)
        while not os.path.exists(base + ".rc") and not deadline.passed():
            time.sleep(0.05)
        if os.path.exists(base + ".rc"):
            sys.stdout.write("%s: %s" % (name, open(base + ".rc").read()))
            continue
        pid = int(open(base + ".pid").read())
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        print("%s: hung: still running after %g seconds (killed)" %
              (name, seconds))


def parents():
    """{pid: parent pid} of every process."""
    result = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        result[int(entry)] = int(stat[stat.rindex(")") + 2:].split()[1])
    return result


def descendants(roots):
    tree = parents()
    found = set(roots)
    while True:
        more = {p for p, pp in tree.items() if pp in found and p not in found}
        if not more:
            return found - set(roots)
        found |= more


def worker_processes(out_dir):
    """The supervisor, then the slots, of the worker start-workers started in
    DIR."""
    root = int(open(os.path.join(out_dir, "workers.pid")).read())
    tree = parents()
    found = [p for p in descendants([root]) | {root}
             if process_name(p) in WORKER_NAMES]
    supervisor = [p for p in found if tree.get(p) not in found]
    return supervisor + sorted(p for p in found if p not in supervisor)


def worker_pids(args):
    pids = worker_processes(args[0])
    if args[1:] == ["--supervisor"]:
        pids = pids[:1]
    elif args[1:] == ["--slots"]:
        pids = pids[1:]
    for pid in pids:
        print("%d %s" % (pid, process_name(pid) or WORKER_NAMES[0]))


def cpu_ticks(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[11]) + int(fields[12])  # utime + stime


def wait_busy(args):
    workers_dir = runtime_dir = None
    count, seconds, rest = 1, 30.0, args
    while rest:
        if rest[0] == "--workers":
            workers_dir = rest[1]
        elif rest[0] == "--server":
            runtime_dir = rest[1]
        elif rest[0] == "--count":
            count = int(rest[1])
        elif rest[0] == "--timeout":
            seconds = float(rest[1])
        else:
            sys.exit("unknown option " + rest[0])
        rest = rest[2:]
    threshold = 0.3 * os.sysconf("SC_CLK_TCK")
    start = {}
    deadline = Deadline(seconds)
    while not deadline.passed():
        if workers_dir:
            slots = worker_processes(workers_dir)
        else:
            slots = [p for p in descendants(server_pids(runtime_dir))
                     if process_name(p) in WORKER_NAMES]
        busy = []
        for pid in slots:
            ticks = cpu_ticks(pid)
            if ticks is None:
                continue
            start.setdefault(pid, ticks)
            if ticks - start[pid] >= threshold:
                busy.append(pid)
        if len(busy) >= count:
            for pid in sorted(busy)[:count]:
                print("%d %s" % (pid, process_name(pid) or WORKER_NAMES[0]))
            return
        time.sleep(0.05)
    sys.exit("fewer than %d slot processes were busy within %g seconds" %
             (count, seconds))


def with_arg(arg, pids):
    """(PID, NAME) of each process of PIDS that runs with ARG among its
    arguments (so after its exec, not just its fork); this one excepted."""
    found = []
    for pid in pids:
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        name = process_name(pid)
        if name and pid != os.getpid() and arg.encode() in argv[1:]:
            found.append((pid, name))
    return found


def wait_child(args):
    pid_file, arg, seconds = args[0], args[1], 30.0
    if args[2:4] and args[2] == "--timeout":
        seconds = float(args[3])
    parent = int(open(pid_file).read())
    deadline = time.time() + seconds
    while True:
        found = with_arg(arg, [p for p, pp in parents().items()
                               if pp == parent])
        if found:
            print("%d %s" % found[0])
            return
        if time.time() > deadline:
            sys.exit("no child of %d runs with %s after %g seconds" %
                     (parent, arg, seconds))
        time.sleep(0.05)


def kill_with_arg(args):
    for pid, name in with_arg(args[0], parents()):
        print("%d %s" % (pid, name))
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def wait_gone(args):
    path, seconds = args[0], 30.0
    if args[1:3] and args[1] == "--timeout":
        seconds = float(args[2])
    deadline = time.time() + seconds
    while True:
        left = running(path)
        if not left:
            return
        if time.time() > deadline:
            sys.exit("still running after %g seconds:\n%s" %
                     (seconds, "\n".join(left)))
        time.sleep(0.05)


def signal_number(name):
    if name.isdigit():
        return int(name)
    return getattr(signal, name if name.startswith("SIG") else "SIG" + name)


def signal_processes(args):
    sig = signal_number(args[0])
    files, cont_after, rest = [], None, args[1:]
    while rest:
        if rest[0] == "--cont-after":
            cont_after, rest = float(rest[1]), rest[2:]
        else:
            files, rest = files + [rest[0]], rest[1:]
    pids = []
    for path in files:
        for line in open(path):
            if line.strip():
                pids.append(int(line.split()[0]))
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass
    if cont_after is not None:
        # By pid and name: a pid reused meanwhile gets nothing.
        subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "signal-guard",
             "CONT", str(cont_after)] +
            ["%d:%s" % (p, process_name(p)) for p in pids
             if process_name(p) is not None],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)


def signal_guard(args):
    """signal-guard SIGNAL SECONDS PID:NAME...: after SECONDS, sends SIGNAL to
    each process still running under its name (a pid reused meanwhile gets
    nothing)."""
    sig = getattr(signal, "SIG" + args[0])
    time.sleep(float(args[1]))
    for entry in args[2:]:
        pid, name = entry.split(":", 1)
        if process_name(int(pid)) != name:
            continue
        try:
            os.kill(int(pid), sig)
        except ProcessLookupError:
            pass


def wait_log(args):
    import glob
    pattern, text, seconds = args[0], args[1], 30.0
    if args[2:4] and args[2] == "--timeout":
        seconds = float(args[3])
    if text.startswith("@"):
        text = open(text[1:]).read().strip()
    deadline = Deadline(seconds)
    while True:
        for path in sorted(glob.glob(pattern)):
            with open(path, errors="replace") as f:
                for line in f:
                    if text in line:
                        print(line.rstrip("\n"))
                        return
        if deadline.passed():
            sys.exit("no line with '%s' in %s within %g seconds" %
                     (text, pattern, seconds))
        time.sleep(0.05)


def wait_pane(args):
    seconds = 30.0
    if "--timeout" in args:
        i = args.index("--timeout")
        seconds = float(args[i + 1])
        args = args[:i] + args[i + 2:]
    sock, texts = args[0], args[1:]
    deadline = Deadline(seconds)
    while True:
        screen = subprocess.run(["tmux", "-S", sock, "capture-pane", "-p"],
                                capture_output=True, text=True).stdout
        screen = screen.rstrip("\n")
        lines = screen.split("\n")
        if all(any(t in l for l in lines) for t in texts):
            print(screen)
            return
        if deadline.passed():
            print(screen)
            sys.exit("no screen with %s within %g seconds" %
                     (" and ".join("'%s'" % t for t in texts), seconds))
        time.sleep(0.1)


def stall_pipe(args):
    import fcntl
    import glob
    import termios
    fifo, pid_file, pattern, text = args[:4]
    seconds = float(args[5]) if args[4:5] == ["--timeout"] else 30.0
    deadline = Deadline(seconds)
    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    page = os.sysconf("SC_PAGE_SIZE")
    fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, page)
    queued = bytearray(4)
    while True:
        fcntl.ioctl(fd, termios.FIONREAD, queued)
        if int.from_bytes(queued, sys.byteorder) >= page:
            break
        if deadline.passed():
            sys.exit("nobody filled %s within %g seconds" % (fifo, seconds))
        time.sleep(0.01)
    os.kill(int(open(pid_file).read()), signal.SIGTERM)
    while not any(text in line for path in glob.glob(pattern)
                  for line in open(path, errors="replace")):
        if deadline.passed():
            sys.exit("no line with '%s' in %s within %g seconds" %
                     (text, pattern, seconds))
        time.sleep(0.05)
    drained = 0
    while True:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            if deadline.passed():
                sys.exit("the writer of %s did not close it within %g seconds"
                         % (fifo, seconds))
            time.sleep(0.01)
            continue
        if not chunk:
            break
        drained += len(chunk)
    os.close(fd)
    print("drained %d bytes" % drained)


def rewrite_backoffs(args):
    import glob
    runtime_dir, ports, text = args[0], open(args[1]).read().split(), args[2]
    text = text.replace("\\n", "\n")
    for i, port in enumerate(ports, 1):
        text = text.replace("{%d}" % i, port)
    for path in glob.glob(os.path.join(runtime_dir, "server-*.backoff")):
        if (":%s " % ports[0]) in open(path).read():
            write_atomically(path, text)
            return
    sys.exit("no backoff file in %s names port %s" % (runtime_dir, ports[0]))


def log_interval(args):
    import datetime
    import glob
    pattern, start, end, most = args[0], args[1], args[2], float(args[3])
    for path in sorted(glob.glob(pattern)):
        with open(path, errors="replace") as f:
            lines = f.read().splitlines()
        first = next((i for i, l in enumerate(lines) if start in l), None)
        if first is None:
            continue
        last = next((i for i in range(first + 1, len(lines))
                     if end in lines[i]), None)
        if last is None:
            break
        # Each line starts with "YYYY-MM-DD HH:MM:SS.mmm".
        at = [datetime.datetime.strptime(lines[i][:23], "%Y-%m-%d %H:%M:%S.%f")
              for i in (first, last)]
        seconds = (at[1] - at[0]).total_seconds()
        print("from '%s' to '%s': %.1f seconds (at most %g: %s)" %
              (start, end, seconds, most, "yes" if seconds <= most else "NO"))
        return
    sys.exit("no line with '%s' followed by one with '%s' in %s" %
             (start, end, pattern))


def wait_new_server(args):
    runtime_dir, old_file, seconds = args[0], args[1], 30.0
    if args[2:4] and args[2] == "--timeout":
        seconds = float(args[3])
    old = {int(l) for l in open(old_file) if l.strip()}
    deadline = Deadline(seconds)
    while not deadline.passed():
        new = [p for p in server_pids(runtime_dir) if p not in old]
        if new:
            print(new[0])
            return
        time.sleep(0.05)
    sys.exit("no new local server within %g seconds" % seconds)


def socket_inodes(pid):
    inodes = set()
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        pass
    return inodes


def wait_clients(args):
    runtime_dir, wanted, seconds = args[0], int(args[1]), 30.0
    if args[2:4] and args[2] == "--timeout":
        seconds = float(args[3])
    deadline = Deadline(seconds)
    while True:
        # Connections the running servers hold: not those of a killed one
        # whose descriptors the kernel has not closed yet.
        held = set()
        for pid in server_pids(runtime_dir):
            held |= socket_inodes(pid)
        sockets = {os.path.join(os.path.abspath(runtime_dir), name)
                   for name in os.listdir(runtime_dir)
                   if name.endswith(".sock")}
        connected = 0
        with open("/proc/net/unix") as f:
            next(f)
            for line in f:
                fields = line.split()
                # St 03: connected; the server's end carries the socket path.
                if (len(fields) > 7 and fields[5] == "03" and
                        fields[7] in sockets and fields[6] in held):
                    connected += 1
        if connected >= wanted:
            return
        if deadline.passed():
            sys.exit("%d client connections, not %d, after %g seconds" %
                     (connected, wanted, seconds))
        time.sleep(0.05)


def unmount_under(args):
    top = os.path.realpath(args[0]) if os.path.exists(args[0]) else \
        os.path.abspath(args[0])
    for _ in range(100):
        points = []
        with open("/proc/self/mountinfo") as f:
            for line in f:
                point = line.split()[4].replace("\\040", " ")
                if point == top or point.startswith(top + "/"):
                    points.append(point)
        if not points:
            return
        # The deepest, and the one mounted last, first.
        subprocess.call(["umount", sorted(points, key=len)[-1]])
    sys.exit("cannot unmount everything under " + top)


def first_worker(conf):
    with open(conf) as f:
        return next(l.split()[1] for l in f if l.startswith("worker "))


def first_worker_port(conf):
    return int(first_worker(conf).rsplit(":", 1)[1])


def proxy(args):
    out_dir, conf = args[0], args[1]
    lifetime = 60
    fault = ["damage"]
    listen, record = "127.0.0.1", ""
    rest = args[2:]
    while rest:
        if rest[0] == "--listen-host":
            listen = host_names(rest[1], int(rest[2]))["here"]
            rest = rest[1:]
        elif rest[0] == "--record":
            record = os.path.join(out_dir, "recording.bin")
            rest = rest[1:]
            continue
        elif rest[0] == "--pass":
            fault = ["pass"]
            rest = rest[1:]
            continue
        elif rest[0] in ("--flip-after", "--flip-to-worker"):
            fault = [rest[0][2:], str(int(rest[1]))]
        elif rest[0] == "--lifetime":
            lifetime = int(rest[1])
        elif rest[0] == "--cut-frame":
            fault = ["cut-frame", str(int(rest[1]))]
        elif rest[0] == "--cut-after":
            fault = ["cut-after", str(int(rest[1]))]
        elif rest[0] == "--forge":
            if rest[1] not in ("lookup", "blobs", "result", "header"):
                sys.exit("unknown forgery " + rest[1])
            fault = ["forge", rest[1]]
        else:
            sys.exit("unknown option " + rest[0])
        rest = rest[2:]
    os.makedirs(out_dir, exist_ok=True)
    log_path = os.path.join(out_dir, "proxy.log")
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "proxy-serve",
         first_worker(conf), str(lifetime), log_path, listen, record] + fault,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log,
        start_new_session=True)
    line = proc.stdout.readline().decode()
    if not line:
        sys.exit("the proxy exited before listening")
    port = int(line)
    with open(os.path.join(out_dir, "proxy.pid"), "w") as f:
        f.write(str(proc.pid))
    with open(conf) as f:
        lines = f.read()
    with open(os.path.join(out_dir, "dist.conf"), "w") as f:
        f.write("worker %s:%d\n" % (listen, port))
        f.write(lines)


def stop_proxy(args):
    pid = int(open(os.path.join(args[0], "proxy.pid")).read())
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    for _ in range(200):
        if process_name(pid) is None:
            break
        time.sleep(0.05)


def zstd_raw_block(data):
    """The offset and size of the first non-empty raw block of the zstd
    frame DATA, or None (another kind of block only, or a frame with a
    content checksum, which would catch the flip before the digest does)."""
    if len(data) < 6 or data[:4] != b"\x28\xb5\x2f\xfd":
        return None
    fhd = data[4]
    single_segment = (fhd >> 5) & 1
    if (fhd >> 2) & 1:
        return None
    pos = 5 + (0 if single_segment else 1)
    pos += [0, 1, 2, 4][fhd & 3]
    pos += [1 if single_segment else 0, 2, 4, 8][fhd >> 6]
    while pos + 3 <= len(data):
        header = data[pos] | data[pos + 1] << 8 | data[pos + 2] << 16
        last, kind, size = header & 1, (header >> 1) & 3, header >> 3
        pos += 3
        if kind == 0 and size > 0:
            return pos, size
        pos += 1 if kind == 1 else size
        if last:
            break
    return None


def damage_blobs_frame(payload, log):
    """Flips one byte of one blob of a Blobs payload; returns the new one."""
    payload = bytearray(payload)
    (count,) = struct.unpack_from("<I", payload, 8)
    pos = 12
    for _ in range(count):
        digest = bytes(payload[pos:pos + 32])
        (length,) = struct.unpack_from("<I", payload, pos + 40)
        data_at = pos + 44
        raw = zstd_raw_block(bytes(payload[data_at:data_at + length]))
        if raw:
            offset, size = raw
            payload[data_at + offset + size // 2] ^= 0x01
            log.write("damaged blob %s\n" % digest.hex())
            log.flush()
            return bytes(payload)
        pos = data_at + length
    log.write("found no raw zstd block to damage in a Blobs frame of %d "
              "blobs\n" % count)
    log.flush()
    return bytes(payload)


def proxy_serve(args):
    import threading
    target_host, target = args[0].rsplit(":", 1)
    target, lifetime, log = int(target), float(args[1]), open(args[2], "a")
    listen, record_path = args[3], args[4]
    # "damage", or "cut-frame TYPE", or "cut-after BYTES", or "forge KIND",
    # or "pass", or "flip-after BYTES", or "flip-to-worker BYTES".
    fault = args[5] if len(args) > 5 else "damage"
    fault_arg = args[6] if len(args) > 6 else "0"
    if fault != "forge":
        fault_arg = int(fault_arg)
    # Bytes as they come, not frames: TLS records are no frames.
    raw = fault in ("pass", "flip-after", "flip-to-worker")
    recording = open(record_path, "wb") if record_path else None

    def record(data):
        if recording:
            with lock:
                recording.write(data)
                recording.flush()
    deadline = time.time() + lifetime
    state = {"damaged": False, "cut": False}
    lock = threading.Lock()

    def cut_now():
        """True for the one cut: the first caller that asks."""
        with lock:
            if state["cut"]:
                return False
            state["cut"] = True
            return True

    def recv_exactly(sock, n):
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    def close_both(a, b):
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def flip(chunk, forwarded, direction, sender):
        """chunk, with the fault's byte flipped if it is in it and this is
        the fault's direction and first such cut."""
        at = fault_arg - forwarded
        if fault == direction and 0 <= at < len(chunk) and cut_now():
            chunk = bytearray(chunk)
            chunk[at] ^= 0x01
            log.write("flipped byte %d from the %s\n" % (fault_arg, sender))
            log.flush()
            return bytes(chunk)
        return chunk

    def server_to_worker(src, dst):
        forwarded = 0
        try:
            while raw:
                chunk = src.recv(65536)
                if not chunk:
                    break
                chunk = flip(chunk, forwarded, "flip-to-worker", "server")
                forwarded += len(chunk)
                record(chunk)
                dst.sendall(chunk)
            while not raw:
                header = recv_exactly(src, 8)
                if header is None:
                    break
                msg_type, length = struct.unpack("<II", header)
                payload = recv_exactly(src, length)
                if payload is None:
                    break
                data = header + payload
                if fault == "damage" and msg_type == 9:
                    with lock:
                        if not state["damaged"]:
                            state["damaged"] = True
                            data = header + damage_blobs_frame(payload, log)
                elif (fault == "cut-frame" and msg_type == fault_arg and
                      cut_now()):
                    half = len(data) // 2
                    dst.sendall(data[:half])
                    log.write("cut a frame of type %d after %d of %d bytes\n"
                              % (msg_type, half, len(data)))
                    log.flush()
                    break
                elif (fault == "cut-after" and
                      forwarded + len(data) >= fault_arg and cut_now()):
                    dst.sendall(data[:fault_arg - forwarded])
                    log.write("cut the connection after %d bytes from the "
                              "server\n" % fault_arg)
                    log.flush()
                    break
                dst.sendall(data)
                forwarded += len(data)
        except OSError:
            pass
        close_both(src, dst)

    def forged(msg_type, payload):
        """What a rogue worker sends instead of this frame, or None."""
        if fault != "forge" or state["cut"]:
            return None
        job_id = payload[:8]
        if fault_arg == "lookup" and msg_type == 11:
            return frame(11, job_id + string("etc/passwd"))
        if fault_arg == "blobs" and msg_type == 11:
            return frame(8, job_id + struct.pack("<I", 1) + bytes(range(32)))
        if fault_arg == "header" and msg_type == 6:
            # A frame header of a type no protocol version has.
            return struct.pack("<II", 99, 0)
        if fault_arg == "result" and msg_type == 6:
            # Neither unanswerable nor refused, no inputs, cacheable.
            return frame(6, job_id + struct.pack("<iIII", 0, 0, 0, 1) +
                         struct.pack("<I", 0xFFFFFFF0) + b"\0\0" +
                         struct.pack("<I", 0) + b"\0")
        return None

    def worker_to_server(src, dst):
        forwarded = 0
        try:
            while True:
                if fault != "forge":
                    chunk = src.recv(65536)
                    if not chunk:
                        break
                    chunk = flip(chunk, forwarded, "flip-after", "worker")
                    forwarded += len(chunk)
                    record(chunk)
                    dst.sendall(chunk)
                    continue
                header = recv_exactly(src, 8)
                if header is None:
                    break
                msg_type, length = struct.unpack("<II", header)
                payload = recv_exactly(src, length)
                if payload is None:
                    break
                forgery = forged(msg_type, payload)
                if forgery is not None and cut_now():
                    log.write("forged a frame of type %d in place of one of "
                              "type %d\n" % (forgery[0], msg_type))
                    log.flush()
                    dst.sendall(forgery)
                    continue
                dst.sendall(header + payload)
        except OSError:
            pass
        close_both(src, dst)

    listener = socket.socket()
    listener.bind((listen, 0))
    listener.listen(16)
    print(listener.getsockname()[1], flush=True)
    sys.stdout.close()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    while time.time() < deadline:
        listener.settimeout(max(0.1, deadline - time.time()))
        try:
            client, _ = listener.accept()
        except socket.timeout:
            continue
        try:
            worker = socket.create_connection((target_host, target),
                                              timeout=10)
            worker.settimeout(None)
        except OSError as e:
            log.write("cannot connect to the worker: %s\n" % e)
            log.flush()
            client.close()
            continue
        client.settimeout(None)
        for fn, a, b in ((server_to_worker, client, worker),
                         (worker_to_server, worker, client)):
            threading.Thread(target=fn, args=(a, b), daemon=True).start()
    os._exit(0)


def blob_files(cache_dir):
    for sub in sorted(os.listdir(cache_dir)):
        path = os.path.join(cache_dir, sub)
        if len(sub) != 2 or not os.path.isdir(path):
            continue
        for name in sorted(os.listdir(path)):
            yield os.path.join(path, name)


def find_blob_path(cache_dir, file):
    with open(file, "rb") as f:
        wanted = f.read()
    for path in blob_files(cache_dir):
        with open(path, "rb") as f:
            if f.read() == wanted:
                return path
    sys.exit("no blob in %s has the contents of %s" % (cache_dir, file))


def find_blob(args):
    print(os.path.basename(find_blob_path(args[0], args[1])))


def damage_blob(args):
    path = find_blob_path(args[0], args[1])
    st = os.stat(path)
    with open(path, "r+b") as f:
        data = bytearray(f.read())
        data[len(data) // 2] ^= 0x01
        f.seek(0)
        f.write(data)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    print(os.path.basename(path))


def age_blobs(args):
    when = time.time() - float(args[1])
    for file in args[2:]:
        os.utime(find_blob_path(args[0], file), (when, when))


def parse_size(text):
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1:], 1)
    return int(text[:-1] if scale > 1 else text) * scale


def cache_stats(args):
    cache_dir, limit = args[0], parse_size(args[1])
    files, total = 0, 0
    for root, _, names in os.walk(cache_dir):
        for name in names:
            if root == cache_dir and name == "lock":
                continue
            files += 1
            total += os.path.getsize(os.path.join(root, name))
    with open(os.path.join(cache_dir, "lock")) as f:
        text = f.read().strip()
    print("files: %d" % files)
    print("bytes: %d" % total)
    print("within %d: %s" % (limit, "yes" if total <= limit else "NO"))
    print("lock says %s: %s" % (text, "right" if text == str(total) else "WRONG"))


def traffic(args):
    sent = []
    for path in args:
        for line in open(path):
            if "traffic: sent " in line:
                sent.append(int(line.split("traffic: sent ")[1].split()[0]))
    for i, n in enumerate(sent):
        print("sent %d" % n)
        if i > 0:
            print("that is %d%% of the first" % (100 * n // max(1, sent[0])))


COMMANDS = {
    "fake-worker": fake_worker,
    "fake-worker-serve": fake_worker_serve,
    "start-workers": start_workers,
    "stop-workers": stop_workers,
    "scrape": scrape,
    "http-probe": http_probe,
    "hosts-up": hosts_up,
    "hosts-down": hosts_down,
    "hosts-guard": hosts_guard,
    "host-link": host_link,
    "stop-server": stop_server,
    "server-pids": lambda args: [print(pid) for pid in server_pids(args[0])],
    "wait-no-server": lambda args: wait_no_server(args[0], float(args[1])),
    "closed-port": closed_port,
    "blackhole": blackhole,
    "start-redis": start_redis,
    "redis": redis,
    "blackhole-serve": blackhole_serve,
    "log-interval": log_interval,
    "rewrite-backoffs": rewrite_backoffs,
    "hello": hello,
    "server-descendants": lambda args: server_descendants(args[0]),
    "still-running": lambda args: still_running(args[0]),
    "exit-code": exit_code,
    "with-umask": with_umask,
    "mode": mode,
    "with-fd-limit": with_fd_limit,
    "server-fd-limit": server_fd_limit,
    "same-files": same_files,
    "count-lines": count_lines,
    "parallel": parallel,
    "spawn": spawn,
    "hold-fds": hold_fds,
    "spawn-run": spawn_run,
    "wait-spawned": wait_spawned,
    "worker-pids": worker_pids,
    "wait-busy": wait_busy,
    "wait-child": wait_child,
    "wait-gone": wait_gone,
    "kill-with-arg": kill_with_arg,
    "signal": signal_processes,
    "signal-guard": signal_guard,
    "wait-log": wait_log,
    "wait-pane": wait_pane,
    "stall-pipe": stall_pipe,
    "flood-handshakes": flood_handshakes,
    "wait-new-server": wait_new_server,
    "wait-clients": wait_clients,
    "unmount-under": unmount_under,
    "interrupt-after": interrupt_after,
    "proxy": proxy,
    "proxy-serve": proxy_serve,
    "stop-proxy": stop_proxy,
    "find-blob": find_blob,
    "damage-blob": damage_blob,
    "age-blobs": age_blobs,
    "cache-stats": cache_stats,
    "traffic": traffic,
    "send-job": send_job,
}


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    COMMANDS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
