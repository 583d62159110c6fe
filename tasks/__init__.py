"""The Python behind BPMN service tasks, registered into the engine's registry by the name a diagram uses
(webapp/engine/services.py). The app factory, the CLI and the test set-up call register_all() once."""

from __future__ import annotations

from webapp.engine.services import registry

__all__ = ["registry", "register_all"]


def register_all() -> None:
    from . import lifecycle, recognition  # noqa: F401  (registration happens on import)
