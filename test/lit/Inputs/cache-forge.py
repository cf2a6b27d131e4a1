"""Plays someone who can write to a team's Redis but lacks the farm's secret
(cache-shared-signed.test): lists the shared cache's result keys, and copies
one result's value under another's key. REDIS_DIR is one that dist.py's
start-redis made (its redis.port names the port).

  cache-forge.py REDIS_DIR require-password PASSWORD
      Makes the Redis require PASSWORD (requirepass).
  cache-forge.py REDIS_DIR url PASSWORD DB
      Prints a `cache` line for dist.conf, PASSWORD percent-encoded in it.
  cache-forge.py REDIS_DIR results PASSWORD DB COUNT
      Prints the result keys (clang-dist:r...), sorted, one per line, once
      there are COUNT: a server stores a result after its client has the
      answer.
  cache-forge.py REDIS_DIR copy PASSWORD DB FROM_FILE TO_FILE
                 [--strip-signature]
      Sets the key that TO_FILE names to the value of the one FROM_FILE
      names; with --strip-signature, without the signature a config with a
      secret puts in front (docs/CACHE.md), so that what is left is a value
      sealed as clang-dist seals them.
"""
import os
import urllib.parse
import socket
import sys
import time


def command(sock, *args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else a.encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    sock.sendall(out)
    return read_reply(sock.makefile("rb"))


def read_reply(f):
    line = f.readline()
    kind, rest = line[:1], line[1:-2]
    if kind == b"-":
        sys.exit("redis: %s" % rest.decode())
    if kind == b"$":
        n = int(rest)
        return None if n < 0 else f.read(n + 2)[:-2]
    if kind == b"*":
        return [read_reply(f) for _ in range(int(rest))]
    return rest


def main():
    redis_dir, verb = sys.argv[1:3]
    port = int(open(os.path.join(redis_dir, "redis.port")).read())
    sock = socket.create_connection(("127.0.0.1", port))
    if verb == "require-password":
        command(sock, "CONFIG", "SET", "requirepass", sys.argv[3])
        return
    password, db = sys.argv[3:5]
    if verb == "url":
        print("cache redis://:%s@127.0.0.1:%d/%s" %
              (urllib.parse.quote(password, safe=""), port, db))
        return
    command(sock, "AUTH", password)
    command(sock, "SELECT", db)
    if verb == "results":
        count, end = int(sys.argv[5]), time.monotonic() + 120
        while True:
            cursor, keys = b"0", []
            while True:
                cursor, batch = command(sock, "SCAN", cursor, "MATCH", "clang-dist:r*")
                keys += batch
                if cursor == b"0":
                    break
            if len(keys) >= count:
                break
            if time.monotonic() > end:
                sys.exit("%d result keys after 120 s, not %d" % (len(keys), count))
            time.sleep(0.05)
        for k in sorted(keys):
            print(k.decode())
    elif verb == "copy":
        src, dst = (open(f).read().strip() for f in sys.argv[5:7])
        value = command(sock, "GET", src)
        if value is None:
            sys.exit("no value under %s" % src)
        if "--strip-signature" in sys.argv[7:]:
            if not value.startswith(b"CDSG"):
                sys.exit("%s is not signed" % src)
            value = value[36:]
        command(sock, "SET", dst, value)
    else:
        sys.exit("unknown verb %s" % verb)


main()
