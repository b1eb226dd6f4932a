"""Property tests: the C library (through the ctypes binding) and the reference model agree on every
op for generated header lists, names and values; and metamorphic properties that hold for both.

Run: /usr/bin/python3 -m pytest conformance/test_properties.py [--libcorshdr PATH]

Inputs are biased toward the bytes that matter: tchar, SP, HTAB, comma, quote, backslash, NUL, CR,
LF, VT, FF, 0x7F, 0x80, 0xFF, and header names from the CORS set in random case. Hypothesis runs
derandomized (the same examples every run) with no deadline.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import corshdr_ctypes as cc
from corsref import run_op as reference_op

# Applied to each test (not as a global profile, which would change the reference model's own
# hypothesis tests when both run in one session).
PROPERTY_SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=300,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

# ---- strategies ---------------------------------------------------------------------------------

TCHAR = b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
SPECIAL = b' \t,"\\\x00\r\n\x0b\x0c\x7f\x80\xff;=/:()<>?@[]{}'
INTERESTING = sorted(set(TCHAR[:20] + b"aZ09*-" + SPECIAL))

CORS_NAMES = [
    "Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers", "Access-Control-Expose-Headers", "Access-Control-Max-Age",
    "Access-Control-Request-Method", "Access-Control-Request-Headers", "Origin", "Vary",
    "Accept", "Accept-Language", "Content-Language", "Content-Type", "Range", "Authorization",
    "Cache-Control", "Content-Length", "Expires", "Last-Modified", "Pragma", "Set-Cookie", "Set-Cookie2",
    "X-Custom", "X-Trace-Id", "*", "X-HTTP-Method-Override", "Sec-Fetch-Mode", "Proxy-Authorization", "Host",
]
LIST_NAMES = ["Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Expose-Headers"]
CREDENTIALS = ["omit", "same-origin", "include"]


def text(data: bytes) -> str:
    return data.decode("latin-1")


byte = st.one_of(st.sampled_from(INTERESTING), st.integers(0, 255))
# The same without NUL, CR and LF, for inputs that should not be a network error.
clean_byte = byte.map(lambda b: {0x00: 0x01, 0x0a: 0x0b, 0x0d: 0x0c}.get(b, b))


def some_bytes(max_size: int = 10, min_size: int = 0, clean: bool = False):
    return st.lists(clean_byte if clean else byte, min_size=min_size, max_size=max_size).map(
        lambda b: text(bytes(b)))


token = st.lists(st.sampled_from(TCHAR), min_size=1, max_size=8).map(lambda b: text(bytes(b)))


def random_case(names):
    """A name from names, each letter upper- or lowercase at random (one integer draws the pattern)."""
    def flip(name, bits):
        return "".join(c.upper() if bits >> (i % 64) & 1 else c.lower() for i, c in enumerate(name))
    return st.builds(flip, st.sampled_from(names), st.integers(0, 2 ** 64 - 1))


cors_name = random_case(CORS_NAMES)
# Mostly CORS names, sometimes other tokens.
header_name = st.one_of(cors_name, cors_name, cors_name, token)
# A name that is not a token (with tokens now and then), for lists that cannot exist.
bad_name = st.one_of(some_bytes(6), st.sampled_from(["", " A", "A ", "A:", "\u00e9", "a\x00"]))
element = st.one_of(cors_name, cors_name, token, token, some_bytes(5, clean=True), some_bytes(3),
                    st.sampled_from(["*", "", " ", "GET", "get", "PUT", "patch", "true", "null", "\"a,b\""]))
separator = st.sampled_from([",", ", ", " ,", ",,", " , ", "\t,", ",\t", ", ,"])


@st.composite
def list_value(draw, elements=element):
    items = draw(st.lists(elements, max_size=6))
    out = draw(st.sampled_from(["", " ", "\t", ","]))
    for i, item in enumerate(items):
        if i:
            out += draw(separator)
        out += item
    return out + draw(st.sampled_from(["", " ", "\t", ","]))


header_value = st.one_of(
    list_value(), some_bytes(12, clean=True),
    st.sampled_from(["", "*", " * ", "true", "https://a.example", "null", "86400", "-5", "text/plain",
                     "bytes=0-1", "\"x\""]))
bad_value = st.one_of(some_bytes(12), st.sampled_from(["a\x00b", "a\rb", "a\nb", "\r\n", "\x00"]))
good_line = st.tuples(header_name, header_value).map(list)
# Now and then a line that makes the list a network error (SEMANTICS.md §1).
header_line = st.one_of(*[good_line] * 12, st.tuples(bad_name, header_value).map(list),
                        st.tuples(header_name, bad_value).map(list))
header_list = st.lists(header_line, max_size=6)

ORIGINS = ["https://a.example", "null", "https://b.example", "http://a.example:8080", "*"]
origin_used = st.one_of(st.sampled_from(ORIGINS), some_bytes(6))
METHODS = ["GET", "get", "POST", "post", "HEAD", "PUT", "put", "DELETE", "delete", "OPTIONS", "patch", "PATCH",
           "x", "*", "", "CONNECT"]


@st.composite
def response_headers(draw):
    """A CORS response: the CORS headers with plausible and odd values, in random order and case."""
    lines = []
    origin = st.sampled_from(ORIGINS + [" *", "* ", "a.example"])
    for name, values in [
        ("Access-Control-Allow-Origin", origin),
        ("Access-Control-Allow-Credentials", st.sampled_from(["true", "TRUE", " true ", "false", "true, true"])),
        ("Access-Control-Allow-Methods", list_value(st.one_of(st.sampled_from(METHODS), element))),
        ("Access-Control-Allow-Headers", list_value()),
        ("Access-Control-Expose-Headers", list_value()),
        ("Access-Control-Max-Age", st.sampled_from(["5", "600", "-1", "-0", "007", "1e3", "99999999999", ""])),
    ]:
        for _ in range(draw(st.sampled_from([0, 1, 1, 1, 2]))):
            lines.append([draw(random_case([name])), draw(values)])
    lines += draw(st.lists(header_line, max_size=3))
    return draw(st.permutations(lines))


# ---- the differential properties ------------------------------------------------------------------

def agree(lib, op: str, input: dict) -> dict:
    """The reference model's result; the C library gives the same (with every lexing kernel, for the
    ops whose calls take one: the SIMD and scalar paths must agree too)."""
    expected = reference_op(op, input)
    kernels = cc.KERNELS.items() if op in cc.KERNEL_OPS else [("auto", None)]
    for kernel_name, kernel in kernels:
        got = lib.run_op(op, input, kernel=kernel)
        assert got == expected, "op %s, kernel %s, input %s" % (op, kernel_name, json.dumps(input))
    return expected


@PROPERTY_SETTINGS
@given(value=st.one_of(some_bytes(8), token))
def test_token(corshdr_lib, value):
    agree(corshdr_lib, "token", {"value": value})


@PROPERTY_SETTINGS
@given(value=st.one_of(some_bytes(8), header_value))
def test_field_value(corshdr_lib, value):
    agree(corshdr_lib, "field-value", {"value": value})


@PROPERTY_SETTINGS
@given(headers=header_list, name=header_name)
def test_combine(corshdr_lib, headers, name):
    agree(corshdr_lib, "combine", {"headers": headers, "name": name})


quoted_piece = st.sampled_from(['"', '\\', '"a,b"', '"a\\"', ",", " ", "\t", "x"])
split_value = st.one_of(list_value(), st.lists(st.one_of(quoted_piece, some_bytes(2)), max_size=8).map("".join))


@PROPERTY_SETTINGS
@given(values=st.lists(split_value, max_size=4), other=header_list)
def test_split(corshdr_lib, values, other):
    headers = [["A", v] for v in values] + other
    agree(corshdr_lib, "split", {"headers": headers, "name": "a"})


NAME_LIST_NAMES = LIST_NAMES + ["Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
                                 "Access-Control-Max-Age", "Access-Control-Request-Method",
                                 "Access-Control-Request-Headers", "X-Custom"]


@st.composite
def named_lines(draw):
    """A name, and lines mostly of that name (in random case) holding list values."""
    name = draw(st.sampled_from(NAME_LIST_NAMES))
    line_name = st.one_of(random_case([name]), random_case([name]), cors_name)
    lines = draw(st.lists(st.tuples(line_name, list_value()).map(list), min_size=1, max_size=3))
    return draw(random_case([name])), lines


@PROPERTY_SETTINGS
@given(named=named_lines(), headers=st.lists(header_line, max_size=2))
def test_name_list(corshdr_lib, named, headers):
    name, lines = named
    agree(corshdr_lib, "name-list", {"headers": lines + headers, "name": name})


@PROPERTY_SETTINGS
@given(credentials=st.sampled_from(CREDENTIALS), headers=response_headers())
def test_exposed(corshdr_lib, credentials, headers):
    agree(corshdr_lib, "exposed", {"credentials": credentials, "headers": headers})


@PROPERTY_SETTINGS
@given(origin=origin_used, credentials=st.sampled_from(CREDENTIALS), headers=response_headers())
def test_cors_check(corshdr_lib, origin, credentials, headers):
    agree(corshdr_lib, "cors-check", {"origin": origin, "credentials": credentials, "headers": headers})


@PROPERTY_SETTINGS
@given(origin=origin_used, credentials=st.sampled_from(CREDENTIALS), headers=response_headers(),
       kernel=st.sampled_from(sorted(cc.KERNELS)))
def test_one_index_answers_as_the_plain_calls(corshdr_lib, origin, credentials, headers, kernel):
    """corshdr_index_build once, then the CORS check, the exposed filter and max-age from it, on any
    kernel: the answers of the three plain calls."""
    enc = [[n.encode("latin-1"), v.encode("latin-1")] for n, v in headers]
    cred = cc.CREDENTIALS[credentials]
    opt = corshdr_lib.options(cc.KERNELS[kernel])
    st_, cors, exposed, max_age = corshdr_lib.indexed(enc, origin.encode("latin-1"), cred, opt)
    plain_cors = corshdr_lib.cors_check(enc, origin.encode("latin-1"), cred)
    assert cors == plain_cors
    if st_ == cc.CORSHDR_OK:
        assert exposed == corshdr_lib.exposed(enc, cred, opt)
        assert max_age == corshdr_lib.max_age(enc)
    else:
        assert st_ in (cc.CORSHDR_ENAME, cc.CORSHDR_EVALUE) and plain_cors == st_


request_header_names = st.lists(st.one_of(cors_name, random_case(["Authorization", "X-Custom"]), token), max_size=4)
statuses = st.one_of(st.sampled_from([200, 204, 299, 199, 300, 500, 0, -1]), st.integers(-2 ** 40, 2 ** 40))


@PROPERTY_SETTINGS
@given(origin=st.sampled_from(ORIGINS), credentials=st.sampled_from(CREDENTIALS),
       method=st.one_of(st.sampled_from(METHODS), token), request_headers=request_header_names,
       status=statuses, headers=response_headers())
def test_preflight(corshdr_lib, origin, credentials, method, request_headers, status, headers):
    agree(corshdr_lib, "preflight", {"origin": origin, "credentials": credentials, "method": method,
                                     "request_headers": request_headers, "status": status, "headers": headers})


max_age_value = st.one_of(
    st.sampled_from(["", "-", "+5", "5 ", " 5", "0x10", "1.5", "-0", "00", "2147483648", "2147483647",
                     "4294967296", "18446744073709551617"]),
    st.tuples(st.sampled_from(["", "-", "0", "00"]), st.integers(0, 10 ** 25)).map(lambda t: t[0] + str(t[1])),
    some_bytes(6))


@PROPERTY_SETTINGS
@given(values=st.lists(max_age_value, max_size=2), other=st.lists(header_line, max_size=2))
def test_max_age(corshdr_lib, values, other):
    headers = [[name, v] for name, v in zip(["Access-Control-Max-Age", "access-control-max-age"], values)]
    agree(corshdr_lib, "max-age", {"headers": headers + other})


SAFELIST_NAMES = ["Accept", "Accept-Language", "Content-Language", "Content-Type", "Range", "X-Other"]
mime_part = st.sampled_from(["text", "plain", "multipart", "form-data", "application", "x-www-form-urlencoded",
                             "TEXT", "Plain", "x", ""])


def content_type_value(ows):
    return st.builds(lambda a, b, c, d, e, f: a + b + c + "/" + d + e + f, ows, mime_part, ows, mime_part, ows,
                     st.sampled_from(["", ";", ";charset=utf-8", "; a=\"b\"", ";x", ",text/html"]))


content_type = content_type_value(st.sampled_from(["", " ", "\t", "\x0c", "\n", "\r"]))
range_value = st.builds(lambda unit, a, b, tail: unit + "=" + a + "-" + b + tail,
                        st.sampled_from(["bytes", "Bytes", "bytes ", "byte"]),
                        st.one_of(st.just(""), st.integers(0, 10 ** 30).map(str)),
                        st.one_of(st.just(""), st.integers(0, 10 ** 30).map(str)),
                        st.sampled_from(["", " ", ",0-1", "x"]))
safelist_value = st.one_of(some_bytes(12), content_type, range_value, st.sampled_from(["en-US", "*", "de;q=0.5"]),
                           st.integers(120, 136).map(lambda n: "a" * n))


@PROPERTY_SETTINGS
@given(name=random_case(SAFELIST_NAMES), value=safelist_value)
def test_request_safelisted(corshdr_lib, name, value):
    agree(corshdr_lib, "request-safelisted", {"name": name, "value": value})


clean_safelist_value = st.one_of(some_bytes(12, clean=True), content_type_value(st.sampled_from(["", " ", "\t", "\x0c"])),
                                 range_value, st.sampled_from(["en-US", "*", "de;q=0.5"]),
                                 st.integers(100, 136).map(lambda n: "a" * n))
clean_request_line = st.tuples(st.one_of(random_case(SAFELIST_NAMES), cors_name, token),
                               clean_safelist_value).map(list)
request_line = st.one_of(clean_request_line, clean_request_line, clean_request_line, header_line)


@PROPERTY_SETTINGS
@given(headers=st.lists(request_line, max_size=12))
def test_unsafe_names(corshdr_lib, headers):
    agree(corshdr_lib, "unsafe-names", {"headers": headers})


FORBIDDEN_NAMES = ["Accept-Charset", "DNT", "Host", "Keep-Alive", "Sec-", "Sec-Fetch-Site", "Proxy-", "Proxy",
                   "X-HTTP-Method", "X-HTTP-Method-Override", "X-Method-Override", "X-Other", "Set-Cookie"]
method_list = list_value(st.sampled_from(["CONNECT", "trace", "Track", "GET", "\"TRACE\"", " TRACE ", "TRACE\x0b"]))


@PROPERTY_SETTINGS
@given(name=st.one_of(random_case(FORBIDDEN_NAMES), some_bytes(6)), value=st.one_of(method_list, some_bytes(8)))
def test_forbidden_request(corshdr_lib, name, value):
    agree(corshdr_lib, "forbidden-request", {"name": name, "value": value})


label = st.one_of(st.sampled_from(["a", "example", "xn--p1ai", "a-b", "_x", "-a", "a-", "A", "0x1f", "0", "255",
                                   "256", "01", "com", ""]), st.text("abz09-_", min_size=1, max_size=5))
host = st.one_of(
    st.lists(label, min_size=1, max_size=4).map(".".join),
    st.lists(st.integers(0, 300).map(str), min_size=3, max_size=5).map(".".join),
    st.sampled_from(["[::1]", "[::]", "[2001:db8::1]", "[2001:DB8::1]", "[::ffff:1.2.3.4]", "[1:2:3:4:5:6:7:8]",
                     "[1:2:3:4:5:6:7:8:9]", "[1::2::3]", "[::1.2.3]", "[12345::]", "[1:2:3:4:5:6:1.2.3.4]",
                     "[]", "[", "a.example.", "a..b", "a" * 64 + ".b"]))
port = st.one_of(st.just(""), st.integers(0, 70000).map(lambda p: ":" + str(p)),
                 st.sampled_from([":", ":080", ":80", ":443", ":21", ":00", ":65535", ":65536"]))
scheme = st.sampled_from(["http", "https", "ws", "wss", "ftp", "file", "a+b-c.d", "HTTP", "1a", ""])


@st.composite
def origin_value(draw):
    value = draw(st.one_of(st.builds(lambda s, h, p: s + "://" + h + p, scheme, host, port),
                           st.sampled_from(["null", "Null", "null ", "https://a.example/"])))
    if draw(st.integers(0, 3)) == 0:  # sometimes one odd byte somewhere
        at = draw(st.integers(0, len(value)))
        value = value[:at] + draw(some_bytes(1, min_size=1)) + value[at:]
    return value


@PROPERTY_SETTINGS
@given(value=origin_value())
def test_origin(corshdr_lib, value):
    agree(corshdr_lib, "origin", {"value": value})


# ---- long lists: the block-parallel (64 bytes at a time) list path of the SIMD kernels ----------------

long_token = st.builds(lambda t, n: (t * (n // len(t) + 1))[:n], token, st.integers(1, 90))
ows_run = st.builds(lambda unit, n: unit * n, st.sampled_from([" ", "\t", " \t"]), st.integers(0, 70))
long_element = st.one_of(long_token, cors_name, st.just(""), st.just("*"), some_bytes(3, clean=True),
                         st.builds(lambda a, w, b: a + w + b, token, ows_run.filter(bool), token))


@st.composite
def long_list_value(draw):
    """Up to ~40 elements, tokens up to 90 bytes, whitespace runs up to 140 bytes: lines that cross
    64-byte block boundaries at every kind of byte."""
    items = draw(st.lists(long_element, max_size=40))
    out = draw(ows_run)
    for i, item in enumerate(items):
        if i:
            out += draw(ows_run) + draw(st.sampled_from([",", ",,", ", ,"])) + draw(ows_run)
        out += item
    return out + draw(ows_run)


@PROPERTY_SETTINGS
@given(values=st.lists(long_list_value(), min_size=1, max_size=3), name=random_case(LIST_NAMES))
def test_long_name_lists(corshdr_lib, values, name):
    headers = [[name, v] for v in values]
    agree(corshdr_lib, "name-list", {"headers": headers, "name": name})
    agree(corshdr_lib, "exposed", {"credentials": "omit",
                                   "headers": [["Access-Control-Expose-Headers", v] for v in values]
                                   + [["X-Custom", "1"], ["Content-Type", "x"]]})


@PROPERTY_SETTINGS
@given(value=st.one_of(long_list_value(), list_value(), some_bytes(80, clean=True)))
def test_list_parse_is_name_list_of_one_line(corshdr_lib, value):
    """corshdr_list_parse (one value) gives what name-list gives for a header of that one line."""
    expected = reference_op("name-list", {"headers": [["X", value]], "name": "X"})
    for kernel_name, kernel in cc.KERNELS.items():
        st_, elements = corshdr_lib.list_parse(value.encode("latin-1"), 0, corshdr_lib.options(kernel))
        got = ({"values": [e.decode("latin-1") for e in elements]} if st_ == cc.CORSHDR_OK
               else {"failure": True})
        assert got == expected, "kernel %s, value %r" % (kernel_name, value)


@PROPERTY_SETTINGS
@given(value=st.one_of(some_bytes(200), st.builds(lambda t, b, tail: t + b + tail, long_token,
                                                   some_bytes(1, min_size=1), some_bytes(80))))
def test_kernels_agree_on_tchar_span(corshdr_lib, value):
    data = value.encode("latin-1")
    expected = next((i for i, b in enumerate(data) if b not in TCHAR), len(data))
    for kernel_name, kernel in cc.KERNELS.items():
        assert corshdr_lib.tchar_span(data, kernel) == expected, (kernel_name, value)


# ---- metamorphic properties -----------------------------------------------------------------------

def both(lib, op, input):
    """The op's result from both implementations, asserting they agree."""
    return agree(lib, op, input)


