"""The vector files themselves: schema, unique ids, coverage of every op, and the generated files.

Run: /usr/bin/python3 -m pytest conformance/test_vectors.py
"""

import collections
import json
import subprocess
import sys

import jsonschema
import pytest

import profiles
import runner

SCHEMA = json.loads(runner.SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
FILES = runner.vector_files()
MIN_CASES_PER_OP = 20


@pytest.fixture(scope="module")
def all_cases():
    return runner.load_cases()


def test_there_are_vector_files():
    assert FILES, "no conformance/vectors/*.json"
    curated = [p for p in FILES if not p.name.startswith("generated-")]
    generated = [p for p in FILES if p.name.startswith("generated-")]
    assert curated and generated


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_file_matches_the_schema(path):
    data = json.loads(path.read_text(encoding="utf-8"))
    errors = sorted(VALIDATOR.iter_errors(data), key=lambda e: list(e.absolute_path))
    messages = ["%s: %s" % ("/".join(str(p) for p in e.absolute_path), e.message[:300]) for e in errors[:20]]
    assert not errors, "%s: %d schema errors:\n%s" % (path.name, len(errors), "\n".join(messages))


def test_ids_are_unique_across_all_files(all_cases):
    where = collections.defaultdict(list)
    for case in all_cases:
        where[case["id"]].append(case["_file"])
    duplicates = {i: files for i, files in where.items() if len(files) > 1}
    assert not duplicates, "ids used more than once: %s" % json.dumps(duplicates, indent=1)[:3000]


def test_the_ops_are_those_of_design_md():
    """runner.OPS (DESIGN.md §4), the schema's op enum and the reference model's ops are one list."""
    from corsref import OPS as REFERENCE_OPS
    schema_ops = SCHEMA["$defs"]["case"]["properties"]["op"]["enum"]
    assert list(runner.OPS) == schema_ops
    assert set(REFERENCE_OPS) == set(runner.OPS)


def test_every_op_has_at_least_20_cases(all_cases):
    counts = collections.Counter(case["op"] for case in all_cases)
    short = {op: counts.get(op, 0) for op in runner.OPS if counts.get(op, 0) < MIN_CASES_PER_OP}
    assert not short, "ops with fewer than %d cases: %s" % (MIN_CASES_PER_OP, short)


def test_every_op_has_at_least_20_curated_cases(all_cases):
    counts = collections.Counter(c["op"] for c in all_cases if not c["_file"].startswith("generated-"))
    short = {op: counts.get(op, 0) for op in runner.OPS if counts.get(op, 0) < MIN_CASES_PER_OP}
    assert not short, "ops with fewer than %d hand-curated cases: %s" % (MIN_CASES_PER_OP, short)


def test_only_generated_files_say_generated(all_cases):
    """The generator is the one place vectors are computed: its cases say so, and no others do."""
    wrong = []
    for case in all_cases:
        generated_file = case["_file"].startswith("generated-")
        says_generated = case.get("source", "").startswith("generated: conformance/generate.py ")
        if generated_file != says_generated or generated_file != case["id"].startswith("gen/"):
            wrong.append(case["id"])
    assert not wrong, wrong[:20]


def test_generated_files_are_up_to_date(tmp_path):
    """Running the generator gives byte for byte the checked-in generated-*.json, and no others exist."""
    done = subprocess.run([sys.executable, str(runner.CONFORMANCE_DIR / "generate.py"), "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    fresh = {p.name: p.read_bytes() for p in tmp_path.glob("generated-*.json")}
    checked_in = {p.name: p.read_bytes() for p in runner.VECTORS_DIR.glob("generated-*.json")}
    assert sorted(fresh) == sorted(checked_in), "run: /usr/bin/python3 conformance/generate.py"
    stale = [name for name in fresh if fresh[name] != checked_in[name]]
    assert not stale, "%s out of date; run: /usr/bin/python3 conformance/generate.py" % ", ".join(stale)


def test_generated_files_stay_small():
    total = sum(p.stat().st_size for p in runner.VECTORS_DIR.glob("generated-*.json"))
    assert total < 5 * 1024 * 1024, "%d bytes of generated vectors" % total


def test_every_vector_has_the_profile_its_rule_gives(all_cases):
    """SEMANTICS.md section 6: profile is "corshdr" exactly when the expected result rests on one of
    corshdr's choices (profiles.profile_of)."""
    wrong = [(c["id"], c["profile"], profiles.profile_of(c)) for c in all_cases
             if c["profile"] != profiles.profile_of(c)[0]]
    assert not wrong, wrong[:20]
    counts = collections.Counter(c["profile"] for c in all_cases)
    assert counts["fetch"] > 10000 and counts["corshdr"] > 100, counts


@pytest.mark.parametrize("value, matches", [
    ("null", True), ("https://a.example", True), ("HTTPS://A.EXAMPLE", True), ("http://a*b.example", True),
    ("http://%41.example", True), ("http://a.example:080", True), ("http://a.example:", True),
    ("http://[2001:DB8::1]", True), ("http://[v1.x]", True), ("http://", True),
    ("Null", False), ("null ", False), ("https://a.example/", False), ("https://a b", False),
    ("https://a.example:8a", False), ("://a", False), ("1http://a", False), ("http://user@a", False),
    ("http://a\u00e9", False), ("http://[2001:db8::g]", False),
])
def test_fetch_origin_abnf(value, matches):
    assert profiles.matches_fetch_origin_abnf(value.encode("latin-1")) is matches


def test_the_corshdr_profile_is_what_browsers_do_not_require(all_cases):
    """Every corshdr choice that a browser can show has its evidence: the browser-checkable corshdr
    vectors that a browser answers differently carry measured variants for both engines."""
    for c in all_cases:
        if c["profile"] == "corshdr" and c["op"] in ("exposed", "cors-check") and "network_error" in c["expected"]:
            assert {"chromium", "firefox"} <= set(c.get("variants", {})), c["id"]
            assert all(v["source"].startswith("measured: ") for v in c["variants"].values()), c["id"]


def test_runner_json_equality_is_strict():
    eq = runner.json_equal
    assert eq({"a": [1, "x", None]}, {"a": [1.0, "x", None]})
    assert not eq(True, 1) and not eq(0, False) and not eq(None, False)
    assert not eq([1], [1, 2]) and not eq({"a": 1}, {"a": 1, "b": 2}) and not eq("1", 1)


def test_judge_follows_design_md_section_4():
    case = {"id": "x", "op": "preflight", "expected": {"ok": False}}
    assert runner.judge(case, {"id": "x", "result": {"ok": False}}).kind == runner.PASSED
    # extra keys in the result are allowed; every expected key must be there and equal
    assert runner.judge(case, {"id": "x", "result": {"ok": False, "why": "EMETHOD"}}).kind == runner.PASSED
    assert runner.judge(case, {"id": "x", "result": {"ok": 0}}).kind == runner.FAILED
    assert runner.judge(case, {"id": "x", "result": {}}).kind == runner.FAILED
    assert runner.judge(case, {"id": "x", "result": None}).kind == runner.FAILED
    assert runner.judge(case, {"id": "x", "unsupported": True}).kind == runner.UNSUPPORTED
    assert runner.judge(case, {"id": "x", "error": "boom"}).kind == runner.FAILED
    assert runner.judge(case, {"id": "x"}).kind == runner.FAILED
