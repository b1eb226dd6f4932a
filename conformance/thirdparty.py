#!/usr/bin/python3
"""The third-party implementations through the suite, and their recorded results.

    /usr/bin/python3 -m conformance.thirdparty            run each adapter; compare with the record
    /usr/bin/python3 -m conformance.thirdparty --record   run each adapter; rewrite the record

The adapters (conformance/adapters/*.mjs) run with the Node binary and the package versions pinned in
conformance/adapters/package-lock.json (installed by `npm ci` there). Each is run once over every
vector; its outcomes are split by profile and written to conformance/results/<name>-<version>.json:
per op the counts (passed, failed, partial, unsupported) and the ids of every case that failed or was
partial. conformance/results/README.md is the matrix of all of them, and of the browser runs. Without
--record the fresh run must equal the record exactly (exit 1 and the differences otherwise), so any
change in the vectors, the runner or an adapter shows; after a deliberate change, run --record and
commit the result with the reason.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import runner  # noqa: E402

ADAPTERS_DIR = HERE / "adapters"
RESULTS_DIR = HERE / "results"
NODE = ADAPTERS_DIR / "node_modules" / ".bin" / "node"
# name, adapter script, npm package whose version names the implementation, what it drives
ADAPTERS = (
    ("jsdom", "jsdom.mjs", "jsdom", "XMLHttpRequest against a loopback server"),
    ("happy-dom", "happy-dom.mjs", "happy-dom", "window.fetch() against a loopback server"),
    ("undici", "undici.mjs", "undici", "Headers, its header list's get and getDecodeSplit"),
)
INSTALL_HINT = "install the pinned adapters with:  (cd conformance/adapters && npm ci)"


class NotInstalled(Exception):
    pass


def package_version(package: str) -> str:
    path = ADAPTERS_DIR / "node_modules" / package / "package.json"
    if not path.is_file():
        raise NotInstalled("%s is not installed (%s); %s" % (package, path, INSTALL_HINT))
    return json.loads(path.read_text(encoding="utf-8"))["version"]


def node_version() -> str:
    if not NODE.exists():
        raise NotInstalled("the pinned Node binary %s is missing; %s" % (NODE, INSTALL_HINT))
    return subprocess.run([str(NODE), "--version"], capture_output=True, text=True, timeout=60).stdout.strip()


def run_one(name: str, script: str, package: str, cases: list[dict]) -> dict:
    """The record of one adapter: per profile, per op counts and the ids that did not pass."""
    version = package_version(package)
    argv = [str(NODE.relative_to(runner.REPO_ROOT)), str((ADAPTERS_DIR / script).relative_to(runner.REPO_ROOT))]
    run = runner.run_adapter(argv, cases)
    outcomes = runner.judge_run(cases, run)
    profile_of = {c["id"]: c["profile"] for c in cases}
    profiles = {}
    for profile in ("fetch", "corshdr"):
        mine = {i: o for i, o in outcomes.items() if profile_of[i] == profile}
        ops = {op: row for op, row in runner.counts_by_op(mine).items() if any(row.values())}
        ids = {}
        for o in mine.values():
            if o.kind in (runner.FAILED, runner.PARTIAL):
                ids.setdefault(o.op, {}).setdefault(o.kind, []).append(o.case_id)
        profiles[profile] = {"totals": runner.totals(mine), "ops": ops, "not_passed": ids}
    return {"implementation": name, "version": version, "label": "%s-%s" % (name, version),
            "adapter": "conformance/adapters/%s" % script, "node": node_version(),
            "protocol_problems": run.problems, "profiles": profiles}


def record_path(record: dict) -> Path:
    return RESULTS_DIR / ("%s.json" % record["label"])


def dump(record: dict) -> str:
    return json.dumps(record, indent=1, ensure_ascii=True) + "\n"


def differences(old: dict, new: dict) -> list[str]:
    out = []
    for key in ("version", "node", "protocol_problems"):
        if old.get(key) != new.get(key):
            out.append("%s: recorded %s, now %s" % (key, json.dumps(old.get(key)), json.dumps(new.get(key))))
    for profile in ("fetch", "corshdr"):
        a, b = old["profiles"].get(profile, {}), new["profiles"][profile]
        for op in sorted(set(a.get("ops", {})) | set(b["ops"])):
            if a.get("ops", {}).get(op) != b["ops"].get(op):
                out.append("%s %s: recorded %s, now %s" % (profile, op, a.get("ops", {}).get(op), b["ops"].get(op)))
            for kind in (runner.FAILED, runner.PARTIAL):
                was = set(a.get("not_passed", {}).get(op, {}).get(kind, []))
                now = set(b["not_passed"].get(op, {}).get(kind, []))
                for case_id in sorted(now - was)[:20]:
                    out.append("%s %s: now %s: %s" % (profile, op, kind, case_id))
                for case_id in sorted(was - now)[:20]:
                    out.append("%s %s: no longer %s: %s" % (profile, op, kind, case_id))
    return out


def matrix_markdown(records: list[dict], browsers: list[dict]) -> str:
    """conformance/results/README.md: every recorded implementation x op, per profile."""
    out = ["# Recorded results", "",
           "Written by `/usr/bin/python3 -m conformance.thirdparty --record` (third-party adapters) and "
           "`/usr/bin/python3 -m conformance.browsers --record` (browsers); the test command checks that a fresh "
           "run still gives these numbers. Cells are passed/cases, then failed (F), partial (P) and "
           "unsupported (U) when not zero. Bugs found: [../FINDINGS.md](../FINDINGS.md).", ""]
    ops = [op for op in runner.OPS if any(op in r["profiles"][p]["ops"] for r in records for p in r["profiles"])]
    for profile in ("fetch", "corshdr"):
        out += ["## Profile `%s`" % profile, "",
                "| implementation | " + " | ".join(ops) + " | total |", "|---|" + "---:|" * (len(ops) + 1)]
        for r in records:
            cells = []
            for op in ops + ["total"]:
                row = r["profiles"][profile]["totals"] if op == "total" else r["profiles"][profile]["ops"].get(op)
                if not row or not sum(row.values()):
                    cells.append("-")
                    continue
                n = sum(row.values())
                if row["unsupported"] == n:
                    cells.append("U")
                    continue
                extra = " ".join("%d%s" % (row[k], s) for k, s in (("failed", "F"), ("partial", "P"), ("unsupported", "U")) if row[k])
                cells.append("%d/%d%s" % (row["passed"], n, " " + extra if extra else ""))
            out.append("| %s (node %s) | %s |" % (r["label"], r["node"].lstrip("v"), " | ".join(cells)))
        out.append("")
    if browsers:
        out += ["## Browsers", "",
                "The browser-checkable vectors (exposed, cors-check, preflight) run in the engine, each judged "
                "against its variant for that engine where it has one (`conformance/CHECKING.md`).", "",
                "| engine | agree | disagree | skipped |", "|---|---:|---:|---:|"]
        for b in browsers:
            s = b["summary"]
            out.append("| %s | %d | %d | %d |" % (b["version"], s["agree"], s["disagree"], s["skipped"]))
        out.append("")
    return "\n".join(out)


def browser_records() -> list[dict]:
    out = []
    for path in sorted((RESULTS_DIR / "browsers").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        out.append({"version": data["version"], "summary": data["summary"]})
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m conformance.thirdparty", description=__doc__.split("\n\n")[0])
    parser.add_argument("--record", action="store_true", help="rewrite conformance/results/ from this run")
    parser.add_argument("--only", choices=[a[0] for a in ADAPTERS], action="append",
                        help="only this adapter (repeatable)")
    args = parser.parse_args(argv)
    cases = runner.load_cases()
    status = 0
    records = []
    for name, script, package, what in ADAPTERS:
        if args.only and name not in args.only:
            continue
        try:
            record = run_one(name, script, package, cases)
        except NotInstalled as e:
            print("corshdr thirdparty: %s" % e, file=sys.stderr)
            return 2
        records.append(record)
        t = record["profiles"]["fetch"]["totals"]
        print("%s (%s): Fetch profile: passed %d, failed %d, partial %d, unsupported %d" % (
            record["label"], what, t["passed"], t["failed"], t["partial"], t["unsupported"]))
        path = record_path(record)
        if args.record:
            RESULTS_DIR.mkdir(exist_ok=True)
            path.write_text(dump(record), encoding="utf-8")
            continue
        if not path.is_file():
            print("  no record %s: run with --record (a new version of %s?)" % (path.relative_to(runner.REPO_ROOT), package))
            status = 1
            continue
        diff = differences(json.loads(path.read_text(encoding="utf-8")), record)
        if diff:
            status = 1
            print("  differs from %s:\n    %s" % (path.relative_to(runner.REPO_ROOT), "\n    ".join(diff)))
    matrix = matrix_markdown([json.loads(p.read_text()) for p in sorted(RESULTS_DIR.glob("*.json"))], browser_records())
    readme = RESULTS_DIR / "README.md"
    if args.record:
        readme.write_text(matrix, encoding="utf-8")
    elif not args.only and (not readme.is_file() or readme.read_text(encoding="utf-8") != matrix):
        print("  %s is not the matrix of the records: run with --record" % readme.relative_to(runner.REPO_ROOT))
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
