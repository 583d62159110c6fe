"""Opening and completing user tasks: the one way through for every user action on a task."""

from __future__ import annotations

from collections.abc import Sequence

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import or_, update

from forms import FormContext, TaskForm
from forms.recognition import APPLICATION_FORM
from webapp.access import claim_blocks
from webapp.engine.runtime import Runtime, TaskUnavailable, find_task
from webapp.extensions import db
from webapp.models import Application, HumanTask, User
from webapp.models.accounts import GROUP_ROLES


def subject_of(task: HumanTask):
    return task.instance.subject


def task_data(task: HumanTask, runtime: Runtime | None = None) -> dict:
    """The workflow data a READY task sees (deserialises one instance, once per unit of work: the
    completion that follows in `runtime` uses the same workflow; never used for lists)."""
    wf = (runtime or Runtime()).peek(task.instance)
    spiff_task = find_task(wf, task.task_guid)
    if spiff_task is None:
        return {}
    return dict(spiff_task.data) if spiff_task.state == TaskState.READY else {}


def task_spec_of(task: HumanTask):
    """The diagram's definition of this task, in the version its case runs on (parsed specs are cached)."""
    from webapp.engine.definitions import parsed_bundle

    parsed = parsed_bundle(task.instance.bundle)
    spec, subprocess_specs = parsed.specs[task.instance.process_id]
    for wf_spec in [spec, *subprocess_specs.values()]:
        # A multi-instance task's own properties are on its "[child]" spec (the parser splits it in two).
        found = wf_spec.task_specs.get(f"{task.task_spec} [child]") or wf_spec.task_specs.get(task.task_spec)
        if found is not None:
            return found
    return None


def properties_of(task: HumanTask) -> dict:
    from webapp.engine.runtime import task_properties

    return task_properties(task_spec_of(task))


def documentation(task: HumanTask) -> str:
    return getattr(task_spec_of(task), "documentation", None) or ""


def case_attachments(task: HumanTask) -> list:
    """The files already handed in for this case (and, for an application, before its case began)."""
    from webapp.attachments import attachments_for

    subject = subject_of(task)
    if isinstance(subject, Application):
        return attachments_for(application_id=subject.id)
    return attachments_for(instance_id=task.instance_id)


def context_for(user: User, task: HumanTask, data: dict | None = None) -> FormContext:
    from webapp.engine.runtime import task_properties

    return FormContext(user=user, data=data if data is not None else task_data(task),
                       read_subject=lambda: subject_of(task), properties=task_properties(task_spec_of(task)),
                       extra={"attachments": _Later(lambda: case_attachments(task)), "bundle": task.instance.bundle,
                              "process_id": task.instance.process_id})


class _Later(Sequence):
    """A list read from the database when first used (a completion whose form asks for no files does not)."""

    def __init__(self, load) -> None:
        self._load, self._items = load, None

    def _list(self) -> list:
        if self._items is None:
            self._items = list(self._load())
        return self._items

    def __getitem__(self, index):
        return self._list()[index]

    def __len__(self) -> int:
        return len(self._list())


def complete_task(user: User, task: HumanTask, form: TaskForm, runtime: Runtime | None = None) -> None:
    """Save uploads, apply the form to the business record, complete the task and run the engine.
    Flushes only; the route commits once."""
    if task.status != "open" or claim_blocks(user, task):
        raise TaskUnavailable("not open for this user")
    context = getattr(form, "ctx", None)

    def subject():  # the business record, read only where this completion files under it or changes it
        return context.subject if context is not None else subject_of(task)

    if getattr(form, "handles_files", False):
        from webapp.attachments import save_upload
        from webapp.models import MakerSpace

        record = subject()
        for spec, upload in form.uploads():
            # The step's form is kept with the file: it tells a resubmission (which replaces) from a supplement.
            save_upload(upload, kind=spec.kind, kind_label=spec.label, user=user, instance_id=task.instance_id,
                        task_spec=task.task_spec, form_key=task.form_key,
                        application=record if isinstance(record, Application) else None,
                        space=record if isinstance(record, MakerSpace) else None)
    data = form.task_data()
    if task.form_key == APPLICATION_FORM and isinstance(application := subject(), Application):
        application.space_name = data["space_name"]
        application.facts = data
        if application.status == "draft":
            application.status = "in_review"  # submitted: no longer a draft
        task.instance.subject_title = application.space_name[:200]
    runtime = runtime or Runtime()
    runtime.actor = user
    runtime.complete(task, data)


def claim(user: User, task: HumanTask) -> None:
    """Only group tasks are claimed; the row is updated only if still unclaimed, so of two people
    claiming at once exactly one gets it."""
    if task.lane not in GROUP_ROLES or task.assignee_id is not None:
        raise TaskUnavailable("not a group task")
    taken = db.session.execute(
        update(HumanTask).where(HumanTask.id == task.id, HumanTask.status == "open",
                                or_(HumanTask.claimed_by_id.is_(None), HumanTask.claimed_by_id == user.id))
        .values(claimed_by_id=user.id).execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        raise TaskUnavailable("claimed by someone else")
    db.session.refresh(task)
    if task.claimed_at is None:
        from webapp.clock import clock

        task.claimed_at = clock.now()
    _audit(user, task, "claimed")


def release(user: User, task: HumanTask) -> None:
    if task.claimed_by_id != user.id:
        raise TaskUnavailable("not yours")
    task.claimed_by_id = None
    task.claimed_at = None
    _audit(user, task, "released")


def _audit(user: User, task: HumanTask, action: str) -> None:
    from webapp.clock import clock
    from webapp.models import AuditEvent

    db.session.add(AuditEvent(instance_id=task.instance_id, actor_id=user.id, action=action,
                              task_spec=task.task_spec, title=task.title, at=clock.now()))
