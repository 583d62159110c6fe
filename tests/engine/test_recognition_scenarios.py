"""Scenarios of bpmn/recognition.bpmn + bpmn/eligibility.dmn: the recognition procedure of Art. 6–9.

Every flow decision lives in the diagram; these tests drive it through the engine harness
(`harness` fixture, tests/engine/conftest.py) on the app's test database with the real service tasks.
The clock starts frozen at 2026-03-02T09:00+08:00 (a Monday).

Rule ids (R1…R10) are those of shared/spec/regulation.md. All thresholds of Art. 6 are inclusive
(以上 / 不低于 / 不少于): exactly at the limit passes, just below fails.
"""

from __future__ import annotations

import pytest

START_DATA = {"application_id": 1, "round_id": 1}

# Texts of bpmn/eligibility.dmn (output `eligibility_failures`), in rule order.
MSG = {
    "legal_entity": "申报单位须为自治区境内注册的具有独立法人资格的企事业单位、社会团体或其内设机构（第六条第一项）",
    "operating_years": "运营时间须在1年以上（第六条第一项）",
    "controlled_area": "可自主支配的运营场所面积不得低于500平方米（第六条第二项）",
    "public_share": "公共场地面积不得低于众创空间总面积的50%（第六条第二项）",
    "lease": "租赁场地的租期应当在3年以上（第六条第二项）",
    "admission_exit_rules": "须具有创业实体评估准入与退出制度（第六条第三项）",
    "finance_rules": "须具有财务管理制度（第六条第三项）",
    "daily_rules": "须具有日常管理服务制度（第六条第三项）",
    "business_model": "须说明可持续发展的商业运营模式（第六条第三项）",
    "staff": "须有至少3名具有相应专业知识和技能的管理服务人员（第六条第四项）",
    "mentors": "须有能够提供指导咨询服务的创新创业导师（第六条第四项）",
    "infrastructure": "供电、供水、消防、通讯、网络等配套基础设施须具备“即入即开”条件（第六条第五项）",
    "services": "须为创业者提供研发设计、技术转移、认证检测、创业孵化等创新创业服务（第六条第五项）",
    "new_residents": "每年入驻的创新创业企业或团队数量不低于6家（第六条第五项）",
    "trainings": "每年开展的创业沙龙、大讲堂、训练营等培训活动不低于5场次（第六条第五项）",
    "incubation": "成功孵化的企业案例不低于2个（第六条第五项）",
    "investors": "须与天使投资、风险投资、私募基金及投资、担保机构等有良好的合作关系（第六条第六项）",
    "free_service": "须为创业实体提供不少于半年（6个月）免费服务（第六条第七项）",
    "designation": "已认定（备案）为科技企业孵化器、大学科技园、软件产业基地、星创天地的，不纳入自治区众创空间管理体系（第九条）",
}


def eligible_facts() -> dict:
    """Art. 6 facts of an application that passes every check (R1–R7) and is not excluded by Art. 9 (R10)."""
    return {
        "legal_entity": True,
        "operating_years": 2.5,
        "controlled_area_m2": 800.0,
        "total_area_m2": 1000.0,
        "public_area_m2": 600.0,
        "premises_leased": True,
        "lease_years": 5.0,
        "has_admission_exit_rules": True,
        "has_finance_rules": True,
        "has_daily_rules": True,
        "business_model": "开放共享降低成本，投资与专业服务获得收益",
        "management_staff": 5,
        "mentors": 3,
        "infrastructure_ready": True,
        "services_offered": ["创业孵化", "科技金融", "知识产权"],
        "new_residents_per_year": 10,
        "training_events_per_year": 12,
        "incubation_cases": 3,
        "investor_partners": 2,
        "free_service_months": 12,
        "existing_designation": "none",
    }


def all_failing_facts() -> dict:
    return {
        "legal_entity": False,
        "operating_years": 0.5,
        "controlled_area_m2": 100.0,
        "total_area_m2": 1000.0,
        "public_area_m2": 100.0,
        "premises_leased": True,
        "lease_years": 1.0,
        "has_admission_exit_rules": False,
        "has_finance_rules": False,
        "has_daily_rules": False,
        "business_model": "  ",
        "management_staff": 0,
        "mentors": 0,
        "infrastructure_ready": False,
        "services_offered": [],
        "new_residents_per_year": 0,
        "training_events_per_year": 0,
        "incubation_cases": 0,
        "investor_partners": 0,
        "free_service_months": 0,
        "existing_designation": "incubator",
    }


