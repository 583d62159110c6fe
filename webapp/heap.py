"""Keeping Python's cyclic garbage collector out of requests.

A full (generation 2) collection walks every tracked object: after start-up that is the whole app — modules,
SQLAlchemy's mappers, the parsed process definitions — tens of thousands of objects, walked again each time a
request's short-lived workflow objects push a collection up to generation 2. `settle()` runs once a process
is ready to serve: it collects what start-up left behind and freezes the rest into the permanent
generation, which collections skip (gc.freeze, the technique CPython documents for pre-fork servers), and
raises the generation-0 threshold so a request's few thousand new objects rarely trigger a collection at all.
"""

from __future__ import annotations

import gc

# Objects allocated (net) before a young collection: the default 700 fires several times per completion.
GEN0_THRESHOLD = 20_000


def settle() -> None:
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)
