"""The server policy: `policy-compile` and `policy-apply` (SEMANTICS.md §4 "The server policy").

A policy says which origins, methods and request headers a server allows, what it exposes and how
long a preflight may be cached. `compile_problems` judges a configuration whole and lists every
problem; `apply` answers one request with the response lines to add. Written from SEMANTICS.md's
numbered steps, which the comments cite ("compile 1c", "apply 7"), and from Fetch where a step rests
on it. Nothing here is shared with the C library's policy.c.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from corsref.cors import CORS_SAFELISTED_METHODS, FORBIDDEN_RESPONSE_HEADER_NAMES, normalize_method
from corsref.headers import DEFAULT_LIMITS, Limits
from corsref.infra import (
    byte_case_insensitive_match,
    byte_lowercase,
    has_nul_or_newline,
    is_token,
    strip_tab_or_space,
)
from corsref.origin import is_ipv4_candidate, is_origin_or_null, is_serialized_origin, split_host_port
from corsref.request import is_forbidden_method, is_forbidden_request_header

ENTRY_MAX = 320                # compile 1c: longer origin entries are not origins
DEFAULT_PREFLIGHT_STATUS = 204
REFUSED_PREFLIGHT_STATUS = 403
LIST_ERRORS = ("ETOKEN", "EEMPTY", "ETOOMANY", "EEMPTIES", "ETOOLONG")

# apply 10: the Corshdr-Reason value of each refusal (debug mode); static text, never request bytes.
REASON_TEXT = {
    "EORIGIN": b"EORIGIN: the Origin is not a serialized origin",
    "EREPEATED": b"EREPEATED: a CORS request header on two lines",
    "EVALUE": b"EVALUE: NUL, CR or LF in a CORS request header",
    "ENULL": b"ENULL: the null origin is not allowed",
    "EACAO": b"EACAO: origin not allowed",
    "EMETHOD": b"EMETHOD: method not allowed",
    "EHEADER": b"EHEADER: a requested header is not allowed",
    "EAUTHORIZATION": b"EAUTHORIZATION: Authorization must be allowed by name",
}
LIST_REASON_TEXT = b"ELIST: Access-Control-Request-Headers or -Method is malformed or too long"

VARY_ORIGIN = b"Origin"
VARY_PREFLIGHT = b"Access-Control-Request-Method, Access-Control-Request-Headers"


@dataclass
class Config:
    """The configuration of SEMANTICS.md's table, as bytes and numbers."""
    origins: list[bytes]
    allow_null: bool = False
    credentials: bool = False
    methods: list[bytes] = field(default_factory=list)
    headers: list[bytes] = field(default_factory=list)
    expose: list[bytes] = field(default_factory=list)
    max_age: int = 0
    preflight_status: int = 0
    debug: bool = False
    public_suffixes: list[bytes] = field(default_factory=list)


@dataclass(frozen=True)
class Problem:
    code: str
    part: str            # origins, methods, headers, expose, settings
    index: int | None    # the entry, or None for the list as a whole and for settings


@dataclass(frozen=True)
class Entry:
    """A valid origin entry: an exact origin, or a pattern (compile 1c)."""
    scheme: bytes
    host: bytes          # the host; for a subdomain pattern, its base
    port: bytes | None   # the port's digits, or None
    subdomains: bool
    any_port: bool


# ---- compile ----------------------------------------------------------------------------------------

def _fix(probe: bytes) -> bytes:
    """compile 1c: what a non-canonical spelling becomes: cut before the third "/", lowercased, and
    without a default port if it still is no origin."""
    cut = probe
    slashes = [i for i, b in enumerate(probe) if b == ord("/")]
    if len(slashes) >= 3:
        cut = probe[:slashes[2]]
    fixed = byte_lowercase(cut)
    if is_serialized_origin(fixed):
        return fixed
    for scheme, port in ((b"http:", b":80"), (b"https:", b":443"), (b"ws:", b":80"), (b"wss:", b":443")):
        if len(fixed) > len(scheme) + len(port) and fixed.startswith(scheme) and fixed.endswith(port):
            return fixed[:-len(port)]
    return fixed


