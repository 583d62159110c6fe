"""Sentences joined for people to read end in one mark, never two (found walking the demo): a recommending
unit's comment that ends its own sentence read "…缺少 2 人。。请在…", a designer's eligibility text that ends in
。 read "…（第六条第二项）。；…", once in the step's reason and again in the notice that the step opened."""

from __future__ import annotations

import re

from flask import current_app
from sqlalchemy import select

from webapp.engine.definitions import deploy, read_directory
from webapp.extensions import db
from webapp.models import Notification

from .flow import complete, open_task, start_application, submit_application, user

DOUBLED = re.compile(r"[。；！？][。；]")


def notices(world, name: str) -> list[str]:
    db.session.expire_all()
    return [n.text for n in db.session.scalars(select(Notification).where(
        Notification.user_id == user(world, name).id).order_by(Notification.id))]


def because(browser, task_id: int) -> str:
    """Why the step is open, as its page says it."""
    html = browser.get(f"/tasks/{task_id}").get_data(as_text=True)
    match = re.search(r'<div class="returned" id="task-because">(.*?)</div>', html, re.S)
    assert match, html[:2000]
    return match.group(1)


def returned_by_recommender(login, comments: str) -> tuple[int, str]:
    """The recommending unit sends the application back with `comments`: the applicant's step and its reason."""
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    complete(login("recommender_a"), open_task(application_id, "recommender_review"),
             {"recommender_decision": "return", "recommendation_letter": "", "recommender_comments": comments})
    task = open_task(application_id, "submit_application")
    return task.id, because(login("applicant_a"), task.id)


def test_a_comment_that_ends_its_sentence_is_not_given_a_second_mark(login, world):
    _, reason = returned_by_recommender(login, "管理服务人员缺少 2 人。")
    assert "申报被推荐单位退回修改：管理服务人员缺少 2 人。请在 " in reason, reason
    assert not DOUBLED.search(reason), reason
    told = notices(world, "applicant_a")[-1]
    assert "管理服务人员缺少 2 人。请在 " in told and not DOUBLED.search(told), told


def test_a_comment_that_ends_with_a_question_or_an_exclamation_keeps_its_own_mark(login, world):
    _, reason = returned_by_recommender(login, "场地证明是否齐全？")
    assert "场地证明是否齐全？请在 " in reason and not DOUBLED.search(reason), reason


def test_a_comment_without_an_end_mark_is_given_one(login, world):
    _, reason = returned_by_recommender(login, "公共区域部分由非创业企业使用")
    assert "公共区域部分由非创业企业使用。请在 " in reason, reason
    assert "公共区域部分由非创业企业使用。请在 " in notices(world, "applicant_a")[-1]


def _with_sentences(dmn: str, texts: tuple[str, ...]) -> str:
    """The eligibility table as a designer may write it: some of its messages end their sentence."""
    for text in texts:
        assert f'<text>"{text}"</text>' in dmn, text
        dmn = dmn.replace(f'<text>"{text}"</text>', f'<text>"{text}。"</text>')
    return dmn


AREA = "可自主支配的运营场所面积不得低于500平方米（第六条第二项）"
MENTORS = "须有能够提供指导咨询服务的创新创业导师（第六条第四项）"
EVENTS = "每年开展的创业沙龙、大讲堂、训练营等培训活动不低于5场次（第六条第五项）"


def test_eligibility_failures_that_end_their_sentence_are_listed_with_one_mark_each(login, world):
    files = read_directory(current_app.config["BPMN_DIR"])
    deploy({**files, "eligibility.dmn": _with_sentences(files["eligibility.dmn"], (AREA, MENTORS))},
           note="提示语以句号结尾")
    db.session.commit()
    applicant = login("applicant_a")
    application_id = start_application(applicant)
    # the area and mentors messages end in 。, the events one does not
    submit_application(login, application_id, controlled_area_m2="400", mentors="0", training_events_per_year="4")
    task = open_task(application_id, "submit_application")
    reason = because(applicant, task.id)
    assert f"申报未通过资格审查：{AREA}。{MENTORS}。{EVENTS}。请修改后在 " in reason, reason
    assert not DOUBLED.search(reason), reason
    told = notices(world, "applicant_a")[-1]
    assert f"{AREA}。{MENTORS}。{EVENTS}。请修改后" in told and not DOUBLED.search(told), told
