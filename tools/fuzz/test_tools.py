#!/usr/bin/python3
"""Tests of the fuzzing tools: the AFL++ driver (persistent mode, shared-memory test cases, deferred init,
cmplog), tools/fuzz/rusage.py, tools/fuzz-campaign.sh's JSON summary, tools/fuzz/table.py, tools/fuzz-fold.sh,
the crash classification and tools/fuzz-coverage.sh's table. Builds the AFL++ binaries of one small
target (max_age) and runs two short campaigns, about two minutes in all; tools/test-all.sh runs it.
Needs afl++, clang and llvm (tools/setup-deps.sh test): fails, never skips, without them.

    /usr/bin/python3 tools/fuzz/test_tools.py [LIBFUZZER_BUILD]

LIBFUZZER_BUILD: a tools/fuzz-smoke.sh build to reuse (default: made in the scratch folder). Scratch:
FUZZ_TEST_DIR (default a new temporary folder, removed at the end). Nothing is written into the
checkout: the fold goes into a copy of corpus/ (FUZZ_CORPUS_DIR).
"""
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARGET = "max_age"
SCRATCH = None
LIBFUZZER = None

sys.path.insert(0, os.path.join(TOP, "tools", "fuzz"))
import summary  # noqa: E402  (tools/fuzz/summary.py)


def git_status():
    return subprocess.run(["git", "-C", TOP, "status", "--porcelain"], stdout=subprocess.PIPE).stdout


def sha1(path):
    with open(path, "rb") as f:
        return hashlib.sha1(f.read()).hexdigest()


