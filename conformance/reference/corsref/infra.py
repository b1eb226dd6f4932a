"""Byte-level vocabulary shared by every layer.

Sources: WHATWG Infra (byte-lowercase, byte-case-insensitive, position variables,
"collect a sequence of code points"), WHATWG Fetch §2.2 "HTTP" (HTTP tab or space,
"collect an HTTP quoted string", header name, header value) and RFC 9110 §5.6.2 (token).

Fetch works on isomorphic strings (one code point U+0000..U+00FF per byte); this model
works on the bytes themselves, so "isomorphic decode" and "isomorphic encode" are the
identity here.
"""

import functools
import re
import string

# Fetch "HTTP tab or space byte": 0x09 (HT) or 0x20 (SP).
HTTP_TAB_OR_SPACE = b"\t "

# Fetch "HTTP whitespace": LF, CR, or an HTTP tab or space (used by the MIME type parser).
HTTP_WHITESPACE = b"\n\r\t "

ASCII_DIGITS = string.digits.encode()
ASCII_ALPHA = string.ascii_letters.encode()

# RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
#                          "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
TCHAR = b"!#$%&'*+-.^_`|~" + ASCII_DIGITS + ASCII_ALPHA


def only(data: bytes, allowed: bytes) -> bool:
    """True if every byte of data is one of the bytes in allowed (true for b"")."""
    return not data.translate(None, allowed)


def is_token(data: bytes) -> bool:
    """RFC 9110 §5.6.2: token = 1*tchar."""
    return len(data) >= 1 and only(data, TCHAR)


def is_header_name(data: bytes) -> bool:
    """Fetch "header name": a byte sequence that matches the field-name token production
    (RFC 9110 §5.1: field-name = token)."""
    return is_token(data)


def has_nul_or_newline(data: bytes) -> bool:
    """Contains 0x00 (NUL) or an HTTP newline byte (LF, CR)."""
    return any(byte in data for byte in (b"\x00", b"\n", b"\r"))


def is_header_value(data: bytes) -> bool:
    """Fetch "header value" (SEMANTICS.md §2 field-value)."""
    # Has no leading or trailing HTTP tab or space bytes.
    if data[:1] in (b"\t", b" ") or data[-1:] in (b"\t", b" "):
        return False
    # Contains no 0x00 (NUL) or HTTP newline bytes.
    return not has_nul_or_newline(data)


def strip_tab_or_space(data: bytes) -> bytes:
    """Remove all HTTP tab or space from the start and end (RFC 9110 OWS, SP / HTAB only)."""
    return data.strip(HTTP_TAB_OR_SPACE)


def byte_lowercase(data: bytes) -> bytes:
    """Infra "byte-lowercase": 0x41..0x5A become 0x61..0x7A; other bytes are unchanged.
    (bytes.lower() touches ASCII letters only, which is exactly this.)"""
    return data.lower()


def byte_uppercase(data: bytes) -> bytes:
    """Infra "byte-uppercase": 0x61..0x7A become 0x41..0x5A; other bytes are unchanged."""
    return data.upper()


def byte_case_insensitive_match(a: bytes, b: bytes) -> bool:
    """Infra "byte-case-insensitive": equal after byte-lowercasing both."""
    return byte_lowercase(a) == byte_lowercase(b)


class Cursor:
    """An Infra "position variable" over a byte sequence.

    Reading at or past the end gives b"", so `cursor.peek() == b'"'` reads like the
    spec's "position is not past the end of input and the code point at position is ...".
    """

    def __init__(self, data: bytes, position: int = 0):
        self.data = data
        self.position = position

    def past_end(self) -> bool:
        return self.position >= len(self.data)

    def peek(self) -> bytes:
        """The byte at position, or b"" when past the end."""
        return self.data[self.position:self.position + 1]

    def advance(self, by: int = 1) -> None:
        self.position += by

    def collect_not(self, stop_bytes: bytes) -> bytes:
        """Infra "collect a sequence of code points" that are not one of stop_bytes."""
        return self._collect(_run_of(stop_bytes, negated=True))

    def collect_in(self, allowed_bytes: bytes) -> bytes:
        """Infra "collect a sequence of code points" that are one of allowed_bytes."""
        return self._collect(_run_of(allowed_bytes, negated=False))

    def _collect(self, run: re.Pattern) -> bytes:
        # A regular expression keeps this linear and fast on multi-megabyte values;
        # it is the same "take bytes while the condition holds" loop as the spec's.
        match = run.match(self.data, self.position)
        self.position = match.end()
        return match.group()


@functools.cache
def _run_of(byte_set: bytes, negated: bool) -> re.Pattern:
    """A pattern for the longest run of bytes in byte_set (or not in it, if negated)."""
    return re.compile(b"[" + (b"^" if negated else b"") + re.escape(byte_set) + b"]*")


def collect_http_quoted_string(cursor: Cursor, extract_value: bool = False) -> bytes:
    """Fetch "collect an HTTP quoted string" from cursor.data at cursor.position."""
    position_start = cursor.position                      # step 1
    value = []                                            # step 2 (parts, joined at the end)
    assert cursor.peek() == b'"'                          # step 3
    cursor.advance()                                      # step 4
    while True:                                           # step 5
        value.append(cursor.collect_not(b'"\\'))          # step 5.1
        if cursor.past_end():                             # step 5.2
            break
        quote_or_backslash = cursor.peek()                # step 5.3
        cursor.advance()                                  # step 5.4
        if quote_or_backslash == b"\\":                   # step 5.5
            if cursor.past_end():                         # step 5.5.1
                value.append(b"\\")
                break
            value.append(cursor.peek())                   # step 5.5.2
            cursor.advance()                              # step 5.5.3
        else:                                             # step 5.6
            assert quote_or_backslash == b'"'             # step 5.6.1
            break                                         # step 5.6.2
    if extract_value:                                     # step 6
        return b"".join(value)
    # step 7: the code points from positionStart to position (the examples show the
    # closing quote included and position just past it).
    return cursor.data[position_start:cursor.position]


def decimal_number(digits: bytes) -> int:
    """ASCII digits "interpreted as decimal number", of any length.

    Python's int() refuses more than 4300 digits by default, so long inputs are
    converted 1000 digits at a time. Callers that only need a saturated value should
    not use this on huge inputs (see cors.max_age_seconds).
    """
    assert only(digits, ASCII_DIGITS) and digits
    value = 0
    for start in range(0, len(digits), 1000):
        chunk = digits[start:start + 1000]
        value = value * 10 ** len(chunk) + int(chunk)
    return value
