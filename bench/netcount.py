"""Bytes between the build and the worker side on loopback.

nft counters in the output hook of lo, one pair per worker port range: 'sent'
matches packets to the worker ports (client -> worker), 'received' packets from
them. They count whole IP packets (TCP/IP headers and ACKs included).
For the clang-dist local server, whose connections to its slots live as long
as it does, `ss` also gives the TCP payload of those connections; that is the
only count for the built-in local worker, whose ports are chosen at start."""
import json
import re
import subprocess

TABLE = "cdbench"


def _nft(*args, input=None):
    return subprocess.run(["nft", *args], input=input, text=True, check=True,
                          capture_output=True).stdout


class PortCounter:
    def __init__(self, ranges):
        """ranges: list of (first_port, last_port)."""
        self.ranges = ranges

    def reset(self):
        """(Re)creates the table: all counters start at zero."""
        subprocess.run(["nft", "delete", "table", "inet", TABLE], capture_output=True)
        rules = [f"table inet {TABLE} {{", " chain out {",
                 "  type filter hook output priority 0; policy accept;"]
        for first, last in self.ranges:
            ports = f"{first}-{last}" if last != first else str(first)
            rules.append(f'  oifname "lo" tcp dport {ports} counter comment "sent"')
            rules.append(f'  oifname "lo" tcp sport {ports} counter comment "received"')
        rules += [" }", "}"]
        _nft("-f", "-", input="\n".join(rules) + "\n")

    def read(self):
        data = json.loads(_nft("-j", "list", "table", "inet", TABLE))
        totals = {"sent": 0, "received": 0}
        for item in data["nftables"]:
            rule = item.get("rule")
            if not rule:
                continue
            for expr in rule["expr"]:
                if "counter" in expr:
                    totals[rule["comment"]] += expr["counter"]["bytes"]
        return totals

    def remove(self):
        subprocess.run(["nft", "delete", "table", "inet", TABLE], capture_output=True)


def tcp_payload_of(pid):
    """Sum of bytes_acked / bytes_received over the TCP sockets of `pid`."""
    out = subprocess.run(["ss", "-tinpH"], text=True, check=True,
                         capture_output=True).stdout
    sent = received = 0
    owned = False
    for line in out.splitlines():
        if not line[:1].isspace():
            owned = f"pid={pid}," in line
            continue
        if owned:
            m = re.search(r"bytes_acked:(\d+)", line)
            sent += int(m.group(1)) if m else 0
            m = re.search(r"bytes_received:(\d+)", line)
            received += int(m.group(1)) if m else 0
    return {"sent": sent, "received": received}
