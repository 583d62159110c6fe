"""The designer area (issue 7, items 1 and 3): only designers reach it; uploads are checked, deployed as a
new version with who and why in the audit trail, refused whole when anything is wrong; rollback, diff,
download."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from webapp.designer.service import diff_file
from webapp.engine.definitions import read_directory
from webapp.extensions import db
from webapp.models import Application, AuditEvent, DefinitionBundle, HumanTask

from .flow import start_application
from .test_designer_changes import with_extra_review

OLD_TITLE, NEW_TITLE = "填写并提交申报书", "填写申报书（2022年修订）"


def renamed(xml: str) -> str:
    edited = xml.replace(f'<bpmn:userTask id="submit_application" name="{OLD_TITLE}">',
                         f'<bpmn:userTask id="submit_application" name="{NEW_TITLE}">')
    assert edited != xml
    return edited


def upload(browser, files: dict[str, str | bytes], note: str = "2022年修订：申报书环节改名"):
    data = {"note": note, "files": [(io.BytesIO(text.encode() if isinstance(text, str) else text), name)
                                    for name, text in files.items()]}
    return browser.post("/designer/deploy", data)


def versions() -> int:
    return db.session.scalar(select(func.count(DefinitionBundle.id)))


def deploy_events() -> list[AuditEvent]:
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "deployed").order_by(AuditEvent.id)).all()


def bundle(version: int) -> DefinitionBundle:
    db.session.expire_all()
    return db.session.scalar(select(DefinitionBundle).where(DefinitionBundle.version == version))


@pytest.fixture
def bpmn_files(app):
    return read_directory(app.config["BPMN_DIR"])


READ_ROUTES = ["/designer/", "/designer/versions/1", "/designer/versions/1?file=eligibility.dmn",
               "/designer/versions/1/files/recognition.bpmn", "/designer/versions/1/files/recognition.bpmn/download",
               "/designer/deploy", "/designer/diff", "/designer/diff?from=1&to=1"]


def test_only_designers_reach_the_designer_area(app, login, world, bpmn_files):
    designer = login("designer")
    for url in READ_ROUTES:
        assert designer.get(url).status_code == 200, url
    for username in ("supervisor", "torch1", "approver", "applicant_a", "recommender_a", "expert1"):
        browser = login(username)
        for url in READ_ROUTES:
            assert browser.get(url).status_code == 403, (username, url)
        assert "/designer/" not in browser.get("/").get_data(as_text=True)  # no link in the menu
    supervisor = login("supervisor")
    edited = {"recognition.bpmn": renamed(bpmn_files["recognition.bpmn"])}
    assert upload(supervisor, edited).status_code == 403
    assert supervisor.post("/designer/versions/1/rollback", {"note": "试图回滚"}).status_code == 403
    assert versions() == 1 and deploy_events() == []
    # supervisors keep the read-only list
    assert supervisor.get("/admin/definitions").status_code == 200
    # not logged in: sent to the login page
    assert login(None).get("/designer/").status_code == 302
    assert 'href="/designer/"' in designer.get("/").get_data(as_text=True)


def test_an_uploaded_diagram_becomes_the_version_new_cases_start_on(app, login, world, bpmn_files):
    old_id = start_application(login("applicant_a"), "修订前的申报")
    designer = login("designer")
    response = upload(designer, {"recognition.bpmn": renamed(bpmn_files["recognition.bpmn"])})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert response.headers["Location"].endswith("/designer/versions/2")
    page = designer.get("/designer/versions/2").get_data(as_text=True)
    assert "recognition.bpmn" in page and "2022年修订：申报书环节改名" in page
    assert 'id="canvas"' in page and 'data-xml-url="/designer/versions/2/files/recognition.bpmn?view=1"' in page

    new = bundle(2)
    assert new.deployed_by_id == world["users"]["designer"].id and new.note == "2022年修订：申报书环节改名"
    assert new.files["recognition.bpmn"] == renamed(bpmn_files["recognition.bpmn"])
    assert {n: t for n, t in new.files.items() if n != "recognition.bpmn"} == \
        {n: t for n, t in bpmn_files.items() if n != "recognition.bpmn"}  # the other files are kept
    [event] = deploy_events()
    assert event.instance_id is None and event.actor_id == world["users"]["designer"].id
    assert event.detail == {"version": 2, "note": "2022年修订：申报书环节改名", "files": ["recognition.bpmn"]}

    new_id = start_application(login("applicant_a"), "修订后的申报")
    db.session.expire_all()
    cases = {a.id: a.instance for a in db.session.scalars(select(Application))}
    assert {i: c.bundle.version for i, c in cases.items()} == {old_id: 1, new_id: 2}
    titles = {i: db.session.scalar(select(HumanTask.title).where(HumanTask.instance_id == c.id)) for i, c in cases.items()}
    assert titles == {old_id: OLD_TITLE, new_id: NEW_TITLE}

    # the overview lists processes by their Chinese names and the versions their files changed in
    overview = designer.get("/designer/").get_data(as_text=True)
    assert "众创空间认定" in overview and "考核等级" in overview
    row = re.search(r'<tr data-kind="process" data-id="recognition">.*?</tr>', overview, re.S).group(0)
    assert "/designer/versions/2?file=recognition.bpmn" in row and "/designer/versions/1?file=recognition.bpmn" in row
    row = re.search(r'<tr data-kind="decision" data-id="evaluation_grade">.*?</tr>', overview, re.S).group(0)
    assert "/designer/versions/2?" not in row and "/designer/versions/1?" in row

    # the same files again: nothing changes
    again = upload(designer, {"recognition.bpmn": renamed(bpmn_files["recognition.bpmn"])}, note="再次上传")
    assert again.status_code == 302 and versions() == 2 and len(deploy_events()) == 1


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&lol2;</bpmn:definitions>"""


