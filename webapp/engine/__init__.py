"""Glue between the diagrams in bpmn/ and the database: definitions, instances, task rows, time."""

from . import timer_clock  # noqa: F401,E402  (the engine's timers read the application clock)