def _is_loopback(host: bytes) -> bool:
    """compile 1d: localhost, a name under .localhost, [::1], or an IPv4 address in 127.0.0.0/8."""
    if host in (b"localhost", b"[::1]") or host.endswith(b".localhost"):
        return True
    return is_ipv4_candidate(host) and host.split(b".")[0] == b"127"


def parse_origin_entry(entry: bytes) -> Entry | str:
    """compile 1c: an entry other than `*` and `null` as an Entry, or its problem's code."""
    if len(entry) == 0 or len(entry) > ENTRY_MAX:
        return "EORIGIN"
    probe = entry
    subdomains = False
    colon = entry.find(b":")
    if colon >= 0 and entry[colon:colon + 5] == b"://*.":
        subdomains = True
        probe = entry[:colon + 3] + b"x" + entry[colon + 4:]
    any_port = probe.endswith(b":*")
    if any_port:
        probe = probe[:-2]
    if not is_serialized_origin(probe):   # (`null` is no serialized origin)
        fixed = _fix(probe)
        return "ECANONICAL" if is_serialized_origin(fixed) else "EORIGIN"
    scheme, _, rest = probe.partition(b"://")
    host, port = split_host_port(rest)
    if subdomains:
        base = host[2:]                   # after "x."
        if base == b"" or host.startswith(b"[") or is_ipv4_candidate(host):
            return "EORIGIN"
        host = base
    if any_port and port is not None:
        return "EORIGIN"
    return Entry(scheme, host, port, subdomains, any_port)


def _name_entry_problem(entry: bytes, part: str, credentials: bool) -> str | None:
    """compile 3-5: the problem of one method, header or expose entry, or None."""
    if entry == b"*":
        return "EWILDCARD" if credentials and part != "methods" else None
    if entry == b"":
        return "EEMPTY"
    if not is_token(entry):
        return "ETOKEN"
    if part == "methods" and is_forbidden_method(entry):
        return "EMETHOD"
    if part == "methods" and normalize_method(entry) != entry:
        return "ECANONICAL"  # a standard method not upper-case: browsers send it upper-cased
    if part == "headers" and is_forbidden_request_header(entry, b""):
        return "EFORBIDDEN"
    if part == "expose" and byte_lowercase(entry) in FORBIDDEN_RESPONSE_HEADER_NAMES:
        return "EHEADER"
    return None


def compile_problems(cfg: Config) -> list[Problem]:
    """SEMANTICS.md policy-compile: every problem, in order."""
    problems = []
    for i, entry in enumerate(cfg.origins):                                      # compile 1
        if entry == b"*":                                                        # 1a
            if cfg.credentials:  # Fetch CORS check: `*` never passes with credentials
                problems.append(Problem("EWILDCARD", "origins", i))
            continue
        if entry == b"null":                                                     # 1b
            problems.append(Problem("ENULL", "origins", i))
            continue
        parsed = parse_origin_entry(entry)                                       # 1c
        if isinstance(parsed, str):
            problems.append(Problem(parsed, "origins", i))
            continue
        if cfg.credentials and parsed.scheme in (b"http", b"ws") and not _is_loopback(parsed.host):
            problems.append(Problem("EINSECURE", "origins", i))                  # 1d
        if parsed.subdomains:                                                    # 1e
            base = parsed.host[:-1] if parsed.host.endswith(b".") else parsed.host
            if base in cfg.public_suffixes:
                problems.append(Problem("EPUBLICSUFFIX", "origins", i))
    if not cfg.origins and not cfg.allow_null:                                   # compile 2
        problems.append(Problem("EEMPTY", "origins", None))
    if cfg.allow_null and cfg.credentials:                                       # compile 2
        problems.append(Problem("ENULL", "settings", None))
    for part, entries in (("methods", cfg.methods), ("headers", cfg.headers), ("expose", cfg.expose)):
        for i, entry in enumerate(entries):                                      # compile 3-5
            code = _name_entry_problem(entry, part, cfg.credentials)
            if code:
                problems.append(Problem(code, part, i))
    if not -1 <= cfg.max_age <= 86400:                                           # compile 6
        problems.append(Problem("EMAXAGE", "settings", None))
    if cfg.preflight_status != 0 and not 200 <= cfg.preflight_status <= 299:     # compile 7
        problems.append(Problem("ESTATUS", "settings", None))
    return problems


