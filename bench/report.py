#!/usr/bin/env python3
"""Reads the raw results bench/run.sh wrote into one directory and prints the table of ratios
(Markdown) with each target met or missed; also writes results.json next to them.

usage: report.py OUT_DIR --sse-events N
"""
import argparse
import json
import math
import pathlib
import re
import sys


def read(d, name):
    p = d / name
    return p.read_text(errors="replace") if p.exists() else ""


def js(d, name):
    text = read(d, name).strip()
    if not text:
        return None
    try:
        return json.loads(text.splitlines()[-1])
    except json.JSONDecodeError:
        return None


def wrk_rps(d, name):
    m = re.search(r"Requests/sec:\s+([\d.]+)", read(d, name))
    return float(m.group(1)) if m else None


def wrk_errors(d, name):
    t = read(d, name)
    n = 0
    for m in re.finditer(r"Non-2xx or 3xx responses: (\d+)", t):
        n += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
    if m:
        n += sum(int(g) for g in m.groups())
    return n


def h2load_rps(d, name):
    m = re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", read(d, name))
    return float(m.group(1)) if m else None


class MissingResult(Exception):
    """A result bench/run.sh should have written is absent or lacks a field the table needs."""


def ixh_run_report(d, name):
    """The `ixh run --json` report NAME, parsed; raises MissingResult when it is absent or is not
    a load run's report (a run that never started writes none: its .txt says why)."""
    p = d / name
    if not p.exists():
        why = read(d, name.replace(".json", ".txt")).strip().splitlines()[-3:]
        raise MissingResult(f"{p}: not written" + (": " + " / ".join(why) if why else ""))
    try:
        r = json.loads(p.read_text())
    except json.JSONDecodeError as e:
        raise MissingResult(f"{p}: not JSON: {e}")
    field(r, name, "schema")
    return r


def field(report, name, *path):
    """report[path[0]][path[1]]...; raises MissingResult naming the file and the path."""
    v = report
    for i, key in enumerate(path):
        if not isinstance(v, dict) or key not in v:
            raise MissingResult(f"{name}: field /{'/'.join(path[:i + 1])} missing")
        v = v[key]
    return v


def ixh_run_rate(report, name, counter):
    """counters.<counter> per second of load.measured_s (the measured part: warm-up excluded;
    iterations still in flight at the end finish in the grace period and count too)."""
    n = field(report, name, "counters", counter)
    secs = field(report, name, "load", "measured_s")
    if not secs:
        raise MissingResult(f"{name}: load.measured_s is {secs}")
    return n / secs


def ixh_run_clean(report, name):
    """Whether a run had no failed check and no error: a rate of failures meets no target."""
    errors = field(report, name, "counters", "errors")
    return field(report, name, "counters", "checks_failed") == 0 and sum(errors.values()) == 0


def ixh_run_verdict(report, name, value, ok):
    v = verdict(value, ok)
    return v if ixh_run_clean(report, name) or v != "met" else "not valid: checks failed or errors"


def ixh_run_health(report, name):
    """'N failed checks, M errors' of a run, for the figure column."""
    failed = field(report, name, "counters", "checks_failed")
    errors = field(report, name, "counters", "errors")
    parts = [f"{failed} failed checks"]
    total = sum(errors.values())
    parts.append(f"{total} errors" + (f" ({', '.join(f'{k} {v}' for k, v in errors.items() if v)})"
                                       if total else ""))
    return ", ".join(parts)


def mock_timeliness(d, name):
    # The mock's own count of how late it wrote its live events, from its shutdown line:
    # "N live stream event(s) written, A more than 1 ms ..., B more than 20 ms; latest L ms;
    # lateness p50 <= x ms, p99 <= y ms, p99.9 <= z ms".
    m = re.search(r"(\d+) live stream event\(s\) written, (\d+) more than 1 ms[^,]*, (\d+) more "
                  r"than 20 ms; latest ([\d.]+) ms; lateness p50 <= ([\d.]+) ms, p99 <= ([\d.]+) "
                  r"ms, p99.9 <= ([\d.]+) ms", read(d, name))
    if not m:
        return None
    keys = ("events", "over_1ms", "over_20ms", "max", "p50", "p99", "p999")
    return {k: float(v) for k, v in zip(keys, m.groups())}


def per_stream(rss_kib, base_kib, streams):
    return (rss_kib - base_kib) / streams if streams else None