def expert_score(expert_id: int, base: float, bonus: float = 0.0) -> dict:
    return {
        "expert_id": expert_id,
        "base": base,
        "bonus": bonus,
        "total": base + bonus,
        "comments": "评审意见",
    }


# ---------------------------------------------------------------------------------------------- steps


def start(harness):
    h = harness("recognition", data=dict(START_DATA))
    assert h.ready() == ["submit_application"]
    return h


def submit_and_recommend(h):
    h.complete("submit_application", **eligible_facts())
    assert h.ready() == ["recommender_review"]
    h.complete(
        "recommender_review",
        recommender_decision="recommend",
        recommender_comments="同意推荐",
        recommendation_letter="推荐函〔2026〕1号",
    )
    assert h.ready() == ["material_review"]


def review_panel(h, experts, base=80.0):
    """Material review, panel, inspection and credit check up to the shortlist decision."""
    h.complete("material_review", material_decision="complete", material_comments="材料齐全")
    assert h.ready() == ["organise_review"]
    h.complete("organise_review", panel_experts=list(experts))
    # R9: expert panel, site inspection and credit check run in parallel; one scoring task per expert
    assert sorted(h.ready()) == sorted(["credit_check", "site_inspection"] + ["expert_review"] * len(experts))
    for i, e in enumerate(experts):
        h.complete("expert_review", assignee=e, expert_score=expert_score(e, base + i, 5.0))
    h.complete("site_inspection", site_inspection_passed=True, site_inspection_report="场地、设施与申报一致")
    assert h.ready() == ["credit_check"]
    h.complete("credit_check", credit_blacklisted=False, credit_abnormal=False, credit_notes="无不良信用记录")
    assert h.ready() == ["shortlist_decision"]


def to_public_notice(h, experts):
    submit_and_recommend(h)
    review_panel(h, experts)
    h.complete("shortlist_decision", shortlist_decision="shortlist", shortlist_comments="拟入选")
    # the notice is open: nobody has anything to do until it ends or an objection arrives
    assert h.ready() == []
    assert not h.done
    assert h.data["notice_end"] == "2026-03-10T00:00:00+08:00"


# ------------------------------------------------------------------------------------------ happy path


def test_happy_path_to_recognition(harness):
    h = start(harness)
    experts = harness.expert_ids[:5]
    to_public_notice(h, experts)
    data = h.data
    # multi-instance output: one score per expert, in completion order
    assert [s["expert_id"] for s in data["expert_scores"]] == experts
    # totals 85..89, five experts → highest and lowest dropped → mean of 86, 87, 88
    assert data["panel_score"] == pytest.approx(87.0)
    assert data["panel_needs_discussion"] is False
    # R9: 5 working days from Mon 2026-03-02 are Tue 03-03 … Mon 03-09; the notice ends 03-10 00:00
    h.advance(days=7)
    assert not h.done and h.ready() == []
    h.advance(days=1)
    assert h.done
    assert h.outcome == "recognised"
    assert h.data["certificate_no"]
    assert h.data["space_id"]


def test_notice_is_still_open_one_day_before_it_ends(harness):
    h = start(harness)
    to_public_notice(h, harness.expert_ids[:3])
    h.advance(days=7)  # Mon 2026-03-09 09:00, still inside the 5th working day
    assert not h.done
    assert h.ready() == []
    h.advance(days=1)  # Tue 2026-03-10 09:00
    assert h.done and h.outcome == "recognised"


# -------------------------------------------------------------------------------- eligibility (Art. 6)

THRESHOLDS = [
    # (message key, at the limit: passes, just below: fails)
    pytest.param("operating_years", {"operating_years": 1}, {"operating_years": 0.99}, id="R1-operating-1y"),
    pytest.param(
        "controlled_area", {"controlled_area_m2": 500}, {"controlled_area_m2": 499.99}, id="R2-area-500"
    ),
    pytest.param(
        "public_share",
        {"public_area_m2": 500.0, "total_area_m2": 1000.0},
        {"public_area_m2": 499.99, "total_area_m2": 1000.0},
        id="R2-public-50pct",
    ),
    pytest.param(
        "lease",
        {"premises_leased": True, "lease_years": 3},
        {"premises_leased": True, "lease_years": 2.99},
        id="R2-lease-3y",
    ),
    pytest.param("staff", {"management_staff": 3}, {"management_staff": 2}, id="R4-staff-3"),
    pytest.param(
        "new_residents", {"new_residents_per_year": 6}, {"new_residents_per_year": 5}, id="R5-residents-6"
    ),
    pytest.param(
        "trainings", {"training_events_per_year": 5}, {"training_events_per_year": 4}, id="R5-trainings-5"
    ),
    pytest.param("incubation", {"incubation_cases": 2}, {"incubation_cases": 1}, id="R5-incubation-2"),
    pytest.param("free_service", {"free_service_months": 6}, {"free_service_months": 5}, id="R7-free-6m"),
]


