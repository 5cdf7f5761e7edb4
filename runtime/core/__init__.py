"""The pure core: definitions, answers and validation, flow, fees, messages.

jsonschema loads an optional `iri` format checker whose import builds a full Earley parser
(about 2.5 s, on every worker start and every command). Borough checks only the formats a
definition may name (runtime/core/formats.py), never `iri`, so that module is not loaded.
"""

import sys

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
