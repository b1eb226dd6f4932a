#!/usr/bin/python3
"""Regenerates the fuzz seed corpora and dictionaries from the conformance vectors.

Each vector case of the matching op is encoded into its target's input format (harness/fuzz_input.h)
and written to corpus/<target>/<sha1 of the content>; corpus/<target>.dict is rewritten. Files already
in corpus/<target>/ stay (fuzz findings, earlier seeds) unless --clean is given, which removes every file
that is neither a seed of this run nor listed in corpus/REGRESSIONS. With --merge BUILD (a build with
CORSHDR_FUZZ_ENGINE=libfuzzer), each corpus is then minimized with libFuzzer's -merge=1, regression files
kept; --extra ROOT adds ROOT/<target>/corpus (a campaign's inputs) to the merge. With --add DIR instead,
nothing is minimized or removed: the inputs of DIR that reach new edges are added (tools/fuzz-fold.sh).
Standard library only.
Usage: tools/fuzz/seed.py [--clean] [--no-seed] [--merge BUILD_DIR [--extra ROOT]... | --add DIR...] [TARGET...]
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VECTORS = os.path.join(TOP, "conformance", "vectors")
# FUZZ_CORPUS_DIR: another corpus root with the same layout (tools/fuzz/test_tools.py folds into a copy).
CORPUS = os.environ.get("FUZZ_CORPUS_DIR") or os.path.join(TOP, "corpus")

TARGETS = ["token", "field_value", "combine", "split", "name_list", "exposed", "cors_check", "preflight",
           "max_age", "request_safelisted", "unsafe_names", "origin", "policy", "head", "head_limits", "conform"]

# F bits (harness/fuzz_input.h)
CRED = {"omit": 0, "same-origin": 1, "include": 2}
SWITCH_A = 0x08
SWITCH_B = 0x10
SINGLETONS = {b"access-control-allow-origin", b"access-control-allow-credentials", b"access-control-max-age",
              b"access-control-request-method"}


def iso(s):
    """A vector string as bytes: one code point U+0000-U+00FF per byte (DESIGN.md §4)."""
    return s.encode("latin-1")


def pick_sep(records):
    """A separator byte no record contains: LF when possible (readable files), else an unused byte."""
    used = set(b"".join(records))
    for c in [0x0A, 0x1E, 0x1F, 0xFE, 0xFF, 0x7C, 0x01] + list(range(256)):
        if c not in used:
            return c
    return None


def records_input(flags, records):
    sep = pick_sep(records)
    if sep is None:
        return None
    return bytes([flags, sep]) + bytes([sep]).join(records)


def lines_of(headers):
    """Header lines as records; None when a name holds ':' (the format splits at the first colon)."""
    out = []
    for name, value in headers:
        n, v = iso(name), iso(value)
        if b":" in n:
            return None
        out.append(n + b":" + v)
    return out


def encode(target, case):
    """The input of `target` for one vector case, or None when the format cannot carry it."""
    op, inp = case["op"], case["input"]
    if target in ("token", "field_value", "origin"):
        return bytes([0]) + iso(inp["value"])
    if target == "request_safelisted":
        return records_input(0, [iso(inp["name"]), iso(inp["value"])])
    lines = lines_of(inp.get("headers", []))
    if lines is None:
        return None
    if target in ("combine", "split"):
        return records_input(0, [iso(inp["name"])] + lines)
    if target == "name_list":
        flags = SWITCH_A if iso(inp["name"]).lower() in SINGLETONS else 0
        return records_input(flags, [iso(inp["name"])] + lines)
    if target == "exposed":
        return records_input(CRED[inp["credentials"]], lines)
    if target == "cors_check":
        return records_input(CRED[inp["credentials"]], [iso(inp["origin"])] + lines)
    if target == "preflight":
        names = [iso(n) for n in inp["request_headers"]]
        if any(b"," in n for n in names):
            return None
        params = [iso(inp["origin"]), iso(inp["method"]), b",".join(names), str(inp["status"]).encode(), b""]
        return records_input(CRED[inp["credentials"]], params + lines)
    if target in ("max_age", "unsafe_names"):
        return records_input(0, lines)
    if target == "policy":
        return policy_input(case)
    if target == "head":
        status = inp.get("status", 200)
        head = b"HTTP/1.1 %d X\r\n" % status if 100 <= status <= 599 else b"HTTP/1.1 200 OK\r\n"
        return head + b"".join(b"%s:%s\r\n" % (iso(n), iso(v)) for n, v in inp["headers"]) + b"\r\n"
    if target == "conform":
        line = {k: case[k] for k in ("id", "op", "input")}
        return (json.dumps(line, ensure_ascii=True, separators=(",", ":")) + "\n").encode()
    raise ValueError(target)


def policy_settings(max_age, status, debug):
    """R4 of the policy target: "MAXAGE[/STATUS][d]"."""
    text = b"%d" % max_age if max_age else b""
    if status:
        text += b"/%d" % status
    return text + (b"d" if debug else b"")


def policy_of_vector(case):
    """The policy target's input for a policy-compile or policy-apply vector: its configuration (R0-R4,
    F bit 3 credentials, bit 4 allow_null; the browser of the round trip sends credentials exactly when
    the policy allows them) and its request (R5 the method, then the lines). A policy-compile vector
    gets a GET from its first origin entry, so that a valid configuration is applied too. None when
    the format cannot carry it: an entry holding ',' (the lists' separator), a list of one empty entry
    (an empty record is no entry), a request line whose name holds ':'. public_suffixes are not
    carried: the target judges suffixes with its own callback."""
    inp, policy = case["input"], case["input"]["policy"]
    lists = []
    for key in ("origins", "methods", "headers", "expose"):
        entries = [iso(e) for e in policy.get(key, [])]
        if any(b"," in e for e in entries) or entries == [b""]:
            return None
        lists.append(b",".join(entries))
    flags = SWITCH_A | CRED["include"] if policy.get("credentials") else 0
    flags |= SWITCH_B if policy.get("allow_null") else 0
    settings = policy_settings(policy.get("max_age", 0), policy.get("preflight_status", 0), policy.get("debug"))
    if case["op"] == "policy-apply":
        method, lines = iso(inp["method"]), lines_of(inp["headers"])
        if lines is None:
            return None
    else:
        first = next((e for e in policy["origins"] if e not in ("*", "null")), "https://app.example")
        method, lines = b"GET", [b"Origin:" + iso(first)]
    return records_input(flags, lists + [settings, method] + lines)


def policy_input(case):
    """A server policy that the vector's response could have come from, and the request it answers:
    R0 origins, R1 methods, R2 headers, R3 exposed, R4 settings (here the max-age), R5 method, then the
    request lines. The policy vectors give theirs directly (policy_of_vector)."""
    if case["op"] in ("policy-compile", "policy-apply"):
        return policy_of_vector(case)
    inp = case["input"]

    def values(name):
        return [iso(v) for n, v in inp["headers"] if n.lower() == name]

    def elements(name):
        return [e.strip(b" \t") for v in values(name) for e in v.split(b",") if e.strip(b" \t")]

    acao = values("access-control-allow-origin")
    origins = b"*" if acao and acao[0].strip(b" \t") == b"*" else (acao[0].strip(b" \t") if acao else b"")
    flags = CRED[inp["credentials"]]
    if [v.strip(b" \t") for v in values("access-control-allow-credentials")] == [b"true"]:
        flags |= SWITCH_A
    ma = [v.strip(b" \t") for v in values("access-control-max-age")]
    max_age = ma[0] if len(ma) == 1 and ma[0].isdigit() else b""
    lines = [b"Origin: " + iso(inp["origin"])]
    if case["op"] == "preflight":
        method = iso(inp["method"])
        if method.upper() in (b"DELETE", b"GET", b"HEAD", b"OPTIONS", b"POST", b"PUT"):
            method = method.upper()
        lines.append(b"Access-Control-Request-Method: " + method)
        names = sorted({iso(n).lower() for n in inp["request_headers"]})
        if names:
            lines.append(b"Access-Control-Request-Headers: " + b",".join(names))
        verb = b"OPTIONS"
    else:
        verb = b"GET"
    params = [origins, b",".join(elements("access-control-allow-methods")),
              b",".join(elements("access-control-allow-headers")),
              b",".join(elements("access-control-expose-headers")), max_age, verb]
    return records_input(flags, params + lines)


# Which vector ops seed which target.
OPS = {
    "token": ["token"], "field_value": ["field-value"], "combine": ["combine"], "split": ["split"],
    "name_list": ["name-list"], "exposed": ["exposed"], "cors_check": ["cors-check"],
    "preflight": ["preflight"], "max_age": ["max-age"],
    "request_safelisted": ["request-safelisted", "forbidden-request"], "unsafe_names": ["unsafe-names"],
    "origin": ["origin"],
    "policy": ["policy-compile", "policy-apply", "preflight", "cors-check"],
    "head": ["cors-check", "exposed", "preflight", "max-age"],
    "head_limits": [],  # hand-made seeds only (EXTRA)
    "conform": None,  # every op
}

# head_limits (harness/fuzz_head_limits.c): prefix, a line repeated K times, K, suffix; SWITCH_A counts K
# from the 10000-line bound, SWITCH_B from the 1 MiB byte bound.
STATUS = b"HTTP/1.1 200 OK\r\n"
LONG_LINE = b"x-long:" + b"v" * 193 + b"\r\n"  # 202 bytes: the byte bound comes before the line bound


def head_limits(flags, prefix, line, k, suffix):
    return records_input(flags, [prefix, line, str(k).encode(), suffix])


# Hand-made seeds for what the vectors do not reach (small limits, flags, malformed adapter lines).
EXTRA = {
    "head_limits": [head_limits(SWITCH_A, STATUS, b"a:b\r\n", k, b"\r\n") for k in (-1, 0, 1)] +
                   [head_limits(SWITCH_B, STATUS, LONG_LINE, k, b"\r\n") for k in (-1, 0)] +
                   [head_limits(SWITCH_B, STATUS + b"X:", b"y", k, b"") for k in (0, 1)] +
                   [head_limits(SWITCH_B, b"HTTP/1.1 200 ", b"x", 1, b"")],
    "name_list": [records_input(0x20 | 0x10, [b"X", b"X:", b"X: , ,"]),
                  records_input(0x60, [b"A", b"A: a, b, c", b"A: d"]),
                  records_input(0x40 | SWITCH_A, [b"A", b"A: a", b"a: b"]),
                  records_input(0x04, [b"", b":", b":a,b"])],
    "policy": [records_input(0, [b"https://a.example", b"PUT", b"x-a", b"x-b", b"600", b"OPTIONS",
                                 b"Origin: https://a.example", b"Access-Control-Request-Method: PUT",
                                 b"Access-Control-Request-Headers: x-a"]),
               records_input(0x0A, [b"https://a.example,null", b"", b"*", b"", b"", b"OPTIONS", b"Origin: null",
                                    b"Access-Control-Request-Method: GET",
                                    b"Access-Control-Request-Headers: authorization,x-y"]),
               records_input(0, [b"*", b"", b"", b"x-total", b"", b"GET", b"Origin: https://b.example"]),
               records_input(0x08, [b"*", b"TRACE", b"", b"Set-Cookie", b"4294967295", b"GET"]),
               records_input(0, [b"https://a.example", b"", b"", b"", b"", b"GET", b"Origin: https://c.example"])],
    "exposed": [records_input(0x40, [b"Access-Control-Expose-Headers: a,,,b", b"A: 1", b"B: 2"])],
    "preflight": [records_input(0x08, [b"null", b"patch", b"", b"204", b"60",
                                       b"Access-Control-Allow-Origin: null", b"Access-Control-Max-Age: 600"])],
    "conform": [b"\n", b"{}\n", b"[1]\n", b'{"id":1}\n', b'{"id":"a","op":"x"}\n', b'{"id":"a","op":"token"}\n',
                b'{"id":"a","op":"token","input":{"value":"\\u0100"}}\n',
                b'{"id":"a","op":"preflight","input":{"origin":"null","credentials":"omit","method":"GET",'
                b'"request_headers":[],"status":200.0,"headers":[]}}\r\n{"id":"b","op":"max-age","input":'
                b'{"headers":[["Access-Control-Max-Age","-1"]]}}',
                # the line bound (--max-line = the first line's length): one line over it, then one past 64 times it
                b'{"id":"a","op":"token","input":{"value":"x"}}\n{"id":"b","op":"token","input":{"value":"xy"}}\r\n'
                b'{"id":"c","op":"token","input":{"value":"y"}}',
                b"\r\n" + b"0" * 64 + b"\n" + b"0" * 65 + b"\n{}\n"],
    "head": [b"HTTP/1.1 200 OK\n", b"HTTP/2 204\r\nA:b\r\n", b"HTTP/1.1 200 OK\r\n folded: x\r\n",
             b"HTTP/1.1 200 OK\r\nName : x\r\n", b"HTTP/1.1 200 OK\r\nnocolon\r\n", b"HTTP/3.0 599 \t\x80\r\n\r\nbody"],
}

COMMON_DICT = [
    b"Access-Control-Allow-Origin", b"Access-Control-Allow-Credentials", b"Access-Control-Allow-Methods",
    b"Access-Control-Allow-Headers", b"Access-Control-Expose-Headers", b"Access-Control-Max-Age",
    b"Access-Control-Request-Method", b"Access-Control-Request-Headers", b"Origin", b"Authorization",
    b"Set-Cookie", b"Set-Cookie2", b"Content-Type", b"Cache-Control", b"Content-Language", b"Content-Length",
    b"Expires", b"Last-Modified", b"Pragma", b"Accept", b"Accept-Language", b"Range", b"X-HTTP-Method-Override",
    b"Sec-", b"Proxy-",
    b",", b", ", b" ,", b",,", b":", b": ", b" ", b"\t", b"\"", b"\\", b"\\\"", b"\x00", b"\x0b", b"\x0c", b"\r",
    b"\n", b"\r\n", b"\x7f", b"\x80", b"\xff", b"*", b"null", b"true", b"TRUE", b"GET", b"HEAD", b"POST", b"PUT",
    b"DELETE", b"OPTIONS", b"PATCH", b"patch", b"CONNECT", b"TRACE", b"TRACK",
    b"https://app.example", b"http://web-platform.test:8000", b"https://", b"http://", b"://", b"[::1]",
    b"127.0.0.1", b":443", b":80", b"0x", b"-", b"2147483648", b"-0", b"007",
    b"text/plain", b"multipart/form-data", b"application/x-www-form-urlencoded", b"bytes=", b";", b"=",
    b"!#$%&'*+-.^_`|~",
]

TARGET_DICT = {
    "conform": [b'{"id":"', b'","op":"', b'","input":{', b'"headers":[[', b'"],["', b'"]]', b'"name":"',
                b'"value":"', b'"origin":"', b'"credentials":"', b'"method":"', b'"request_headers":[',
                b'"status":', b'}}', b"\\u0000", b"\\u00ff", b"\\u0100", b"omit", b"same-origin", b"include",
                b"token", b"field-value", b"combine", b"split", b"name-list", b"exposed", b"cors-check",
                b"preflight", b"max-age", b"request-safelisted", b"unsafe-names", b"forbidden-request", b"origin"],
    "head": [b"HTTP/1.1 ", b"HTTP/1.0 ", b"HTTP/2 ", b"HTTP/3 ", b"200 OK", b"204", b"\r\n\r\n"],
    "head_limits": [b"HTTP/1.1 ", b"200 OK", b"\r\n\r\n", b"-1", b"10000", b"9999", b"1048576"],
    "policy": [b"OPTIONS", b"Origin: ", b"Access-Control-Request-Method: ", b"Access-Control-Request-Headers: ",
               b"https://*.", b"*.", b":*", b"/204", b"/200", b"86400", b"-1", b"localhost", b".localhost", b"127.",
               b"co.uk", b"Set-Cookie", b"Cookie", b"sec-", b"Authorization"],
    "origin": [b"http", b"https", b"ws", b"wss", b"ftp", b"[", b"]", b"::", b"::ffff:", b".", b"_", b":0",
               b":65535", b":65536", b"0x7f", b"localhost", b"xn--"],
}


def dict_line(i, b):
    esc = "".join(chr(c) if 0x20 <= c < 0x7F and c not in (0x22, 0x5C) else "\\x%02x" % c for c in b)
    return 'kw%03d="%s"' % (i, esc)


def write_dict(target):
    words = COMMON_DICT + TARGET_DICT.get(target, [])
    seen, out = set(), []
    for w in words:
        if w not in seen:
            seen.add(w)
            out.append(dict_line(len(out), w))
    path = os.path.join(CORPUS, target + ".dict")
    with open(path, "w") as f:
        f.write("# Generated by tools/fuzz/seed.py: CORS names, separators, whitespace, quoting, edge bytes.\n")
        f.write("\n".join(out) + "\n")


def regressions():
    """corpus/REGRESSIONS: 'target/sha1  note' lines written by tools/fuzz-triage.sh."""
    keep = set()
    path = os.path.join(CORPUS, "REGRESSIONS")
    if os.path.exists(path):
        for line in open(path):
            line = line.split("#")[0].strip()
            if line:
                keep.add(line.split()[0])
    return keep


def seed(target, clean):
    cases = []
    for name in sorted(os.listdir(VECTORS)):
        if name.endswith(".json"):
            cases += json.load(open(os.path.join(VECTORS, name)))
    ops = OPS[target]
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    made, skipped = set(), 0
    blobs = [encode(target, c) for c in cases if ops is None or c["op"] in ops]
    skipped = sum(1 for b in blobs if b is None)
    for b in [b for b in blobs if b is not None] + [b for b in EXTRA.get(target, []) if b is not None]:
        h = hashlib.sha1(b).hexdigest()
        made.add(h)
        path = os.path.join(d, h)
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(b)
    removed = 0
    if clean:
        keep = regressions()
        for name in os.listdir(d):
            if name not in made and "%s/%s" % (target, name) not in keep:
                os.remove(os.path.join(d, name))
                removed += 1
    write_dict(target)
    print("%-20s %4d seeds (%d cases the format cannot carry), %d removed" % (target, len(made), skipped, removed))


def merge(target, build, extra_roots=()):
    """libFuzzer -merge=1 of corpus/<target> (and ROOT/<target>/corpus of each extra root, e.g. a campaign's
    folder) into a fresh folder that then replaces it. Edge coverage only (-use_counters=0): the kept set
    is the smallest that reaches every edge the inputs reach, not every hit-count bucket."""
    binary = os.path.join(build, "harness", "fuzz_" + target)
    if not os.path.exists(binary):
        print("%-20s no %s: not merged" % (target, binary), file=sys.stderr)
        return
    d = os.path.join(CORPUS, target)
    keep = {k.split("/", 1)[1] for k in regressions() if k.startswith(target + "/")}
    with tempfile.TemporaryDirectory(prefix="fuzz-merge-") as tmp:
        out = os.path.join(tmp, "out")
        os.mkdir(out)
        extra = [os.path.join(r, target, "corpus") for r in extra_roots]
        extra = [e for e in extra if os.path.isdir(e)]
        r = subprocess.run([binary, "-merge=1", "-use_counters=0", out, d] + extra,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if r.returncode != 0:
            sys.stderr.write(r.stderr.decode(errors="replace")[-3000:])
            raise SystemExit("merge of %s failed" % target)
        before = len(os.listdir(d))
        for name in os.listdir(d):
            if name not in keep:
                os.remove(os.path.join(d, name))
        for name in os.listdir(out):
            shutil.copy(os.path.join(out, name), os.path.join(d, name))
        print("%-20s merged: %d -> %d files" % (target, before, len(os.listdir(d))))


def fold(target, build, folders):
    """Adds to corpus/<target> the inputs of `folders` (a campaign's work folder stands for its corpus/)
    that reach an edge corpus/<target> does not: libFuzzer -merge=1 into a copy of the corpus, which keeps
    the copy and adds a new input only for new coverage. Every added file is named by the SHA-1 of its
    content. Nothing is removed."""
    binary = os.path.join(build, "harness", "fuzz_" + target)
    if not os.path.exists(binary):
        raise SystemExit("no %s: cannot fold" % binary)
    d = os.path.join(CORPUS, target)
    dirs = []
    for f in folders:
        sub = os.path.join(f, "corpus")
        dirs.append(sub if os.path.isdir(sub) else f)
        if not os.path.isdir(dirs[-1]):
            raise SystemExit("no such folder: %s" % dirs[-1])
    have = {hashlib.sha1(open(os.path.join(d, n), "rb").read()).hexdigest() for n in os.listdir(d)}
    with tempfile.TemporaryDirectory(prefix="fuzz-fold-") as tmp:
        out = os.path.join(tmp, "corpus")
        shutil.copytree(d, out)
        before = set(os.listdir(out))
        r = subprocess.run([binary, "-merge=1", "-use_counters=0", out] + dirs,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if r.returncode != 0:
            sys.stderr.write(r.stderr.decode(errors="replace")[-3000:])
            raise SystemExit("merge of %s failed" % target)
        added = []
        for name in sorted(set(os.listdir(out)) - before):
            data = open(os.path.join(out, name), "rb").read()
            h = hashlib.sha1(data).hexdigest()
            if h in have:
                continue
            have.add(h)
            with open(os.path.join(d, h), "wb") as f:
                f.write(data)
            added.append(h)
    print("%-20s folded %s: %d new files reach new edges (corpus %d -> %d files)" % (
        target, ", ".join(dirs), len(added), len(have) - len(added), len(have)))
    for h in added:
        print("  corpus/%s/%s" % (target, h))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clean", action="store_true", help="remove files that are not seeds nor regressions")
    ap.add_argument("--merge", metavar="BUILD_DIR", help="a CORSHDR_FUZZ_ENGINE=libfuzzer build: minimize")
    ap.add_argument("--extra", metavar="ROOT", action="append", default=[],
                    help="with --merge: also merge ROOT/<target>/corpus (e.g. /tmp/fuzz-campaign)")
    ap.add_argument("--no-seed", action="store_true", help="do not write the vector seeds first (merge only)")
    ap.add_argument("--add", metavar="DIR", action="append", default=[],
                    help="with --merge and --no-seed: instead of minimizing, add to corpus/<target> the inputs "
                         "of DIR (or DIR/corpus) that reach new edges (tools/fuzz-fold.sh)")
    ap.add_argument("targets", nargs="*", help="default: all")
    a = ap.parse_args()
    targets = a.targets or TARGETS
    for t in targets:
        if t not in TARGETS:
            raise SystemExit("unknown target %s" % t)
        if not a.no_seed:
            seed(t, a.clean)
    if a.add and (not a.merge or not a.no_seed):
        raise SystemExit("--add needs --merge BUILD and --no-seed")
    if a.merge:
        for t in targets:
            if a.add:
                fold(t, a.merge, a.add)
            else:
                merge(t, a.merge, a.extra)


if __name__ == "__main__":
    main()
