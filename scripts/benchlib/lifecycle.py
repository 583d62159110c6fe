"""A space's lifecycle (bpmn/lifecycle.bpmn) over simulated years, through webapp/simulation.py's driver:
the app clock moves in steps of two weeks and the sweeper fires what came due; every half-year report is
handed in as soon as it opens, every three-yearly evaluation is done (graded 良好). Two spaces, recognised
nine years apart to the day, live side by side until the older is in its 10th year and the younger in its
1st; when a half-year report has just opened for both (their periods fall on the same dates), each one's
saved state is measured and so is the cost of two things a case does all its life — completing the report
and firing its next timer — each repeated on that same state and rolled back, the two spaces in turn, so
that a slow moment of the machine falls on both alike."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from webapp.clock import clock
from webapp.demo_history import REPORT
from webapp.engine.runtime import Runtime
from webapp.extensions import db
from webapp.models import ProcessInstance, User
from webapp.simulation import SpaceCase, recognised_space_now

from . import cases
from .stats import Timings
from .world import World

STEP_DAYS = 14  # shorter than the 30-day windows of reports and self-assessment


@dataclass
class Checkpoint:
    year: int
    state_bytes: int
    tasks: int
    completion: Timings = field(default_factory=Timings)
    timer: Timings = field(default_factory=Timings)


def _work_off(case: SpaceCase, experts: list[int], keep_report: bool = False) -> None:
    """Do every open step a well-run space and the Torch Center would do now (the report unless kept)."""
    for _ in range(20):
        ready = case.ready()
        if "half_year_report" in ready and not keep_report:
            case.complete("half_year_report", **REPORT)
        elif "self_assessment" in ready:
            case.complete("self_assessment", self_assessment="三年运营情况自评：各项指标达标。", self_score=75)
        elif "evaluation_material_review" in ready:
            case.complete("evaluation_material_review", materials_false=False, material_comments="材料齐全")
        elif "organise_evaluation" in ready:
            case.complete("organise_evaluation", panel_experts=experts)
        elif "evaluation_score" in ready:
            for expert in experts:
                if any(t.task_spec == "evaluation_score" and t.assignee_id == expert for t in case.open_tasks()):
                    case.complete("evaluation_score", assignee=expert, expert_score={
                        "expert_id": expert, "base": 75, "bonus": 0, "total": 75, "comments": "按评价指标体系评分"})
        elif "confirm_grade" in ready:
            case.complete("confirm_grade", confirm_comments="")
        else:
            return


def _live_until(cases_: list[SpaceCase], until: datetime, experts: list[int]) -> None:
    while clock.now() < until:
        cases_[0].advance(days=min(STEP_DAYS, (until - clock.now()).total_seconds() / 86400))  # sweeps them all
        for case in cases_:
            _work_off(case, experts)


def _next_report(cases_: list[SpaceCase], experts: list[int]) -> None:
    """Let time pass (a week at a time) until a half-year report is open for every case; leave them open."""
    for _ in range(60):
        if all("half_year_report" in case.ready() for case in cases_):
            return
        cases_[0].advance(days=7)
        for case in cases_:
            _work_off(case, experts, keep_report=True)
    raise AssertionError(f"no half-year report opened for all; open: {[case.ready() for case in cases_]}")


def _measure_once(case: SpaceCase, point: Checkpoint, applicant_id: int) -> None:
    instance_id = case.instance_id
    row, applicant = case.task("half_year_report"), db.session.get(User, applicant_id)
    with point.completion.measure():
        Runtime(actor=applicant).complete(row, REPORT)
    db.session.rollback()
    instance = db.session.get(ProcessInstance, instance_id)
    ahead = instance.next_timer_at - clock.now() + timedelta(seconds=1)
    clock.advance(ahead)
    try:
        with point.timer.measure():
            fired = Runtime().fire_due_timers(instance)
    finally:
        db.session.rollback()
        clock.advance(-ahead)
    assert fired, "the lifecycle's next timer did not fire"


def _years_after(moment: datetime, years: int) -> datetime:
    """The same day `years` later (29 February: the 28th), so the two spaces' periods fall on the same dates."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def lifecycle_years(world: World, repeats: int, years: tuple[int, int] = (1, 10)) -> list[Checkpoint]:
    """The younger space at years[0], the older at years[1], measured at the same moment."""
    people = world.people
    young_year, old_year = years
    began = clock.now()
    older = SpaceCase(recognised_space_now("基准众创空间（先）", people.organisations[0],
                                           people.unit_of[people.organisations[0]]).lifecycle_instance_id)
    experts = people.experts[2:5]
    _live_until([older], _years_after(began, old_year - young_year), experts)
    younger = SpaceCase(recognised_space_now("基准众创空间（后）", people.organisations[1],
                                             people.unit_of[people.organisations[1]]).lifecycle_instance_id)
    both = [younger, older]
    _live_until(both, _years_after(began, old_year), experts)  # the younger a year old, the older ten
    _next_report(both, experts)
    points = [Checkpoint(year, cases.state_size(case.instance_id), cases.task_count(case.instance_id))
              for year, case in zip(years, both, strict=True)]
    actors = [people.users["lucheng"], people.users["qingcheng"]]
    for _ in range(repeats):
        for case, point, actor in zip(both, points, actors, strict=True):
            _measure_once(case, point, actor)
    return points
