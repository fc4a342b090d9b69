#!/usr/bin/env python3
"""Opens N concurrent SSE streams against a mock and reports how many completed, time to first
event and event lateness against the script. Loopback only. Standard library only.

usage: stream_probe.py BASE_URL N [--template probe] [--every-ms 100] [--timeout 60]
"""
import argparse
import asyncio
import statistics
import time
import urllib.parse


async def one_stream(host, port, path, every_ms, timeout, out):
    t0 = time.monotonic()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n".encode())
        await writer.drain()
        buf, first, arrivals, terminal = b"", None, [], False
        deadline = t0 + timeout
        while not terminal:
            chunk = await asyncio.wait_for(reader.read(65536), max(0.01, deadline - time.monotonic()))
            if not chunk:
                break
            now = time.monotonic()
            buf += chunk
            while b"\n\n" in buf:
                block, buf = buf.split(b"\n\n", 1)
                if b"\nid: evt_" in block or block.startswith(b"id: evt_"):
                    if first is None:
                        first = now - t0
                    arrivals.append(now)
                    if b"interaction.terminal" in block:
                        terminal = True
        writer.close()
        out.append((terminal, first, arrivals, t0))
    except Exception as e:  # noqa: BLE001 - a failed stream is a counted outcome
        out.append((False, None, [], t0, repr(e)))


def pct(values, q):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("n", type=int)
    ap.add_argument("--template", default="probe")
    ap.add_argument("--every-ms", type=float, default=100)
    ap.add_argument("--timeout", type=float, default=60)
    a = ap.parse_args()
    u = urllib.parse.urlparse(a.base)
    out = []
    t_start = time.monotonic()
    await asyncio.gather(*[
        one_stream(u.hostname, u.port, f"/v1/interactions/{a.template}.p{i}?stream=true",
                   a.every_ms, a.timeout, out) for i in range(a.n)])
    wall = time.monotonic() - t_start
    ok = [r for r in out if r[0]]
    ttfe = [r[1] for r in out if r[1] is not None]
    # Gap lateness: each inter-event gap beyond the scripted one (first gap after RUNNING only).
    late = []
    for r in ok:
        arr = r[2]
        for a1, a2 in zip(arr[2:], arr[3:]):
            late.append(max(0.0, (a2 - a1) * 1000 - a.every_ms))
    errors = [r[4] for r in out if len(r) > 4]
    print(f"streams: {a.n}  completed: {len(ok)}  failed: {a.n - len(ok)}  wall: {wall:.2f} s")
    print(f"ttfe ms: p50 {pct(ttfe, .5) * 1000:.1f}  p99 {pct(ttfe, .99) * 1000:.1f}  "
          f"max {max(ttfe, default=float('nan')) * 1000:.1f}")
    print(f"gap lateness ms: p50 {pct(late, .5):.2f}  p99 {pct(late, .99):.2f}  max {max(late, default=0):.2f}")
    if errors:
        print("first errors:", errors[:3])


asyncio.run(main())
