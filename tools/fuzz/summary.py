#!/usr/bin/python3
"""The JSON summary of one fuzzing campaign (tools/fuzz-campaign.sh calls this when the engines stop).

Reads the campaign's work folder: rusage.json (tools/fuzz/rusage.py: wall and CPU time of every process),
the engine's statistics (libFuzzer's final stats in logs/batch-*/fuzz-*.log, AFL++'s fuzzer_stats of every
instance), coverage.json (tools/fuzz/coverage.py --campaign), crashes/ and corpus/. Each crash file is run
once more through the engine binary to say what it is: a result mismatch (the target's "corshdr-fuzz:
MISMATCH" line), a sanitizer report, a timeout, another crash, or an input that does not fail again.
Writes WORK/summary.json and, with --summary-dir, a copy named TARGET-ENGINE-<UTC time>.json there.
The format is described in harness/README.md ("Campaign summaries"). Standard library only.
"""
import argparse
import glob
import hashlib
import json
import os
import re
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEMA = "corshdr-fuzz-campaign/1"


def sha1_of(path):
    with open(path, "rb") as f:
        return hashlib.sha1(f.read()).hexdigest()


def files(d):
    return sorted(p for p in glob.glob(os.path.join(d, "*")) if os.path.isfile(p)) if os.path.isdir(d) else []


def libfuzzer_execs(work):
    """The sum of every job's executed units (each job prints its final stats into its fuzz-N.log)."""
    total = 0
    for log in glob.glob(os.path.join(work, "logs", "batch-*", "fuzz-*.log")):
        m = re.findall(r"stat::number_of_executed_units:\s*(\d+)", open(log, errors="replace").read())
        if m:
            total += int(m[-1])
    return total


def afl_stats(work):
    execs, instances, modes = 0, [], set()
    for path in sorted(glob.glob(os.path.join(work, "afl", "*", "fuzzer_stats"))):
        st = {}
        for line in open(path, errors="replace"):
            k, _, v = line.partition(":")
            st[k.strip()] = v.strip()
        execs += int(st.get("execs_done", 0))
        modes.add(st.get("target_mode", ""))
        stability = st.get("stability", "").rstrip("%")
        instances.append({"name": os.path.basename(os.path.dirname(path)), "execs": int(st.get("execs_done", 0)),
                          "stability_pct": float(stability) if stability else None,
                          "edges_found": int(st["edges_found"]) if st.get("edges_found", "").isdigit() else None,
                          "target_mode": st.get("target_mode"),
                          "afl_version": st.get("afl_version", "").lstrip("+") or None})
    return execs, instances


