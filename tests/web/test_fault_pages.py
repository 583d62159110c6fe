"""What designers and supervisors read about a diagram's fault (issue 7, item 5): in the trial run's report, on
/faults and on the case page. The sandbox's own workings never show: a script that unpacks arguments
(`max(*values)`) failed with "name '_apply_' is not defined", a helper the designer never wrote; such calls run
now (the sandbox provides the helper), and a name of the sandbox that is still missing is put in words."""

from __future__ import annotations

import io
import re

from webapp.engine.definitions import read_directory
from webapp.fault_words import designer_message

from .test_runtime_faults import deploy_edited, faults

INIT_SCRIPT = "<bpmn:script>submission_due = round_closes_at</bpmn:script>"
UNPACKING = "n = max(*[len(round_closes_at), 1])"
INTERNAL = ("_apply_", "is not defined")


def with_script(app, line: str) -> tuple[str, str]:
    """recognition.bpmn whose first script also runs `line`, and that script's element."""
    text = read_directory(app.config["BPMN_DIR"])["recognition.bpmn"]
    script = f"<bpmn:script>submission_due = round_closes_at\n{line}</bpmn:script>"
    assert INIT_SCRIPT in text
    return text.replace(INIT_SCRIPT, script), script


def test_a_trial_of_a_script_that_unpacks_arguments_runs_without_a_fault(app, login, world):
    response = login("designer").post("/designer/trial", {
        "process_id": "recognition", "answers": "{}",
        "files": [(io.BytesIO(with_script(app, UNPACKING)[0].encode()), "recognition.bpmn")]})
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[:2000]
    assert 'id="trial-fault"' not in page
    for internal in INTERNAL:
        assert internal not in page, internal


def test_a_case_whose_script_unpacks_arguments_starts_and_records_no_fault(app, login, world):
    deploy_edited(app, "recognition.bpmn", INIT_SCRIPT, with_script(app, UNPACKING)[1])
    applicant = login("applicant_a")
    applicant.post("/applications/new", {"space_name": "脚本展开参数的空间"})
    assert faults() == []
    for who in ("designer", "supervisor"):
        page = login(who).get("/faults").get_data(as_text=True)
        for internal in INTERNAL:
            assert internal not in page, (who, internal)


def test_a_missing_helper_of_the_sandbox_is_put_in_words(app):
    with app.test_request_context():
        told = designer_message("NameError: name '_print_' is not defined")
    assert "_print_" not in told and "is not defined" not in told
    assert "不支持" in told
    assert designer_message("ZeroDivisionError: division by zero") == "ZeroDivisionError: division by zero"


def test_a_script_that_unpacks_arguments_runs(app):
    from webapp.engine.sandbox import SandboxedDataEnvironment

    context = {"values": [3, 1, 2], "options": {"default": 0}}
    SandboxedDataEnvironment().execute("n = max(*values)\nm = max([], **options)", context)
    assert (context["n"], context["m"]) == (3, 0)


def fault_rows(page: str) -> list[str]:
    return re.findall(r'<tr class="fault[^"]*">(.*?)</tr>', page, re.S)


def test_the_fault_list_names_the_process_as_its_diagram_does(app, login, world):
    """/faults named the process by its id ("recognition"), on a case's fault as on one met while starting a case
    (which was not kept); the diagram calls it 众创空间认定."""
    deploy_edited(app, "recognition.bpmn", INIT_SCRIPT, with_script(app, "weeks = len(round_closes_at) / 0")[1])
    applicant = login("applicant_a")
    applicant.post("/applications/new", {"space_name": "开始即出错的空间"})  # the start fails: no case is kept
    [fault] = faults()
    assert (fault.instance_id, fault.process_id) == (None, "recognition")
    for who in ("designer", "supervisor"):
        [row] = fault_rows(login(who).get("/faults").get_data(as_text=True))
        assert "众创空间认定" in row and "recognition" not in row, row