# ---- the values a valid policy answers with (SEMANTICS.md "Rendered values") -------------------------

def _joined(entries: list[bytes], lead: bytes | None = None) -> bytes:
    parts = ([lead] if lead else []) + [e for e in entries if e != b"*"]
    return b", ".join(parts)


def acam_value(cfg: Config) -> bytes:
    if b"*" in cfg.methods and not cfg.credentials:
        return b"*"
    return _joined(cfg.methods)


def acah_value(cfg: Config) -> bytes:
    return _joined(cfg.headers, b"*" if b"*" in cfg.headers else None)


def aceh_value(cfg: Config) -> bytes:
    return b"*" if b"*" in cfg.expose else _joined(cfg.expose)


def acma_value(cfg: Config) -> bytes | None:
    if cfg.max_age == 0:
        return None
    return b"%d" % max(cfg.max_age, 0)


# ---- apply ------------------------------------------------------------------------------------------

@dataclass
class Answer:
    kind: str                      # plain, actual, preflight
    status: int | None             # a preflight's status; None: the application's
    reason: str                    # OK, ABSENT, or the refusal's code
    lines: list[tuple[bytes, bytes]]


def _lines_named(request: list[tuple[bytes, bytes]], name: bytes) -> list[bytes]:
    return [v for n, v in request if byte_case_insensitive_match(n, name)]


def _single(values: list[bytes]) -> bytes | str:
    """apply 4 and 6: one line, no NUL, CR or LF: the trimmed value, or the code."""
    if len(values) > 1:
        return "EREPEATED"
    if has_nul_or_newline(values[0]):
        return "EVALUE"
    return strip_tab_or_space(values[0])


def _origin_allowed(cfg: Config, origin: bytes) -> bool:
    """apply 5: an exact entry byte for byte, or a pattern."""
    scheme, _, rest = origin.partition(b"://")
    host, port = split_host_port(rest)
    for entry in cfg.origins:
        if entry in (b"*", b"null"):
            continue
        e = parse_origin_entry(entry)
        if e.scheme != scheme:
            continue
        if e.subdomains:
            if not (host.endswith(b"." + e.host) and len(host) > len(e.host) + 1):
                continue
        elif host != e.host:
            continue
        if e.any_port or port == e.port:
            return True
    return False


def request_header_names(values: list[bytes], limits: Limits = DEFAULT_LIMITS) -> list[bytes] | str:
    """apply 7: Access-Control-Request-Headers over all its lines, element by element: the names,
    or the first list error's code."""
    lines = [strip_tab_or_space(v) for v in values]
    if sum(len(line) for line in lines) > limits.max_bytes:
        return "ETOOLONG"
    names, empties = [], 0
    for line in lines:
        for piece in line.split(b","):
            element = strip_tab_or_space(piece)
            if element == b"":
                empties += 1
                if empties > limits.max_empty:
                    return "EEMPTIES"
            elif not is_token(element):
                return "ETOKEN"
            else:
                names.append(element)
                if len(names) > limits.max_elements:
                    return "ETOOMANY"
    return names


def _header_refusal(cfg: Config, name: bytes) -> str | None:
    """apply 8: named (any case); else `*`, which never covers Authorization (Fetch)."""
    if any(byte_case_insensitive_match(name, h) for h in cfg.headers if h != b"*"):
        return None
    any_header = b"*" in cfg.headers
    if byte_case_insensitive_match(name, b"authorization"):
        return "EAUTHORIZATION" if any_header else "EHEADER"
    return None if any_header else "EHEADER"


