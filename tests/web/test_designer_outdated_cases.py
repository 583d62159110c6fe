"""The designer's move page lists a running case as on an old version only when what it runs changed: its own
process, or a decision table it calls. A new version that changed another process's diagram, a table the case
does not use, or only the layout of its own drawing left every case listed as outdated, to be moved for nothing."""

from __future__ import annotations

import re

from webapp.engine.definitions import deploy, read_directory
from webapp.extensions import db

from .test_designer_changes import with_extra_review
from .test_designer_migration import PAGE, _instance, _waiting_at_material_review


def _deploy(app, change) -> None:
    files = read_directory(app.config["BPMN_DIR"])
    changed = change(dict(files))
    assert changed != files
    deploy(changed, note="test")
    db.session.commit()


def _recognition_count(page: str) -> int:
    row = re.search(r'<a href="/designer/migrate/recognition">[^<]*</a></td>\s*<td>(\d+)</td>', page)
    return int(row.group(1))


def _listed(designer, instance_id: int) -> bool:
    page = designer.get(PAGE).get_data(as_text=True)
    return f'data-instance="{instance_id}"' in page


def _edit(name: str, old: str, new: str):
    def change(files: dict) -> dict:
        assert old in files[name], (name, old)
        return {**files, name: files[name].replace(old, new, 1)}
    return change


def test_a_case_is_not_outdated_by_changes_to_what_it_does_not_run(app, login, world):
    application_id = _waiting_at_material_review(login)
    instance_id = _instance(application_id).id
    designer = login("designer")
    # another process's diagram; a decision table recognition never calls; the layout of recognition's drawing
    _deploy(app, _edit("violation_case.bpmn", 'name="调查核实"', 'name="调查与核实"'))
    _deploy(app, _edit("evaluation_award.dmn", "<text>400000</text>", "<text>450000</text>"))
    _deploy(app, _edit("recognition.bpmn", '<dc:Bounds x="120" y="60" width="4110"', '<dc:Bounds x="120" y="60" width="4200"'))
    assert _instance(application_id).bundle.version == 1
    page = designer.get("/designer/migrate").get_data(as_text=True)
    assert _recognition_count(page) == 0
    assert not _listed(designer, instance_id)
    assert "没有" in designer.get(PAGE).get_data(as_text=True)  # no running case is on an older version

    # the table recognition calls changed: now the case runs on an older version of what it uses
    _deploy(app, _edit("eligibility.dmn", "<text>incubation_cases</text>", "<text>incubation_cases </text>"))
    assert _recognition_count(designer.get("/designer/migrate").get_data(as_text=True)) == 1
    assert _listed(designer, instance_id)


def test_a_case_whose_own_process_changed_is_listed(app, login, world):
    application_id = _waiting_at_material_review(login)
    _deploy(app, with_extra_review)
    designer = login("designer")
    assert _recognition_count(designer.get("/designer/migrate").get_data(as_text=True)) == 1
    assert _listed(designer, _instance(application_id).id)


def test_the_page_says_what_counts_as_behind(login, world):
    page = login("designer").get("/designer/migrate").get_data(as_text=True)
    assert "只有案件自身的流程或其使用的决策表" in page
