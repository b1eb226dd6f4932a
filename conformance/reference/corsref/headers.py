"""Header lists: building one from wire field lines, and Fetch's ways of reading it.

Sources: Fetch §2.2.2 "Headers" ("contains", "get", "get, decode, and split",
"extract header list values"), RFC 9110 §5.6.1 (lists, the #rule), and SEMANTICS.md
§1 (trimming, network errors), §3 (limits), §4 combine / split / name-list.
"""

from dataclasses import dataclass

from corsref.infra import (
    Cursor,
    byte_case_insensitive_match,
    byte_lowercase,
    collect_http_quoted_string,
    has_nul_or_newline,
    is_header_name,
    is_token,
    strip_tab_or_space,
)


class NetworkError(Exception):
    """The header list cannot exist; the operation's result is a network error."""


class _Failure:
    """Fetch's "failure" result of "extract header list values"."""

    def __repr__(self) -> str:
        return "FAILURE"


FAILURE = _Failure()


@dataclass(frozen=True)
class Limits:
    """SEMANTICS.md §3: limits on one header read as a list. Exceeding one is failure."""

    max_elements: int = 1024   # non-empty elements of one header (all its lines)
    max_empty: int = 1024      # empty elements of one header (RFC 9110 §5.6.1 "reasonable number")
    max_bytes: int = 65536     # bytes of all trimmed lines of one header


DEFAULT_LIMITS = Limits()

# SEMANTICS.md §4 name-list step 2: the headers whose ABNF allows a single header
# (Fetch "extract header list values", step 2).
SINGLETON_HEADER_NAMES = (
    b"access-control-allow-origin",
    b"access-control-allow-credentials",
    b"access-control-max-age",
    b"access-control-request-method",
)


class HeaderList:
    """A Fetch "header list": (name, value) pairs in wire order, duplicates kept."""

    def __init__(self, headers: list[tuple[bytes, bytes]]):
        self.headers = headers

    @classmethod
    def from_field_lines(cls, field_lines: list[tuple[bytes, bytes]]) -> "HeaderList":
        """Build a header list from field lines as received (SEMANTICS.md §1).

        Each value is the bytes after the colon: it is trimmed of leading and trailing
        SP / HTAB (RFC 9110 §5.5: OWS around the field value is not part of it). Raises
        NetworkError if any line has a value with NUL, CR or LF, or a name that is not a
        token (Fetch: a header name matches field-name; a header value has no NUL or HTTP
        newline bytes), so such a list cannot exist.
        """
        headers = []
        for name, value in field_lines:
            if not is_header_name(name):
                raise NetworkError("header name is not a token: %r" % name)
            if has_nul_or_newline(value):
                raise NetworkError("header value contains NUL, CR or LF: %r" % name)
            headers.append((name, strip_tab_or_space(value)))
        return cls(headers)

    def contains(self, name: bytes) -> bool:
        """Fetch: list "contains" name if a header's name byte-case-insensitively matches."""
        return any(byte_case_insensitive_match(n, name) for n, _ in self.headers)

    def values_of(self, name: bytes) -> list[bytes]:
        """The values of all headers whose name matches name, in order."""
        return [v for n, v in self.headers if byte_case_insensitive_match(n, name)]

    def names(self) -> list[bytes]:
        return [n for n, _ in self.headers]

    def get(self, name: bytes) -> bytes | None:
        """Fetch header list "get" (SEMANTICS.md §4 combine)."""
        # step 1: does not contain name: null.
        if not self.contains(name):
            return None
        # step 2: the values of all headers with that name, separated by 0x2C 0x20, in order.
        return b", ".join(self.values_of(name))

    def get_decode_split(self, name: bytes) -> list[bytes] | None:
        """Fetch header list "get, decode, and split" (SEMANTICS.md §4 split)."""
        value = self.get(name)                    # step 1
        if value is None:                         # step 2
            return None
        return get_decode_split_value(value)      # step 3


def get_decode_split_value(value: bytes) -> list[bytes]:
    """Fetch header value "get, decode, and split"."""
    # step 1: isomorphic decode: the identity on bytes in this model.
    cursor = Cursor(value)                                         # step 2
    values = []                                                    # step 3
    temporary_value = []                                           # step 4 (parts, joined below)
    while True:                                                    # step 5
        temporary_value.append(cursor.collect_not(b'",'))          # step 5.1
        if cursor.peek() == b'"':                                  # step 5.2
            temporary_value.append(collect_http_quoted_string(cursor))  # step 5.2.1
            if not cursor.past_end():                              # step 5.2.2
                continue
        element = strip_tab_or_space(b"".join(temporary_value))    # step 5.3
        values.append(element)                                     # step 5.4
        temporary_value = []                                       # step 5.5
        if cursor.past_end():                                      # step 5.6
            return values
        assert cursor.peek() == b","                               # step 5.7
        cursor.advance()                                           # step 5.8


def extract_list_elements(value: bytes) -> tuple[list[bytes], int] | _Failure:
    """Fetch "extract header values" for one header whose ABNF is #field-name or #method.

    RFC 9110 §5.6.1.2: a recipient splits on "," with OWS around each element and
    accepts (ignores) empty elements. Both field-name and method are tokens (§5.1,
    §9.1), so every non-empty element must be a token, else parsing fails.
    Returns (the non-empty elements in order, the number of empty elements) or FAILURE.
    """
    elements = []
    empty_count = 0
    for piece in value.split(b","):
        element = strip_tab_or_space(piece)
        if element == b"":
            empty_count += 1
        elif is_token(element):
            elements.append(element)
        else:
            return FAILURE
    return elements, empty_count


def extract_header_list_values(name: bytes, header_list: HeaderList,
                               limits: Limits = DEFAULT_LIMITS) -> list[bytes] | None | _Failure:
    """Fetch "extract header list values" for a #field-name or #method header
    (SEMANTICS.md §4 name-list), with the limits of SEMANTICS.md §3."""
    # step 1: list does not contain name: null.
    if not header_list.contains(name):
        return None
    lines = header_list.values_of(name)
    # step 2: the ABNF for name allows a single header and list contains more than one.
    if byte_lowercase(name) in SINGLETON_HEADER_NAMES and len(lines) > 1:
        return FAILURE
    # SEMANTICS.md §3 max_bytes: bytes of all (trimmed) lines of the header.
    if sum(len(line) for line in lines) > limits.max_bytes:
        return FAILURE
    values = []                                   # step 3
    empty_count = 0
    for line in lines:                            # step 4
        extract = extract_list_elements(line)     # step 4.1
        if extract is FAILURE:                    # step 4.2
            return FAILURE
        elements, empties = extract
        values.extend(elements)                   # step 4.3
        empty_count += empties
        # SEMANTICS.md §3 max_elements / max_empty, counted over all lines of the header.
        if len(values) > limits.max_elements or empty_count > limits.max_empty:
            return FAILURE
    return values                                 # step 5
