#!/usr/bin/python3
"""Runs a command and reports the CPU time of the command and of every process it started.

GNU time counts only descendants that their parents waited for. An AFL++ target is not: afl-fuzz kills
its fork server and the persistent child it forked, and that child is adopted by init, its CPU time
lost. This runner makes itself a child subreaper (prctl PR_SET_CHILD_SUBREAPER, Linux 3.4), so orphaned
descendants are adopted by it and waited for here, and their rusage counted.
Writes one JSON object: wall_s, cpu_s (user + system), user_s, sys_s, max_rss_kb (the largest of one
process), exit (the command's status; 128+N when killed by signal N). Exits with the command's status.
Usage: tools/fuzz/rusage.py [--json FILE] -- COMMAND [ARG...]      (standard library only)
"""
import ctypes
import json
import os
import signal
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def adopted():
    """The processes this one is the parent of (adopted orphans, once the command has ended)."""
    me, kids = os.getpid(), []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                stat = open("/proc/%s/stat" % d).read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == me:
                kids.append(int(d))
    return kids


def main():
    args = sys.argv[1:]
    out = None
    if args[:1] == ["--json"] and len(args) >= 2:
        out, args = args[1], args[2:]
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        sys.exit(__doc__.strip().splitlines()[-1])
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("rusage.py: prctl(PR_SET_CHILD_SUBREAPER): %s" % os.strerror(ctypes.get_errno()))
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(args[0], args)
        except OSError as e:
            sys.stderr.write("rusage.py: cannot run %s: %s\n" % (args[0], e))
            os._exit(127)
    # Stopping the runner stops the command (a campaign's timeout, ^C).
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, lambda sig, _f: os.kill(pid, sig))
    user = system = 0.0
    max_rss = 0
    status = None
    grace = None  # once the command has ended: when adopted processes still running get SIGKILL
    while True:
        try:
            p, st, ru = os.wait4(-1, os.WNOHANG if status is not None else 0)
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        if p == 0:  # adopted processes outlive the command: a few seconds, then they are killed
            if grace is None:
                grace = time.monotonic() + 5
            elif time.monotonic() > grace:
                for q in adopted():
                    os.kill(q, signal.SIGKILL)
            time.sleep(0.05)
            continue
        user += ru.ru_utime
        system += ru.ru_stime
        max_rss = max(max_rss, ru.ru_maxrss)
        if p == pid:
            status = os.waitstatus_to_exitcode(st)
            status = 128 - status if status < 0 else status
    wall = time.monotonic() - start
    rec = {"wall_s": round(wall, 3), "cpu_s": round(user + system, 3), "user_s": round(user, 3),
           "sys_s": round(system, 3), "max_rss_kb": max_rss, "exit": status}
    if out:
        with open(out, "w") as f:
            json.dump(rec, f)
            f.write("\n")
    else:
        sys.stderr.write(json.dumps(rec) + "\n")
    sys.exit(status if status is not None else 1)


if __name__ == "__main__":
    main()