@PROPERTY_SETTINGS
@given(data=st.data(), headers=response_headers(), name=random_case(LIST_NAMES),
       value=list_value(), credentials=st.sampled_from(CREDENTIALS),
       method=st.sampled_from(METHODS), request_headers=request_header_names,
       at=st.integers(0, 6))
def test_splitting_a_list_line_at_commas_changes_nothing(corshdr_lib, data, headers, name, value, credentials,
                                                         method, request_headers, at):
    """A list header's line split into several lines at its commas (SEMANTICS.md §4 name-list: each
    line is split on `,`) gives the same name-list, exposed and preflight results."""
    assume("," in value)
    commas = [i for i, c in enumerate(value) if c == ","]
    cuts = sorted(data.draw(st.sets(st.sampled_from(commas), min_size=1), label="cuts"))
    pieces, start = [], 0
    for cut in cuts:
        pieces.append(value[start:cut])
        start = cut + 1
    pieces.append(value[start:])
    at = min(at, len(headers))
    one_line = headers[:at] + [[name, value]] + headers[at:]
    many_lines = headers[:at] + [[name, piece] for piece in pieces] + headers[at:]
    for list_name in LIST_NAMES:
        assert (both(corshdr_lib, "name-list", {"headers": one_line, "name": list_name})
                == both(corshdr_lib, "name-list", {"headers": many_lines, "name": list_name}))
    assert (both(corshdr_lib, "exposed", {"credentials": credentials, "headers": one_line})
            == both(corshdr_lib, "exposed", {"credentials": credentials, "headers": many_lines}))
    preflight = {"origin": "https://a.example", "credentials": credentials, "method": method,
                 "request_headers": request_headers, "status": 200}
    assert (both(corshdr_lib, "preflight", dict(preflight, headers=one_line))
            == both(corshdr_lib, "preflight", dict(preflight, headers=many_lines)))