@pytest.mark.parametrize(("files", "message"), [
    ({"recognition.bpmn": "<bpmn:definitions><bpmn:process"}, "XML"),
    ({"recognition.bpmn": BILLION_LAUGHS}, "DOCTYPE"),
    ({"notes.txt": "hello"}, ".bpmn"),
    ({"recognition.bpmn": "申报书".encode("gbk")}, "UTF-8"),
])
def test_an_unsafe_or_malformed_upload_is_refused_and_nothing_is_stored(app, login, world, files, message):
    response = upload(login("designer"), files)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    errors = re.findall(r'<p class="error">(.*?)</p>', page)
    assert errors and any(message in e for e in errors), errors
    assert all(re.search(r"[\u4e00-\u9fff]", e) for e in errors), errors  # said in Chinese
    assert versions() == 1 and deploy_events() == []


def test_a_diagram_the_engine_refuses_is_listed_and_nothing_is_stored(app, login, world, bpmn_files):
    broken = bpmn_files["recognition.bpmn"].replace('name="火炬中心 (torch_center)"', 'name="火炬中心 (torch)"')
    assert broken != bpmn_files["recognition.bpmn"]
    response = upload(login("designer"), {"recognition.bpmn": broken})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    problems = re.search(r'<div class="card problems" id="deploy-problems".*?</div>', page, re.S).group(0)
    assert "未部署" in problems and "<li" in problems and "torch" in problems
    assert versions() == 1 and deploy_events() == []


def test_an_element_named_like_a_service_function_is_refused_on_the_deploy_page(app, login, world, bpmn_files):
    """The engine's "There is no support implemented for this task type" became a problem naming the element
    (its name and the function) and saying to rename its id."""
    clash = bpmn_files["recognition.bpmn"].replace("take_next_objection", "take_queued_objection")
    response = upload(login("designer"), {"recognition.bpmn": clash})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    problems = re.search(r'<div class="card problems" id="deploy-problems".*?</div>', page, re.S).group(0)
    [item] = re.findall(r'<li class="error" data-file="recognition.bpmn" data-element-id="take_queued_objection">(.*?)</li>',
                        problems)
    assert "取下一件异议" in item and "功能“take_queued_objection”" in item and "id 改为别的名称" in item
    assert "no support implemented" not in problems
    assert versions() == 1 and deploy_events() == []


def test_an_upload_of_80_mb_is_refused(app, login, world):
    response = upload(login("designer"), {"recognition.bpmn": b"<a>" + b" " * (80 * 1024 * 1024) + b"</a>"})
    assert response.status_code == 413
    assert versions() == 1 and deploy_events() == []


def test_a_file_over_the_size_limit_is_refused_with_a_message(app, login, world):
    response = upload(login("designer"), {"recognition.bpmn": b"<a>" + b" " * (3 * 1024 * 1024) + b"</a>"})
    assert response.status_code == 422 and "MB" in response.get_data(as_text=True)
    assert versions() == 1


def test_the_deploy_needs_a_reason(app, login, world, bpmn_files):
    response = upload(login("designer"), {"recognition.bpmn": renamed(bpmn_files["recognition.bpmn"])}, note="  ")
    assert response.status_code == 422 and versions() == 1