def _vary(star_answer: bool, options: bool) -> list[tuple[bytes, bytes]]:
    """apply 11: Origin unless the answer is the `*` every origin gets; the two request headers on
    an OPTIONS request."""
    parts = ([] if star_answer else [VARY_ORIGIN]) + ([VARY_PREFLIGHT] if options else [])
    return [(b"Vary", b", ".join(parts))] if parts else []


def apply(cfg: Config, method: bytes, request: list[tuple[bytes, bytes]]) -> Answer:
    """SEMANTICS.md policy-apply, on a configuration without problems."""
    options = method == b"OPTIONS"                                               # apply 1
    origins = _lines_named(request, b"origin")
    acrm_lines = _lines_named(request, b"access-control-request-method")
    if not origins:                                                              # apply 2
        return Answer("plain", None, "ABSENT", _vary(False, options))
    kind = "preflight" if options and acrm_lines else "actual"                   # apply 3

    def refuse(code: str) -> Answer:                                             # apply 10
        lines = _vary(False, options)
        if cfg.debug:
            lines.append((b"Corshdr-Reason", REASON_TEXT.get(code, LIST_REASON_TEXT)))
        return Answer(kind, REFUSED_PREFLIGHT_STATUS if kind == "preflight" else None, code, lines)

    origin = _single(origins)                                                    # apply 4
    if isinstance(origin, str):
        return refuse(origin)
    any_origin = b"*" in cfg.origins
    if origin == b"null":                                                        # apply 5
        if not (any_origin or cfg.allow_null):
            return refuse("ENULL")
        acao = b"*" if any_origin else b"null"
    elif not is_origin_or_null(origin):
        return refuse("EORIGIN")
    elif any_origin:
        acao = b"*"
    elif _origin_allowed(cfg, origin):
        acao = origin
    else:
        return refuse("EACAO")

    lines = [(b"Access-Control-Allow-Origin", acao)]                             # apply 9
    if cfg.credentials:
        lines.append((b"Access-Control-Allow-Credentials", b"true"))
    if kind == "preflight":
        method_asked = _single(acrm_lines)                                       # apply 6
        if isinstance(method_asked, str):
            return refuse(method_asked)
        if method_asked == b"":
            return refuse("EEMPTY")
        if not is_token(method_asked):
            return refuse("ETOKEN")
        safelisted = method_asked in CORS_SAFELISTED_METHODS
        if not (safelisted or b"*" in cfg.methods or method_asked in cfg.methods):
            return refuse("EMETHOD")
        acrh_lines = _lines_named(request, b"access-control-request-headers")
        if acrh_lines:                                                           # apply 7, 8
            names = request_header_names(acrh_lines)
            if isinstance(names, str):
                return refuse(names)
            for name in names:
                code = _header_refusal(cfg, name)
                if code:
                    return refuse(code)
        if not safelisted:                                                       # apply 9
            # Fetch: with credentials `*` in Access-Control-Allow-Methods is only a name: echo.
            echo = b"*" in cfg.methods and cfg.credentials
            lines.append((b"Access-Control-Allow-Methods", method_asked if echo else acam_value(cfg)))
        if acrh_lines and acah_value(cfg):
            lines.append((b"Access-Control-Allow-Headers", acah_value(cfg)))
        if acma_value(cfg) is not None:
            lines.append((b"Access-Control-Max-Age", acma_value(cfg)))
        status = cfg.preflight_status or DEFAULT_PREFLIGHT_STATUS
    else:
        if aceh_value(cfg):
            lines.append((b"Access-Control-Expose-Headers", aceh_value(cfg)))
        status = None
    lines += _vary(any_origin, options)                                          # apply 11
    return Answer(kind, status, "OK", lines)
