"""Who may see and do what. Every route asks here; inbox queries are the SQL form of the same rules."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, false, select, true
from sqlalchemy.orm import joinedload, selectinload

from webapp.extensions import db
from webapp.models import Application, HumanTask, MakerSpace, ProcessInstance, User
from webapp.models.accounts import GROUP_ROLES

# Application rounds (Art. 8): the Department opens and closes them; Torch Center and supervisors read them.
ROUND_MANAGERS = ("approver",)
ROUND_READERS = ("approver", "torch_center", "supervisor")
# The year's evaluation schedule (Art. 18): Torch Center organises it, the Department and supervisors read it.
EVALUATION_SCHEDULE_READERS = ("torch_center", "approver", "supervisor")


def task_filter(user: User):
    """SQL condition: the open human tasks this user may work on.

    Each branch is the equality prefix of one index on human_task (webapp/models/workflow.py), followed there
    by (due_at, id), the inbox's order. An applicant without an organisation, or a recommender without a
    unit, has no inbox (as may_work_on says), rather than the tasks whose column happens to be empty."""
    lane = HumanTask.lane == user.role
    if user.role == "applicant":
        return and_(lane, HumanTask.organisation_id == user.organisation_id) if user.organisation_id else false()
    if user.role == "recommender":
        return and_(lane, HumanTask.unit_id == user.unit_id) if user.unit_id else false()
    if user.role == "expert":
        return HumanTask.assignee_id == user.id
    if user.role in GROUP_ROLES:
        return lane
    return false()


def inbox_conditions(user: User) -> list:
    """SQL conditions: this user's inbox, the open tasks it may work on. The inbox's pages, counts and type
    filter (webapp/inbox/listing.py) only ever add conditions to these."""
    return [HumanTask.status == "open", task_filter(user)]


def inbox_query(user: User) -> Select:
    """The whole inbox in its order (earliest due first, undated last); the inbox page reads it a page at a
    time through webapp/inbox/listing.py, which splits the order where the index needs it."""
    return (
        select(HumanTask)
        .options(joinedload(HumanTask.instance), joinedload(HumanTask.claimed_by))
        .where(*inbox_conditions(user))
        .order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.id)
    )


def may_work_on(user: User, task: HumanTask) -> bool:
    """May this user open and complete the task (ignoring claims)?"""
    if task.lane != user.role and task.assignee_id != user.id:
        return False
    if task.assignee_id is not None:
        return task.assignee_id == user.id
    if user.role == "applicant":
        return task.organisation_id is not None and task.organisation_id == user.organisation_id
    if user.role == "recommender":
        return task.unit_id is not None and task.unit_id == user.unit_id
    return user.role in GROUP_ROLES


def claim_blocks(user: User, task: HumanTask) -> bool:
    """A group task claimed by a colleague can be seen but not completed."""
    return task.claimed_by_id is not None and task.claimed_by_id != user.id


def _instance_scope(user: User, instance: ProcessInstance) -> bool:
    if user.sees_everything:
        return True
    if user.role == "applicant":
        return instance.organisation_id is not None and instance.organisation_id == user.organisation_id
    if user.role == "recommender":
        return instance.unit_id is not None and instance.unit_id == user.unit_id
    if user.role == "expert":
        # Only cases it was asked to review (any status: it may look back at its own reviews).
        return db.session.scalar(
            select(HumanTask.id).where(HumanTask.instance_id == instance.id, HumanTask.assignee_id == user.id)
        ) is not None
    return False


def may_view_instance(user: User, instance: ProcessInstance) -> bool:
    return _instance_scope(user, instance)


# Runtime faults of the diagrams (issue 7, item 5): the element, the expression and the engine's message are
# for those who fix the diagrams and those who oversee the cases. Other staff are only told that a fault
# holds a case up; applicants, recommenders and experts are told nothing beyond "nothing was saved".
FAULT_READERS = ("supervisor", "designer")
CASE_PAGE_ROLES = ("supervisor", "torch_center", "approver")


def may_follow_case(user: User, instance: ProcessInstance) -> bool:
    """The case page (supervision.show), read-only. Designers reach it only to see why a diagram failed on a
    case; it gives them no other list, task, file or record."""
    if user.role == "designer":
        return True
    return user.role in CASE_PAGE_ROLES and may_view_instance(user, instance)


# The instance list and its exports (issue 8, items 1 and 4): staff who oversee the procedure see every case;
# a recommender sees its own unit's cases, and nothing else, whatever filter it types into the address.
INSTANCE_LIST_ROLES = ("supervisor", "torch_center", "approver", "recommender")


def instance_list_filter(user: User):
    """SQL condition: the process instances this user's list and exports may contain."""
    if user.role in ("supervisor", "torch_center", "approver"):
        return true()
    if user.role == "recommender" and user.unit_id is not None:
        return ProcessInstance.unit_id == user.unit_id
    return false()


def sees_fault_details(user: User) -> bool:
    return user.role in FAULT_READERS


def may_view_application(user: User, application: Application) -> bool:
    if user.role == "applicant":
        return application.organisation_id == user.organisation_id
    if user.role == "recommender":
        return application.unit_id == user.unit_id
    if application.instance is None:
        return user.sees_everything
    return _instance_scope(user, application.instance)


