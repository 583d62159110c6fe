"""Rewriting saved case states in SpiffWorkflow's full form (process definition embedded).

Since issue 10 a case's state holds only its tasks and data (webapp/engine/state.py), which a release from
before that cannot read, nor a SpiffWorkflow upgrade whose serializer migrations need the definition in the
state. Before going back to such a release, or upgrading SpiffWorkflow, `flask --app webapp expand-states`
writes every case's state in the full form; this release reads both forms and writes compact again at a
case's next step. One transaction per batch of cases, so a large database is not one huge transaction.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import undefer

from webapp.engine import state as saved_state
from webapp.engine.runtime import restore
from webapp.extensions import db
from webapp.models import ProcessInstance

BATCH = 200


def expand_states() -> int:
    """Write every compact state in the full form; returns how many were rewritten."""
    done, after = 0, 0
    while True:
        batch = db.session.scalars(
            select(ProcessInstance).where(ProcessInstance.id > after).order_by(ProcessInstance.id).limit(BATCH)
            .options(undefer(ProcessInstance.state))).all()
        if not batch:
            return done
        for instance in batch:
            if saved_state.is_compact(instance.state):
                instance.state = saved_state.FULL.serialize_json(restore(instance))
                done += 1
        after = batch[-1].id
        db.session.commit()