def fmt(v, unit=""):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    if isinstance(v, float):
        v = f"{v:,.0f}" if abs(v) >= 100 else f"{v:.2f}"
    return f"{v}{unit}"


def ratio(a, b):
    return a / b if a is not None and b else None


def verdict(value, ok):
    if value is None:
        return "not measured"
    return "met" if ok(value) else "missed"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--sse-events", type=int, required=True)
    ap.add_argument("--rows", default="1,2,3,4,5", help="the rows bench/run.sh ran, e.g. 4,5")
    a = ap.parse_args()
    wanted = set(a.rows.split(","))
    d = pathlib.Path(a.dir)
    rows = []
    missing = []

    def late_where(result):
        # "0.1 s: 734, 3.0 s: 2740": where in the run the events more than 5 ms late arrived,
        # the four largest 100 ms buckets.
        buckets = result.get("late_over_5ms_by_100ms") or {}
        top = sorted(buckets.items(), key=lambda kv: -kv[1])[:4]
        return ", ".join(f"{int(k) / 10:.1f} s: {v}" for k, v in sorted(top, key=lambda kv: int(kv[0]))) or "none"

    def row(num, what, ixh, peer, figure, target, status):
        rows.append({"row": num, "measurement": what, "ixh": ixh, "peer": peer,
                     "figure": figure, "target": target, "status": status})

    if "1" in wanted:
        # 1. Driver capacity
        wrk = wrk_rps(d, "wrk_get.txt")
        eng = js(d, "ixh_engine_get.json") or {}
        fetch = js(d, "ixh_engine_fetch.json") or {}
        h2 = h2load_rps(d, "h2load_get.txt")
        r = ratio(eng.get("requests_per_s"), wrk)
        row("1", "driver GETs/s, engine (ixh_driver_bench get) vs wrk -t1",
            fmt(eng.get("requests_per_s")), fmt(wrk), fmt(r, "x"), ">= 0.8x",
            verdict(r, lambda x: x >= 0.8))
        r = ratio(fetch.get("requests_per_s"), wrk)
        row("1", "driver GETs/s decoded + all checks (GetFetch) vs wrk -t1",
            fmt(fetch.get("requests_per_s")), fmt(wrk), fmt(r, "x"), "(info)",
            f"{fetch.get('checks_failed', 'n/a')} failed checks")
        row("1", "h2load --h1 -t1 vs wrk -t1", fmt(h2), fmt(wrk), fmt(ratio(h2, wrk), "x"), "(info)", "")
        name = "ixh_run_get.json"
        try:
            rep = ixh_run_report(d, name)
            run = ixh_run_rate(rep, name, "requests")
            r = ratio(run, wrk)
            row("1", "driver GETs/s, `ixh run --vus` (closed loop, 1 worker) vs wrk -t1", fmt(run),
                fmt(wrk), fmt(r, "x"), ">= 0.8x",
                f"{ixh_run_verdict(rep, name, r, lambda x: x >= 0.8)}; {ixh_run_health(rep, name)}")
        except MissingResult as e:
            missing.append(str(e))
            row("1", "driver GETs/s, `ixh run --vus` vs wrk -t1", "MISSING", fmt(wrk), "n/a",
                ">= 0.8x", "result missing (see stderr)")

    if "2" in wanted:
        # 2. SSE throughput
        wrk_sse = wrk_rps(d, "wrk_sse.txt")
        wrk_events = wrk_sse * a.sse_events if wrk_sse else None
        sse = js(d, "ixh_engine_sse.json") or {}
        r = ratio(sse.get("events_per_s"), wrk_events)
        row("2", "SSE events/s parsed, decoded, checked vs wrk moving the bytes",
            fmt(sse.get("events_per_s")), fmt(wrk_events), fmt(r, "x"), ">= 0.9x",
            verdict(r, lambda x: x >= 0.9))

        name = "ixh_run_sse.json"
        try:
            rep = ixh_run_report(d, name)
            ev = ixh_run_rate(rep, name, "events")
            r = ratio(ev, wrk_events)
            row("2", "SSE events/s, `ixh run --vus 8` (stream checked + GET to compare text) vs wrk",
                fmt(ev), fmt(wrk_events), fmt(r, "x"), ">= 0.9x",
                f"{ixh_run_verdict(rep, name, r, lambda x: x >= 0.9)}; {ixh_run_health(rep, name)}")
        except MissingResult as e:
            missing.append(str(e))
            row("2", "SSE events/s, `ixh run --vus 8` vs wrk", "MISSING", fmt(wrk_events), "n/a",
                ">= 0.9x", "result missing (see stderr)")

    if "3" in wanted:
        # 3. Driver concurrency
        # The engine alone (a handler that counts bytes and keeps nothing): what a live
        # connection costs. Information only: ixh decodes and keeps every event for its checks.
        for name, label in (("ixh_engine_streams_bare_1k.json", "1 KiB curl buffer"),
                            ("ixh_engine_streams_bare.json", "4 KiB curl buffer")):
            s = js(d, name)
            if not s:
                continue
            kib = s.get("driver_kib_per_stream")
            row("3", f"engine alone, no events kept: live streams, one thread ({label})",
                f"{s.get('peak_live')}/{s.get('streams')} live", "",
                f"{fmt(kib)} KiB/stream (heap {fmt(s.get('driver_heap_kib_per_stream'))})",
                "(info)", "")
        for name, label in (("ixh_engine_streams_1k.json", "1 KiB curl buffer"),
                            ("ixh_engine_streams.json", "4 KiB curl buffer"),
                            ("ixh_engine_streams_16k.json", "16 KiB curl buffer")):
            s = js(d, name)
            if not s:
                continue
            kib = s.get("driver_kib_per_stream")
            live_ok = s.get("peak_live") == s.get("streams")
            row("3", f"driver live streams, one thread, events decoded and kept ({label})",
                f"{s.get('peak_live')}/{s.get('streams')} live", "",
                f"{fmt(kib)} KiB/stream, {fmt(s.get('body_bytes_per_stream_at_peak'))} body "
                f"bytes each by then", "10,000 live, <= 16 KiB/stream",
                verdict(kib, lambda x: x <= 16 and live_ok))

        for name, label in (("ixh_run_streams.json", ""),
                            ("ixh_run_streams_1k.json", ", --stream-buffer 1024")):
            if name != "ixh_run_streams.json" and not (d / name).exists():
                continue
            pname = name.replace(".json", "_proc.json")
            try:
                rep = ixh_run_report(d, name)
                proc = js(d, pname)
                if not isinstance(proc, dict):
                    raise MissingResult(f"{d / pname}: not written")
                users = field(rep, name, "options", "load", "vus")
                streams = field(rep, name, "metrics", "stream", "ttfe", "count")
                live = field(proc, pname, "peak_live")
                # From the process's first sample: a closed loop sets up every user's handles before the
                # first connection completes, so a later base would hide part of their cost.
                base = field(proc, pname, "rss_first_kib")
                if base is None:
                    raise MissingResult(f"{pname}: the process was never sampled (rss_first_kib)")
                at_live = per_stream(field(proc, pname, "rss_at_peak_kib"), base, live)
                at_max = per_stream(field(proc, pname, "rss_max_kib"), base, live)
                ok = live == users and field(rep, name, "load", "iterations") == users
                row("3", f"`ixh run --vus N --iterations N`, one worker, 15 s trickled streams{label}",
                    f"{live}/{users} live at once", "",
                    f"{fmt(at_max)} KiB/stream at peak RSS ({field(proc, pname, 'live_at_rss_max')} "
                    f"still live), {fmt(at_live)} when all had connected; {streams} streams had an event; "
                    f"{ixh_run_health(rep, name)}", "10,000 live, <= 16 KiB/stream",
                    ixh_run_verdict(rep, name, at_max, lambda x: x <= 16 and ok) +
                    ("" if users >= 10000 else f" (at {users} streams, not 10,000)"))
            except MissingResult as e:
                missing.append(str(e))
                row("3", f"`ixh run --vus N --iterations N` live streams{label}", "MISSING", "", "n/a",
                    "10,000 live, <= 16 KiB/stream", "result missing (see stderr)")

    if "4" in wanted:
        # 4. Mock
        m = wrk_rps(d, "wrk_mock_get.txt")
        n = wrk_rps(d, "wrk_nginx_get.txt")
        r = ratio(m, n)
        row("4", "mock JSON GETs/s vs nginx return 200 (wrk -t1)", fmt(m), fmt(n), fmt(r, "x"),
            ">= 0.5x", verdict(r, lambda x: x >= 0.5) +
            (f" ({wrk_errors(d, 'wrk_mock_get.txt')} errors)" if wrk_errors(d, "wrk_mock_get.txt") else ""))
        s = js(d, "mock_streams.json")
        if s:
            late = (s.get("lateness_ms") or {}).get("p99")
            kib = s.get("server_kib_per_stream")
            ok_all = s.get("complete") == s.get("streams")
            row("4", "mock concurrent live streams, all complete",
                f"{s.get('complete')}/{s.get('streams')} complete, peak {s.get('peak_live')} live",
                "", f"ttfe p99 {fmt((s.get('ttfe_ms') or {}).get('p99'))} ms", ">= 5,000",
                verdict(s.get("peak_live"), lambda x: x >= 5000 and ok_all))
            t = mock_timeliness(d, "mock_streams.log")
            if t:
                row("4", "mock event lateness vs script, p99, as the mock wrote them (its count)",
                    f"<= {fmt(t['p99'], ' ms')}", "",
                    f"p50 <= {fmt(t['p50'])} ms, p99.9 <= {fmt(t['p999'])} ms, max "
                    f"{fmt(t['max'])} ms; {int(t['over_20ms'])} of {int(t['events'])} events "
                    "more than 20 ms late", "<= 20 ms", verdict(t["p99"], lambda x: x <= 20))
            else:
                missing.append("mock_streams.log (the mock's shutdown line)")
            row("4", "mock event lateness vs script, p99, as the driver received them",
                fmt(late, " ms"), "",
                f"p50 {fmt((s.get('lateness_ms') or {}).get('p50'))} ms, max "
                f"{fmt((s.get('lateness_ms') or {}).get('max'))} ms", "<= 20 ms",
                verdict(late, lambda x: x <= 20))
            st = s.get("steady_lateness_ms") or {}
            if st:
                row("4", "the same, steady part only (all streams live, none ending)",
                    fmt(st.get("p99"), " ms"), "",
                    f"p50 {fmt(st.get('p50'))} ms, max {fmt(st.get('max'))} ms over "
                    f"{fmt(s.get('steady_seconds'))} s; whole run's late events by 100 ms: "
                    f"{late_where(s)}", "(info)", "")
            row("4", "mock memory per live stream", fmt(kib, " KiB"), "",
                f"RSS {fmt(s.get('server_rss_kib_base'))} -> {fmt(s.get('server_rss_kib_live'))} KiB",
                "<= 40 KiB", verdict(kib, lambda x: x <= 40))

    if "5" in wanted:
        # 5. Fidelity
        f = js(d, "fidelity.json")
        if f:
            g = f.get("gap_abs_error_ms") or {}
            row("5", f"10 ms gaps at {f.get('streams')} streams: median |error|", fmt(g.get("p50"), " ms"),
                "", f"{f.get('complete')}/{f.get('streams')} complete", "<= 0.2 ms",
                verdict(g.get("p50"), lambda x: x <= 0.2))
            row("5", "10 ms gaps: p99 |error|", fmt(g.get("p99"), " ms"), "",
                f"lateness p99 {fmt((f.get('lateness_ms') or {}).get('p99'))} ms", "<= 2 ms",
                verdict(g.get("p99"), lambda x: x <= 2))
            sg = f.get("steady_gap_abs_error_ms") or {}
            if sg:
                row("5", "10 ms gaps: p99 |error|, steady part only (all live, none ending)",
                    fmt(sg.get("p99"), " ms"), "",
                    f"median {fmt(sg.get('p50'))} ms over {fmt(f.get('steady_seconds'))} s; "
                    f"whole run's late events by 100 ms: {late_where(f)}", "(info)", "")
            t = mock_timeliness(d, "mock_fidelity.log")
            if t:
                row("5", "the mock's own write lateness in that run (its count)",
                    f"p99 <= {fmt(t['p99'], ' ms')}", "",
                    f"p50 <= {fmt(t['p50'])} ms, max {fmt(t['max'])} ms; {int(t['over_1ms'])} of "
                    f"{int(t['events'])} events more than 1 ms late", "(info)", "")

    load_before = read(d, "load_before.txt").strip()
    load_after = read(d, "load_after.txt").strip()
    print("| # | measurement | ixh | peer | ratio / figure | target | status |")
    print("|---|---|---|---|---|---|---|")
    for x in rows:
        cells = (x["row"], x["measurement"], x["ixh"], x["peer"], x["figure"], x["target"],
                 x["status"])
        print("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    print()
    print(f"load before: {load_before}")
    print(f"load after:  {load_after}")
    (d / "results.json").write_text(json.dumps(
        {"rows": rows, "load_before": load_before, "load_after": load_after,
         "missing": missing}, indent=2))
    if missing:
        for m in missing:
            print(f"report.py: {m}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