@PROPERTY_SETTINGS
@given(headers=st.lists(clean_request_line, max_size=12))
def test_acrh_value_parses_back_to_the_unsafe_names(corshdr_lib, headers):
    """The Access-Control-Request-Headers value of unsafe-names, read as a #field-name list, gives
    the names back, in order."""
    result = both(corshdr_lib, "unsafe-names", {"headers": headers})
    assume("network_error" not in result)
    if result["acrh"] is None:
        assert result["names"] == []
        return
    parsed = both(corshdr_lib, "name-list", {"headers": [["Access-Control-Request-Headers", result["acrh"]]],
                                             "name": "access-control-request-headers"})
    assert parsed == {"values": result["names"]}


@PROPERTY_SETTINGS
@given(values=st.lists(split_value, min_size=1, max_size=4), other=st.lists(header_line, max_size=2),
       name=st.sampled_from(["A", "a"]))
def test_combine_then_split_is_split(corshdr_lib, values, other, name):
    """split of the lines equals split of one line holding their combined ("get") value."""
    headers = [["A", v] for v in values] + other
    combined = both(corshdr_lib, "combine", {"headers": headers, "name": name})
    assume("network_error" not in combined)
    split_lines = both(corshdr_lib, "split", {"headers": headers, "name": name})
    split_combined = both(corshdr_lib, "split", {"headers": [[name, combined["value"]]], "name": name})
    assert split_lines == split_combined


