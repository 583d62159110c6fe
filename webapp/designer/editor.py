"""What the designer's editors show: their interface text (translated through the catalogs, so the editors
speak the user's language) and what the server knows that a diagram may name — lane roles, registered
forms, service functions with their parameters, decision tables — offered as choices in the properties panel.

bpmn-js, dmn-js and the properties panel ask a `translate(text)` hook for every label; the edit page hands
them these texts translated. A label missing here shows in English.
"""

from __future__ import annotations

import inspect

from flask_babel import gettext as _

from webapp.labels import N_

EDITOR_TEXT = [
    N_("Activate hand tool"),
    N_("Activate lasso tool"),
    N_("Activate create/remove space tool"),
    N_("Activate global connect tool"),
    N_("Create start event"),
    N_("Create end event"),
    N_("Create task"),
    N_("Create gateway"),
    N_("Create intermediate/boundary event"),
    N_("Create expanded sub-process"),
    N_("Create pool/participant"),
    N_("Create data object reference"),
    N_("Create data store reference"),
    N_("Create group"),
    N_("Append task"),
    N_("Append end event"),
    N_("Append gateway"),
    N_("Append intermediate/boundary event"),
    N_("Append text annotation"),
    N_("Connect using sequence/message flow or association"),
    N_("Connect using association"),
    N_("Connect to other element"),
    N_("Change type"),
    N_("Change element"),
    N_("Delete"),
    N_("Remove"),
    N_("Add lane above"),
    N_("Add lane below"),
    N_("Divide into two lanes"),
    N_("Divide into three lanes"),
    N_("User task"),
    N_("Service task"),
    N_("Script task"),
    N_("Business rule task"),
    N_("Exclusive gateway"),
    N_("Parallel gateway"),
    N_("Event-based gateway"),
    N_("Start event"),
    N_("End event"),
    N_("Message start event"),
    N_("Timer start event"),
    N_("Message intermediate catch event"),
    N_("Timer intermediate catch event"),
    N_("Terminate end event"),
    N_("Task"),
    N_("Sub-process (collapsed)"),
    N_("Sub-process (expanded)"),
    N_("Search in diagram"),
    N_("View DRD"),
    N_("Hit policy:"),
    N_("Hit Policy"),
    N_("When"),
    N_("And"),
    N_("Then"),
    N_("Annotations"),
    N_("Unique"),
    N_("Collect"),
    N_("Add rule"),
    N_("Add input"),
    N_("Add output"),
    N_("Input"),
    N_("Output"),
    N_("Delete rule"),
    N_("Add rule above"),
    N_("Add rule below"),
    N_("Copy rule above"),
    N_("Copy rule below"),
    N_("Rule"),
    N_("General"),
    N_("ID"),
    N_("Documentation"),
    N_("Element documentation"),
    N_("Process documentation"),
    N_("Executable"),
    N_("Version tag"),
    N_("Global message reference"),
    N_("Message"),
    N_("Signal"),
    N_("Timer"),
    N_("Multi-instance"),
    N_("Loop cardinality"),
    N_("Completion condition"),
    N_("Toggle linting overlays"),
    N_("Issues for child elements"),
    N_("Element is missing label/name"),
    N_("Element is not connected"),
    N_("Element is an implicit end"),
    N_("Element is an implicit start"),
    N_("Flow splits implicitly"),
    N_("Gateway forks and joins"),
    N_("Sequence flow is missing condition"),
    N_("Incoming flows do not join"),
    N_("Gateway is superfluous. It only has one source and target."),
    N_("Element overlaps with other element"),
    N_("Start event must be blank"),
    N_("Role"),
    N_("Role of this lane"),
    N_("Who works on the tasks in this lane"),
    N_("(none)"),
    N_("Form and deadline"),
    N_("Form"),
    N_("A registered form, or none: a form is then generated from the declared fields"),
    N_("(generated from declared fields)"),
    N_("Assignee"),
    N_("Optional: an expression giving the user id, e.g. expert_id"),
    N_("Due date"),
    N_("An expression giving the deadline, e.g. add_duration(now_iso(), \"P15D\")"),
    N_("Remind before"),
    N_("An ISO duration such as P3D"),
    N_("Declared fields"),
    N_("New field"),
    N_("Type"),
    N_("Field name"),
    N_("Label"),
    N_("Choices"),
    N_("Lower-case letters, digits and underscores; the value is stored in the case under this name"),
    N_("Only for a choice field: code=label;code=label"),
    N_("field type yesno"),
    N_("field type choice"),
    N_("field type integer"),
    N_("field type number"),
    N_("field type text"),
    N_("field type textarea"),
    N_("field type textarea_required"),
    N_("Name"),
    N_("Value"),
    N_("Other properties (show.*, attachment.*, choices.*, …)"),
    N_("Service function"),
    N_("Function"),
    N_("A function registered by the application; its parameters are listed below"),
    N_("An expression over the case data, e.g. \"declined\" or recommender_comments"),
    N_("Called decision"),
    N_("Decision table"),
    N_("Scripts"),
    N_("Script"),
    N_("Before the step (script)"),
    N_("After the step (script)"),
    N_("Condition"),
    N_("A Python expression over the case data, e.g. grade == \"合格\""),
    N_("Timer kind"),
    N_("Duration"),
    N_("Date"),
    N_("Cycle"),
    N_("Timer expression"),
    N_("A Python expression: a quoted ISO duration such as \"P30D\", or a variable holding a date"),
    N_("No Issues"),
    N_("{errors} Errors, {warnings} Warnings"),
    N_("User Task"),
    N_("Service Task"),
    N_("Script Task"),
    N_("Business Rule Task"),
    N_("Manual Task"),
    N_("Exclusive Gateway"),
    N_("Parallel Gateway"),
    N_("Event Based Gateway"),
    N_("Inclusive Gateway"),
    N_("Sequence Flow"),
    N_("Lane"),
    N_("Participant"),
    N_("Process"),
    N_("Collaboration"),
    N_("Start Event"),
    N_("End Event"),
    N_("Message Start Event"),
    N_("Timer Start Event"),
    N_("Terminate End Event"),
    N_("Message End Event"),
    N_("Message Intermediate Catch Event"),
    N_("Message Intermediate Throw Event"),
    N_("Timer Intermediate Catch Event"),
    N_("Timer Boundary Event"),
    N_("(Non Interrupting) Timer Boundary Event"),
    N_("Message Boundary Event"),
    N_("(Non Interrupting) Message Boundary Event"),
    N_("Call Activity"),
    N_("Sub Process"),
    N_("Event Sub Process"),
    N_("Text Annotation"),
    N_("Data Object Reference"),
]


