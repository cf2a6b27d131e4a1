#!/usr/bin/env python3
"""Plays systemd's side of a Type=notify service for clang-dist-worker.

  notify.py STDERR_FILE [--journal] [--job FILE] -- WORKER_COMMAND...

Creates a unix datagram socket (in the abstract namespace, as systemd's
manager may name one) and starts WORKER_COMMAND with NOTIFY_SOCKET naming it
and its stderr appended to STDERR_FILE; with --journal, JOURNAL_STREAM names
that file's device and inode, as systemd does for a stream to the journal
(without, the variable is left as this helper got it).
Then, printing each step and each message the worker sends:

  1. waits for READY=1, and at once connects to every port the worker wrote
     on stdout ("port N accepts: yes"): READY=1 must mean that they accept;
  2. kills one slot process (SIGKILL) and waits for a STATUS that counts the
     restart;
  3. sends the worker SIGTERM, waits for STOPPING=1 and for its exit
     ("exit code: N").

Each wait fails the helper after 60 seconds. The worker is killed if this
helper fails, so that a failing test leaves nothing behind.
"""
import os
import signal
import socket
import subprocess
import sys
import time

TIMEOUT = 60.0


def fail(worker, why):
    print("error: " + why, flush=True)
    worker.kill()
    worker.wait()
    sys.exit(1)


def receive(sock, worker, wanted, what):
    """Prints every message until one has a line for which WANTED is true."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            fail(worker, "no %s within %d s" % (what, TIMEOUT))
        sock.settimeout(left)
        try:
            message = sock.recv(4096).decode()
        except socket.timeout:
            continue
        lines = message.splitlines()
        for line in lines:
            print("message: " + line, flush=True)
        if any(wanted(line) for line in lines):
            return


def slot_pids(pid):
    children = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(entry))
    return sorted(children)


def main(argv):
    split = argv.index("--")
    options, command = argv[:split], argv[split + 1:]
    stderr_path = options[0]
    journal = "--journal" in options[1:]
    job = None
    if "--job" in options[1:]:
        job = options[options.index("--job") + 1]

    address = "\0clang-dist-notify-%d" % os.getpid()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(address)
    env = dict(os.environ)
    env["NOTIFY_SOCKET"] = "@" + address[1:]
    err = open(stderr_path, "a")
    if journal:
        st = os.fstat(err.fileno())
        env["JOURNAL_STREAM"] = "%d:%d" % (st.st_dev, st.st_ino)
    worker = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                              stderr=err, stdin=subprocess.DEVNULL)

    receive(sock, worker, lambda line: line == "READY=1", "READY=1")
    # The worker writes its ports before it tells systemd it is ready.
    ports = []
    os.set_blocking(worker.stdout.fileno(), False)
    for line in (worker.stdout.read() or b"").decode().splitlines():
        if "listening on " in line:
            ports.append(int(line.rsplit(":", 1)[1]))
    if not ports:
        fail(worker, "READY=1 came before the worker wrote its ports")
    for port in ports:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
            print("port %d accepts: yes" % port, flush=True)
        except OSError as e:
            print("port %d accepts: no (%s)" % (port, e), flush=True)

    if job:
        # A job, straight to a slot as no local server would send it: the
        # slot's result counts all the same.
        dist = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                            "dist.py")
        subprocess.run([sys.executable, dist, "send-job", str(ports[0]), job,
                        "--", "-cc1", "-emit-obj", "-o", job + ".o", "-x", "c",
                        job], check=True, stdout=subprocess.DEVNULL)
        print("sent a job", flush=True)
        receive(sock, worker, lambda line: line.startswith("STATUS=") and
                "; 1 job done" in line, "STATUS with the job")

    slots = slot_pids(worker.pid)
    if not slots:
        fail(worker, "the worker has no slot process")
    os.kill(slots[0], signal.SIGKILL)
    print("killed a slot", flush=True)
    receive(sock, worker, lambda line: line.startswith("STATUS=") and
            "restart" in line, "STATUS with the restart")
    os.kill(worker.pid, signal.SIGTERM)
    print("sent SIGTERM", flush=True)
    receive(sock, worker, lambda line: line == "STOPPING=1", "STOPPING=1")
    try:
        code = worker.wait(TIMEOUT)
    except subprocess.TimeoutExpired:
        fail(worker, "still running %d s after SIGTERM" % TIMEOUT)
    print("exit code: %d" % code, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
