"""What an outside probe found on 2026-12-01 walking the demo with crafted requests, each reproduced as it was
sent: the same case-starting form posted again started a second case, a space's name written into the staff's
spreadsheets as a live formula, NUL characters (a 500 on PostgreSQL), dates, ids and numbers out of range
(500s), a Referer sending people to another site, and one record answering to many spellings of its id."""

from __future__ import annotations

import io
import re

import openpyxl
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import ApplicationRound, HumanTask, Organisation, ProcessInstance, SavedFilter, Unit

from .conftest import PASSWORD, Browser
from .flow import start_application
from .lifecycle import until_half_year_report

# ---- 1. the same form posted twice started two cases [medium] --------------------------------------------


def _form_on_space_page(browser, space_id: int, action: str) -> dict:
    """Every hidden field of the form posting to `action` on the space's page, as the browser sends them."""
    html = browser.get(f"/spaces/{space_id}").get_data(as_text=True)
    form = re.search(rf'<form method="post" action="{re.escape(action)}"[^>]*>(.*?)</form>', html, re.S)
    assert form, f"no form posting to {action}"
    hidden = [tag for tag in re.findall(r"<input[^>]*>", form.group(1)) if 'type="hidden"' in tag]
    return {re.search(r'name="([^"]+)"', tag).group(1): re.search(r'value="([^"]*)"', tag).group(1) for tag in hidden}


def _cases(process_id: str) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(ProcessInstance.id)).where(ProcessInstance.process_id == process_id))


def test_a_change_filing_form_posted_twice_starts_one_case(login, space_id):
    applicant = login("applicant_a")
    action = f"/spaces/{space_id}/changes"
    form = _form_on_space_page(applicant, space_id, action)
    first = applicant.post(action, form, csrf=False)
    second = applicant.post(action, form, csrf=False)  # a double click, or back and resubmit
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]  # the same case's first step
    assert _cases("change_filing") == 1
    assert "已有一份尚未提交的变更报备" in applicant.get(second.headers["Location"]).get_data(as_text=True)
    # the page's next form too opens the filing under way: one filing of a space at a time
    # (test_change_filing_one_at_a_time.py)
    again = applicant.post(action, _form_on_space_page(applicant, space_id, action), csrf=False)
    assert again.headers["Location"] == first.headers["Location"] and _cases("change_filing") == 1


def test_a_violation_report_and_a_national_filing_posted_twice_start_one_case_each(login, space_id):
    torch = login("torch1")
    action = f"/spaces/{space_id}/violations"
    form = {**_form_on_space_page(torch, space_id, action),
            "violation_type": "serious_violation", "violation_description": "群众举报：场地已停止运营。"}
    assert torch.post(action, form, csrf=False).status_code == 302
    again = torch.post(action, form, csrf=False)
    assert again.status_code == 302 and _cases("violation_case") == 1
    assert "这份报告已经用这张表单提交过" in torch.get(again.headers["Location"]).get_data(as_text=True)

    approver = login("approver")
    action = f"/spaces/{space_id}/national-filing"
    form = _form_on_space_page(approver, space_id, action)
    assert [approver.post(action, form, csrf=False).status_code for _ in range(3)] == [302, 302, 302]
    assert _cases("national_filing") == 1


def test_a_token_from_one_space_s_form_opens_no_other_case(login, world, space_id):
    """A token is good for the form it came with: posted to another form it is refused, not a way to
    another case."""
    applicant = login("applicant_a")
    form = _form_on_space_page(applicant, space_id, f"/spaces/{space_id}/changes")
    assert applicant.post(f"/spaces/{space_id}/changes", form, csrf=False).status_code == 302
    torch = login("torch1")
    crafted = {**_form_on_space_page(torch, space_id, f"/spaces/{space_id}/violations"),
               "start_token": form["start_token"], "violation_type": "serious_violation",
               "violation_description": "线索"}
    assert torch.post(f"/spaces/{space_id}/violations", crafted, csrf=False).status_code == 400
    assert _cases("violation_case") == 0


