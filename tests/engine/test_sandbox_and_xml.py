"""Diagrams are code: their Python runs sandboxed and uploaded XML is parsed safely."""

import pytest

from webapp.engine.definitions import DefinitionError, deploy, parse_xml_safely, read_directory
from webapp.engine.runtime import Runtime
from webapp.engine.sandbox import DiagramScriptError, SandboxedDataEnvironment, render_instructions

ESCAPES = [
    "__import__('os').system('id')",
    "open('/etc/passwd').read()",
    "().__class__.__bases__[0].__subclasses__()",
    "'{0.__class__}'.format(1)",
    "getattr(1, '__class__')",
    "eval('1+1')",
    "exec('x=1')",
    "globals()",
]


@pytest.mark.parametrize("expression", ESCAPES)
def test_escape_attempts_are_blocked(expression):
    with pytest.raises((DiagramScriptError, NameError, NotImplementedError, AttributeError, SyntaxError)):
        SandboxedDataEnvironment().evaluate(expression, {})


def test_ordinary_expressions_and_scripts_work():
    env = SandboxedDataEnvironment()
    assert env.evaluate("len(failures) == 0 and score >= 85", {"failures": [], "score": 85}) is True
    data = {"n": 1}
    env.execute("n += 1\ntotal = sum([s['total'] for s in scores])", data | {"scores": [{"total": 2}]})
    scope = {"n": 1, "scores": [{"total": 2}]}
    env.execute("n += 1\ntotal = sum([s['total'] for s in scores])", scope)
    assert scope["n"] == 2 and scope["total"] == 2


def test_templates_are_rendered_in_a_sandbox():
    hostile = "{{ cycler.__init__.__globals__.os.popen('id').read() }}"
    assert "uid=" not in render_instructions(hostile, {})
    assert render_instructions("退回意见：{{ c }}", {"c": "<b>x</b>"}) == "退回意见：&lt;b&gt;x&lt;/b&gt;"


def test_a_diagram_that_imports_os_fails_at_run_time_and_saves_nothing(app, harness, monkeypatch):
    """The deploy refuses an import; one that got past it (a version stored before that check) still cannot
    run: the sandbox has no __import__."""
    from webapp.engine import checks

    files = read_directory(app.config["BPMN_DIR"])
    evil = files["recognition.bpmn"].replace(
        "<spiffworkflow:preScript>eligibility_failures = []</spiffworkflow:preScript>",
        "<spiffworkflow:preScript>import os\neligibility_failures = []</spiffworkflow:preScript>")
    assert evil != files["recognition.bpmn"]
    with pytest.raises(DefinitionError, match="不能导入模块"):
        deploy({**files, "recognition.bpmn": evil})
    monkeypatch.setattr(checks, "check_files", lambda files: [])
    deploy({**files, "recognition.bpmn": evil})
    case = harness("recognition")
    from tests.engine.test_recognition_scenarios import eligible_facts

    with pytest.raises(Exception) as caught:
        Runtime().complete(case.task("submit_application"), eligible_facts())
    assert "import" in str(caught.value).lower() or isinstance(caught.value, DiagramScriptError)


XXE = """<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">&x;</definitions>"""
LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<definitions>&lol2;</definitions>"""


@pytest.mark.parametrize("xml", [XXE, LAUGHS])
def test_doctype_and_entities_are_refused(xml):
    with pytest.raises(DefinitionError):
        parse_xml_safely("evil.bpmn", xml)


def test_broken_diagrams_are_refused_with_a_readable_message(app):
    files = read_directory(app.config["BPMN_DIR"])
    with pytest.raises(DefinitionError, match="recognition.bpmn"):
        deploy({**files, "recognition.bpmn": files["recognition.bpmn"][:-40]})
    with pytest.raises(DefinitionError):
        deploy({**files, "recognition.bpmn": files["recognition.bpmn"].replace("<bpmn:userTask", "<bpmn:userTusk", 1)})


def test_task_data_cannot_replace_the_guards():
    hostile = {"_getattr_": getattr, "__builtins__": __builtins__}
    with pytest.raises((DiagramScriptError, NameError, AttributeError)):
        SandboxedDataEnvironment().evaluate("open('/etc/passwd')", hostile)


def test_deploy_refuses_unknown_service_functions_and_lane_roles(app):
    files = read_directory(app.config["BPMN_DIR"])
    unknown_service = files["recognition.bpmn"].replace(
        '<spiffworkflow:serviceTaskOperator id="recognise_space"', '<spiffworkflow:serviceTaskOperator id="recognise_spaces"')
    with pytest.raises(DefinitionError, match="recognise_spaces"):
        deploy({**files, "recognition.bpmn": unknown_service})
    unknown_lane = files["recognition.bpmn"].replace('name="评审专家 (expert)"', 'name="评审专家 (reviewer)"')
    assert unknown_lane != files["recognition.bpmn"]
    with pytest.raises(DefinitionError, match="reviewer"):
        deploy({**files, "recognition.bpmn": unknown_lane})
