#!/usr/bin/env python3
"""Checks reports/run_report.schema.json against the JSON reports the writer produces.

The schema lets other tools (dashboards, CI scripts, editors) rely on the layout of
`ixh run --json FILE`; it is only useful if it agrees with reports/json_writer.cc. The C++ unit
tests pin the writer's output in golden files (tests/testdata/reports/*.json) and prove that
read_json_report() accepts them; this script checks the same files from the schema's side:

  * every golden report is valid against the schema;
  * a few broken copies of the first one (each breaking one rule the schema states, and each
    rejected by read_json_report too) are invalid, so the schema is not vacuously permissive.

Needs Python 3 with jsonschema >= 4.0 (Debian: apt-get install python3-jsonschema).
Usage: python3 tests/report_schema_check.py [REPO_ROOT]     exit status 0 when everything agrees.
"""

import copy
import json
import pathlib
import sys

try:
    import jsonschema
except ImportError:
    sys.exit("report_schema_check: needs the jsonschema module "
             "(apt-get install python3-jsonschema)")


def set_at(path, value):
    def change(doc):
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


def delete_at(path):
    def change(doc):
        target = doc
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
    return change


def first_metric(doc):
    for by_metric in doc["metrics"].values():
        for name in by_metric:
            return by_metric[name]
    raise ValueError("the first golden report has no metric")


# (what, change): each must make a valid report invalid.
BREAKAGES = [
    ("unknown top-level key", set_at(["extra"], 1)),
    ("missing counters", delete_at(["counters"])),
    ("other schema name", set_at(["schema"], "ixh.other")),
    ("newer schema version", set_at(["schema_version"], 3)),
    ("duration as a string", set_at(["duration_ms"], "12")),
    ("partial as a number", set_at(["partial"], 1)),
    ("negative counter", set_at(["counters", "events"], -1)),
    ("fractional counter", set_at(["counters", "bytes"], 1.5)),
    ("error count as a string", set_at(["counters", "errors", "timeout"], "1")),
    ("unknown summary key", set_at(["summary", "extra"], 0)),
    ("scenario without steps", delete_at(["scenarios", 0, "steps"])),
    ("step index negative", set_at(["scenarios", 0, "steps", 0, "index"], -1)),
    ("check without where", delete_at(["scenarios", 0, "steps", 0, "checks", 0, "where"])),
    ("metric not an object", set_at(["metrics", "get", "latency"], 3)),
    ("metric without histogram", lambda d: first_metric(d).pop("histogram")),
    ("percentile above 1 h", lambda d: first_metric(d).update(p99_us=3600000001)),
    ("histogram of another layout", lambda d: first_metric(d)["histogram"].update(
        significant_digits=2)),
    ("empty bucket", lambda d: first_metric(d)["histogram"].update(buckets=[[1, 0]])),
    ("bucket index out of range", lambda d: first_metric(d)["histogram"].update(
        buckets=[[23221, 1]])),
]


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parents[1])
    schema = json.loads((root / "reports" / "run_report.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)

    def first_error(document):
        error = next(iter(validator.iter_errors(document)), None)
        if error is None:
            return None
        return f"/{'/'.join(str(p) for p in error.absolute_path)}: {error.message}"

    failures = []
    checked = 0
    reports = sorted((root / "tests" / "testdata" / "reports").glob("*.json"))
    if not reports:
        failures.append("no report found under tests/testdata/reports/")
    for path in reports:
        checked += 1
        error = first_error(json.loads(path.read_text(encoding="utf-8")))
        if error:
            failures.append(f"{path.relative_to(root)}: rejected by the schema: {error}")

    if reports:
        valid = json.loads(reports[0].read_text(encoding="utf-8"))
        for what, change in BREAKAGES:
            checked += 1
            broken = copy.deepcopy(valid)
            change(broken)
            if first_error(broken) is None:
                failures.append(f"{reports[0].relative_to(root)} with {what}: accepted by the "
                                f"schema, rejected by read_json_report")

    for failure in failures:
        print(failure, file=sys.stderr)
    print(f"report_schema_check: {checked} documents checked, {len(failures)} disagreements")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
