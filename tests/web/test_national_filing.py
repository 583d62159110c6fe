"""A national filing recorded from a space's page (Art. 15, 16; bpmn/national_filing.bpmn), as the approver meets it.

- the step can be closed as 未获备案: the space keeps its level and gets no award;
- a space already filed at one level is offered the other one, and the step says what it already holds;
- a space filed at every level is offered no filing, and a stale page's button starts nothing;
- while a filing is under way, the button opens it instead of starting a second one with its own deadline."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Award, HumanTask, ProcessInstance, SpaceStatusChange

from .lifecycle import inbox_links, page, space, submit

FILING = "登记国家备案结果"


def _action(space_id: int) -> str:
    return f'action="/spaces/{space_id}/national-filing"'


def _start(approver, space_id: int):
    dossier = f"/spaces/{space_id}"
    return approver.post(f"{dossier}/national-filing", {}, from_page=dossier)


def _started_task(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/tasks/(\d+)$", response.headers["Location"]).group(1))


def _file(approver, space_id: int, result: str) -> None:
    submit(approver, _started_task(_start(approver, space_id)), {"national_filing_result": result, "filing_reference": ""})


def _filings() -> list[ProcessInstance]:
    db.session.expire_all()
    return list(db.session.scalars(select(ProcessInstance).where(ProcessInstance.process_id == "national_filing")))


def test_a_filing_that_was_not_granted_is_closed_as_not_filed(login, world, space_id):
    approver = login("approver")
    task_id = _started_task(_start(approver, space_id))
    html = page(approver, f"/tasks/{task_id}")
    assert "未获备案" in html and 'value="not_filed"' in html
    submit(approver, task_id, {"national_filing_result": "not_filed", "filing_reference": ""})
    assert [case.status for case in _filings()] == ["completed"]
    assert FILING not in inbox_links(approver)  # no step left waiting, and no deadline
    assert space(space_id).status == "recognised"
    assert db.session.scalar(select(func.count(Award.id))) == 0
    assert list(db.session.scalars(select(SpaceStatusChange.new_status))) == ["recognised"]  # its recognition only
    assert _action(space_id) in page(approver, f"/spaces/{space_id}")  # it can be recorded when it comes


def test_a_space_filed_as_national_is_offered_the_professional_filing_only(login, world, space_id):
    approver = login("approver")
    _file(approver, space_id, "national")
    assert space(space_id).status == "national"
    html = page(approver, f"/spaces/{space_id}")
    assert _action(space_id) in html
    assert "登记国家专业化众创空间（第十六条）备案" in html
    assert "本空间已备案为国家众创空间（第十五条），同一类别不重复登记" in html
    task_id = _started_task(_start(approver, space_id))
    assert "本空间已备案为国家众创空间（第十五条）" in page(approver, f"/tasks/{task_id}")


def test_a_space_filed_at_every_level_is_offered_no_filing(login, world, space_id):
    approver = login("approver")
    dossier = f"/spaces/{space_id}"
    stale = page(approver, dossier)  # the button as an older page still shows it
    _file(approver, space_id, "national")
    _file(approver, space_id, "national_professional")
    html = page(approver, dossier)
    assert _action(space_id) not in html
    assert "本空间已备案为国家众创空间（第十五条）和国家专业化众创空间（第十六条），没有可再登记的国家备案" in html
    token = re.search(r'name="csrf_token" value="([^"]+)"', stale).group(1)
    response = approver.post(f"{dossier}/national-filing", {"csrf_token": token}, csrf=False)
    assert response.status_code == 302 and response.headers["Location"].endswith(dossier)
    assert len(_filings()) == 2
    assert "没有可再登记的国家备案" in page(approver, dossier)


def test_a_second_click_while_a_filing_is_under_way_opens_it(login, world, space_id):
    approver = login("approver")
    first = _started_task(_start(approver, space_id))
    again = _start(approver, space_id)  # another tab, or the page opened again: a form of its own
    assert _started_task(again) == first
    assert len(_filings()) == 1
    assert "本空间的国家备案登记正在办理" in page(approver, f"/tasks/{first}")
    db.session.expire_all()
    assert db.session.scalar(select(func.count(HumanTask.id)).where(HumanTask.status == "open",
                                                                   HumanTask.title == FILING)) == 1
