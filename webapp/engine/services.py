"""The service-task functions a diagram may call, by the name it uses.

A diagram says `<spiffworkflow:serviceTaskOperator id="recognise_space">`; the function registered under
that name gets a ServiceContext and the task's parameters, and returns a dict merged into the task data.
The engine owns this registry but none of the functions: tasks/ fills it at start-up (tasks.register_all),
so the engine imports nothing from tasks/.
"""

from __future__ import annotations

from collections.abc import Callable


class ServiceRegistry:
    def __init__(self) -> None:
        self._functions: dict[str, Callable] = {}

    def register(self, name: str) -> Callable[[Callable], Callable]:
        def decorator(function: Callable) -> Callable:
            if self._functions.get(name, function) is not function:
                raise ValueError(f"service {name} registered twice")
            self._functions[name] = function
            return function

        return decorator

    def get(self, name: str) -> Callable:
        try:
            return self._functions[name]
        except KeyError:
            raise LookupError(f"no service task function named {name!r}") from None

    def names(self) -> list[str]:
        return sorted(self._functions)


registry = ServiceRegistry()


class TaskListeners:
    """Who is told when steps open (the app registers its notices at start-up; tests may add more)."""

    def __init__(self) -> None:
        self._listeners: list[Callable] = []

    def connect(self, listener: Callable) -> None:
        if listener not in self._listeners:
            self._listeners.append(listener)

    def opened(self, rows: list, because: dict[int, str]) -> None:
        for listener in self._listeners:
            listener(rows, because)


tasks_opened = TaskListeners()