def test_a_change_filing_form_posted_twice_at_once_starts_one_case(file_app, monkeypatch):
    from webapp.simulation import recognised_space_now

    from .test_probe_findings_low import _at_once, _two_applicants

    _two_applicants(file_app)  # organisation A with applicants a1 and a2
    with file_app.app_context():
        organisation = db.session.scalar(select(Organisation))
        space_id = recognised_space_now("青城创客空间", organisation.id, organisation.unit_id).id
        db.session.commit()
        first, second = Browser(file_app, "a1"), Browser(file_app, "a1")  # two tabs of one person
        action = f"/spaces/{space_id}/changes"
        form = _form_on_space_page(first, space_id, action)
        posts = [(first, action, form), (second, action, {**form, "csrf_token": second.token(f"/spaces/{space_id}")})]
    statuses = _at_once(file_app, monkeypatch, "webapp.submissions:started_with", posts)
    assert statuses == [302, 302]
    with file_app.app_context():
        assert _cases("change_filing") == 1


# ---- 2. a formula in the staff's spreadsheets [medium] -----------------------------------------------------

FORMULA = '=HYPERLINK("http://evil.example/x","点击查看")'


def test_a_space_name_typed_as_a_formula_is_exported_as_text(login):
    start_application(login("applicant_a"), name=FORMULA)
    response = login("torch1").get("/instances/export.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    cells = [cell for row in book.active.iter_rows() for cell in row if cell.value == FORMULA]
    assert cells, "the space's name is in the export"
    assert all(cell.data_type == "s" for cell in cells)  # text: shown, never run ("f" was a live formula)


# ---- 3. NUL characters [medium on PostgreSQL] ---------------------------------------------------------------

NUL_MESSAGE = "提交的内容含有无法保存的控制字符（NUL）"


def test_a_nul_in_a_login_name_is_refused_with_a_message(app, world):
    anonymous = Browser(app, None)
    response = anonymous.post("/login", {"username": "a\x00b", "password": PASSWORD})
    assert response.status_code == 400 and NUL_MESSAGE in response.get_data(as_text=True)


def test_a_nul_in_any_field_saves_nothing(login):
    approver = login("approver")
    response = approver.post("/rounds/new", {"title": "\x00", "year": "2027", "batch": "1", "opens_on": "2027-01-01",
                                             "closes_on": "2027-03-01", "units": "1"})
    assert response.status_code == 400 and NUL_MESSAGE in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ApplicationRound.id))) == 1  # the world's own round only
    torch = login("torch1")
    assert torch.post("/instances/filters", {"name": "a\x00", "query": ""}).status_code == 400
    assert torch.post("/admin/holidays", {"day": "2027-01-01", "is_workday": "no", "name": "元旦\x00"}).status_code == 400
    assert db.session.scalar(select(func.count(SavedFilter.id))) == 0
    # in a search (a GET) it finds nothing, as no stored text holds one
    assert torch.get("/instances?step=%00").status_code == 200
    # a password of NULs is no password
    assert login("applicant_a").post("/password", {"current_password": PASSWORD, "new_password": "\x00" * 20,
                                                   "confirm_password": "\x00" * 20}).status_code == 400


# ---- 4. dates, ids and numbers out of range [500s] ----------------------------------------------------------


def test_dates_and_ids_out_of_range_in_the_case_list_are_told_not_failed(login):
    torch = login("torch1")
    for query in ("created_to=9999-12-31", "created_from=0001-01-01"):
        response = torch.get(f"/instances?{query}")
        assert response.status_code == 400, query
        assert "请输入 1900 年至 2999 年之间的日期" in response.get_data(as_text=True)
    for query in ("unit=99999999999999999999", "round=99999999999999999999"):
        assert torch.get(f"/instances?{query}").status_code == 400, query
        assert torch.get(f"/instances/export.xlsx?{query}").status_code in (302, 400), query
    # a saved filter keeps no such date: its link is the whole list
    assert torch.post("/instances/filters", {"name": "远期", "query": "created_to=9999-12-31"}).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(SavedFilter.query)) == ""


def test_a_round_out_of_range_is_told_not_failed(login):
    approver = login("approver")
    base = {"title": "2027年第一批", "year": "2027", "batch": "1", "opens_on": "2027-01-01", "closes_on": "2027-03-01",
            "units": str(db.session.scalar(select(Unit.id)))}
    for field, value, told in (("year", "99999999999999999999", "请输入 2000 至 2100 之间的整数"),
                               ("closes_on", "9999-12-31", "请输入 1900 年至 2999 年之间的日期"),
                               ("opens_on", "0001-01-01", "请输入 1900 年至 2999 年之间的日期")):
        response = approver.post("/rounds/new", {**base, field: value})
        assert response.status_code == 200, (field, response.status_code)
        assert told in response.get_data(as_text=True), field
    assert db.session.scalar(select(func.count(ApplicationRound.id))) == 1


