#!/usr/bin/python3
"""Execs per second of each fuzz target under libFuzzer and AFL++, one run at a time on one core.

Each run starts from a fresh copy of corpus/<target>/ with its dictionary, pinned to one CPU with
taskset, for the same number of seconds, under tools/fuzz/rusage.py (CPU time of every process of the
run, AFL++'s adopted persistent children included). The machine may be shared: the load average is
recorded before each run, and execs per CPU-second (user + system time of the run's processes) stand
beside execs per wall-clock second. Engines:
  libfuzzer    the libFuzzer binary, one process (no -jobs)
  afl          afl-fuzz with the AFL++ binary (harness/afl_main.c), one instance
  afl-cmplog   the same with the cmplog twin (-c)
Usage: tools/fuzz/speed.py --libfuzzer BUILD --afl BUILD [--afl-cmplog BUILD] [-t SECONDS] [--cpu N]
                          [--engines libfuzzer,afl] [--json FILE] [--work DIR] [TARGET...]
tools/fuzz-speed.sh makes the builds and calls this. Standard library only.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUSAGE = os.path.join(TOP, "tools", "fuzz", "rusage.py")


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def measured(cmd, cpu, ru_json, log, env=None):
    full = ["taskset", "-c", str(cpu), "/usr/bin/python3", RUSAGE, "--json", ru_json, "--"] + cmd
    with open(log, "wb") as f:
        subprocess.run(full, stdout=f, stderr=subprocess.STDOUT, env=env)
    with open(ru_json) as f:
        return json.load(f)


def run_libfuzzer(build, target, secs, cpu, work):
    binary = os.path.join(build, "harness", "fuzz_" + target)
    corpus = os.path.join(work, "corpus")
    shutil.copytree(os.path.join(TOP, "corpus", target), corpus)
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1", UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    log = os.path.join(work, "log")
    ru = measured([binary, "-max_total_time=%d" % secs, "-timeout=10", "-rss_limit_mb=2048", "-max_len=4096",
                   "-print_final_stats=1", "-dict=" + os.path.join(TOP, "corpus", target + ".dict"),
                   "-artifact_prefix=" + work + "/", corpus], cpu, os.path.join(work, "rusage.json"), log, env)
    text = open(log, errors="replace").read()
    m = re.findall(r"stat::number_of_executed_units:\s*(\d+)", text)
    return ru, (int(m[-1]) if m else None), None


def afl_env():
    """tools/fuzz/lib.sh's fuzz_afl_env, read from the shell so that it is defined in one place."""
    out = subprocess.run(["sh", "-c", 'top="$1"; . "$1/tools/fuzz/lib.sh"; fuzz_afl_env; env', "sh", TOP],
                         check=True, stdout=subprocess.PIPE).stdout.decode()
    env = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    env["AFL_NO_AFFINITY"] = "1"  # taskset pins the run; afl-fuzz must not pick another core
    return env


def run_afl(build, cmplog, target, secs, cpu, work):
    binary = os.path.join(build, "harness", "fuzz_" + target)
    out = os.path.join(work, "afl")
    cmd = ["afl-fuzz", "-i", os.path.join(TOP, "corpus", target), "-o", out,
           "-x", os.path.join(TOP, "corpus", target + ".dict"), "-m", "none", "-t", "10000", "-V", str(secs)]
    if cmplog:
        cmd += ["-c", os.path.join(cmplog, "harness", "fuzz_" + target)]
    ru = measured(cmd + ["--", binary], cpu, os.path.join(work, "rusage.json"), os.path.join(work, "log"),
                  afl_env())
    stats = {}
    path = os.path.join(out, "default", "fuzzer_stats")
    if os.path.exists(path):
        for line in open(path):
            k, _, v = line.partition(":")
            stats[k.strip()] = v.strip()
    execs = int(stats["execs_done"]) if "execs_done" in stats else None
    return ru, execs, stats.get("target_mode")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--libfuzzer", help="a CORSHDR_FUZZ_ENGINE=libfuzzer build")
    ap.add_argument("--afl", help="a CORSHDR_FUZZ_ENGINE=afl build")
    ap.add_argument("--afl-cmplog", help="its AFL_LLVM_CMPLOG=1 twin")
    ap.add_argument("-t", "--seconds", type=int, default=60)
    ap.add_argument("--cpu", type=int, default=(os.cpu_count() or 1) - 1)
    ap.add_argument("--engines", default="libfuzzer,afl")
    ap.add_argument("--json")
    ap.add_argument("--work", default="/tmp/fuzz-speed")
    ap.add_argument("targets", nargs="*")
    a = ap.parse_args()
    engines = a.engines.split(",")
    for e in engines:
        if e not in ("libfuzzer", "afl", "afl-cmplog"):
            sys.exit("speed: unknown engine %s" % e)
    build_of = {"libfuzzer": a.libfuzzer, "afl": a.afl, "afl-cmplog": a.afl}
    if "afl-cmplog" in engines and not a.afl_cmplog:
        sys.exit("speed: afl-cmplog needs --afl-cmplog BUILD")
    targets = a.targets or sorted(f[len("fuzz_"):] for f in os.listdir(os.path.join(build_of[engines[0]], "harness"))
                                  if f.startswith("fuzz_") and "." not in f)
    rows = []
    print("%-20s %-11s %9s %9s %7s %7s %11s  %s" % ("target", "engine", "execs", "execs/s", "wall s", "cpu s",
                                                   "execs/cpu-s", "load before"))
    for t in targets:
        for e in engines:
            work = os.path.join(a.work, t, e)
            shutil.rmtree(work, ignore_errors=True)
            os.makedirs(work)
            load = loadavg()
            if e == "libfuzzer":
                ru, execs, mode = run_libfuzzer(a.libfuzzer, t, a.seconds, a.cpu, work)
            else:
                ru, execs, mode = run_afl(a.afl, a.afl_cmplog if e == "afl-cmplog" else None, t, a.seconds,
                                          a.cpu, work)
            row = {"target": t, "engine": e, "seconds": a.seconds, "cpu": a.cpu, "execs": execs,
                   "wall_s": ru["wall_s"], "cpu_s": ru["cpu_s"], "load_before": load, "afl_target_mode": mode,
                   "execs_per_s": round(execs / ru["wall_s"], 1) if execs else None,
                   "execs_per_cpu_s": round(execs / ru["cpu_s"], 1) if execs and ru["cpu_s"] else None}
            rows.append(row)
            print("%-20s %-11s %9s %9s %7.1f %7.1f %11s  %s%s" % (
                t, e, execs, row["execs_per_s"], ru["wall_s"], ru["cpu_s"], row["execs_per_cpu_s"],
                " ".join("%.2f" % x for x in load), "  (%s)" % mode if mode else ""), flush=True)
            if not execs:
                print("   no execs counted: see %s/log" % work, flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "cores": os.cpu_count(),
                       "runs": rows}, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