def classify(binary, path, engine):
    """What one crash file does when run again through the engine binary."""
    env = dict(os.environ)
    if engine == "libfuzzer":
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
        cmd, limit = [binary, "-timeout=25", "-rss_limit_mb=2048", path], 60
    else:
        cmd, limit = [binary, path], 30  # harness/afl_main.c replays the files it is given; AFL's -t is 10 s
    try:
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, timeout=limit)
    except subprocess.TimeoutExpired:
        return "timeout", "still running after %d s" % limit
    err = r.stderr.decode(errors="replace")
    m = re.search(r"^corshdr-fuzz: MISMATCH at (.*)$", err, re.M)
    if m:
        return "mismatch", m.group(1)[:300]
    if "ERROR: libFuzzer: timeout" in err or "ALARM: working on the last Unit" in err:
        return "timeout", ""
    m = re.search(r"^SUMMARY: (.*)$", err, re.M)
    if m:
        kind = "leak" if "leaked" in m.group(1) else "sanitizer"
        return kind, m.group(1)[:300]
    if "out-of-memory" in err:
        return "oom", ""
    if r.returncode == 0:
        return "does-not-reproduce", ""
    return "crash", "exit status %d" % r.returncode


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for opt in ("target", "engine", "dir", "bin", "started", "command", "load-start", "load-end"):
        ap.add_argument("--" + opt, required=True)
    for opt in ("seconds", "workers", "cmplog", "lto", "cores"):
        ap.add_argument("--" + opt, type=int, required=True)
    ap.add_argument("--summary-dir", default="")
    a = ap.parse_args()
    work = os.path.abspath(a.dir)

    ru = json.load(open(os.path.join(work, "rusage.json")))
    if a.engine == "libfuzzer":
        execs, instances = libfuzzer_execs(work), None
        version = subprocess.run(["clang", "--version"], stdout=subprocess.PIPE).stdout.decode().splitlines()[0]
        version = "libFuzzer of " + version
    else:
        execs, instances = afl_stats(work)
        version = "AFL++ " + ((instances[0]["afl_version"] or "?") if instances else "?")

    seeds = {sha1_of(p) for p in files(os.path.join(TOP, "corpus", a.target))}
    final = {sha1_of(p) for p in files(os.path.join(work, "corpus"))}

    findings = []
    for p in files(os.path.join(work, "crashes")):
        kind, detail = classify(a.bin, p, a.engine)
        findings.append({"file": os.path.relpath(p, work), "kind": kind, "detail": detail})
    count = {}
    for f in findings:
        count[f["kind"]] = count.get(f["kind"], 0) + 1

    cov_path = os.path.join(work, "coverage.json")
    coverage = json.load(open(cov_path)) if os.path.exists(cov_path) else None

    git = lambda *args: subprocess.run(["git", "-C", TOP] + list(args), stdout=subprocess.PIPE,
                                       stderr=subprocess.DEVNULL).stdout.decode().strip()
    load = lambda s: [float(x) for x in s.split()] if s else None
    summary = {
        "schema": SCHEMA,
        "target": a.target,
        "engine": a.engine,
        "engine_version": version,
        "cmplog": bool(a.cmplog) if a.engine == "afl" else None,
        "lto": bool(a.lto) if a.engine == "afl" else None,
        "workers": a.workers,
        "started": a.started,
        "duration_s": a.seconds,
        "wall_s": ru["wall_s"],
        "cpu_s": ru["cpu_s"],
        "execs": execs,
        "execs_per_s": round(execs / ru["wall_s"], 1) if ru["wall_s"] else None,
        "execs_per_cpu_s": round(execs / ru["cpu_s"], 1) if ru["cpu_s"] else None,
        "machine": {"cores": a.cores, "load_avg_start": load(a.load_start), "load_avg_end": load(a.load_end)},
        "corpus": {"seeds": len(seeds), "final": len(final), "new": len(final - seeds)},
        "coverage": coverage,
        "crashes": len(findings),
        "mismatches": count.get("mismatch", 0),
        "findings_by_kind": count,
        "findings": findings,
        "afl_instances": instances,
        "commit": git("rev-parse", "HEAD"),
        "tree_modified": bool(git("status", "--porcelain", "--untracked-files=no")),
        "work_dir": work,
        "command": a.command,
    }
    text = json.dumps(summary, indent=1) + "\n"
    with open(os.path.join(work, "summary.json"), "w") as f:
        f.write(text)
    out = os.path.join(work, "summary.json")
    if a.summary_dir:
        os.makedirs(a.summary_dir, exist_ok=True)
        out = os.path.join(a.summary_dir, "%s-%s-%s.json" % (a.target, a.engine,
                                                             a.started.replace("-", "").replace(":", "")))
        with open(out, "w") as f:
            f.write(text)
    cov = ""
    if coverage:
        b, f = coverage["all_before"], coverage["all_after"]
        cov = ", all corpora + unit tests: lines %d -> %d of %d, branches %d -> %d of %d" % (
            b["lines"]["covered"], f["lines"]["covered"], f["lines"]["total"],
            b["branches"]["covered"], f["branches"]["covered"], f["branches"]["total"])
    print("== campaign %s (%s): %.0fs wall, %.0fs CPU, %d execs (%s/s, %s/CPU-s), %d new corpus files, "
          "%d crash files (%d mismatches)%s" % (a.target, a.engine, ru["wall_s"], ru["cpu_s"], execs,
                                                summary["execs_per_s"], summary["execs_per_cpu_s"],
                                                summary["corpus"]["new"], len(findings), summary["mismatches"], cov))
    print("   summary: %s" % out)
    if findings:
        print("   next: tools/fuzz-triage.sh %s %s/crashes" % (a.target, work))
    if summary["corpus"]["new"]:
        print("   fold the new inputs that reach new edges: tools/fuzz-fold.sh %s %s" % (a.target, work))
    return 0


if __name__ == "__main__":
    sys.exit(main())
