#!/usr/bin/python3
"""Line and branch coverage of parser/src by the fuzz corpora and the unit tests.

Builds the project with clang source-based coverage (CORSHDR_COVERAGE: -fprofile-instr-generate
-fcoverage-mapping; unit tests on, tools and benchmarks off), then runs, each writing its own profiles:
  - replay_<target> over corpus/<target>/ for every target (and over extra folders given for a target),
  - the CMocka unit tests (CTest's unit.* tests),
merges the profiles with llvm-profdata and reads llvm-cov's per-file summary of parser/src. The table
lists every file of parser/src (sorted by name) with its lines and branches, covered of total, then the
total. Branches are llvm-cov's: each condition counts twice, taken and not taken.

Campaign mode (--campaign TARGET DIR, used by tools/fuzz-campaign.sh) reports four figures: TARGET's own
corpus before and after adding DIR (what the campaign reached through its target), and every corpus plus
the unit tests before and after adding DIR (what it added to the project).

Usage: tools/fuzz/coverage.py [--build DIR] [--no-unit-tests] [--target T]... [--extra T=DIR]...
                              [--root ROOT] [--json FILE] [--html DIR] [--campaign TARGET DIR] [--quiet]
  --root ROOT   also replay ROOT/<target>/corpus/ for every target that has one (a campaign work root)
Environment: FUZZ_CC (default clang), LLVM_PROFDATA, LLVM_COV. Standard library only.
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SRC = os.path.join(TOP, "parser", "src")


def tool(env, *names):
    if os.environ.get(env):
        return os.environ[env]
    for n in names:
        p = shutil.which(n)
        if p:
            return p
    sys.exit("coverage: none of %s found (set %s)" % (", ".join(names), env))


def run(cmd, log, env=None, cwd=None):
    with open(log, "ab") as f:
        r = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, env=env, cwd=cwd)
    if r.returncode != 0:
        with open(log, "rb") as f:
            sys.stderr.write(f.read()[-4000:].decode(errors="replace"))
        sys.exit("coverage: failed (%d): %s (log %s)" % (r.returncode, " ".join(cmd), log))


def build(bdir):
    gen = ["-G", "Ninja"] if shutil.which("ninja") else []
    env = dict(os.environ, CC=os.environ.get("FUZZ_CC", "clang"))
    log = bdir + ".build.log"
    open(log, "w").close()
    run(["cmake", "-S", TOP, "-B", bdir] + gen + ["-DCMAKE_BUILD_TYPE=Debug", "-DCORSHDR_COVERAGE=ON",
        "-DCORSHDR_BUILD_TESTS=ON", "-DCORSHDR_BUILD_TOOLS=OFF", "-DCORSHDR_BUILD_BENCH=OFF"], log, env)
    run(["cmake", "--build", bdir, "-j", str(os.cpu_count() or 2)], log, env)


class Profiles:
    """The profile folder: one subfolder per source of coverage (a target's corpus, an extra folder,
    the unit tests), so that any set of them can be merged."""

    def __init__(self, bdir):
        self.bdir = bdir
        self.dir = os.path.join(bdir, "profiles")
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)

    def replay(self, name, target, folders):
        binary = os.path.join(self.bdir, "harness", "replay_" + target)
        if not os.path.exists(binary):
            sys.exit("coverage: no replay_%s in %s" % (target, self.bdir))
        out = os.path.join(self.dir, name)
        os.makedirs(out, exist_ok=True)
        env = dict(os.environ, LLVM_PROFILE_FILE=os.path.join(out, "%p.profraw"))
        log = os.path.join(self.dir, name + ".log")
        run([binary] + folders, log, env)
        with open(log) as f:
            return f.read().strip().splitlines()[-1]

    def unit_tests(self):
        out = os.path.join(self.dir, "unit")
        os.makedirs(out)
        env = dict(os.environ, LLVM_PROFILE_FILE=os.path.join(out, "%p.profraw"))
        run(["ctest", "--test-dir", self.bdir, "-R", r"^unit\.", "-j", str(os.cpu_count() or 2),
             "--output-on-failure"], os.path.join(self.dir, "unit.log"), env)

    def summary(self, names, profdata, cov):
        raws = [r for n in names for r in glob.glob(os.path.join(self.dir, n, "*.profraw"))]
        if not raws:
            sys.exit("coverage: no profiles for %s" % ", ".join(names))
        merged = os.path.join(self.dir, "-".join(sorted(names))[:100] + ".profdata")
        # Quiet: functions outside parser/src with one name in several binaries (LLVMFuzzerTestOneInput)
        # have "mismatched data", which does not touch the library's figures.
        r = subprocess.run([profdata, "merge", "-sparse", "-o", merged] + raws, stderr=subprocess.PIPE)
        if r.returncode != 0:
            sys.exit("coverage: llvm-profdata merge failed: %s" % r.stderr.decode(errors="replace")[-2000:])
        # Every binary's coverage map, also of those that did not run: the same lines and branches count
        # whatever ran (a file no binary links would otherwise drop out of the total).
        objs = sorted(glob.glob(os.path.join(self.bdir, "harness", "replay_*")) +
                      [t for t in glob.glob(os.path.join(self.bdir, "parser", "tests", "test_*"))
                       if os.access(t, os.X_OK) and not os.path.isdir(t)])
        cmd = [cov, "export", "-summary-only", "-instr-profile=" + merged, objs[0]]
        for o in objs[1:]:
            cmd += ["-object", o]
        r = subprocess.run(cmd + [SRC], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if r.returncode != 0:
            sys.exit("coverage: llvm-cov export failed: %s" % r.stderr.decode(errors="replace")[-2000:])
        data = json.loads(r.stdout)["data"][0]
        files = {}
        for f in data["files"]:
            rel = os.path.relpath(f["filename"], TOP)
            files[rel] = figures(f["summary"])
        # Every file of parser/src, also one no binary compiled (then it counts as not covered at all).
        for p in sorted(glob.glob(os.path.join(SRC, "*.[ch]"))):
            files.setdefault(os.path.relpath(p, TOP), None)
        self.last = (merged, objs)
        return {"files": dict(sorted(files.items())), "total": figures(data["totals"])}

    def html(self, out, cov):
        """llvm-cov's annotated sources of parser/src for the last summary, in `out`."""
        merged, objs = self.last
        cmd = [cov, "show", "-format=html", "-output-dir=" + out, "-instr-profile=" + merged, objs[0]]
        for o in objs[1:]:
            cmd += ["-object", o]
        subprocess.run(cmd + [SRC], check=True, stderr=subprocess.DEVNULL)