def test_biased_bytes_hold_the_interesting_ones():
    """Every byte the strategies favour is in the biased set (any other byte comes from integers(0, 255))."""
    for b in b' \t,"\\\x00\r\n\x0b\x0c\x7f\x80\xff':
        assert b in INTERESTING
    assert all(b in TCHAR for b in b"!#$%&'*+-.^_`|~")



# ---- the server policy (policy-compile, policy-apply) ----------------------------------------------

POLICY_LABELS = ["a", "b", "example", "com", "co", "uk", "localhost", "127", "0", "1", "xn--x", "_a", "-"]
POLICY_SUFFIXES = ["com", "uk", "co.uk", "example.com", "localhost"]


@st.composite
def policy_host(draw):
    """A host near the policy's: labels from a small set (so that entries and requests meet), an IP
    literal, odd case, a trailing dot."""
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(st.sampled_from(["[::1]", "[0:0:0:0:0:0:0:1]", "127.0.0.1", "192.0.2.1", "[2001:db8::1]"]))
    labels = draw(st.lists(st.sampled_from(POLICY_LABELS), min_size=1, max_size=4))
    name = ".".join(labels)
    if kind == 1:
        name = name.upper()
    elif kind == 2:
        name += "."
    return name


@st.composite
def policy_origin(draw, entry=False):
    """An origin (entry=False) or an origin entry (entry=True: with `*.` and `:*` now and then), mostly
    well formed, sometimes with an odd byte or a path."""
    if draw(st.integers(0, 12)) == 0:
        return draw(st.sampled_from(["*", "null", "", "NULL", "https://*.", "*.example.com"] if entry
                                    else ["null", " null ", "Null", "", "*"]))
    s = draw(st.sampled_from(["https", "https", "http", "ws", "wss", "HTTPS", "ftp"]))
    h = draw(policy_host())
    if entry and draw(st.integers(0, 2)) == 0:
        h = "*." + h
    p = draw(st.sampled_from(["", "", "", ":8443", ":443", ":80", ":3000", ":08443"] + ([":*", ":*"] if entry else [])))
    value = s + "://" + h + p + draw(st.sampled_from(["", "", "", "", "/", "/x"]))
    if draw(st.integers(0, 5)) == 0:
        at = draw(st.integers(0, len(value)))
        value = value[:at] + draw(some_bytes(1, min_size=1)) + value[at:]
    return value