@pytest.mark.parametrize(("key", "at_limit", "below"), THRESHOLDS)
def test_threshold_at_limit_passes(harness, key, at_limit, below):
    h = start(harness)
    h.complete("submit_application", **{**eligible_facts(), **at_limit})
    assert h.ready() == ["recommender_review"]
    assert h.data["eligibility_failures"] == []


@pytest.mark.parametrize(("key", "at_limit", "below"), THRESHOLDS)
def test_threshold_just_below_fails_and_returns_to_applicant(harness, key, at_limit, below):
    h = start(harness)
    h.complete("submit_application", **{**eligible_facts(), **below})
    assert h.ready() == ["submit_application"]
    assert h.data["eligibility_failures"] == [MSG[key]]
    # corrected and resubmitted: the old failure does not linger
    h.complete("submit_application", **{**eligible_facts(), **at_limit})
    assert h.ready() == ["recommender_review"]
    assert h.data["eligibility_failures"] == []


def test_public_share_with_awkward_floats_is_inclusive(harness):
    h = start(harness)
    h.complete("submit_application", **{**eligible_facts(), "public_area_m2": 300.3, "total_area_m2": 600.6})
    assert h.ready() == ["recommender_review"]


def test_total_area_zero_does_not_divide_by_zero(harness):
    h = start(harness)
    h.complete("submit_application", **{**eligible_facts(), "public_area_m2": 0.0, "total_area_m2": 0.0})
    assert h.ready() == ["submit_application"]
    assert MSG["public_share"] in h.data["eligibility_failures"]


def test_lease_term_is_ignored_when_premises_are_owned(harness):
    h = start(harness)
    h.complete("submit_application", **{**eligible_facts(), "premises_leased": False, "lease_years": 0})
    assert h.ready() == ["recommender_review"]


def test_every_failed_condition_is_named(harness):
    h = start(harness)
    h.complete("submit_application", **all_failing_facts())
    assert h.ready() == ["submit_application"]
    assert h.data["eligibility_failures"] == list(MSG.values())  # all 19 rules, in table order


def test_failures_are_replaced_not_merged_on_resubmission(harness):
    h = start(harness)
    h.complete("submit_application", **all_failing_facts())
    h.complete("submit_application", **{**eligible_facts(), "mentors": 0, "investor_partners": 0})
    assert h.ready() == ["submit_application"]
    assert h.data["eligibility_failures"] == [MSG["mentors"], MSG["investors"]]
    h.complete("submit_application", **eligible_facts())
    assert h.ready() == ["recommender_review"]
    assert h.data["eligibility_failures"] == []


@pytest.mark.parametrize("designation", ["incubator", "university_park", "software_base", "xingchuang"])
def test_art9_existing_designation_is_excluded(harness, designation):
    # R10: already an incubator / university science park / software base / 星创天地
    h = start(harness)
    h.complete("submit_application", **{**eligible_facts(), "existing_designation": designation})
    assert h.ready() == ["submit_application"]
    assert h.data["eligibility_failures"] == [MSG["designation"]]


# ----------------------------------------------------------------------------- recommender (Art. 8)


def test_returned_by_recommender_and_resubmitted(harness):
    h = start(harness)
    h.complete("submit_application", **eligible_facts())
    h.complete(
        "recommender_review",
        recommender_decision="return",
        recommender_comments="请补充租赁合同",
        recommendation_letter="",
    )
    assert h.ready() == ["submit_application"]
    assert h.data["recommender_comments"] == "请补充租赁合同"
    h.complete("submit_application", **eligible_facts())
    assert h.ready() == ["recommender_review"]
    h.complete(
        "recommender_review",
        recommender_decision="recommend",
        recommender_comments="同意推荐",
        recommendation_letter="推荐函〔2026〕2号",
    )
    assert h.ready() == ["material_review"]


