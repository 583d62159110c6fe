"""The change filing's evidence survives the form coming back. A change of area that leaves the space short of
the recognition conditions brings the form back with a notice to tick (test_change_filing_conditions.py), and a
browser empties a file input whenever it shows a page again: the operator, who had chosen the new lease, had to
find and choose it again. The file is now kept on the server for the next post of that form — "已上传：租赁合同.pdf
（可重新选择以替换）" beside the field — and handed in with it, unless another file is chosen, which replaces it. Only
the same person, on the same step of the same filing, can hand the kept file in."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Attachment, HumanTask, User

from .conftest import pdf
from .lifecycle import REPORT, field_errors, inbox_task, page, submit, until_half_year_report
from .test_change_filing_conditions import ACK, area_change
from .test_change_filing_values import FORWARD, start_filing

FILE = "file_change_evidence"
KEPT = "kept_uploads"


def _shortfall(operator, task_id: int, document=None):
    """Hand in a change of area the conditions do not allow: the form comes back with the notice."""
    response = operator.post(f"/tasks/{task_id}", area_change(new_public_area_m2="500",
                                                              **{FILE: document or pdf("租赁合同.pdf", 3000)}))
    assert response.status_code == 422
    return response.get_data(as_text=True)


def _kept(html: str) -> str:
    found = re.search(rf'<input[^>]*name="{KEPT}"[^>]*value="([^"]+)"', html)
    assert found, "the form does not carry the kept file"
    return found.group(1)


def _again(task_id: int, **extra) -> dict:
    """The same form posted again: the box ticked, no file chosen (the browser cleared it)."""
    data = area_change(new_public_area_m2="500", **{ACK: "y"})
    del data[FILE]
    return {**data, **extra}


def _case_files(task_id: int) -> list[Attachment]:
    db.session.expire_all()
    instance_id = db.session.get(HumanTask, task_id).instance_id
    return list(db.session.scalars(select(Attachment).where(Attachment.instance_id == instance_id)))


def test_the_evidence_chosen_before_the_notice_is_handed_in_with_the_confirmation(app, login, world, space_id):
    operator, unit = login("applicant_a"), login("recommender_a")
    submit(operator, until_half_year_report(login), REPORT)  # on record: 1200 m², 700 m² of it public
    task_id = start_filing(operator, space_id)
    html = _shortfall(operator, task_id)
    assert "已上传：租赁合同.pdf（可重新选择以替换）" in html
    assert "请重新选择" not in html and not field_errors(html, FILE)  # not asked for it again
    assert _case_files(task_id) == []  # nothing handed in yet

    submit(operator, task_id, _again(task_id, **{KEPT: _kept(html)}))
    [stored] = _case_files(task_id)
    assert stored.original_name == "租赁合同.pdf" and stored.size == len(b"%PDF-1.4\n") + 3000
    content = (Path(app.config["UPLOAD_DIR"]) / stored.stored_name).read_bytes()
    assert content == b"%PDF-1.4\n" + b"0" * 3000
    assert "租赁合同.pdf" in page(unit, f"/tasks/{inbox_task(unit, FORWARD)}")
    assert not list((Path(app.config["UPLOAD_DIR"]) / ".kept").glob("*"))  # handed in: no copy left behind


def test_a_file_chosen_again_replaces_the_kept_one(app, login, world, space_id):
    operator = login("applicant_a")
    submit(operator, until_half_year_report(login), REPORT)
    task_id = start_filing(operator, space_id)
    html = _shortfall(operator, task_id)
    assert "（可重新选择以替换）" in html
    # still short: the form comes back again, keeping the file through a second showing too
    response = operator.post(f"/tasks/{task_id}", {**_again(task_id, **{KEPT: _kept(html)}), ACK: ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "已上传：租赁合同.pdf" in html
    submit(operator, task_id, _again(task_id, **{KEPT: _kept(html), FILE: pdf("新租赁合同.pdf")}))
    assert [a.original_name for a in _case_files(task_id)] == ["新租赁合同.pdf"]
    assert not list((Path(app.config["UPLOAD_DIR"]) / ".kept").glob("*"))  # the replaced copy is gone too


def test_only_the_same_person_on_the_same_filing_hands_the_kept_file_in(login, world, space_id):
    operator = login("applicant_a")
    submit(operator, until_half_year_report(login), REPORT)
    task_id = start_filing(operator, space_id)
    kept = _kept(_shortfall(operator, task_id))

    def refused(browser, task: int, token: str) -> None:
        response = browser.post(f"/tasks/{task}", _again(task, **{KEPT: token}))
        assert response.status_code == 422
        assert field_errors(response.get_data(as_text=True), FILE), "handed in without its evidence"

    # a colleague of the same organisation, on the same step: the file was not theirs to hand in
    user = User(username="applicant_a2", display_name="同事", email="a2@example.test", role="applicant",
                password_hash=db.session.get(User, world["users"]["applicant_a"].id).password_hash,
                organisation_id=world["org_a"].id, unit_id=world["hohhot"].id)
    db.session.add(user)
    db.session.commit()
    refused(login("applicant_a2"), task_id, kept)
    refused(operator, task_id, kept[:-2] + ("AA" if not kept.endswith("AA") else "BB"))  # altered
    assert _case_files(task_id) == []

    # the same person, another filing: withdrawn, and a new one started
    operator.post(f"/spaces/{space_id}/changes/{db.session.get(HumanTask, task_id).instance_id}/withdraw",
                  {"confirm": "yes"}, from_page=f"/tasks/{task_id}")
    other = start_filing(operator, space_id)
    assert other != task_id
    refused(operator, other, kept)
    assert _case_files(other) == []


def test_a_kept_file_is_private_and_left_out_of_backups(app, login, world, space_id):
    from webapp.maintenance.backup import _upload_files

    operator = login("applicant_a")
    submit(operator, until_half_year_report(login), REPORT)
    _shortfall(operator, start_filing(operator, space_id))
    uploads = Path(app.config["UPLOAD_DIR"])
    [kept] = (uploads / ".kept").glob("*")
    assert kept.stat().st_mode & 0o077 == 0 and kept.parent.stat().st_mode & 0o077 == 0  # owner-only
    (uploads / "a-document").write_bytes(b"%PDF-1.4\n")
    assert _upload_files(uploads) == [uploads / "a-document"]  # what a backup copies