policy_method = st.one_of(st.sampled_from(METHODS + ["TRACE", "track", "PURGE"]), token)
policy_name = st.one_of(cors_name, cors_name, token, st.sampled_from(["*", "*", "", "x y", "Authorization"]))


@st.composite
def policy_config(draw, valid=False):
    """A configuration: anything (valid=False), or entries that are each fine (valid=True; the whole
    may still break a rule, `*` with credentials)."""
    if valid:
        entries, methods = st.sampled_from(VALID_ENTRIES), st.sampled_from(VALID_METHODS)
        names = st.one_of(cors_name.filter(lambda n: n.lower() not in FORBIDDEN_HERE), st.just("*"))
    else:
        entries, methods, names = policy_origin(entry=True), policy_method, policy_name
    cfg = {"origins": draw(st.lists(entries, max_size=4))}
    for key in ("methods", "headers", "expose"):
        if draw(st.booleans()):
            cfg[key] = draw(st.lists(methods if key == "methods" else names, max_size=4))
    for key in ("allow_null", "credentials", "debug"):
        if draw(st.booleans()):
            cfg[key] = draw(st.booleans())
    if draw(st.booleans()):
        cfg["max_age"] = draw(st.sampled_from([-1, 0, 1, 600, 86400] + ([] if valid else [-2, 86401, 2 ** 40])))
    if draw(st.booleans()):
        cfg["preflight_status"] = draw(st.sampled_from([0, 200, 204, 299] + ([] if valid else [199, 300, 403])))
    if draw(st.booleans()):
        cfg["public_suffixes"] = draw(st.lists(st.sampled_from(POLICY_SUFFIXES), max_size=3))
    return cfg


