"""Texts of several lines (an objection's reasons, a reviewer's comments) keep their line breaks but lose the
invisible format characters: a right-to-left override (U+202E) in an objection sent through the public
portal reversed the rest of the line shown to the staff who investigate it."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from webapp.extensions import db
from webapp.models import Objection

from .flow import shortlisted
from .test_public_portal import flashed, object_to, recognition_notice

TYPED = "场地面积\u202e与申报不符\r\n第二行\u2066（附件）\u2069\u200b\ufeff，家庭👨\u200d👩\u200d👧"
KEPT = "场地面积与申报不符\r\n第二行（附件），家庭👨\u200d👩\u200d👧"


def test_an_objections_reasons_lose_the_bidi_controls_and_keep_their_lines(login, world):
    notice = recognition_notice(shortlisted(login, world))
    public = login(None)
    assert "您的异议已收到" in flashed(public, object_to(public, notice, reasons=TYPED))
    assert db.session.scalars(select(Objection)).one().reasons == KEPT


@pytest.mark.parametrize("key, field", [("recognition.recommend", "recommender_comments"),
                                        ("recognition.expert_score", "comments"),
                                        ("unknown.step", "comment")])
def test_every_task_forms_text_areas_lose_the_bidi_controls(app, key, field):
    from forms import form_class_for

    with app.test_request_context("/"):
        form = form_class_for(key)(MultiDict({field: TYPED}), meta={"csrf": False})
        assert getattr(form, field).data == KEPT