class Campaigns(unittest.TestCase):
    """One AFL++ campaign (with cmplog and coverage) and one libFuzzer campaign, shared by the tests."""

    @classmethod
    def setUpClass(cls):
        cls.status_before = git_status()
        cls.env = dict(os.environ, FUZZ_BUILD_DIR=LIBFUZZER, FUZZ_AFL_BUILD_DIR=os.path.join(SCRATCH, "afl"),
                       FUZZ_COVERAGE_DIR=os.path.join(SCRATCH, "coverage"),
                       AFL_NO_AFFINITY="1")  # the CI machine may have no core that no other process uses
        cls.summaries = os.path.join(SCRATCH, "summaries")
        cls.afl_work = os.path.join(SCRATCH, "afl-work")
        cls.afl_run = subprocess.run(
            ["sh", os.path.join(TOP, "tools", "fuzz-campaign.sh"), TARGET, "8s", "--engine", "afl", "--workers", "1",
             "--cmplog", "--summary", cls.summaries, "--work", cls.afl_work],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=cls.env, timeout=900)
        cls.lf_work = os.path.join(SCRATCH, "lf-work")
        cls.lf_run = subprocess.run(
            ["sh", os.path.join(TOP, "tools", "fuzz-campaign.sh"), TARGET, "5s", "--workers", "1", "--no-coverage",
             "--work", cls.lf_work], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=cls.env, timeout=900)

    def load(self, work):
        with open(os.path.join(work, "summary.json")) as f:
            return json.load(f)

    def test_afl_campaign_summary(self):
        self.assertEqual(self.afl_run.returncode, 0, self.afl_run.stdout.decode(errors="replace")[-3000:])
        s = self.load(self.afl_work)
        files = glob.glob(os.path.join(self.summaries, TARGET + "-afl-*.json"))
        self.assertEqual(len(files), 1, files)
        with open(files[0]) as f:
            self.assertEqual(json.load(f), s)
        self.assertEqual(s["schema"], "corshdr-fuzz-campaign/1")
        self.assertEqual((s["target"], s["engine"], s["cmplog"], s["lto"], s["workers"], s["duration_s"]),
                         (TARGET, "afl", True, False, 1, 8))
        self.assertTrue(s["engine_version"].startswith("AFL++ 4."), s["engine_version"])
        self.assertGreater(s["execs"], 1000)
        self.assertGreater(s["cpu_s"], 1)
        self.assertGreaterEqual(s["wall_s"], 8)
        self.assertAlmostEqual(s["execs_per_s"], s["execs"] / s["wall_s"], delta=1)
        self.assertAlmostEqual(s["execs_per_cpu_s"], s["execs"] / s["cpu_s"], delta=1)
        self.assertEqual(s["corpus"]["seeds"], len(os.listdir(os.path.join(TOP, "corpus", TARGET))))
        self.assertEqual(s["corpus"]["final"], len({sha1(p) for p in glob.glob(os.path.join(self.afl_work,
                                                                                          "corpus", "*"))}))
        self.assertEqual((s["crashes"], s["mismatches"], s["findings"]), (0, 0, []))
        self.assertEqual(len(s["afl_instances"]), 1)
        self.assertEqual(s["afl_instances"][0]["target_mode"].split(), ["persistent", "shmem_testcase", "deferred"])
        cov = s["coverage"]
        for scope in ("target", "all"):
            before, after = cov[scope + "_before"], cov[scope + "_after"]
            for k in ("lines", "branches"):
                self.assertEqual(before[k]["total"], after[k]["total"])
                self.assertLessEqual(before[k]["covered"], after[k]["covered"])
                self.assertGreater(before[k]["covered"], 0)
        self.assertGreater(cov["all_before"]["lines"]["covered"], cov["target_before"]["lines"]["covered"])
        with open(os.path.join(self.afl_work, "logs", "afl-main.log"), errors="replace") as f:
            self.assertIn("Cmplog forkserver successfully started", f.read())
        self.assertEqual(git_status(), self.status_before, "the campaign wrote into the checkout")

    def test_cmplog_twin_is_instrumented(self):
        plain = os.path.join(SCRATCH, "afl", "harness", "fuzz_" + TARGET)
        twin = os.path.join(SCRATCH, "afl-cmplog", "harness", "fuzz_" + TARGET)

        def hooks(binary):
            out = subprocess.run(["objdump", "-d", binary], stdout=subprocess.PIPE, check=True).stdout.decode()
            return sum(1 for line in out.splitlines() if "call" in line and "__cmplog_ins_hook" in line)

        self.assertEqual(hooks(plain), 0)
        self.assertGreater(hooks(twin), 100)

    def test_afl_binary_replays_files(self):
        binary = os.path.join(SCRATCH, "afl", "harness", "fuzz_" + TARGET)
        seed = sorted(glob.glob(os.path.join(TOP, "corpus", TARGET, "*")))[0]
        done = subprocess.run([binary, seed, os.path.join(TOP, "corpus", TARGET)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=120)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout.decode().strip(),
                         "replay: %d inputs ran" % (1 + len(os.listdir(os.path.join(TOP, "corpus", TARGET)))))

    def test_libfuzzer_campaign_summary(self):
        self.assertEqual(self.lf_run.returncode, 0, self.lf_run.stdout.decode(errors="replace")[-3000:])
        s = self.load(self.lf_work)
        self.assertEqual((s["engine"], s["cmplog"], s["afl_instances"], s["coverage"]), ("libfuzzer", None, None, None))
        self.assertTrue(s["engine_version"].startswith("libFuzzer of "), s["engine_version"])
        self.assertGreater(s["execs"], 1000)
        self.assertGreater(s["cpu_s"], 1)
        self.assertIn("summary: %s" % os.path.join(self.lf_work, "summary.json"), self.lf_run.stdout.decode())

    def test_table_of_summaries(self):
        """tools/fuzz/table.py: a row per summary with its own figures; '-' where coverage was not measured."""
        paths = [os.path.join(self.afl_work, "summary.json"), os.path.join(self.lf_work, "summary.json")]
        done = subprocess.run([sys.executable, os.path.join(TOP, "tools", "fuzz", "table.py")] + paths,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.assertEqual(done.returncode, 0, done.stderr)
        lines = done.stdout.splitlines()
        self.assertEqual(len(lines), 4)
        cells = [[c.strip() for c in line.strip("|").split("|")] for line in lines[2:]]
        rows = {c[1]: c for c in cells}
        afl = self.load(self.afl_work)
        a = rows["afl + cmplog"]
        self.assertEqual(a[0], TARGET)
        self.assertEqual(a[3], format(afl["execs"], ","))
        self.assertEqual(a[5], str(afl["corpus"]["new"]))
        b = afl["coverage"]["all_before"]["lines"]
        self.assertTrue(a[8].startswith("%.2f%% → " % (100.0 * b["covered"] / b["total"])), a[8])
        self.assertEqual(a[10:], ["0", "0"])
        self.assertEqual(rows["libfuzzer"][6:10], ["-", "-", "-", "-"])
        bad = subprocess.run([sys.executable, os.path.join(TOP, "tools", "fuzz", "table.py"),
                              os.path.join(TOP, "README.md")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("README.md", bad.stderr)

    def test_fold_adds_new_edge_inputs_by_content_hash(self):
        root = os.path.join(SCRATCH, "corpus-copy")
        shutil.rmtree(root, ignore_errors=True)
        # A third of the seeds: the campaign's corpus (which began from all of them) then surely reaches
        # edges the copy does not, however saturated corpus/ is.
        os.makedirs(os.path.join(root, TARGET))
        seeds = sorted(os.listdir(os.path.join(TOP, "corpus", TARGET)))
        for name in seeds[:len(seeds) // 3]:
            shutil.copy(os.path.join(TOP, "corpus", TARGET, name), os.path.join(root, TARGET, name))
        before = set(os.listdir(os.path.join(root, TARGET)))
        env = dict(self.env, FUZZ_CORPUS_DIR=root)
        fold = ["sh", os.path.join(TOP, "tools", "fuzz-fold.sh"), TARGET, self.afl_work]
        first = subprocess.run(fold, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, timeout=600)
        self.assertEqual(first.returncode, 0, first.stdout)
        after = set(os.listdir(os.path.join(root, TARGET)))
        self.assertLessEqual(before, after)
        added = after - before
        self.assertGreater(len(added), 0, "the campaign reaches edges a third of the seeds do not")
        self.assertLess(len(added), len(os.listdir(os.path.join(self.afl_work, "corpus"))))
        for name in added:
            self.assertEqual(sha1(os.path.join(root, TARGET, name)), name)
        self.assertIn(b"%d new files reach new edges" % len(added), first.stdout)
        second = subprocess.run(fold, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, timeout=600)
        self.assertIn(b" 0 new files reach new edges", second.stdout)
        self.assertEqual(set(os.listdir(os.path.join(root, TARGET))), after)
        self.assertEqual(git_status(), self.status_before, "the fold wrote into the checkout")


class Classify(unittest.TestCase):
    """summary.classify on stand-in binaries (shell scripts) that fail the ways a target does."""

    def fake(self, name, body):
        path = os.path.join(SCRATCH, name)
        with open(path, "w") as f:
            f.write("#!/bin/sh\n" + body + "\n")
        os.chmod(path, 0o755)
        return path

    def test_kinds(self):
        crash = os.path.join(SCRATCH, "crash-input")
        open(crash, "w").close()
        cases = [
            ("mismatch", "echo 'corshdr-fuzz: MISMATCH at harness/fuzz_x.c:12: a == b: 1 != 2' >&2; kill -ABRT $$",
             ("mismatch", "harness/fuzz_x.c:12: a == b: 1 != 2")),
            ("asan", "echo 'SUMMARY: AddressSanitizer: heap-buffer-overflow list.c:3 in f' >&2; exit 1",
             ("sanitizer", "AddressSanitizer: heap-buffer-overflow list.c:3 in f")),
            ("leak", "echo 'SUMMARY: AddressSanitizer: 8 byte(s) leaked in 1 allocation(s).' >&2; exit 1",
             ("leak", "AddressSanitizer: 8 byte(s) leaked in 1 allocation(s).")),
            ("fine", "exit 0", ("does-not-reproduce", "")),
            ("signal", "kill -SEGV $$", ("crash", "exit status -11")),
        ]
        for name, body, want in cases:
            with self.subTest(name=name):
                self.assertEqual(summary.classify(self.fake(name, body), crash, "afl"), want)


class Tools(unittest.TestCase):
    def test_rusage_counts_orphaned_children(self):
        """A child that outlives its parent (as AFL++'s persistent process outlives the fork server) is
        adopted and its CPU time counted; GNU time would lose it."""
        out = os.path.join(SCRATCH, "rusage.json")
        burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 1.0: pass\n"
        done = subprocess.run(["/usr/bin/python3", os.path.join(TOP, "tools", "fuzz", "rusage.py"), "--json", out, "--",
                               "sh", "-c", '/usr/bin/python3 -c "$0" & exit 3', burn], timeout=60)
        self.assertEqual(done.returncode, 3)
        with open(out) as f:
            r = json.load(f)
        self.assertEqual(r["exit"], 3)
        self.assertGreaterEqual(r["cpu_s"], 0.9)
        self.assertGreaterEqual(r["wall_s"], 0.9)

    def test_coverage_table(self):
        j = os.path.join(SCRATCH, "coverage.json")
        done = subprocess.run(["sh", os.path.join(TOP, "tools", "fuzz-coverage.sh"), "--target", TARGET,
                               "--no-unit-tests", "--json", j], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              env=dict(os.environ, FUZZ_COVERAGE_DIR=os.path.join(SCRATCH, "coverage-table")),
                              timeout=900)
        self.assertEqual(done.returncode, 0, done.stdout[-3000:])
        with open(j) as f:
            c = json.load(f)
        sources = sorted(os.path.relpath(p, TOP) for p in glob.glob(os.path.join(TOP, "parser", "src", "*.[ch]")))
        self.assertEqual(sorted(c["files"]), sources)
        self.assertEqual(c["sources"], ["corpus-" + TARGET])
        for k in ("lines", "branches"):
            self.assertEqual(sum(v[k]["total"] for v in c["files"].values() if v), c["total"][k]["total"])
            self.assertEqual(sum(v[k]["covered"] for v in c["files"].values() if v), c["total"][k]["covered"])
        text = done.stdout.decode()
        table = text[text.index("file "):].splitlines()
        self.assertEqual([line.split()[0] for line in table[1:len(sources) + 2]], sources + ["TOTAL"])


if __name__ == "__main__":
    args = sys.argv[1:]
    own = tempfile.mkdtemp(prefix="fuzz-tools-test.") if not os.environ.get("FUZZ_TEST_DIR") else None
    SCRATCH = os.environ.get("FUZZ_TEST_DIR") or own
    os.makedirs(SCRATCH, exist_ok=True)
    if args and not args[0].startswith("-"):
        LIBFUZZER = os.path.abspath(args.pop(0))
    else:
        LIBFUZZER = os.path.join(SCRATCH, "libfuzzer")
    try:
        unittest.main(argv=[sys.argv[0]] + args)
    finally:
        if own:
            shutil.rmtree(own, ignore_errors=True)