def test_declined_by_recommender(harness):
    h = start(harness)
    h.complete("submit_application", **eligible_facts())
    h.complete(
        "recommender_review",
        recommender_decision="decline",
        recommender_comments="不符合本地区产业方向",
        recommendation_letter="",
    )
    assert h.done
    assert h.outcome == "declined"


# ------------------------------------------------------------------------ material review (Art. 7)


def test_materials_supplemented_until_complete(harness):
    h = start(harness)
    submit_and_recommend(h)
    h.complete("material_review", material_decision="supplement", material_comments="缺少租赁合同")
    assert h.ready() == ["supplement_materials"]
    h.complete("supplement_materials")
    assert h.ready() == ["material_review"]
    h.complete("material_review", material_decision="supplement", material_comments="缺少导师聘书")
    assert h.ready() == ["supplement_materials"]
    h.complete("supplement_materials")
    h.complete("material_review", material_decision="complete", material_comments="材料齐全")
    assert h.ready() == ["organise_review"]


# ----------------------------------------------------------------------- panel and shortlist (Art. 8)


def test_each_expert_scores_their_own_task(harness):
    h = start(harness)
    submit_and_recommend(h)
    h.complete("material_review", material_decision="complete", material_comments="")
    first, second = harness.expert_ids[:2]
    h.complete("organise_review", panel_experts=[first, second])
    h.complete("expert_review", assignee=second, expert_score=expert_score(second, 70.0))
    assert sorted(h.ready()) == ["credit_check", "expert_review", "site_inspection"]
    h.complete("expert_review", assignee=first, expert_score=expert_score(first, 90.0, 10.0))
    assert sorted(h.ready()) == ["credit_check", "site_inspection"]
    h.complete("credit_check", credit_blacklisted=False, credit_abnormal=False, credit_notes="")
    h.complete("site_inspection", site_inspection_passed=True, site_inspection_report="")
    data = h.data
    assert [s["expert_id"] for s in data["expert_scores"]] == [second, first]
    assert data["panel_score"] == pytest.approx(85.0)  # two experts: plain mean of 70 and 100
    assert data["panel_needs_discussion"] is True  # spread 30 > 20
    assert h.ready() == ["panel_discussion"]  # the panel discusses before the shortlist (test_panel_discussion.py)


def test_not_shortlisted(harness):
    h = start(harness)
    submit_and_recommend(h)
    review_panel(h, harness.expert_ids[:3])
    h.complete("shortlist_decision", shortlist_decision="reject", shortlist_comments="择优未入选")
    assert h.done
    assert h.outcome == "not_selected"


# ---------------------------------------------------------------------------- public notice (Art. 8)


def test_objection_outside_the_notice_period_is_refused(harness):
    h = start(harness)
    with pytest.raises(Exception):  # noqa: B017 - the harness' "not waiting" error
        h.send("objection", {"objector": "张三", "reasons": "场地面积不实"})
    assert h.ready() == ["submit_application"]


def test_objection_upheld(harness):
    h = start(harness)
    to_public_notice(h, harness.expert_ids[:3])
    h.advance(days=2)
    h.send("objection", {"objector": "张三", "reasons": "公共场地面积不实"})
    assert h.ready() == ["investigate_objection"]
    h.complete("investigate_objection", objection_findings="经实地复核，公共场地不足总面积50%")
    assert h.ready() == ["decide_objection"]
    assert h.data["objection"] == {"objector": "张三", "reasons": "公共场地面积不实"}
    h.complete("decide_objection", objection_upheld=True, objection_answer="异议成立，不予认定")
    assert h.done
    assert h.outcome == "objection_upheld"


def test_the_history_names_a_message_as_the_diagram_names_its_event(harness):
    """People read the case's history: an objection arriving reads as the boundary event the diagram draws
    (收到异议), not the message's identifier ("objection", which the applicant used to see)."""
    from sqlalchemy import select

    from webapp.engine.definitions import latest_bundle, parsed_bundle
    from webapp.extensions import db
    from webapp.models import AuditEvent

    h = start(harness)
    to_public_notice(h, harness.expert_ids[:3])
    h.send("objection", {"objector": "张三", "reasons": "公共场地面积不实"})
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.instance_id == h.instance_id,
                                                         AuditEvent.action == "message")).all()
    spec, _ = parsed_bundle(latest_bundle()).specs["recognition"]
    assert event.title == spec.task_specs["objection_received"].bpmn_name == "收到异议"
    assert event.detail["message"] == "objection"  # the identifier stays in the record