def test_rollback_deploys_the_old_content_as_a_new_version(app, login, world, bpmn_files):
    designer = login("designer")
    assert upload(designer, {"recognition.bpmn": renamed(bpmn_files["recognition.bpmn"])}).status_code == 302
    assert designer.post("/designer/versions/1/rollback", {"note": ""}).status_code == 422
    assert versions() == 2
    response = designer.post("/designer/versions/1/rollback", {"note": "改名引起误解"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/designer/versions/3")
    rolled = bundle(3)
    assert rolled.files == bundle(1).files and rolled.note == "回滚到第 1 版：改名引起误解"
    assert rolled.deployed_by_id == world["users"]["designer"].id
    event = deploy_events()[-1]
    assert event.actor_id == world["users"]["designer"].id
    assert event.detail == {"version": 3, "note": "回滚到第 1 版：改名引起误解", "files": ["recognition.bpmn"],
                            "rollback_to": 1}
    new_id = start_application(login("applicant_a"), "回滚后的申报")
    assert db.session.get(Application, new_id).instance.bundle.version == 3
    # rolling back to what is deployed already changes nothing
    assert designer.post("/designer/versions/1/rollback", {"note": "再来一次"}).status_code == 302
    assert versions() == 3


def test_the_diff_lists_renamed_added_and_changed_rules(app, login, world, bpmn_files):
    edited = with_extra_review({**bpmn_files, "recognition.bpmn": renamed(bpmn_files["recognition.bpmn"])})
    dmn = re.sub(r"&lt;\s*500\b", "&lt; 400", bpmn_files["eligibility.dmn"])
    designer = login("designer")
    assert upload(designer, {"recognition.bpmn": edited["recognition.bpmn"], "eligibility.dmn": dmn}).status_code == 302
    page = designer.get("/designer/diff?from=1&to=2").get_data(as_text=True)

    recognition = re.search(r'<section class="card file-diff" data-file="recognition.bpmn".*?</section>', page, re.S).group(0)
    assert re.search(r'data-changed-ids="[^"]*\bsubmit_application\b', recognition)
    assert re.search(r'data-added-ids="[^"]*\bcompliance_review\b', recognition)
    row = re.search(r'<tr class="diff-changed" data-element-id="submit_application".*?</tr>', recognition, re.S).group(0)
    assert OLD_TITLE in row and NEW_TITLE in row
    row = re.search(r'<tr class="diff-added" data-element-id="compliance_review".*?</tr>', recognition, re.S).group(0)
    assert "合规性复核" in row
    assert 'data-element-id="Flow_compliance_done" data-change="added"' in recognition
    assert 'data-element-id="Flow_material_complete" data-change="changed"' in recognition  # re-routed

    eligibility = re.search(r'<section class="card file-diff" data-file="eligibility.dmn".*?</section>', page, re.S).group(0)
    changed_rules = re.findall(r'data-element-id="([^"]+)" data-change="changed"', eligibility)
    assert len(changed_rules) == 1
    assert "&lt; 500" in eligibility and "&lt; 400" in eligibility
    assert 'data-file="lifecycle.bpmn"' not in page  # unchanged files are not listed

    # the other way round, the added task is removed
    back = designer.get("/designer/diff?from=2&to=1").get_data(as_text=True)
    assert 'data-element-id="compliance_review" data-change="removed"' in back
    assert designer.get("/designer/diff?from=1&to=99").status_code == 404


def test_download_returns_the_file_unchanged(app, login, world, bpmn_files):
    designer = login("designer")
    response = designer.get("/designer/versions/1/files/eligibility.dmn/download")
    assert response.status_code == 200
    assert response.data == bpmn_files["eligibility.dmn"].encode("utf-8")
    assert response.mimetype == "application/xml"
    assert response.headers["Content-Disposition"] == "attachment; filename=eligibility.dmn"
    raw = renamed(bpmn_files["recognition.bpmn"]).encode("utf-8")
    assert upload(designer, {"recognition.bpmn": raw}).status_code == 302
    assert designer.get("/designer/versions/2/files/recognition.bpmn/download").data == raw
    inline = designer.get("/designer/versions/2/files/recognition.bpmn")
    assert inline.data == raw and inline.mimetype == "application/xml"
    assert designer.get("/designer/versions/2/files/nothing.bpmn").status_code == 404
    assert designer.get("/designer/versions/9/files/recognition.bpmn").status_code == 404


def test_problems_are_read_from_the_error_or_its_message(app):
    from webapp.designer.service import problems_of
    from webapp.engine.definitions import DefinitionError

    class Plain(DefinitionError):
        def __init__(self, text):
            Exception.__init__(self, text)

    with app.test_request_context():
        assert [p.text for p in problems_of(Plain("a.bpmn：甲\nb.dmn：乙"))] == ["a.bpmn：甲", "b.dmn：乙"]
        assert [p.text for p in problems_of(Plain(""))] == ["流程定义无法部署。"]


def test_attributes_left_at_their_bpmn_default_are_not_changes(app, login, world, bpmn_files):
    """bpmn-js writes no `cancelActivity="true"` or `isSequential="false"`: saving in the editor is not a change."""
    original = bpmn_files["recognition.bpmn"]
    saved = re.sub(r'\s(cancelActivity="true"|isSequential="false")', "", original)
    assert saved != original
    diff = diff_file("recognition.bpmn", original, saved)
    assert diff.how == "same" or not diff.changes