VALID_ENTRIES = ["https://app.example", "https://*.example.com", "http://localhost:*", "https://*.example.com:*",
                 "https://[::1]:8443", "*", "https://a.b.example:8443", "https://*.b.example.", "http://127.0.0.1:*",
                 "wss://app.example"]
VALID_METHODS = ["PUT", "DELETE", "patch", "PATCH", "PURGE", "*", "GET", "x"]
FORBIDDEN_HERE = {"origin", "access-control-request-method", "access-control-request-headers", "host",
                  "proxy-authorization", "sec-fetch-mode", "set-cookie", "set-cookie2", "content-length"}


@st.composite
def origin_for(draw, cfg):
    """An origin the configuration's entries are about: an exact one, a name under a pattern's base at
    some depth, a port for `:*`, or one byte off."""
    entries = [e for e in cfg["origins"] if e not in ("*", "null")]
    if not entries or draw(st.integers(0, 4)) == 4:  # (the simplest draw, 0, is the common path)
        return draw(policy_origin())
    entry = draw(st.sampled_from(entries))
    scheme, _, rest = entry.partition("://")
    if rest.startswith("*."):  # zero labels (the base itself, never covered) or more
        rest = ".".join(draw(st.lists(st.sampled_from(["a", "b", "x-1", "example"]), max_size=3)) + [rest[2:]])
    if rest.endswith(":*"):
        rest = rest[:-2] + draw(st.sampled_from(["", ":1", ":8443", ":443", ":65535"]))
    value = scheme + "://" + rest
    if draw(st.integers(0, 5)) == 5:
        at = draw(st.integers(0, len(value)))
        value = value[:at] + draw(st.sampled_from([".", "A", "x", ":", "/", "@", " "])) + value[at + 1:]
    return value


