"""corsref: an independent, spec-literal Python model of the corshdr operations.

Every function follows the numbered steps of its source text (WHATWG Fetch, RFC 9110,
WHATWG MIME Sniffing) and ../SEMANTICS.md where the project pins a choice down. All
values are ``bytes``; a header list is a :class:`corsref.headers.HeaderList`.

Plain Python 3.11 standard library, written for reading, not for speed. It shares no
code or design with the C library under ``parser/``.
"""

from corsref.ops import OPS, MalformedCase, run_op

__all__ = ["OPS", "MalformedCase", "run_op"]
