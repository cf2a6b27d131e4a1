#!/usr/bin/env python3
"""Helpers for clang-dist's lit tests: real processes, real sockets.

  start-slaves DIR [--cores N] [--config-line LINE]...
      Starts a real clangd-slave on loopback ports the system chooses and
      writes DIR/dist.conf naming them. The slave dies after --lifetime
      seconds at the latest, so a failing test leaves nothing behind.
  stop-slaves DIR
      Stops it and prints each slot's "compiled N translation units" line and
      "total: N".
  stop-server RUNTIME_DIR
      Stops every local server of RUNTIME_DIR (pids from the lock files) and
      waits until they are gone.
  server-pids RUNTIME_DIR
      Prints the pid of each running local server, one per line.
  wait-no-server RUNTIME_DIR SECONDS
      Waits until no local server of RUNTIME_DIR runs; fails after SECONDS.
  closed-port [CONFIG [LINE]...]
      Prints a loopback port nobody listens on; with CONFIG, also writes a
      config naming it ("slave 127.0.0.1:PORT"), then each LINE.
  hello PORT VERSION CLANG_VERSION
      Sends a Hello with the given protocol and clang version to a slave and
      prints its HelloReply (the first frame it answers with). PORT may also
      be a dist.conf: its first slave's port. CLANG_VERSION @FILE stands for
      the first line of FILE.
  server-descendants RUNTIME_DIR
      Prints "PID NAME" for each process descended from a running local
      server of RUNTIME_DIR (its own slaves, for instance).
  still-running FILE
      Prints each "PID NAME" line of FILE (as server-descendants wrote it)
      whose process still runs with that name.
  exit-code -- COMMAND...
      Runs COMMAND (its output goes where this one's goes), prints
      "exit code: N" and succeeds whatever N is: checked later, after the
      test has stopped what it started.
  with-umask MASK -- COMMAND...
      Runs COMMAND with the umask MASK (octal) and exits with its code.
  mode FILE...
      Prints each FILE's permission bits in octal, and its name.
  interrupt-after SECONDS -- COMMAND...
      Runs COMMAND, sends it SIGTERM after SECONDS, and waits for it; fails
      if it ended sooner.
  parallel N -- COMMAND...
      Runs COMMAND N times at once ({} in it is replaced by the index) and
      prints "failed: K".
"""
import fcntl
import os
import signal
import socket
import struct
import subprocess
import sys
import time


def start_slaves(args):
    out_dir = args[0]
    cores, lifetime, extra = 2, 600, []
    rest = args[1:]
    while rest:
        if rest[0] == "--cores":
            cores = int(rest[1])
        elif rest[0] == "--lifetime":
            lifetime = int(rest[1])
        elif rest[0] == "--config-line":
            extra.append(rest[1])
        else:
            sys.exit("unknown option " + rest[0])
        rest = rest[2:]
    slave = os.environ["CLANGD_SLAVE"]
    os.makedirs(out_dir, exist_ok=True)
    log = open(os.path.join(out_dir, "slaves.log"), "w")
    proc = subprocess.Popen(
        ["timeout", "-s", "TERM", str(lifetime), slave, "--cores", str(cores),
         "--port", "0", "--bind", "127.0.0.1",
         "--cache-dir", os.path.join(out_dir, "cache")],
        stdout=subprocess.PIPE, stderr=log, start_new_session=True)
    ports = []
    while len(ports) < cores:
        line = proc.stdout.readline().decode()
        if not line:
            sys.exit("clangd-slave exited before listening")
        ports.append(int(line.rsplit(":", 1)[1]))
    with open(os.path.join(out_dir, "slaves.pid"), "w") as f:
        f.write(str(proc.pid))
    with open(os.path.join(out_dir, "dist.conf"), "w") as f:
        for port in ports:
            f.write("slave 127.0.0.1:%d\n" % port)
        f.write("idle-timeout 5\n")
        # The mode lit runs the suite in; a test's own lines come later and
        # so win.
        f.write("mode %s\n" % os.environ["CLANG_DIST_TEST_MODE"])
        for line in extra:
            f.write(line + "\n")


