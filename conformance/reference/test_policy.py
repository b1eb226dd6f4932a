"""Unit tests of the reference model's server policy (corsref/policy.py), step by step as SEMANTICS.md
"The server policy" numbers them.

Run: /usr/bin/python3 -m pytest conformance/reference -q
"""

import pytest

from corsref import MalformedCase, run_op
from corsref.headers import Limits
from corsref.policy import Config, Entry, _fix, _is_loopback, apply, compile_problems, parse_origin_entry
from corsref.policy import request_header_names


def codes(cfg):
    return [(p.code, p.part, p.index) for p in compile_problems(cfg)]


# ---- policy-origins ------------------------------------------------------------------------------

@pytest.mark.parametrize("entry, parsed", [
    (b"https://a.example", Entry(b"https", b"a.example", None, False, False)),
    (b"https://*.example.com", Entry(b"https", b"example.com", None, True, False)),
    (b"http://localhost:*", Entry(b"http", b"localhost", None, False, True)),
    (b"https://*.example.com:8443", Entry(b"https", b"example.com", b"8443", True, False)),
    (b"https://*.example.com.:*", Entry(b"https", b"example.com.", None, True, True)),
    (b"https://[::1]:*", Entry(b"https", b"[::1]", None, False, True)),
    # step 1, 3: not an origin, or not canonical
    (b"", "EORIGIN"), (b"x" * 321, "EORIGIN"), (b"https://a.example?q", "EORIGIN"),
    (b"HTTPS://A.example", "ECANONICAL"), (b"https://a.example/x/y", "ECANONICAL"),
    (b"https://a.example:443", "ECANONICAL"), (b"wss://a.example:443", "ECANONICAL"),
    (b"ftp://a.example:21", "EORIGIN"), (b"https://*.Example.com:*", "ECANONICAL"),
    # step 4, 5: a pattern with no base, over an IP, or with a port and any port
    (b"https://*.", "EORIGIN"), (b"https://*.1.2.3.4", "EORIGIN"), (b"https://a.example:1:*", "EORIGIN"),
])
def test_parse_origin_entry(entry, parsed):
    assert parse_origin_entry(entry) == parsed


@pytest.mark.parametrize("probe, fixed", [
    (b"HTTPS://A.example/", b"https://a.example"), (b"https://a.example:443", b"https://a.example"),
    (b"http://a.example:80/x", b"http://a.example"), (b"https://a.example:80", b"https://a.example:80"),
    (b"https:a.example:443", b"https:a.example"),
])
def test_fix(probe, fixed):
    assert _fix(probe) == fixed


@pytest.mark.parametrize("host, loopback", [
    (b"localhost", True), (b"a.localhost", True), (b"[::1]", True), (b"127.0.0.1", True), (b"127.255.0.9", True),
    (b"127.evil.example", False), (b"localhost.", False), (b"evillocalhost", False), (b"[0:0:0:0:0:0:0:1]", False),
    (b"128.0.0.1", False),
])
def test_loopback(host, loopback):
    assert _is_loopback(host) is loopback


# ---- policy-compile ----------------------------------------------------------------------------

def test_compile_reports_in_step_order():
    cfg = Config(origins=[b"http://*.co.uk", b"*"], credentials=True, methods=[b"TRACE"], headers=[b"*"],
                 expose=[b"Set-Cookie"], max_age=-2, preflight_status=1, public_suffixes=[b"co.uk"])
    assert codes(cfg) == [("EINSECURE", "origins", 0), ("EPUBLICSUFFIX", "origins", 0), ("EWILDCARD", "origins", 1),
                          ("EMETHOD", "methods", 0), ("EWILDCARD", "headers", 0), ("EHEADER", "expose", 0),
                          ("EMAXAGE", "settings", None), ("ESTATUS", "settings", None)]


def test_public_suffix_is_judged_without_the_trailing_dot():
    assert codes(Config(origins=[b"https://*.co.uk."], public_suffixes=[b"co.uk"])) == [
        ("EPUBLICSUFFIX", "origins", 0)]
    assert codes(Config(origins=[b"https://*.co.uk"], public_suffixes=[b"co.uk."])) == []


def test_no_origin_is_a_problem_unless_null_is_allowed():
    assert codes(Config(origins=[])) == [("EEMPTY", "origins", None)]
    assert codes(Config(origins=[], allow_null=True)) == []


# ---- policy-apply ------------------------------------------------------------------------------

def lines(answer):
    return dict(answer.lines)


def test_pattern_depth_and_bypasses():
    cfg = Config(origins=[b"https://*.example.com"])
    for origin, reason in [(b"https://a.example.com", "OK"), (b"https://a.b.c.example.com", "OK"),
                           (b"https://example.com", "EACAO"), (b"https://evilexample.com", "EACAO"),
                           (b"https://a.example.com.", "EACAO"), (b"https://A.example.com", "EORIGIN")]:
        assert apply(cfg, b"GET", [(b"Origin", origin)]).reason == reason, origin


def test_request_header_list_errors_come_element_by_element():
    small = Limits(max_elements=2, max_empty=1, max_bytes=10)
    assert request_header_names([b"a,b"], small) == [b"a", b"b"]
    assert request_header_names([b"a,b,c"], small) == "ETOOMANY"
    assert request_header_names([b"a,b,c@"], small) == "ETOKEN"     # judged before it is counted
    assert request_header_names([b"a,,", b""], small) == "EEMPTIES"
    assert request_header_names([b"abcdef", b" abcde "], small) == "ETOOLONG"
    assert request_header_names([b"  abcdef  ", b"abcd"], small) == [b"abcdef", b"abcd"]


def test_vary_leaves_origin_out_only_of_the_star_answer():
    star = Config(origins=[b"*"])
    assert b"Vary" not in lines(apply(star, b"GET", [(b"Origin", b"https://a.example")]))
    assert lines(apply(star, b"GET", []))[b"Vary"] == b"Origin"
    assert lines(apply(star, b"GET", [(b"Origin", b"bad")]))[b"Vary"] == b"Origin"
    assert lines(apply(star, b"OPTIONS", [(b"Origin", b"https://a.example")]))[b"Vary"] == (
        b"Access-Control-Request-Method, Access-Control-Request-Headers")


def test_star_methods_with_credentials_echo_the_method():
    cfg = Config(origins=[b"https://a.example"], credentials=True, methods=[b"*"])
    answer = apply(cfg, b"OPTIONS", [(b"Origin", b"https://a.example"), (b"Access-Control-Request-Method", b" X ")])
    assert lines(answer)[b"Access-Control-Allow-Methods"] == b"X"


def test_apply_of_a_policy_with_problems_gives_them():
    result = run_op("policy-apply", {"policy": {"origins": ["null"]}, "method": "GET", "headers": []})
    assert result == {"problems": [{"code": "ENULL", "part": "origins", "index": 0}]}


@pytest.mark.parametrize("policy", [None, [], {"origins": "x"}, {"origins": ["x"], "x": 1},
                                    {"origins": [], "debug": "yes"}, {"origins": [], "max_age": 1.5}])
def test_malformed_policies(policy):
    with pytest.raises(MalformedCase):
        run_op("policy-compile", {} if policy is None else {"policy": policy})