@st.composite
def policy_request(draw, cfg=None):
    """The lines a server reads: Origin, Access-Control-Request-Method and -Headers on zero, one or more
    lines, in random case and order, among other lines; with cfg, origins, methods and names it is
    about."""
    named = (cfg or {}).get("headers", []) + ["authorization", "x-other", "content-type"]
    acrh_names = st.one_of(element, random_case(named), random_case(named))
    origin = origin_for(cfg) if cfg else policy_origin()
    method = st.one_of(st.sampled_from(["GET", "PUT"] + (cfg or {}).get("methods", [])), policy_method)
    lines = []
    for name, values, counts in (("Origin", origin, [1, 1, 1, 1, 0, 2]),
                                 ("Access-Control-Request-Method", method, [1, 1, 1, 0, 2]),
                                 ("Access-Control-Request-Headers", st.one_of(list_value(acrh_names), long_list_value()),
                                  [1, 0, 2, 3])):
        for _ in range(draw(st.sampled_from(counts))):
            lines.append([draw(random_case([name])), draw(values)])
    lines += draw(st.lists(header_line, max_size=2))
    return draw(st.permutations(lines))


def valid_policy(cfg: dict) -> bool:
    return "ok" in reference_op("policy-compile", {"policy": cfg})


@PROPERTY_SETTINGS
@given(cfg=policy_config())
def test_policy_compile(corshdr_lib, cfg):
    agree(corshdr_lib, "policy-compile", {"policy": cfg})