def may_view_space(user: User, space: MakerSpace) -> bool:
    if user.sees_everything:
        return True
    if user.role == "applicant":
        return space.organisation_id == user.organisation_id
    if user.role == "recommender":
        return space.unit_id == user.unit_id
    return False


def assigned_task_on_space(user: User, space_id: int) -> HumanTask | None:
    """The open step assigned to this expert in a case about the space — its scoring of the space's evaluation —
    if there is one. Completed, cancelled or another expert's steps give none."""
    if user.role != "expert":
        return None
    return db.session.scalar(
        select(HumanTask).join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id).where(
            HumanTask.assignee_id == user.id, HumanTask.status == "open",
            ProcessInstance.subject_type == "space", ProcessInstance.subject_id == space_id)
        .order_by(HumanTask.id).limit(1))


def may_read_space_reports(user: User, space: MakerSpace) -> bool:
    """A space's half-year reports: whoever may open its dossier, and an expert while a step of a case about the
    space is assigned to it and open (the evaluation's scoring asks whether they came on time, sheet item A3);
    once the expert has scored, no longer. The expert still may not open the dossier itself."""
    return may_view_space(user, space) or assigned_task_on_space(user, space.id) is not None


# Who is shown the earlier versions of a document handed in again (folded under its current one): the staff
# who review or oversee the application, to see what changed; they may download them too. The applicant's page
# shows the current versions, but its own earlier files stay its to download (may_view_attachment); the
# experts review the current versions only and may not download an earlier one even by its id. Earlier
# versions are never deleted: they are the record of what was handed in when.
EARLIER_VERSION_READERS = ("recommender", "torch_center", "approver", "supervisor")


def _reads_earlier_versions(user: User, application: Application) -> bool:
    """The earlier versions of an application's documents: its applicant (they are its own files) and the
    staff who compare versions (EARLIER_VERSION_READERS); an expert reviews the documents as they stand."""
    if user.role == "applicant":
        return user.organisation_id is not None and application.organisation_id == user.organisation_id
    return user.role in EARLIER_VERSION_READERS


def may_view_attachment(user: User, attachment) -> bool:
    """Whoever may see what the file belongs to: its application, its space, or the case it was uploaded
    in (so an expert assigned to an evaluation case reads the space's self-assessment files). An
    objection's files (the objector's stamped letter, evidence) only to the staff who handle objections.
    A document's earlier version only to those who read earlier versions, whatever else the file belongs to
    (it is also the case's: an expert may not reach it through the case)."""
    if attachment.objection_id is not None:
        return user.sees_everything
    if attachment.application is not None and not _reads_earlier_versions(user, attachment.application) \
            and attachment.is_replaced:
        return False
    if attachment.application is not None and may_view_application(user, attachment.application):
        return True
    if attachment.space is not None and may_view_space(user, attachment.space):
        return True
    return attachment.instance is not None and may_view_instance(user, attachment.instance)


def applications_query(user: User) -> Select:
    query = select(Application).options(
        selectinload(Application.instance), selectinload(Application.organisation), selectinload(Application.unit)
    ).order_by(Application.id.desc())
    if user.role == "applicant":
        return query.where(Application.organisation_id == user.organisation_id)
    if user.role == "recommender":
        return query.where(Application.unit_id == user.unit_id)
    if user.role == "expert":
        assigned = select(HumanTask.instance_id).where(HumanTask.assignee_id == user.id)
        return query.where(Application.instance_id.in_(assigned))
    if user.sees_everything:
        return query
    return query.where(false())


def spaces_query(user: User) -> Select:
    query = select(MakerSpace).options(
        selectinload(MakerSpace.organisation), selectinload(MakerSpace.unit)).order_by(MakerSpace.id)
    if user.role == "applicant":
        return query.where(MakerSpace.organisation_id == user.organisation_id)
    if user.role == "recommender":
        return query.where(MakerSpace.unit_id == user.unit_id)
    if user.sees_everything:
        return query
    return query.where(false())


def recipients_of(task: HumanTask) -> list[ColumnElement] | None:
    """Who would find this task in their inbox, as conditions on User (None: nobody), so that notices can be
    written for them in one INSERT … SELECT without reading them first."""
    if task.assignee_id is not None:
        return [User.id == task.assignee_id]
    conditions = [User.role == task.lane, User.active.is_(True)]
    if task.lane == "applicant":
        return [*conditions, User.organisation_id == task.organisation_id]
    if task.lane == "recommender":
        return [*conditions, User.unit_id == task.unit_id]
    return conditions if task.lane in GROUP_ROLES else None


def users_for_task(task: HumanTask) -> list[User]:
    """Everyone who would find this task in their inbox."""
    if task.assignee_id is not None:
        return [u for u in [db.session.get(User, task.assignee_id)] if u]
    conditions = recipients_of(task)
    return list(db.session.scalars(select(User).where(*conditions))) if conditions else []


__all__ = [
    "inbox_conditions", "inbox_query", "may_work_on", "claim_blocks", "may_view_instance", "may_follow_case", "instance_list_filter", "sees_fault_details", "may_view_application",
    "may_view_space", "assigned_task_on_space", "may_read_space_reports", "may_view_attachment", "EARLIER_VERSION_READERS", "applications_query", "spaces_query", "recipients_of", "users_for_task",
]