def test_objection_dismissed_then_recognised_after_the_notice_period(harness):
    h = start(harness)
    to_public_notice(h, harness.expert_ids[:3])
    h.advance(days=2)  # Wed 2026-03-04
    h.send("objection", {"objector": "李四", "reasons": "运营时间不足一年"})
    h.complete("investigate_objection", objection_findings="营业执照显示运营已满两年")
    h.complete("decide_objection", objection_upheld=False, objection_answer="异议不成立")
    # back in the notice period, same end (2026-03-10 00:00): nobody has a task
    assert not h.done and h.ready() == []
    assert h.data["notice_end"] == "2026-03-10T00:00:00+08:00"
    h.advance(days=5)  # Mon 2026-03-09 09:00: still open
    assert not h.done
    h.advance(days=1)  # Tue 2026-03-10 09:00: over
    assert h.done
    assert h.outcome == "recognised"
    # the decision says an objection was heard and found unfounded, not "经公示无异议"
    from webapp.extensions import db
    from webapp.models import Application

    reason = db.session.get(Application, h.instance.subject_id).outcome_reason
    assert reason.startswith("经公示，公示期间收到的异议经核实不成立，认定为自治区众创空间"), reason


def test_an_objection_upheld_settles_those_queued_behind_it(harness):
    """An objection that came in while the first was investigated waits (webapp/notices/objections.py); when the
    first is upheld the case ends, and the waiting one is recorded as settled by that decision."""
    from webapp.clock import clock
    from webapp.extensions import db
    from webapp.models import Objection
    from webapp.notices.objections import takes_queued_objections

    h = start(harness)
    to_public_notice(h, harness.expert_ids[:3])
    h.send("objection", {"objector": "张三", "reasons": "公共场地面积不实"})
    assert takes_queued_objections(h.instance)  # the diagram takes queued objections (take_next_objection)
    queued = Objection(instance_id=h.instance_id, objector="李四", objector_kind="individual", contact="139",
                       reasons="运营不足一年", queued=True, lodged_at=clock.now())
    db.session.add(queued)
    db.session.commit()
    h.complete("investigate_objection", objection_findings="经实地复核属实")
    h.complete("decide_objection", objection_upheld=True, objection_answer="异议成立，不予认定")
    assert h.done and h.outcome == "objection_upheld"
    db.session.expire_all()
    row = db.session.get(Objection, queued.id)
    assert not row.queued and row.refused_reason == Objection.SETTLED


def test_second_objection_in_the_resumed_notice(harness):
    h = start(harness)
    to_public_notice(h, harness.expert_ids[:3])
    h.send("objection", {"objector": "李四", "reasons": "第一次异议"})
    h.complete("investigate_objection", objection_findings="不属实")
    h.complete("decide_objection", objection_upheld=False, objection_answer="异议不成立")
    h.advance(days=3)
    h.send("objection", {"objector": "王五", "reasons": "第二次异议"})
    assert h.ready() == ["investigate_objection"]
    # each objection is investigated and decided on its own: the first one's findings and answer are not
    # offered again (the form opened filled in with them)
    assert h.task_data("investigate_objection")["objection_findings"] == ""
    assert h.task_data("investigate_objection")["objection_answer"] == ""
    h.complete("investigate_objection", objection_findings="不属实")
    assert h.data["objection"]["objector"] == "王五"
    h.complete("decide_objection", objection_upheld=False, objection_answer="异议不成立")
    h.advance(days=5)
    assert h.done and h.outcome == "recognised"


def test_objection_dismissed_after_the_notice_end_recognises_at_once(harness):
    h = start(harness)
    to_public_notice(h, harness.expert_ids[:3])
    h.advance(days=3)
    h.send("objection", {"objector": "赵六", "reasons": "异议"})
    h.complete("investigate_objection", objection_findings="不属实")
    h.advance(days=10)  # the decision comes after notice_end; nothing fires while the notice is suspended
    assert h.ready() == ["decide_objection"]
    h.complete("decide_objection", objection_upheld=False, objection_answer="异议不成立")
    assert h.done
    assert h.outcome == "recognised"