@st.composite
def policy_case(draw):
    """A valid configuration and a request about it."""
    cfg = draw(policy_config(valid=True).filter(valid_policy))
    return cfg, draw(policy_request(cfg))


@PROPERTY_SETTINGS
@given(case=policy_case(), method=st.sampled_from(["OPTIONS", "OPTIONS", "OPTIONS", "GET", "POST", "options"]))
def test_policy_apply(corshdr_lib, case, method):
    """The answer to a request, on every lexing kernel (Access-Control-Request-Headers is read with
    them)."""
    cfg, request = case
    agree(corshdr_lib, "policy-apply", {"policy": cfg, "method": method, "headers": request})


@PROPERTY_SETTINGS
@given(cfg=policy_config(), method=st.sampled_from(["OPTIONS", "GET"]), request=policy_request())
def test_policy_apply_any_configuration(corshdr_lib, cfg, method, request):
    """Any configuration, any request: the answer, or the same problems."""
    agree(corshdr_lib, "policy-apply", {"policy": cfg, "method": method, "headers": request})


@PROPERTY_SETTINGS
@given(data=st.data(), case=policy_case(), value=list_value())
def test_splitting_acrh_at_commas_changes_no_answer(corshdr_lib, data, case, value):
    """A preflight's Access-Control-Request-Headers line split into several lines at its commas (as
    intermediaries do, rs/cors#184) gets the same answer."""
    cfg, request = case
    assume("," in value)
    commas = [i for i, c in enumerate(value) if c == ","]
    cuts = sorted(data.draw(st.sets(st.sampled_from(commas), min_size=1), label="cuts"))
    pieces, start = [], 0
    for cut in cuts:
        pieces.append(value[start:cut])
        start = cut + 1
    pieces.append(value[start:])
    base = [line for line in request if line[0].lower() != "access-control-request-headers"]
    one = base + [["Access-Control-Request-Headers", value]]
    many = base + [["Access-Control-Request-Headers", piece] for piece in pieces]
    first = both(corshdr_lib, "policy-apply", {"policy": cfg, "method": "OPTIONS", "headers": one})
    assert first == both(corshdr_lib, "policy-apply", {"policy": cfg, "method": "OPTIONS", "headers": many})
