"""Serialized-origin syntax: the `origin` operation (SEMANTICS.md §4 origin).

Source: Fetch §3.1 "`Origin` header" (origin-or-null, serialized-origin), narrowed and
widened where SEMANTICS.md §4 says so: a port that is the scheme's default or has a
leading zero is never sent; domain labels may hold "_" and any "-", are 1..63 bytes, the
domain at most 253 bytes, with one optional trailing dot; a host whose last label looks
numeric must be a dotted-decimal IPv4 address; IPv6 is RFC 3986 IPv6address (an IPv4
tail allowed) in lowercase hex.
"""

import re

from corsref.infra import ASCII_DIGITS, only

# serialized-scheme = lower-alpha *( lower-alphanum / "+" / "-" / "." )
SCHEME = re.compile(rb"[a-z][a-z0-9+\-.]*")

# dec-octet (Fetch serialized-ipv4, RFC 3986 §3.2.2): 0-9 / 10-99 / 100-199 / 200-249 / 250-255
DEC_OCTET = rb"(?:[0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])"
IPV4 = rb"%s\.%s\.%s\.%s" % (DEC_OCTET, DEC_OCTET, DEC_OCTET, DEC_OCTET)

# RFC 3986 §3.2.2 IPv6address, with HEXDIG narrowed to lowercase (SEMANTICS.md §4).
H16 = rb"[0-9a-f]{1,4}"
LS32 = rb"(?:%s:%s|%s)" % (H16, H16, IPV4)


def _h16_colon(count: int) -> bytes:
    """count( h16 ":" )"""
    return rb"(?:%s:){%d}" % (H16, count)


def _optional_prefix(at_most: int) -> bytes:
    """[ *at_most( h16 ":" ) h16 ]"""
    return rb"(?:(?:%s:){0,%d}%s)?" % (H16, at_most, H16)


IPV6 = b"(?:" + b"|".join([
    _h16_colon(6) + LS32,                                    #                   6( h16 ":" ) ls32
    b"::" + _h16_colon(5) + LS32,                            #              "::" 5( h16 ":" ) ls32
    _optional_prefix(0) + b"::" + _h16_colon(4) + LS32,      # [ h16 ]          "::" 4( h16 ":" ) ls32
    _optional_prefix(1) + b"::" + _h16_colon(3) + LS32,      # [ *1( h16 ":" ) h16 ] "::" 3( h16 ":" ) ls32
    _optional_prefix(2) + b"::" + _h16_colon(2) + LS32,      # [ *2( h16 ":" ) h16 ] "::" 2( h16 ":" ) ls32
    _optional_prefix(3) + b"::" + H16 + b":" + LS32,         # [ *3( h16 ":" ) h16 ] "::" h16 ":" ls32
    _optional_prefix(4) + b"::" + LS32,                      # [ *4( h16 ":" ) h16 ] "::" ls32
    _optional_prefix(5) + b"::" + H16,                       # [ *5( h16 ":" ) h16 ] "::" h16
    _optional_prefix(6) + b"::",                             # [ *6( h16 ":" ) h16 ] "::"
]) + b")"

# Domain label bytes (SEMANTICS.md §4): lowercase letters, digits, "-" and "_".
LABEL_BYTES = b"abcdefghijklmnopqrstuvwxyz" + ASCII_DIGITS + b"-_"

# Default ports, which a serialized origin never contains (URL "default port").
DEFAULT_PORTS = {b"http": 80, b"ws": 80, b"https": 443, b"wss": 443, b"ftp": 21}


def is_origin_or_null(value: bytes) -> bool:
    """origin-or-null = serialized-origin / %s"null" (case-sensitive)."""
    return value == b"null" or is_serialized_origin(value)


def is_serialized_origin(value: bytes) -> bool:
    """serialized-origin = serialized-scheme "://" serialized-host [ ":" serialized-port ]"""
    # A scheme holds no ":", so it ends at the first "://" if the value is well formed.
    scheme, separator, rest = value.partition(b"://")
    if not separator or not SCHEME.fullmatch(scheme):
        return False
    host, port = split_host_port(rest)
    if host is None or not is_serialized_host(host):
        return False
    if port is None:
        return True
    return is_serialized_port(port, scheme)


def split_host_port(rest: bytes) -> tuple[bytes | None, bytes | None]:
    """Split `host [":" port]`. The host is a bracketed IPv6 literal, or runs to the
    first ":" (no other host form contains one). Returns (None, None) if malformed."""
    if rest.startswith(b"["):
        close = rest.find(b"]")
        if close < 0:
            return None, None
        host, after = rest[:close + 1], rest[close + 1:]
        if after == b"":
            return host, None
        if not after.startswith(b":"):
            return None, None
        return host, after[1:]
    host, colon, port = rest.partition(b":")
    return host, (port if colon else None)


def is_serialized_host(host: bytes) -> bool:
    """serialized-host = serialized-ipv4 / "[" serialized-ipv6 "]" / serialized-domain"""
    if host.startswith(b"[") and host.endswith(b"]"):
        return re.fullmatch(IPV6, host[1:-1]) is not None
    if is_ipv4_candidate(host):
        # A URL parser turns such a host into an IPv4 address and serializes it in
        # dotted-decimal form, so any other spelling (`1.2.3`, `0x7f.1`, `1.2.3.4.`) is
        # never sent.
        return re.fullmatch(IPV4, host) is not None
    return is_domain(host)


def _without_trailing_dot(host: bytes) -> bytes:
    return host[:-1] if host.endswith(b".") else host


def is_ipv4_candidate(host: bytes) -> bool:
    """The URL standard's "ends in a number": the last label (ignoring one trailing dot) is all
    digits, or `0x` followed only by hex digits."""
    last_label = _without_trailing_dot(host).rpartition(b".")[2]
    if last_label.startswith(b"0x"):
        return only(last_label[2:], b"0123456789abcdefABCDEF")
    return last_label != b"" and only(last_label, ASCII_DIGITS)


def is_domain(host: bytes) -> bool:
    """Labels of LABEL_BYTES, 1..63 bytes each, separated by single dots; at most 253
    bytes (not counting the one trailing dot that is allowed)."""
    name = _without_trailing_dot(host)
    if name == b"" or len(name) > 253:
        return False
    return all(1 <= len(label) <= 63 and only(label, LABEL_BYTES) for label in name.split(b"."))


def is_serialized_port(port: bytes, scheme: bytes) -> bool:
    """1..5 digits, no leading zero unless it is `0`, 0..65535, not the default port."""
    if not re.fullmatch(rb"0|[1-9][0-9]{0,4}", port):
        return False
    number = int(port)
    return number <= 65535 and DEFAULT_PORTS.get(scheme) != number
