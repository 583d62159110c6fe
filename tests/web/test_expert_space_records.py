"""An expert scoring a three-yearly evaluation is asked (sheet item A3, bpmn/evaluation_sheet.dmn) whether the
space handed in its reports on time and filed its changes, but saw only the self-assessment: the space's
half-year reports and change filings were on its dossier, which an expert may not open. The scoring page now
lists them for the assigned expert (since the last evaluation, or the recognition), and the expert may read
each report while — and only while — the scoring task is its to do."""

from __future__ import annotations

import re
from datetime import timedelta

from webapp.clock import clock
from webapp.extensions import db
from webapp.models import ChangeFiling, Report

from .conftest import pdf
from .flow import move_clock, user
from .lifecycle import (
    HALF_YEAR,
    REPORT,
    SELF_ASSESSMENT,
    inbox_links,
    inbox_task,
    move_clock_to,
    next_timer,
    page,
    reports,
    sheet_answers,
    sheet_items,
    submit,
)

SCORING = "专家考核评分"


def live_to_the_self_assessment(login, space_id) -> None:
    """Three years of half-year reports, the second one handed in after its deadline (迟报), the others at once."""
    operator = login("applicant_a")
    handed_in = 0
    for _ in range(100):
        links = inbox_links(operator)
        if SELF_ASSESSMENT in links:
            return
        if HALF_YEAR in links:
            if handed_in == 1:
                move_clock(days=35)  # past the 30-day window, before the next period opens
            submit(operator, inbox_task(operator, HALF_YEAR), REPORT)
            handed_in += 1
            continue
        move_clock_to(next_timer(space_id))
    raise AssertionError("the self-assessment never arrived")


def scoring_task(login, world, space_id) -> int:
    """The evaluation up to the panel of expert1–3; expert1's scoring task."""
    operator, torch = login("applicant_a"), login("torch1")
    live_to_the_self_assessment(login, space_id)
    submit(operator, inbox_task(operator, SELF_ASSESSMENT),
           {"self_assessment": "三年运营情况自评", "self_score": "80", "file_assessment_materials": pdf("自评.pdf")})
    submit(torch, inbox_task(torch, "考核材料审核"), {"materials_false": "no", "material_comments": "齐全"})
    submit(torch, inbox_task(torch, "组织考核专家评分"),
           {"panel_experts": [str(user(world, n).id) for n in ("expert1", "expert2", "expert3")]})
    return inbox_task(login("expert1"), SCORING)


def test_the_assigned_expert_reads_the_space_s_reports_and_filings_until_it_has_scored(login, world, space_id):
    db.session.add(ChangeFiling(space_id=space_id, change_type="area", change_type_label="场地面积变更",
                                description="扩租二层", accepted=True, at=clock.now() + timedelta(days=200),
                                comments=""))
    db.session.commit()
    task_id = scoring_task(login, world, space_id)
    expert = login("expert1")
    html = page(expert, f"/tasks/{task_id}")

    listed = re.search(r'<section[^>]*id="space-records".*?</section>', html, re.S)
    assert listed, html
    listed = listed.group(0)
    handed_in = [r for r in reports(space_id) if r.submitted_at is not None]
    assert len(handed_in) >= 5 and [r.status for r in handed_in].count("late") == 1
    for report in handed_in:
        assert f"/spaces/{space_id}/reports/{report.id}" in listed
    assert listed.count("迟报") == 1 and listed.count("按时") == len(handed_in) - 1
    assert "场地面积变更" in listed and "已备案" in listed, listed
    late = next(r for r in handed_in if r.status == "late")
    url = f"/spaces/{space_id}/reports/{late.id}"
    report_page = page(expert, url)
    assert REPORT["summary"] in report_page and "迟报" in report_page
    assert f"/tasks/{task_id}" in report_page  # the way back is the scoring, not the dossier it may not open

    # another expert, not on this panel; one of the panel whose sheet is not this one: no
    for name in ("expert4", "expert_conflict"):
        assert login(name).get(url).status_code in (403, 404), name
    # the dossier itself stays closed to the expert
    assert expert.get(f"/spaces/{space_id}").status_code in (403, 404)

    # once it has scored, the reports are no longer the expert's to read
    items = sheet_items(html)
    submit(expert, task_id, {**sheet_answers(items, 0.8, 0.5), "comments": "按时报送情况已核对"})
    assert SCORING not in inbox_links(expert)
    assert expert.get(url).status_code in (403, 404)
    assert login("expert2").get(url).status_code == 200  # still scoring


def test_a_report_of_another_space_is_not_read_through_the_space_being_scored(login, world, space_id):
    from webapp.simulation import recognised_space_now

    other = recognised_space_now("鹿城另一空间", world["org_b"].id, world["baotou"].id).id
    foreign = Report(space_id=other, opened_at=clock.now(), deadline=clock.now(), submitted_at=clock.now(),
                     status="on_time", data={"summary": "别家的报表"})
    db.session.add(foreign)
    db.session.commit()
    scoring_task(login, world, space_id)
    expert = login("expert1")
    assert expert.get(f"/spaces/{space_id}/reports/{foreign.id}").status_code == 404
    assert expert.get(f"/spaces/{other}/reports/{foreign.id}").status_code in (403, 404)
