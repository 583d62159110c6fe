"""Where the dashboard's slowest-case cells may lead: only to a page the reader may open. The case page is for
the Department's staff (may_follow_case); a recommender is sent to the application or the space instead, and
where neither is theirs to open the cell stays plain text."""

from __future__ import annotations

from collections.abc import Iterable

from flask import url_for
from sqlalchemy import select

from webapp.access import may_follow_case, may_view_application, may_view_space
from webapp.extensions import db
from webapp.models import Application, MakerSpace, ProcessInstance, User


def case_links(user: User, instance_ids: Iterable[int]) -> dict[int, str]:
    """instance id → the address of the page about it this user may open; ids without one are left out."""
    ids = set(instance_ids)
    if not ids:
        return {}
    instances = db.session.scalars(select(ProcessInstance).where(ProcessInstance.id.in_(ids))).all()
    wanted = {kind: {i.subject_id for i in instances if i.subject_type == kind and i.subject_id is not None}
              for kind in ("application", "space")}
    applications = {a.id: a for a in db.session.scalars(
        select(Application).where(Application.id.in_(wanted["application"])))} if wanted["application"] else {}
    spaces = {s.id: s for s in db.session.scalars(
        select(MakerSpace).where(MakerSpace.id.in_(wanted["space"])))} if wanted["space"] else {}
    links = {}
    for instance in instances:
        application = applications.get(instance.subject_id) if instance.subject_type == "application" else None
        space = spaces.get(instance.subject_id) if instance.subject_type == "space" else None
        if may_follow_case(user, instance):
            links[instance.id] = url_for("supervision.show", instance_id=instance.id)
        elif application is not None and may_view_application(user, application):
            links[instance.id] = url_for("applications.show", application_id=application.id)
        elif space is not None and may_view_space(user, space):
            links[instance.id] = url_for("registry.show", space_id=space.id)
    return links