def stop_slaves(args):
    out_dir = args[0]
    pid = int(open(os.path.join(out_dir, "slaves.pid")).read())
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    # Gone, or a zombie: its parent (start-slaves) exited, and whoever
    # inherited it may take its time to reap it.
    for _ in range(200):
        if process_name(pid) is None:
            break
        time.sleep(0.05)
    total = 0
    for line in open(os.path.join(out_dir, "slaves.log")):
        if " compiled " in line:
            print(line.rstrip())
            total += int(line.split(" compiled ")[1].split()[0])
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
    deadline = time.time() + seconds
    while server_pids(runtime_dir):
        if time.time() > deadline:
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
            f.write("slave 127.0.0.1:%d\n" % port)
            for line in args[1:]:
                f.write(line + "\n")


def frame(msg_type, payload):
    return struct.pack("<II", msg_type, len(payload)) + payload


def string(s):
    b = s.encode()
    return struct.pack("<I", len(b)) + b


def hello(args):
    port, version, clang_version = args[0], int(args[1]), args[2]
    if port.isdigit():
        port = int(port)
    else:
        with open(port) as f:
            port = next(int(l.split()[1].rsplit(":", 1)[1]) for l in f
                        if l.startswith("slave "))
    if clang_version.startswith("@"):
        with open(clang_version[1:]) as f:
            clang_version = f.readline().rstrip("\n")
    payload = struct.pack("<II", 0x54534443, version) + string(clang_version) + string("lit test")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(frame(1, payload))
        # A slave that accepts keeps the connection open for jobs: read one
        # frame, not until the end of the stream.
        data = b""
        while len(data) < 8 or len(data) < 8 + struct.unpack("<I", data[4:8])[0]:
            chunk = s.recv(65536)
            if not chunk:
                sys.exit("connection closed after %d bytes of the reply" % len(data))
            data += chunk
    msg_type, length = struct.unpack("<II", data[:8])
    body = data[8:8 + length]
    accepted = body[0]
    (reply_version,) = struct.unpack("<I", body[1:5])
    (n,) = struct.unpack("<I", body[5:9])
    clang = body[9:9 + n].decode()
    (m,) = struct.unpack("<I", body[9 + n:13 + n])
    reason = body[13 + n:13 + n + m].decode()
    print("type=%d accepted=%d version=%d" % (msg_type, accepted, reply_version))
    print("clang=%s" % clang)
    print("reason=%s" % reason)


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
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        parents[int(entry)] = int(stat[stat.rindex(")") + 2:].split()[1])
    found = set(server_pids(runtime_dir))
    roots = set(found)
    while True:
        more = {p for p, pp in parents.items() if pp in found and p not in found}
        if not more:
            break
        found |= more
    for pid in sorted(found - roots):
        name = process_name(pid)
        if name:
            print("%d %s" % (pid, name))


def still_running(path):
    for line in open(path):
        pid, name = line.split()
        if process_name(int(pid)) == name:
            print(line.rstrip())


def exit_code(args):
    assert args[0] == "--"
    sys.stdout.flush()
    print("exit code: %d" % subprocess.call(args[1:]))


def with_umask(args):
    assert args[1] == "--"
    os.umask(int(args[0], 8))
    sys.exit(subprocess.call(args[2:]))


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


def parallel(args):
    n = int(args[0])
    assert args[1] == "--"
    cmd = args[2:]
    procs = [subprocess.Popen([c.replace("{}", str(i)) for c in cmd])
             for i in range(n)]
    failed = sum(1 for p in procs if p.wait() != 0)
    print("failed: %d" % failed)


COMMANDS = {
    "start-slaves": start_slaves,
    "stop-slaves": stop_slaves,
    "stop-server": stop_server,
    "server-pids": lambda args: [print(pid) for pid in server_pids(args[0])],
    "wait-no-server": lambda args: wait_no_server(args[0], float(args[1])),
    "closed-port": closed_port,
    "hello": hello,
    "server-descendants": lambda args: server_descendants(args[0]),
    "still-running": lambda args: still_running(args[0]),
    "exit-code": exit_code,
    "with-umask": with_umask,
    "mode": mode,
    "parallel": parallel,
    "interrupt-after": interrupt_after,
}


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    COMMANDS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
