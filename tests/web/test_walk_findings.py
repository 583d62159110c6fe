"""What people found walking the demo on 2026-12-01 as applicants: the documents of an application did not
fit in one submission, and the form never said what it takes."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Attachment, HumanTask

from .flow import application_fields, open_task, start_application

MB = 1024 * 1024


def _pdf(name: str, size: int):
    return (io.BytesIO(b"%PDF-1.4\n" + b"0" * (size - 9)), name)


def test_the_form_says_which_files_it_takes_and_how_large(login, world):
    applicant = login("applicant_a")
    task = open_task(start_application(applicant), "submit_application")
    page = applicant.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "单个文件不超过 20 MB，一次提交的文件合计不超过 64 MB" in page
    assert 'accept=".pdf,.jpg,.jpeg,.png,' in page
    # the required materials say so from the start (only a failed submission said so before)
    assert "独立法人的证明（复印件）（必交）" in page


def test_an_application_s_documents_of_twelve_megabytes_each_go_in_one_submission(login, world):
    """Two documents of 12 MB (each within the 20 MB a file may have) were answered with a bare "413"."""
    from .flow import ATTACHMENT_KINDS

    applicant = login("applicant_a")
    application_id = start_application(applicant)
    task = open_task(application_id, "submit_application")
    data = application_fields()
    for n, kind in enumerate(ATTACHMENT_KINDS):
        data[f"file_{kind}"] = _pdf(f"{kind}.pdf", 12 * MB if n < 2 else 4096)
    response = applicant.post(f"/tasks/{task.id}", data)
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    assert len(db.session.scalars(select(Attachment)).all()) == len(ATTACHMENT_KINDS)


def test_a_submission_beyond_the_limit_is_told_the_limits(login, world):
    applicant = login("applicant_a")
    task = open_task(start_application(applicant), "submit_application")
    data = {**application_fields(), "file_legal_entity": _pdf("a.pdf", 19 * MB), "file_premises": _pdf("b.pdf", 19 * MB),
            "file_rules": _pdf("c.pdf", 19 * MB), "file_staff_mentors": _pdf("d.pdf", 19 * MB)}
    response = applicant.post(f"/tasks/{task.id}", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "单个文件不超过 20 MB，一次提交的文件合计不超过 64 MB" in page and "重新选择文件" in page


def test_the_dossier_shows_an_open_step_s_deadline_and_when_it_is_overdue(login, world, space_id):
    """An open half-year report past its deadline was missing from the dossier until the next period turned it
    into 未报; only the list of all cases marked it 已超期."""
    from datetime import timedelta

    from webapp.clock import clock

    from .lifecycle import HALF_YEAR, move_clock_to, until_half_year_report

    report_id = until_half_year_report(login)
    due = db.session.get(HumanTask, report_id).due_at
    dossier = login("applicant_a").get(f"/spaces/{space_id}").get_data(as_text=True)
    assert f"{HALF_YEAR} · 截止日期：" in dossier and "还剩" in dossier
    move_clock_to(due + timedelta(days=3))
    assert clock.now() > due and db.session.get(HumanTask, report_id).status == "open"
    for viewer in ("applicant_a", "recommender_a", "torch1"):
        dossier = login(viewer).get(f"/spaces/{space_id}").get_data(as_text=True)
        assert re.search(rf'<span class="pill overdue">{HALF_YEAR} · 截止日期：[^<]*（已逾期 \d+ 天）</span>', dossier), viewer


def test_a_namesake_is_pointed_out_when_an_application_starts(login, world, space_id):
    """Nothing stopped a second draft of the same name (back, then 开始申报 again) or the name of a space
    already recognised; both are allowed, and now said."""
    from .lifecycle import SPACE_NAME

    applicant = login("applicant_a")
    first = applicant.post("/applications/new", {"space_name": "草原星火空间"})
    assert "注意" not in applicant.get(first.headers["Location"]).get_data(as_text=True)
    again = applicant.post("/applications/new", {"space_name": "草原星火空间"})
    assert "本单位已有一份名为“草原星火空间”的申报正在进行" in applicant.get(again.headers["Location"]).get_data(as_text=True)
    recognised = applicant.post("/applications/new", {"space_name": SPACE_NAME})
    assert f"已有名为“{SPACE_NAME}”的众创空间获得认定" in applicant.get(recognised.headers["Location"]).get_data(as_text=True)


def test_the_recommender_reads_every_answer_of_the_application(login, world):
    """The review page showed the figures but not the yes/no answers (legal entity, the three sets of rules,
    the infrastructure) nor the services offered, all of which Art. 6 asks for."""
    from .flow import submit_application

    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    review = open_task(application_id, "recommender_review")
    page = login("recommender_a").get(f"/tasks/{review.id}").get_data(as_text=True)
    answers = re.search(r'<table class="facts-table" id="facts-answers">(.*?)</table>', page, re.S).group(1)
    rows = dict(re.findall(r"<tr><th>(.*?)</th><td>(.*?)</td></tr>", answers))
    assert rows["具有财务管理制度"] == "是" and list(rows.values()).count("是") == 5
    assert rows["提供的创新创业服务"] == "创业孵化、科技金融"


def test_a_bound_in_a_message_is_written_as_people_write_it(login, world):
    """"请输入 0 至 10000000.0 之间的数值": the bound of an area was a float's repr."""
    applicant = login("applicant_a")
    task = open_task(start_application(applicant), "submit_application")
    response = applicant.post(f"/tasks/{task.id}", application_fields(total_area_m2="99999999"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "1000000 ㎡" in page  # every area's cap (forms/fields.py MAX_AREA_M2)
    assert "1000000.0" not in page
