#!/usr/bin/env python3
"""Runs one command and watches its process from outside: resident memory and established TCP
connections, sampled every 10 ms until the first connection and every 250 ms after.
bench/run.sh wraps the `ixh run` live-streams row in it, because the run report says how many
streams ran and how they went, but not how many were open at once or what they cost in memory.

usage: proc_watch.py OUT.json -- COMMAND [ARG...]

Writes {"exit_code", "command", "peak_live", "rss_first_kib", "rss_base_kib", "rss_at_peak_kib",
"rss_max_kib", "live_at_rss_max", "samples"} to OUT.json (one line) and exits with the command's
exit code. `peak_live` is the most established TCP
connections the process held at once (its socket descriptors found ESTABLISHED in
/proc/net/tcp). `rss_first_kib` is its resident memory in the first sample once the command
runs (after taskset's exec, within 10 ms of it), `rss_base_kib` in the last sample before it held
any established connection (which may already include every handle it set up for them: a closed
loop starts all its users before the first connection completes); `rss_at_peak_kib` is the
resident memory in the first sample at `peak_live`, `rss_max_kib` the most in any sample, with
the connections open then in `live_at_rss_max`.
"""
import json
import os
import subprocess
import sys
import time


def established_inodes():
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    parts = line.split()
                    if parts[3] == "01":  # ESTABLISHED
                        inodes.add(parts[9])
        except FileNotFoundError:
            pass
    return inodes


def sample(pid, name):
    """(established connections, VmRSS KiB) of pid once it runs `name`, else None."""
    try:
        with open(f"/proc/{pid}/comm") as f:
            if f.read().strip() != name:
                return None
        sockets = set()
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:["):
                sockets.add(link[8:-1])
        with open(f"/proc/{pid}/status") as f:
            rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return None
    return len(sockets & established_inodes()) if sockets else 0, rss


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit("usage: proc_watch.py OUT.json -- COMMAND [ARG...]")
    out, cmd = sys.argv[1], sys.argv[3:]
    name = os.path.basename(next((a for a in cmd if "ixh" in os.path.basename(a)), cmd[0]))[:15]
    proc = subprocess.Popen(cmd)
    rss_first = None
    rss_base = None
    peak_live = 0
    rss_at_peak = 0
    rss_max = 0
    live_at_rss_max = 0
    samples = 0
    while proc.poll() is None:
        s = sample(proc.pid, name)
        if s:
            live, rss = s
            samples += 1
            if rss_first is None:
                rss_first = rss
            if live == 0 and peak_live == 0:
                rss_base = rss
            if live > peak_live:
                peak_live, rss_at_peak = live, rss
            if rss > rss_max:
                rss_max, live_at_rss_max = rss, live
        time.sleep(0.25 if peak_live else 0.01)
    code = proc.wait()
    result = {"exit_code": code, "command": name, "peak_live": peak_live,
              "rss_first_kib": rss_first, "rss_base_kib": rss_base, "rss_at_peak_kib": rss_at_peak, "rss_max_kib": rss_max,
              "live_at_rss_max": live_at_rss_max, "samples": samples}
    with open(out, "w") as f:
        json.dump(result, f)
        f.write("\n")
    sys.exit(code)


if __name__ == "__main__":
    main()
