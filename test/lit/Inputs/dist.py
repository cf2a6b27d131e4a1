#!/usr/bin/env python3
"""Helpers for clang-dist's lit tests: real processes, real sockets.

  start-slaves DIR [--cores N] [--cache-size SIZE] [--secret FILE]
               [--config-line LINE]...
      Starts a real clangd-slave on loopback ports the system chooses and
      writes DIR/dist.conf naming them. The slave dies after --lifetime
      seconds at the latest, so a failing test leaves nothing behind. Its
      blob cache is DIR/cache, limited to SIZE (clangd-slave's --cache-size)
      if given; with --secret it serves only peers that prove FILE's secret.
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
  hello PORT VERSION CLANG_VERSION [--bad-proof]
      Sends a Hello with the given protocol and clang version to a slave and
      prints its HelloReply (the first frame it answers with). PORT may also
      be a dist.conf: its first slave's port. CLANG_VERSION @FILE stands for
      the first line of FILE. With --bad-proof, then sends an Authenticate
      with a proof of no secret and prints the answer too.
  send-job PORT FILE -- CC1ARGS...
      Sends a slave (PORT, or a dist.conf: its first slot) a preprocessed
      CompileJob of FILE with these cc1 arguments, as no local server would,
      and prints its exit code, diagnostics and number of outputs.
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
  proxy DIR CONFIG [--lifetime SECONDS]
      Starts a TCP proxy on a loopback port the system chooses, forwarding
      to the first slave of CONFIG (a dist.conf). In the first Blobs frame
      (type 9) the server sends through it, it flips one byte of a blob's
      contents (inside a raw zstd block, so that the blob still decompresses
      but to other bytes) and logs "damaged blob HEX" to DIR/proxy.log. It
      writes DIR/dist.conf: a slave line naming itself, then every line of
      CONFIG. It dies after --lifetime seconds (default 60) at the latest.
      (proxy-serve is its background half.)
  stop-proxy DIR
      Stops the proxy of DIR.
  find-blob CACHE_DIR FILE
      Prints the name (the hex digest) of the blob in a slave's cache whose
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
import socket
import struct
import subprocess
import sys
import time


def start_slaves(args):
    out_dir = args[0]
    cores, lifetime, extra, cache_size, secret = 2, 600, [], [], []
    rest = args[1:]
    while rest:
        if rest[0] == "--cores":
            cores = int(rest[1])
        elif rest[0] == "--lifetime":
            lifetime = int(rest[1])
        elif rest[0] == "--config-line":
            extra.append(rest[1])
        elif rest[0] == "--cache-size":
            cache_size = ["--cache-size", rest[1]]
        elif rest[0] == "--secret":
            secret = ["--secret", rest[1]]
        else:
            sys.exit("unknown option " + rest[0])
        rest = rest[2:]
    slave = os.environ["CLANGD_SLAVE"]
    os.makedirs(out_dir, exist_ok=True)
    log = open(os.path.join(out_dir, "slaves.log"), "w")
    proc = subprocess.Popen(
        ["timeout", "-s", "TERM", str(lifetime), slave, "--cores", str(cores),
         "--port", "0", "--bind", "127.0.0.1",
         "--cache-dir", os.path.join(out_dir, "cache")] + cache_size + secret,
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
    if port.isdigit():
        port = int(port)
    else:
        with open(port) as f:
            port = next(int(l.split()[1].rsplit(":", 1)[1]) for l in f
                        if l.startswith("slave "))
    if clang_version.startswith("@"):
        with open(clang_version[1:]) as f:
            clang_version = f.readline().rstrip("\n")
    # The challenge of version 2's authentication.
    payload = (struct.pack("<II", 0x54534443, version) + string(clang_version) +
               string("lit test") + os.urandom(32))
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(frame(1, payload))
        # A slave that accepts keeps the connection open for jobs: read one
        # frame, not until the end of the stream.
        msg_type, body, rest = read_frame(s, b"")
        print_hello_reply(msg_type, body)
        if bad_proof:
            # An Authenticate whose proof knows no secret: the slave answers
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
    """send-job PORT FILE -- CC1ARGS...: a preprocessed-mode CompileJob that
    carries FILE at its absolute path, as no local server would send it."""
    port, path, rest = args[0], args[1], args[args.index("--") + 1:]
    if not port.isdigit():
        with open(port) as f:
            port = next(l.split()[1].rsplit(":", 1)[1] for l in f
                        if l.startswith("slave "))
    path = os.path.abspath(path)
    with open(path, "rb") as f:
        source = f.read()
    job = (struct.pack("<QB", 7, 1) + string(os.getcwd()) +
           struct.pack("<I", len(rest)) + b"".join(string(a) for a in rest) +
           struct.pack("<I", 1) + string(path) + struct.pack("<Q", len(source)) +
           struct.pack("<I", len(zstd_frame(source))) + zstd_frame(source) +
           struct.pack("<Q", 0) + string(""))
    clang_version = subprocess.run(["clang-16", "--version"], capture_output=True,
                                   text=True).stdout.splitlines()[0]
    hello_payload = (struct.pack("<II", 0x54534443, 2) + string(clang_version) +
                     string("lit test") + os.urandom(32))
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


def first_slave_port(conf):
    with open(conf) as f:
        return next(int(l.split()[1].rsplit(":", 1)[1]) for l in f
                    if l.startswith("slave "))


def proxy(args):
    out_dir, conf = args[0], args[1]
    lifetime = 60
    rest = args[2:]
    while rest:
        if rest[0] == "--lifetime":
            lifetime = int(rest[1])
        else:
            sys.exit("unknown option " + rest[0])
        rest = rest[2:]
    os.makedirs(out_dir, exist_ok=True)
    log_path = os.path.join(out_dir, "proxy.log")
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "proxy-serve",
         str(first_slave_port(conf)), str(lifetime), log_path],
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
        f.write("slave 127.0.0.1:%d\n" % port)
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
    target, lifetime, log = int(args[0]), float(args[1]), open(args[2], "a")
    deadline = time.time() + lifetime
    state = {"damaged": False}
    lock = threading.Lock()

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

    def server_to_slave(src, dst):
        try:
            while True:
                header = recv_exactly(src, 8)
                if header is None:
                    break
                msg_type, length = struct.unpack("<II", header)
                payload = recv_exactly(src, length)
                if payload is None:
                    break
                if msg_type == 9:
                    with lock:
                        if not state["damaged"]:
                            state["damaged"] = True
                            payload = damage_blobs_frame(payload, log)
                dst.sendall(header + payload)
        except OSError:
            pass
        close_both(src, dst)

    def slave_to_server(src, dst):
        try:
            while True:
                chunk = src.recv(65536)
                if not chunk:
                    break
                dst.sendall(chunk)
        except OSError:
            pass
        close_both(src, dst)

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
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
            slave = socket.create_connection(("127.0.0.1", target), timeout=10)
            slave.settimeout(None)
        except OSError as e:
            log.write("cannot connect to the slave: %s\n" % e)
            log.flush()
            client.close()
            continue
        client.settimeout(None)
        for fn, a, b in ((server_to_slave, client, slave),
                         (slave_to_server, slave, client)):
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