def figures(s):
    return {"lines": {"covered": s["lines"]["covered"], "total": s["lines"]["count"]},
            "branches": {"covered": s["branches"]["covered"], "total": s["branches"]["count"]}}


def pct(c, t):
    return 100.0 * c / t if t else 100.0


def table(summary, title):
    rows = [(f, v) for f, v in summary["files"].items()] + [("TOTAL", summary["total"])]
    w = max(len(f) for f, _ in rows)
    out = [title, "%-*s  %19s  %19s" % (w, "file", "lines", "branches")]
    for f, v in rows:
        if v is None:
            out.append("%-*s  %19s  %19s" % (w, f, "not compiled", ""))
            continue
        cells = []
        for k in ("lines", "branches"):
            c, t = v[k]["covered"], v[k]["total"]
            cells.append("%5d/%-5d %6.2f%%" % (c, t, pct(c, t)))
        out.append("%-*s  %s  %s" % (w, f, cells[0], cells[1]))
    return "\n".join(out)


def short(v):
    return "lines %d/%d (%.2f%%), branches %d/%d (%.2f%%)" % (
        v["lines"]["covered"], v["lines"]["total"], pct(v["lines"]["covered"], v["lines"]["total"]),
        v["branches"]["covered"], v["branches"]["total"], pct(v["branches"]["covered"], v["branches"]["total"]))


