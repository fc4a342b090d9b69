#!/usr/bin/env python3
"""The main job's demo: starts `ixh mock` on the conformance scenarios, exercises it the way a
client would (plain GETs, a live stream, a resume, a chain walk, scripted errors), prints what it
saw, stops the mock with SIGTERM and ends with a summary line. Standard library only."""
import json
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

IXH, SCENARIOS = sys.argv[1], sys.argv[2]
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(f"  [{'PASS' if ok else 'FAIL'}] {name}{': ' + detail if detail else ''}")


def get(base, path, headers=None):
    req = urllib.request.Request(base + path, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def sse_events(body):
    """Minimal reader for the demo's display; the harness uses its own strict parser."""
    events = []
    for block in body.replace("\r\n", "\n").split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.split("\n") if ": " in line
                      and not line.startswith(":"))
        if "data" in fields:
            events.append((fields.get("event", "message"), fields.get("id"), json.loads(fields["data"])))
    return events


def text_of(events):
    return "".join(d["output"]["text"] for _, _, d in events if d["type"] == "text_delta"
                   and d["candidate_index"] == 0)


mock = subprocess.Popen([IXH, "mock", SCENARIOS, "--listen", "127.0.0.1:0"],
                        stdout=subprocess.PIPE, text=True)
line = mock.stdout.readline().strip()
m = re.fullmatch(r"listening on (http://127\.0\.0\.1:\d+)", line)
if not m:
    print(f"ixh mock did not start: {line!r}")
    mock.kill()
    sys.exit(3)
base = m.group(1)
print(f"ixh mock is {line}\n")

try:
    print("1. An interaction followed live (running.json)")
    status, _, body = get(base, "/v1beta/interactions/running.demo")
    first = json.loads(body)
    check("first GET is not terminal yet", first["state"] in ("PENDING", "RUNNING"),
          f"state {first['state']}, usage_metadata {'present' if 'usage_metadata' in first else 'absent'}")
    t0 = time.monotonic()
    status, headers, body = get(base, "/v1beta/interactions/running.demo?stream=true")
    events = sse_events(body)
    check("stream follows live until the terminal event",
          status == 200 and events and events[-1][0] == "interaction.terminal",
          f"{len(events)} events in {time.monotonic() - t0:.2f} s, last {events[-1][0] if events else None}")
    status, _, body = get(base, "/v1beta/interactions/running.demo")
    done = json.loads(body)
    check("GET after completion: COMPLETED with usage", done["state"] == "COMPLETED"
          and "usage_metadata" in done, json.dumps(done["usage_metadata"]))
    check("streamed text equals output.text", text_of(events) == done["output"]["text"],
          repr(done["output"]["text"][:48] + "..."))

    print("\n2. Resuming a long stream (long_story.json)")
    _, _, body = get(base, "/v1/interactions/long_story.demo?stream=true")
    full = sse_events(body)
    _, _, body = get(base, "/v1/interactions/long_story.demo?stream=true&last_event_id=evt_000010")
    resumed = sse_events(body)
    check("resume returns exactly the suffix after evt_000010",
          [e[1] for e in resumed] == [e[1] for e in full][10:],
          f"{len(full)} events in full, {len(resumed)} after resuming")
    _, _, body = get(base, "/v1/interactions/long_story.demo?stream=true",
                     {"Last-Event-ID": "evt_000030"})
    check("the Last-Event-ID header resumes the same way",
          [e[1] for e in sse_events(body)] == [e[1] for e in full][30:])

    print("\n3. include_input, chains, store: false and scripted errors")
    _, _, body = get(base, "/v1/interactions/include_input.demo?include_input=true")
    with_input = json.loads(body)
    _, _, body = get(base, "/v1/interactions/include_input.demo")
    check("input only with include_input=true", "input" in with_input and "input" not in json.loads(body),
          repr(with_input.get("input")))
    chain, iid = [], "turn3.demo"
    while iid:
        chain.append(iid)
        iid = json.loads(get(base, f"/v1/interactions/{iid}")[2]).get("previous_interaction_id")
    check("previous_interaction_id walks to the root", chain == ["turn3.demo", "turn2.demo", "turn1.demo"],
          " -> ".join(chain))
    status, _, body = get(base, "/v1/interactions/store_false.demo")
    check("store: false answers 404", status == 404, body)
    status, headers, body = get(base, "/v1/interactions/http_429.demo")
    check("scripted 429 with Retry-After", status == 429 and "Retry-After" in headers,
          f"Retry-After: {headers.get('Retry-After')}")
    status, _, body = get(base, "/v1/interactions/completed.demo?last_event_id=evt_000001")
    check("last_event_id without stream=true answers 400", status == 400, body)

    print("\n4. The request journal (GET /_mock/journal)")
    journal = json.loads(get(base, "/_mock/journal")[2])["entries"]
    for e in journal[:6]:
        print(f"     #{e['seq']:<3} {e['status']} {e['path']}{'?' + e['query'] if e['query'] else ''}"
              f"  events={e['events_sent']} bytes={e['bytes_sent']} ended={e['ended']}")
    print(f"     ... {len(journal)} requests in all")
    check("every stream in the journal ended complete",
          all(e["ended"] == "complete" for e in journal if e["stream"]))
finally:
    mock.send_signal(signal.SIGTERM)
    try:
        rc = mock.wait(timeout=15)
    except subprocess.TimeoutExpired:
        mock.kill()
        rc = None
print()
check("ixh mock stopped cleanly on SIGTERM", rc == 0, f"exit status {rc}")
passed = sum(results)
print(f"\ndemo: {passed} passed, {len(results) - passed} failed")
sys.exit(0 if passed == len(results) else 1)