def editor_text() -> dict[str, str]:
    return {text: _(text) for text in EDITOR_TEXT}


def editor_catalog(files: dict[str, str]) -> dict:
    """Choices for the properties panel, from the app and from the version being edited (``files``)."""
    from lxml import etree

    import forms
    from webapp.engine.safe_xml import SAFE_XML
    from webapp.engine.services import registry
    from webapp.models.accounts import LANE_ROLES

    operators = {}
    for name in registry.names():
        parameters = list(inspect.signature(registry.get(name)).parameters.values())[1:]  # 1st: ServiceContext
        operators[name] = [p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    decisions = []
    for file_name, text in sorted(files.items()):
        if file_name.endswith(".dmn"):
            root = etree.fromstring(text.encode(), SAFE_XML)
            decisions += [el.get("id") for el in root.iter() if str(el.tag).endswith("}decision") and el.get("id")]
    return {
        "roles": {role: _(role) for role in LANE_ROLES},
        "formKeys": forms.known_keys(),
        "operators": operators,
        "decisions": sorted(set(decisions)),
    }


def trial_choices(name: str, text: str) -> tuple[list[tuple[str, str]], str]:
    """The processes a trial run of the edited file can start, and the one to offer first: the file's own
    process, or for a decision table the lifecycle (evaluations and reports run inside it)."""
    from webapp.engine.definitions import latest_bundle, parsed_bundle

    from .trial import startable_processes

    processes = startable_processes(parsed_bundle(latest_bundle()))
    ids = [pid for pid, _name in processes]
    own = [pid for pid in ids if f'id="{pid}"' in text] if name.endswith(".bpmn") else []
    first = own[0] if own else ("space_lifecycle" if "space_lifecycle" in ids else ids[0] if ids else "")
    return processes, first
