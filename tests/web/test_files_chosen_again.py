"""A form that comes back with errors cannot keep the files chosen in it: a browser empties every file
input of a page it shows again. Beside each file field in which files had been chosen, the page says so in
Chinese, naming them, and asks for them again; on a first display, or where nothing was chosen, it says
nothing (found walking the demo as an applicant: the application came back for one missing figure, and
the six attachments had silently gone)."""

from __future__ import annotations

import io
import re

from .conftest import pdf
from .flow import application_fields, open_task, shortlisted, start_application, with_files
from .test_public_portal import PNG, object_to, recognition_notice

AGAIN = "请重新选择"


def file_block(html: str, name: str) -> str:
    """The field around the file input `name` (its label, input, hints, errors and notes)."""
    pattern = r'<(div|fieldset) class="field[^"]*">((?:(?!</\1>).)*?name="' + re.escape(name) + r'".*?)</\1>'
    match = re.search(pattern, html, re.S)
    assert match, f"no field {name}"
    return match.group(2)


def test_an_application_sent_back_for_a_missing_figure_asks_for_its_files_again(login, world):
    applicant = login("applicant_a")
    task = open_task(start_application(applicant), "submit_application")
    first = applicant.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert AGAIN not in first  # a first display says nothing about files

    data = with_files(application_fields(operating_years=""))  # one figure missing, six files chosen
    response = applicant.post(f"/tasks/{task.id}", data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    premises = file_block(html, "file_premises")
    assert AGAIN in premises and "premises.pdf" in premises  # beside the field, naming what was chosen
    assert "legal_entity.pdf" not in premises  # each field names its own files
    assert AGAIN in file_block(html, "file_legal_entity")

    # sent with errors and no file chosen: nothing to choose again
    response = applicant.post(f"/tasks/{task.id}", application_fields(operating_years=""))
    assert response.status_code == 422 and AGAIN not in response.get_data(as_text=True)


def test_a_public_objection_sent_back_asks_for_the_stamp_and_evidence_again(login, world):
    notice = recognition_notice(shortlisted(login, world))
    public = login(None)
    response = object_to(public, notice, objector_kind="unit", objector="某某公司", reasons="",
                         stamp=(io.BytesIO(PNG), "盖章函.png"), evidence=[pdf("证据一.pdf"), pdf("证据二.pdf")])
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert AGAIN in file_block(html, "stamp") and "盖章函.png" in file_block(html, "stamp")
    evidence = file_block(html, "evidence")
    assert AGAIN in evidence and "证据一.pdf" in evidence and "证据二.pdf" in evidence
    assert AGAIN not in public.get(f"/public/notices/{notice.id}").get_data(as_text=True)


def test_a_refused_deploy_asks_for_its_files_again(app, login, world):
    designer = login("designer")
    assert AGAIN not in designer.get("/designer/deploy").get_data(as_text=True)
    files = [(io.BytesIO(b"<definitions/>"), "change_filing.bpmn")]
    response = designer.post("/designer/deploy", {"files": files, "note": ""})  # the reason is missing
    assert response.status_code == 422
    block = file_block(response.get_data(as_text=True), "files")
    assert AGAIN in block and "change_filing.bpmn" in block

    response = designer.post("/designer/trial", {"files": [(io.BytesIO(b"<definitions/>"), "x.bpmn")],
                                                 "process_id": "recognition", "answers": "{}", "horizon_months": ""})
    assert response.status_code == 422
    block = file_block(response.get_data(as_text=True), "files")
    assert AGAIN in block and "x.bpmn" in block
