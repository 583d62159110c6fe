"""The Python behind BPMN service tasks, registered by the name a diagram uses.

A diagram says `<spiffworkflow:serviceTaskOperator id="recognise_space">`; the function registered under
that name gets a ServiceContext and the task's parameters, and returns a dict merged into the task data.
"""

from __future__ import annotations

from collections.abc import Callable


class ServiceRegistry:
    def __init__(self) -> None:
        self._functions: dict[str, Callable] = {}

    def register(self, name: str) -> Callable[[Callable], Callable]:
        def decorator(function: Callable) -> Callable:
            if name in self._functions:
                raise ValueError(f"service {name} registered twice")
            self._functions[name] = function
            return function

        return decorator

    def get(self, name: str) -> Callable:
        _load_modules()
        try:
            return self._functions[name]
        except KeyError:
            raise LookupError(f"no service task function named {name!r}") from None

    def names(self) -> list[str]:
        _load_modules()
        return sorted(self._functions)


registry = ServiceRegistry()


def _load_modules() -> None:
    from . import lifecycle, recognition  # noqa: F401  (registration happens on import)
