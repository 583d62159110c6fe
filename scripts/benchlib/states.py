"""Saved state per process: a recognition case measured after every step from its start to its
recognition (the largest is what counts), and a trivial case."""

from __future__ import annotations

from dataclasses import dataclass

from webapp.simulation import Case

from . import cases, trivial
from .world import World


@dataclass
class Sizes:
    largest: int
    at_step: str
    steps: int
    tasks: int  # in the tree at the largest


def recognition_sizes(world: World) -> Sizes:
    """One application through every step of bpmn/recognition.bpmn up to its recognition, a panel of three."""
    people = world.people
    experts = people.experts[2:5]  # of other units than the applicant's: no conflict of interest
    case_id = cases.start_recognition(people, 0)
    sizes = [("started", cases.state_size(case_id), cases.task_count(case_id))]

    def step(spec: str, data: dict, actor: str | None = None, assignee: int | None = None) -> None:
        cases.complete(case_id, spec, data, actor, people, assignee_id=assignee)
        sizes.append((spec, cases.state_size(case_id), cases.task_count(case_id)))

    step("submit_application", cases.FACTS, "qingcheng")
    step("recommender_review", cases.RECOMMEND, "hohhot_bureau")
    step("material_review", cases.MATERIALS_COMPLETE, "torch1")
    step("organise_review", {"panel_experts": experts}, "torch1")
    for n, expert in enumerate(experts):
        step("expert_review", {"expert_score": {"expert_id": expert, "base": 80 + n, "bonus": 5, "total": 85 + n,
                                                "comments": "材料齐全，运营良好"}}, assignee=expert)
    step("site_inspection", {"site_inspection_passed": True, "site_inspection_report": "场地与申报一致"}, "torch1")
    step("credit_check", {"credit_blacklisted": False, "credit_abnormal": False, "credit_notes": ""}, "torch2")
    step("shortlist_decision", {"shortlist_decision": "shortlist", "shortlist_comments": ""}, "approver")
    Case(case_id).advance(days=10)  # the public notice (5 working days) ends: recognised
    assert Case(case_id).done, "the recognition case did not end after its public notice"
    sizes.append(("public notice ended", cases.state_size(case_id), 0))
    label, largest, tasks = max(sizes, key=lambda s: s[1])
    return Sizes(largest, label, len(sizes), tasks)


def trivial_size(world: World) -> int:
    """A trivial case waiting at its second step."""
    case_id = cases.start_trivial(world.people, 0)
    cases.complete(case_id, trivial.STEPS[0], {"comment": "已办理"}, "torch1", world.people)
    return cases.state_size(case_id)

