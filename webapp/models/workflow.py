"""Process definitions, instances and the human-task rows that inboxes read."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db

from .base import UTCDateTime, utcnow


class DefinitionBundle(db.Model):
    """One deployed version of every BPMN/DMN file together.

    Instances point at the bundle they started on and keep it (their saved state holds only tasks and data;
    the spec is parsed from this bundle once per process), so a new deploy only affects instances started
    afterwards, or those a designer moves to it."""

    __tablename__ = "definition_bundle"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    checksum: Mapped[str] = mapped_column(String(64), index=True)
    files: Mapped[dict] = mapped_column(JSON, deferred=True)  # {file name: xml text}; loaded when parsed
    process_ids: Mapped[list] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(String(500), default="")
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


# The rows the partial unique index below covers: change filings still under way.
RUNNING_CHANGE_FILING = "process_id = 'change_filing' AND status = 'running'"


class ProcessInstance(db.Model):
    __tablename__ = "process_instance"
    id: Mapped[int] = mapped_column(primary_key=True)
    bundle_id: Mapped[int] = mapped_column(ForeignKey("definition_bundle.id"), index=True)
    process_id: Mapped[str] = mapped_column(String(100), index=True)
    process_name: Mapped[str] = mapped_column(String(200), default="")
    # The business subject: ("application", id) or ("space", id).
    subject_type: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[int] = mapped_column(Integer)
    subject_title: Mapped[str] = mapped_column(String(200), default="")  # shown in inboxes without joins
    # Copied from the subject so lists can be scoped with an index, without joins per type.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="running", index=True)  # running|completed|cancelled
    state: Mapped[str] = mapped_column(Text, deferred=True)  # ~100 kB: lists never load it
    serializer_version: Mapped[str] = mapped_column(String(10))
    next_timer_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    current_step: Mapped[str] = mapped_column(String(200), default="")  # titles of the open user tasks
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False)
    # A fault of its diagram is recorded and not yet resolved (engine/faults.py). Saving a case resolves its
    # faults; the flag spares every save an UPDATE of the fault table when there is none, which is nearly always.
    has_open_fault: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The one-time token of the form that started the case (webapp/submissions.py): the same form posted
    # twice, or twice at once, starts one case.
    start_token: Mapped[str | None] = mapped_column(String(64), unique=True)

    bundle: Mapped[DefinitionBundle] = relationship()

    @staticmethod
    def load_subject(subject_type: str, subject_id: int):
        """The business record a case is about: an Application or a MakerSpace."""
        from .recognition import Application
        from .registry import MakerSpace

        model = {"application": Application, "space": MakerSpace}.get(subject_type)
        return db.session.get(model, subject_id) if model else None

    @property
    def subject(self):
        return self.load_subject(self.subject_type, self.subject_id)

    # Optimistic locking: every UPDATE checks the version it read; a concurrent writer loses.
    __mapper_args__ = {"version_id_col": lock_version}
    # The instance list (webapp/supervision/instances.py) pages by keyset on (created_at|updated_at, id),
    # alone or after an equality filter (unit, status, procedure, version); a recommender's list is always
    # scoped to its unit. Without an index for "filter + sort", SQLite (which has no statistics unless ANALYZE
    # runs) reads every case of the filter and sorts them: 100,000 for "procedure=recognition&sort=updated".
    __table_args__ = (
        Index("ix_process_instance_subject", "subject_type", "subject_id"),
        Index("ix_process_instance_created", "created_at", "id"),
        Index("ix_process_instance_updated", "updated_at", "id"),
        Index("ix_process_instance_unit_created", "unit_id", "created_at", "id"),
        Index("ix_process_instance_unit_updated", "unit_id", "updated_at", "id"),
        Index("ix_process_instance_status_updated", "status", "updated_at", "id"),
        Index("ix_process_instance_process_updated", "process_id", "updated_at", "id"),
        Index("ix_process_instance_bundle_updated", "bundle_id", "updated_at", "id"),
        Index("ix_process_instance_status_created", "status", "created_at", "id"),
        Index("ix_process_instance_process_created", "process_id", "created_at", "id"),
        Index("ix_process_instance_bundle_created", "bundle_id", "created_at", "id"),
        # One change filing of a space under way at a time (webapp/registry/changes.py): two starts at the same
        # instant both find none running; the database lets only one of them in. A partial index (SQLite and
        # PostgreSQL alike; on any other database none is made rather than one that forbids a second filing
        # ever). The same text in migration 0011.
        Index("ix_process_instance_one_running_change_filing", "subject_type", "subject_id", unique=True,
              sqlite_where=text(RUNNING_CHANGE_FILING), postgresql_where=text(RUNNING_CHANGE_FILING))
        .ddl_if(dialect=("sqlite", "postgresql")),
    )


class HumanTask(db.Model):
    """A user task that waits (or waited) for a person. Inboxes and dashboards read only these rows."""

    __tablename__ = "human_task"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    task_guid: Mapped[str] = mapped_column(String(36), unique=True)
    task_spec: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str] = mapped_column(String(30))
    form_key: Mapped[str] = mapped_column(String(100), default="")
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When to remind the people it waits on (the diagram's `remindBefore` before `due_at`); cleared once sent.
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20), default="open")  # open|completed|cancelled
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    instance: Mapped[ProcessInstance] = relationship()
    assignee = relationship("User", foreign_keys=[assignee_id])
    claimed_by = relationship("User", foreign_keys=[claimed_by_id])
    completed_by = relationship("User", foreign_keys=[completed_by_id])

    # The inbox (webapp/inbox/listing.py) pages by keyset on (due_at, id) within one of these equality prefixes
    # (webapp/access.py: task_filter): a group role's lane, a recommender's unit, an applicant's organisation,
    # an expert's assignments. The lane's (title, due_at, id) serves a group's counts per type and its type
    # filter; the other inboxes are small enough to count and filter inside their own range.
    __table_args__ = (
        Index("ix_human_task_inbox_lane", "status", "lane", "due_at", "id"),
        Index("ix_human_task_inbox_lane_title", "status", "lane", "title", "due_at", "id"),
        Index("ix_human_task_inbox_unit", "status", "lane", "unit_id", "due_at", "id"),
        Index("ix_human_task_inbox_organisation", "status", "lane", "organisation_id", "due_at", "id"),
        Index("ix_human_task_inbox_assignee", "status", "assignee_id", "due_at", "id"),
        Index("ix_human_task_instance", "instance_id", "status"),
        Index("ix_human_task_remind", "status", "remind_at"),
        # Overdue work: open tasks past their due date (the list's overdue filter, the dashboard).
        Index("ix_human_task_overdue", "status", "due_at"),
        # What a person completed lately (the inbox's "submitted by you, not yet taken up": withdrawable_rows).
        Index("ix_human_task_completed_by", "completed_by_id", "status", "completed_at", "id"),
    )


class ProcessFault(db.Model):
    """A diagram failed on a real case (issue 7, item 5): where, on what expression, with the engine's own
    message, and what someone was doing. Written after the failed action was rolled back, in its own
    transaction, so it is the only trace of that action. Designers and supervisors read it on the case
    page; no other role is shown the engine's message.

    `instance_id` is empty when the failing action was starting a case (the case itself was rolled back).
    A fault is current until the engine next saves its instance (`resolved_at`, set by the runtime); the
    same fault seen again while current (the sweeper retrying a timer) counts up instead of adding rows."""

    __tablename__ = "process_fault"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    bundle_id: Mapped[int | None] = mapped_column(ForeignKey("definition_bundle.id"))
    process_id: Mapped[str] = mapped_column(String(100), default="")
    element_id: Mapped[str] = mapped_column(String(100), default="")  # the task spec's bpmn_id
    element_name: Mapped[str] = mapped_column(String(200), default="")  # its bpmn_name (Chinese)
    expression: Mapped[str] = mapped_column(Text, default="")  # the expression, or the script line, that failed
    line_number: Mapped[int | None] = mapped_column(Integer)
    error_type: Mapped[str] = mapped_column(String(100), default="")
    message: Mapped[str] = mapped_column(Text, default="")  # the engine's message (designers and supervisors only)
    trigger: Mapped[str] = mapped_column(String(20))  # task|timer|message|start: what was being done
    step: Mapped[str] = mapped_column(String(200), default="")  # the step being completed, or the message name
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    bundle: Mapped[DefinitionBundle | None] = relationship()
    instance: Mapped[ProcessInstance | None] = relationship()
    actor = relationship("User")

    @property
    def current(self) -> bool:
        return self.resolved_at is None

    __table_args__ = (Index("ix_process_fault_instance", "instance_id", "resolved_at"),)
