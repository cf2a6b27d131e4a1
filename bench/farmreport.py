"""The "Farm" section of docs/PERFORMANCE.md, from bench/results/farm.json
(bench/farm.py): one table per clang-dist build measured (a label), each
round of each system, and the fairness figures."""
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results", "farm.json")
HEADING = "## Farm"


def section(runs):
    out = [HEADING, "",
           "Several users building at once on the same loopback slots (issue 18), measured with "
           "`bench/farm.py`: each client is a Unix user of its own with a copy of its project, all "
           "start at once; one table per clang-dist build measured (`--label`; `fifo`: clang-dist "
           "before protocol 8, whose slots queued every job they got, first come first served; "
           "`main`: slots that refuse a job when busy and offer themselves, when free, to the "
           "user who had least of them), each naming what it was built from. "
           "clang-dist: one dist.conf of static `worker` lines, a local server per "
           "user; icecream: one `icecc-scheduler`, an `iceccd --no-remote` per user and compiling "
           "`iceccd`s with the same slots. *Slot s*: the time the client's jobs held a slot "
           "(clang-dist: each compile's time in the workers' logs; icecream: each compile's time "
           "on a compiling daemon, in the scheduler's log). *Ran on client*: jobs compiled by the "
           "client itself (clang-dist: a fallback; icecream: the scheduler handed the job back). "
           "*Overlap*: "
           "from the start until the first client finished; every client runs more jobs at once "
           "(`-j`) than its fair share of the slots then. *Share*: the client's part of the slot time in the "
           "overlap; *Jain*: Jain's index over the shares (1 is equal shares, 1/n one client "
           "had all); *least/fair*: the least share over the fair one (1/n); *slots busy*: slot "
           "time in the overlap over slots × overlap; *held back*: how often icecream's "
           "scheduler found no eligible compiling daemon for a waiting job. How to run it and what the figures mean: "
           "\"How it is measured\" below and [bench/ANALYSIS.md](../bench/ANALYSIS.md#the-farm-"
           "several-users-on-shared-slots-issue-18).", ""]
    for label, data in runs.items():
        load = " / ".join(f"{x:.1f}" for x in data["loadavg_start"])
        load_end = " / ".join(f"{x:.1f}" for x in data["loadavg_end"])
        out += [f"### clang-dist `{label}`", "",
                f"`bench/farm.py {' '.join(data['argv'])}` on {data['started']} ({data['elapsed_s']:.0f} s); "
                f"clang-dist built from {_commit(data)}, binary sha256 "
                f"`{data['clang_dist_sha256'][:16]}…`. "
                f"{data['workers']} workers × {data['slots']} slots on 127.0.0.1, "
                f"{data['cores']} cores. Load average (1 / 5 / 15 min) at the start {load}, at the "
                f"end {load_end}: the machine is shared, so wall times vary; the shares less.", "",
                "| system | rep | client | wall s | jobs on slots | ran on client | slot s | "
                "slot s in overlap | share | overlap s | Jain | least/fair | slots busy | held back |",
                "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in data["rounds"]:
            for i, c in enumerate(r["clients"]):
                tail = (f"{r['overlap_s']:.1f} | {r['jain']:.3f} | {r['min_share_vs_fair']:.2f} | "
                        f"{r['slot_use']:.2f} | {_held_back(r)}") if i == 0 else "| | | |"
                out.append(f"| {r['system']} | {r['rep']} | {c['name']} | {c['wall_s']:.1f} | "
                           f"{c['remote_jobs']} | {c['client_fallbacks']} | {c['slot_s']:.1f} | "
                           f"{c['slot_s_overlap']:.1f} | {c['share']:.2f} | {tail} |")
        for e in data["errors"]:
            out.append(f"\n**{e['system']} failed:** {e['error']}")
        out.append("")
    return out


def _commit(data):
    commit = data.get("bin_commit")
    return f"commit `{commit}`" if commit else "a tree not recorded"


def _held_back(r):
    """icecream's scheduler: how often it found no eligible compiling daemon
    for a job and held it back (-vvv's "No suitable host found, delaying")."""
    return "–" if r.get("held_back") is None else str(r["held_back"])


def splice(runs, doc):
    """Replaces the Farm section of `doc` (up to the next "## "), or adds it
    before the hand-written analysis's pointer at the end."""
    with open(doc) as f:
        text = f.read()
    new = "\n".join(section(runs)) + "\n"
    m = re.search(r"^## Farm\n.*?(?=^## )", text, re.S | re.M)
    if m:
        text = text[:m.start()] + new + text[m.end():]
    else:
        at = text.index("## Where the client's time goes")
        text = text[:at] + new + text[at:]
    with open(doc, "w") as f:
        f.write(text)
