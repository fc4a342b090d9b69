#!/usr/bin/env python3
"""Cross-checks scenarios/scenario.schema.json against the loader's fixtures.

The schema exists so that editors flag mistakes as a user types; it is only useful if it agrees
with core/scenario_loader.cc. This script checks that agreement from the schema's side (the C++
unit tests check the loader's side on the same files):

  * every shipped scenario (scenarios/**/*.json) and every good fixture is valid;
  * every fixture in tests/testdata/scenarios/bad/ (rules JSON Schema can state) is JSON and
    invalid;
  * every fixture in tests/testdata/scenarios/bad_loader_only/ that is JSON at all is *valid*,
    which proves those rules really are beyond the schema and the split of the fixtures is honest
    (among them the cross-file rules: unique template names, `previous` targets and cycles, and
    the templates that steps name).

Files named *.schema.json are not scenarios and are skipped, as the loader skips them.

Needs Python 3 with jsonschema >= 4.0 (Debian: apt-get install python3-jsonschema).
Usage: python3 tests/schema_check.py [REPO_ROOT]     exit status 0 when everything agrees.
"""

import json
import pathlib
import sys

try:
    import jsonschema
except ImportError:
    sys.exit("schema_check: needs the jsonschema module (apt-get install python3-jsonschema)")


def scenario_files(directory):
    return sorted(p for p in directory.rglob("*.json") if not p.name.endswith(".schema.json"))


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parents[1])
    schema = json.loads((root / "scenarios" / "scenario.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    fixtures = root / "tests" / "testdata" / "scenarios"

    failures = []
    checked = 0

    def load(path):
        try:
            return True, json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            return False, None

    def first_error(document):
        error = next(iter(validator.iter_errors(document)), None)
        if error is None:
            return None
        return f"/{'/'.join(str(p) for p in error.absolute_path)}: {error.message}"

    must_pass = scenario_files(root / "scenarios") + scenario_files(fixtures / "good")
    for path in must_pass:
        checked += 1
        ok, document = load(path)
        error = first_error(document) if ok else "not JSON"
        if error:
            failures.append(f"{path.relative_to(root)}: valid for the loader, rejected by the "
                            f"schema: {error}")

    for path in scenario_files(fixtures / "bad"):
        checked += 1
        ok, document = load(path)
        if not ok:
            failures.append(f"{path.relative_to(root)}: not JSON, so it proves nothing about the "
                            f"schema (syntax errors belong in bad_loader_only/)")
        elif first_error(document) is None:
            failures.append(f"{path.relative_to(root)}: rejected by the loader, accepted by the "
                            f"schema (move it to bad_loader_only/ if the schema cannot state it)")

    for path in scenario_files(fixtures / "bad_loader_only"):
        ok, document = load(path)
        if not ok:
            continue  # a syntax-error fixture: nothing for a schema to say
        checked += 1
        error = first_error(document)
        if error:
            failures.append(f"{path.relative_to(root)}: meant to be beyond the schema, but the "
                            f"schema rejects it ({error}); move it to bad/")

    if not any(p for p in must_pass if p.is_relative_to(root / "scenarios")):
        failures.append("no shipped scenario found under scenarios/")

    for failure in failures:
        print(failure, file=sys.stderr)
    print(f"schema_check: {checked} files checked, {len(failures)} disagreements")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
