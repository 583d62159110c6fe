"""A change filing the operator withdrew before handing it in was never anyone's work but the operator's. The
staff's case list (and its export, and the case page) showed it as 已取消, like a case the system ended (a space
revoked, a notice withdrawn), so a Torch Center clerk scanning the cancelled cases could not tell it needed
nothing from anyone. It now reads 已撤回（未提交）; one the recommending unit had sent back and the operator then
withdrew reads 已撤回 (the unit did see it); a case the system ended still reads 已取消. The operator's dossier
says 已撤回."""

from __future__ import annotations

import re

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Application, DefinitionBundle, HumanTask, ProcessInstance

from .flow import start_application
from .lifecycle import inbox_links, page, submit
from .test_change_filing_values import FORWARD, evidence, start_filing
from .test_change_filing_withdrawal import DIRECTION, withdraw_url
from .test_instance_list import xlsx_rows

NEVER_HANDED_IN = "已撤回（未提交）"


def _withdraw(operator, task_id: int) -> int:
    response = operator.post(withdraw_url(page(operator, f"/tasks/{task_id}")), {"confirm": "yes"},
                             from_page=f"/tasks/{task_id}")
    assert response.status_code == 302
    db.session.expire_all()
    return db.session.get(HumanTask, task_id).instance_id


def _status_in_list(html: str, instance_id: int) -> str:
    row = re.search(rf'<tr data-id="{instance_id}">(.*?)</tr>', html, re.S)
    assert row, f"case {instance_id} not in the list"
    return re.findall(r"<td>(.*?)</td>", row.group(1), re.S)[4]


def test_an_application_started_by_mistake_and_withdrawn_reads_so_too(login, world):
    applicant = login("applicant_a")
    application_id = start_application(applicant, name="误建的申报")
    response = applicant.post(f"/applications/{application_id}/withdraw", {"reason": "重复创建", "confirm": "yes"},
                              from_page=f"/applications/{application_id}")
    assert response.status_code == 302
    instance_id = db.session.get(Application, application_id).instance_id
    assert _status_in_list(page(login("torch1"), "/instances"), instance_id) == NEVER_HANDED_IN


def test_a_filing_withdrawn_before_it_was_handed_in_reads_so_in_the_staff_s_list(login, world, space_id):
    operator, unit = login("applicant_a"), login("recommender_a")
    never = _withdraw(operator, start_filing(operator, space_id))

    task_id = start_filing(operator, space_id)  # handed in, sent back by the unit, then withdrawn
    submit(operator, task_id, {**DIRECTION, **evidence()})
    submit(unit, inbox_links(unit)[FORWARD][0], {"forward_decision": "return", "forward_comments": "请附董事会决议"})
    sent_back = _withdraw(operator, inbox_links(operator)["提交变更报备"][0])

    bundle = db.session.scalars(select(DefinitionBundle)).first()
    ended = ProcessInstance(bundle_id=bundle.id, process_id="change_filing", process_name="变更报备",
                            subject_type="space", subject_id=space_id, subject_title="青城创客空间",
                            organisation_id=world["org_a"].id, unit_id=world["hohhot"].id, status="cancelled",
                            state="{}", serializer_version="1", current_step="")  # ended with its space
    db.session.add(ended)
    db.session.commit()

    for reader in ("torch1", "supervisor", "approver", "recommender_a"):
        browser = login(reader)
        html = page(browser, "/instances?procedure=change_filing")
        assert _status_in_list(html, never) == NEVER_HANDED_IN, reader
        assert _status_in_list(html, sent_back) == "已撤回", reader
        assert _status_in_list(html, ended.id) == "已取消", reader
        exported = {row[0]: row[4] for row in xlsx_rows(browser.get("/instances/export.xlsx"))[1:]}
        assert (exported[never], exported[sent_back], exported[ended.id]) == (NEVER_HANDED_IN, "已撤回", "已取消")
    case_page = page(login("torch1"), f"/instances/{never}")
    assert NEVER_HANDED_IN in case_page and "已取消" not in re.search(r"<h1>.*?</h1>", case_page, re.S).group(0)

    # the operator's own record of its filings says 已撤回
    changes = re.search(r'<table class="list" id="changes">(.*?)</table>', page(operator, f"/spaces/{space_id}"),
                        re.S).group(1)
    assert changes.count("已撤回") >= 2 and "已取消" not in changes
