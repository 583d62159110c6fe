"""An engine message as designers and supervisors read it (the trial run's report, /faults, the case page).

The message is the engine's own, kept as recorded (webapp/engine/faults.py); only where it would name the
sandbox's workings is it put in words. RestrictedPython compiles diagram code into calls of helpers whose names
start with an underscore (which diagram code itself may not use): a construct whose helper the sandbox does not
provide fails with "name '_apply_' is not defined", a name the designer never wrote. `_apply_` is the call
with `*` or `**` arguments (max(*values)).
"""

from __future__ import annotations

import re

from flask_babel import gettext

_INTERNAL_NAME = re.compile(r"name '(_\w+)' is not defined")


def designer_message(message: str | None) -> str:
    found = _INTERNAL_NAME.search(message or "")
    if found is None:
        return message or ""
    if found.group(1) == "_apply_":
        return gettext("The script unpacks a list or a dictionary into a function's arguments with * or ** (such as "
                       "max(*values)), which diagram code does not support. Please pass the list itself where the "
                       "function takes one (such as max(values) or sum(values)), or write the arguments one by one.")
    return gettext("The script uses a construct that diagram code does not support. Please write that expression "
                   "in a simpler way.")
