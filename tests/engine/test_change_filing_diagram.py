"""change_filing.bpmn with the data its forms now give (forms/change_filing.py): the kinds of change the
diagram offers, including a move (场地地址); a filed change of operator hands the space to the organisation
the Department's acceptance names (new_organisation_id), and any other kind, or a change not filed, moves
nothing."""

from __future__ import annotations

import re

from sqlalchemy import select

from forms.declared import declared_choices
from webapp.engine.definitions import deploy, latest_bundle, parsed_bundle, read_directory
from webapp.engine.runtime import task_properties
from webapp.extensions import db
from webapp.models import ChangeFiling, MakerSpace, Organisation

from .test_lifecycle_scenarios import space_id_of

CODE = "91150100MA0Q1B2C3D"


def filing(harness, **request):
    lh = harness.recognised_space()
    space_id = space_id_of(lh)
    h = harness("change_filing", data={"space_id": space_id})
    h.complete("change_request", **{"new_total_area_m2": None, "new_public_area_m2": None, "new_address": "",
                                    "new_direction": "", "new_organisation_name": "", "new_organisation_credit_code": "",
                                    "new_organisation_id": None, "change_before": {}, **request})
    h.complete("change_forward", forward_decision="forward", forward_comments="")
    assert h.ready() == ["change_accept"]
    return h, space_id


def test_the_kinds_of_change_include_a_move(app):
    spec, _ = parsed_bundle(latest_bundle()).specs["change_filing"]
    kinds = dict(dict(declared_choices(task_properties(spec.task_specs["change_request"])))["change_type"])
    assert kinds == {"area": "场地面积", "address": "场地地址", "operator": "运营机构", "direction": "经营方向"}


def test_a_filed_change_of_operator_hands_the_space_to_the_organisation_named(harness):
    h, space_id = filing(harness, change_type="operator", change_type_label="运营机构", change_description="运营主体变更",
                         new_organisation_name="新运营有限公司", new_organisation_credit_code=CODE)
    new = Organisation(name="新运营有限公司", credit_code=CODE, unit_id=harness.unit.id)
    db.session.add(new)
    db.session.commit()
    h.complete("change_accept", change_accepted=True, change_comments="", new_organisation_id=new.id)
    assert h.done
    assert db.session.get(MakerSpace, space_id).organisation_id == new.id
    [record] = db.session.scalars(select(ChangeFiling).where(ChangeFiling.space_id == space_id)).all()
    assert record.accepted and record.change_type == "operator"


def test_a_move_filed_or_an_operator_change_refused_hands_nothing_over(harness):
    h, space_id = filing(harness, change_type="address", change_type_label="场地地址", change_description="整体搬迁",
                         new_address="呼和浩特市赛罕区敕勒川大街 1 号", new_total_area_m2=2000.0)
    h.complete("change_accept", change_accepted=True, change_comments="")
    assert h.done and db.session.get(MakerSpace, space_id).organisation_id == harness.organisation.id

    h, space_id = filing(harness, change_type="operator", change_type_label="运营机构", change_description="运营主体变更",
                         new_organisation_name="新运营有限公司", new_organisation_credit_code=CODE)
    h.complete("change_accept", change_accepted=False, change_comments="材料不实")
    assert h.done and db.session.get(MakerSpace, space_id).organisation_id == harness.organisation.id


def test_the_diagram_registers_an_operator_the_system_does_not_know_and_keeps_what_was_filed(harness):
    """登记新运营机构 (register_operator) finds or registers the organisation of the code filed, and the filing
    on the dossier keeps the values filed beside those on record."""
    h, space_id = filing(harness, change_type="operator", change_type_label="运营机构", change_description="运营主体变更",
                         new_organisation_name="新运营有限公司", new_organisation_credit_code=CODE,
                         change_before={"organisation_name": "旧运营机构"})
    h.complete("change_accept", change_accepted=True, change_comments="")
    assert h.done
    new = db.session.scalars(select(Organisation).where(Organisation.credit_code == CODE)).one()
    assert (new.name, new.unit_id) == ("新运营有限公司", harness.unit.id)
    assert db.session.get(MakerSpace, space_id).organisation_id == new.id
    [record] = db.session.scalars(select(ChangeFiling).where(ChangeFiling.space_id == space_id)).all()
    assert record.filed_values == {"new_organisation_name": "新运营有限公司", "new_organisation_credit_code": CODE,
                                   "change_before": {"organisation_name": "旧运营机构"}}


def test_a_case_on_a_diagram_without_the_registration_step_still_hands_over(harness):
    """A filing under way on a version drawn before 登记新运营机构 existed: its transfer step resolves the
    organisation itself."""
    files = read_directory("bpmn")
    xml = files["change_filing.bpmn"]
    for old, new in (('sourceRef="gw_operator_change" targetRef="register_new_operator"',
                      'sourceRef="gw_operator_change" targetRef="transfer_operator_task"'),
                     ('<bpmn:incoming>flow_c_registered</bpmn:incoming>', '<bpmn:incoming>flow_c_transfer</bpmn:incoming>')):
        assert xml.count(old) == 1
        xml = xml.replace(old, new)
    start = xml.index('<bpmn:serviceTask id="register_new_operator"')
    xml = xml[:start] + xml[xml.index('</bpmn:serviceTask>', start) + len('</bpmn:serviceTask>'):]
    xml = xml.replace('<bpmn:sequenceFlow id="flow_c_registered" sourceRef="register_new_operator" '
                      'targetRef="transfer_operator_task" />', '')
    xml = xml.replace('<bpmn:flowNodeRef>register_new_operator</bpmn:flowNodeRef>', '')
    xml = re.sub(r'<bpmndi:BPMN(Shape|Edge) id="(register_new_operator|flow_c_registered)_di".*?</bpmndi:BPMN\1>', '',
                 xml, flags=re.S)
    deploy({**files, "change_filing.bpmn": xml}, note="before 登记新运营机构")
    db.session.commit()
    h, space_id = filing(harness, change_type="operator", change_type_label="运营机构", change_description="运营主体变更",
                         new_organisation_name="新运营有限公司", new_organisation_credit_code=CODE)
    assert "register_new_operator" not in parsed_bundle(h.instance.bundle).specs["change_filing"][0].task_specs
    h.complete("change_accept", change_accepted=True, change_comments="")
    assert h.done
    new = db.session.scalars(select(Organisation).where(Organisation.credit_code == CODE)).one()
    assert db.session.get(MakerSpace, space_id).organisation_id == new.id


def test_a_namesake_under_another_unit_is_not_taken_for_the_new_operator(harness):
    """An outside probe: a filing named another unit's organisation (no code on record) and the space moved to
    it, the code written onto it. A name alone counts only under the space's own recommending unit."""
    from webapp.models import Unit

    other_unit = Unit(code="elsewhere", name="别处科技局", kind="bureau")
    db.session.add(other_unit)
    db.session.flush()
    namesake = Organisation(name="新运营有限公司", unit_id=other_unit.id)
    db.session.add(namesake)
    db.session.commit()
    h, space_id = filing(harness, change_type="operator", change_type_label="运营机构", change_description="运营主体变更",
                         new_organisation_name="新运营有限公司", new_organisation_credit_code=CODE)
    h.complete("change_accept", change_accepted=True, change_comments="")
    db.session.expire_all()
    moved_to = db.session.get(MakerSpace, space_id).organisation
    assert moved_to.id != namesake.id and moved_to.unit_id == harness.unit.id and moved_to.credit_code == CODE
    assert db.session.get(Organisation, namesake.id).credit_code is None