def test_a_version_beyond_any_in_the_diff_address_shows_the_default_diff(login):
    assert login("designer").get("/designer/diff?from=99999999999999999999").status_code == 200


def test_nan_in_a_number_field_is_refused_as_not_a_number(login, space_id):
    from .lifecycle import REPORT

    report_id = until_half_year_report(login)
    for value in ("NaN", "sNaN", "Infinity"):
        response = login("applicant_a").post(f"/tasks/{report_id}", {**REPORT, "total_area_m2": value})
        assert response.status_code == 422, value
        assert "请输入数字" in response.get_data(as_text=True)
    assert db.session.get(HumanTask, report_id).status == "open"


# ---- 5. a Referer sending people to another site [low] -------------------------------------------------------


def test_a_crafted_referer_never_sends_anyone_to_another_site(login, world):
    from .flow import complete, open_task, submit_application

    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    complete(login("recommender_a"), open_task(application_id, "recommender_review"),
             {"recommender_decision": "recommend", "recommendation_letter": "同意推荐", "recommender_comments": ""})
    task = open_task(application_id, "material_review")  # a group step of the Torch Center

    def sent_back_to(browser, url: str, referer: str) -> str:
        with browser.app.app_context():
            response = browser.client.post(url, data={"csrf_token": browser.token("/")}, headers={"Referer": referer})
        assert response.status_code == 302, response.status_code
        return response.headers["Location"]

    torch1, recommender = login("torch1"), login("recommender_a")
    assert "evil.example" not in sent_back_to(torch1, f"/tasks/{task.id}/claim", "https://evil.example/phish")
    assert "evil.example" not in sent_back_to(recommender, f"/tasks/{task.id}/urge", "https://evil.example/phish")
    # a page of this site is still where one goes back to
    assert sent_back_to(login("torch2"), f"/tasks/{task.id}/claim", "http://localhost/instances?status=running") \
        .endswith("/instances?status=running")


# ---- 7. one record, many addresses [low] -----------------------------------------------------------------------


def test_an_id_is_read_only_as_the_app_writes_it(login, world):
    applicant = login("applicant_a")
    application_id = start_application(applicant)
    assert applicant.get(f"/applications/{application_id}").status_code == 200
    for spelling in ("１", "+1", "%201", "01", "1_0"):
        url = f"/applications/{spelling}" if spelling != "1_0" else "/instances/1_0"
        assert applicant.get(url).status_code == 404, spelling


def test_a_version_number_only_as_the_app_writes_it(login):
    designer = login("designer")
    assert designer.get("/designer/versions/1").status_code == 200
    for spelling in ("１", "٣", "+1"):
        assert designer.get(f"/designer/versions/{spelling}").status_code == 404, spelling
    # in the diff's parameters a number written otherwise is no number: the default diff
    assert designer.get("/designer/diff?from=%EF%BC%91").status_code == 200


def test_a_number_too_large_for_a_float_is_refused(app):
    """1e400 is a finite Decimal but an infinite float, stored as the JSON token Infinity (PostgreSQL refuses
    it): not a number a person means."""
    from werkzeug.datastructures import MultiDict

    from forms.generated import declared_form_class

    form_class = declared_form_class((("x", "number|数值"),))
    with app.test_request_context("/"):
        form = form_class(MultiDict({"x": "1e400"}), meta={"csrf": False})
        assert not form.validate() and "请输入数字。" in form.x.errors
        form = form_class(MultiDict({"x": "12.5"}), meta={"csrf": False})
        assert form.validate() and form.task_data() == {"x": 12.5}


def test_a_number_too_small_for_a_float_is_judged_as_the_zero_it_would_be(login, world, space_id):
    """An outside probe: a change of area to 1e-400 ㎡ passed "greater than 0" (a Decimal) and was stored and shown
    as 0 (a float). Such a value is read as 0 now, and refused where 0 is."""
    from .lifecycle import field_errors

    operator = login("applicant_a")
    dossier = f"/spaces/{space_id}"
    response = operator.post(f"{dossier}/changes", {}, from_page=dossier)
    task = response.headers["Location"].rsplit("/", 1)[1]
    for tiny in ("1e-400", "0.0000000001"):
        response = operator.post(f"/tasks/{task}", {"change_type": "area", "change_description": "扩大",
                                                     "new_total_area_m2": tiny})
        assert response.status_code == 422, tiny
        assert field_errors(response.get_data(as_text=True), "new_total_area_m2"), tiny
