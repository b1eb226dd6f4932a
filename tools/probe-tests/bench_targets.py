"""The wall time of a 200-target `corshdr probe --targets` run on loopback servers, one request at a time and
16 at a time, in one run so the ratio is fair on a shared machine; CPU time and peak memory beside it.

    /usr/bin/python3 tools/probe-tests/bench_targets.py PATH/TO/corshdr [--targets N] [--delay MS] [--repeat R]

The servers are the server tests' (test_probe.py): 8 loopback servers that keep connections alive and
answer each request after --delay milliseconds (default 2, a small application's work). Targets are spread
over them, so --per-host (4 by default here) and --concurrency both matter. Not part of the test command:
a benchmark, whose numbers depend on the machine.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import test_probe  # noqa: E402  (the servers and the targets file)


class Holder(unittest.TestCase):
    """Somewhere for the servers' cleanups to go."""

    def runTest(self):
        pass


def run(corshdr, path, concurrency, per_host):
    fd, stats = tempfile.mkstemp(prefix="corshdr-time-")
    os.close(fd)
    try:
        done = subprocess.run([test_probe.TIME, "-f", "%e %U %S %M", "-o", stats, corshdr, "probe", "--targets", path,
                               "--json", "--concurrency", str(concurrency), "--per-host", str(per_host)],
                              capture_output=True, timeout=1800)
        with open(stats) as f:
            wall, user, system, kib = f.read().split()[-4:]
    finally:
        os.remove(stats)
    if done.returncode not in (3,):
        sys.exit("unexpected exit status %d: %s" % (done.returncode, done.stderr.decode()))
    return float(wall), float(user) + float(system), int(kib) / 1024.0, len(done.stdout.splitlines())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corshdr")
    ap.add_argument("--targets", type=int, default=200)
    ap.add_argument("--delay", type=float, default=2.0, help="milliseconds before each answer")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    test_probe.CORSHDR = os.path.abspath(args.corshdr)
    holder = Holder()
    try:
        counter, ports = test_probe.start_targets(holder, 8, delay=args.delay / 1000.0)
        path, _ = test_probe.write_targets(holder, ports, args.targets)
        rows = {}
        for _ in range(args.repeat):
            for concurrency, per_host in ((1, 1), (16, 4)):
                counter.most = 0
                rows.setdefault((concurrency, per_host), []).append(run(args.corshdr, path, concurrency, per_host)
                                                                    + (counter.most,))
        print("%d targets, %d loopback servers, %.1f ms a request; median of %d runs"
              % (args.targets, len(ports), args.delay, args.repeat))
        print("| --concurrency | --per-host | wall s | CPU s | peak MiB | most in flight (servers) |")
        print("|---|---|---|---|---|---|")
        medians = {}
        for (concurrency, per_host), runs in rows.items():
            wall = statistics.median(r[0] for r in runs)
            medians[concurrency] = wall
            assert all(r[3] == args.targets for r in runs), "one record a target"
            print("| %d | %d | %.2f | %.2f | %.1f | %d |" % (concurrency, per_host, wall,
                                                         statistics.median(r[1] for r in runs),
                                                         max(r[2] for r in runs), max(r[4] for r in runs)))
        print("speed-up 16 vs 1: %.1fx" % (medians[1] / medians[16]))
    finally:
        holder.doCleanups()


if __name__ == "__main__":
    main()