def targets_built(bdir):
    return sorted(os.path.basename(p)[len("replay_"):] for p in glob.glob(os.path.join(bdir, "harness", "replay_*")))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.environ.get("FUZZ_COVERAGE_DIR", "/tmp/fuzz-coverage"))
    ap.add_argument("--no-unit-tests", action="store_true")
    ap.add_argument("--target", action="append", default=[], help="only these targets' corpora")
    ap.add_argument("--extra", action="append", default=[], metavar="T=DIR", help="also replay DIR with replay_T")
    ap.add_argument("--root", action="append", default=[], help="also ROOT/<target>/corpus for every target")
    ap.add_argument("--json", help="write the figures as JSON")
    ap.add_argument("--campaign", nargs=2, metavar=("TARGET", "DIR"))
    ap.add_argument("--quiet", action="store_true", help="no table on stdout")
    ap.add_argument("--html", metavar="DIR", help="also llvm-cov's annotated sources, as HTML in DIR")
    a = ap.parse_args()
    profdata = tool("LLVM_PROFDATA", "llvm-profdata", "llvm-profdata-14")
    cov = tool("LLVM_COV", "llvm-cov", "llvm-cov-14")
    bdir = os.path.abspath(a.build)
    build(bdir)
    prof = Profiles(bdir)
    say = (lambda *x: None) if a.quiet else print

    all_targets = targets_built(bdir)
    if a.campaign:
        target, extra = a.campaign
        if target not in all_targets:
            sys.exit("coverage: no target %s" % target)
        for t in all_targets:
            prof.replay("corpus-" + t, t, [os.path.join(TOP, "corpus", t)])
        prof.replay("campaign", target, [extra])
        prof.unit_tests()
        base = ["corpus-" + t for t in all_targets] + ["unit"]
        result = {
            "scope_target": "corpus/%s replayed by replay_%s; after: with %s" % (target, target, extra),
            "scope_all": "every corpus/<target> and the unit tests; after: with %s" % extra,
            "target_before": prof.summary(["corpus-" + target], profdata, cov)["total"],
            "target_after": prof.summary(["corpus-" + target, "campaign"], profdata, cov)["total"],
            "all_before": prof.summary(base, profdata, cov)["total"],
            "all_after": prof.summary(base + ["campaign"], profdata, cov)["total"],
        }
        for k in ("target_before", "target_after", "all_before", "all_after"):
            say("%-14s %s" % (k, short(result[k])))
    else:
        chosen = a.target or all_targets
        extras = {}
        for e in a.extra:
            t, _, d = e.partition("=")
            extras.setdefault(t, []).append(d)
        names = []
        for t in chosen:
            if t not in all_targets:
                sys.exit("coverage: no target %s (built: %s)" % (t, " ".join(all_targets)))
            folders = [os.path.join(TOP, "corpus", t)] + extras.get(t, [])
            folders += [os.path.join(r, t, "corpus") for r in a.root if os.path.isdir(os.path.join(r, t, "corpus"))]
            say("  %-20s %s" % (t, prof.replay("corpus-" + t, t, folders)))
            names.append("corpus-" + t)
        if not a.no_unit_tests:
            prof.unit_tests()
            say("  %-20s the CMocka unit tests (ctest -R '^unit\\.')" % "unit")
            names.append("unit")
        result = prof.summary(names, profdata, cov)
        result["sources"] = names
        say(table(result, "parser/src coverage by %s:" % (
            ("the corpora of " + ", ".join(chosen)) + ("" if a.no_unit_tests else " and the unit tests"))))
        say("parser/src coverage: %s" % short(result["total"]))
        if a.html:
            prof.html(a.html, cov)
            say("html: %s/index.html" % a.html)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(result, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
