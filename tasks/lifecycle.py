"""Service tasks of the lifecycle diagrams (Art. 15–20, R12–R22)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from webapp.engine.sandbox import add_duration, day_end, last_day
from webapp.engine.sentences import ended, joined
from webapp.extensions import db
from webapp.models import (
    Award,
    ChangeFiling,
    Evaluation,
    ProcessInstance,
    PublicNotice,
    Report,
    SpaceStatusChange,
)
from webapp.workdays import add_working_days

from . import registry
from .common import (
    PROVISIONAL,
    notify_organisation,
    notify_unit,
    period_words,
    subject_space,
    to_score,
    withdraw_notices,
)

GRADE_TEXT = {"excellent": "优秀", "good": "良好", "pass": "合格", "fail": "不合格"}
STATUS_TEXT = {"recognised": "已认定", "rectification": "整改中", "revoked": "已撤销", "left": "已退出本体系",
               "national": "已备案国家众创空间", "national_professional": "已备案国家专业化众创空间"}
ENDING_STATUSES = ("revoked", "left")


def _window(start: datetime, window: str, remind_before_days: int = 7) -> tuple[str, str]:
    """The deadline `window` after `start`, at the end of that day (China time), and the reminder a week before."""
    deadline = datetime.fromisoformat(day_end(add_duration(start.isoformat(), window)))
    reminder = deadline - timedelta(days=remind_before_days)
    return deadline.isoformat(), reminder.isoformat()


@registry.register("set_space_status")
def set_space_status(ctx, status: str, reason: str = "") -> dict:
    space = subject_space(ctx)
    if space.status != status:
        db.session.add(SpaceStatusChange(space_id=space.id, old_status=space.status, new_status=status,
                                         reason=reason, at=ctx.now, instance_id=ctx.instance.id))
        space.status = status
        # The reason as a sentence after the status: the diagram's reasons cite their article in brackets, and
        # in brackets of their own they read 已撤销（列入失信黑名单（第二十条））.
        told = f"「{space.name}」状态变更：{STATUS_TEXT.get(status, status)}"
        why = str(reason or "").strip()
        notify_organisation(space.organisation_id, f"{told}。{ended(why)}" if why else told,
                            f"/spaces/{space.id}")
    if status in ENDING_STATUSES:
        _cancel_open_work(ctx, space.id)
    return {"space_status": status}


def _cancel_open_work(ctx, space_id: int) -> None:
    """Revocation or leaving ends every other open case of the space (change filings and the like)."""
    others = db.session.scalars(
        select(ProcessInstance).where(
            ProcessInstance.subject_type == "space",
            ProcessInstance.subject_id == space_id,
            ProcessInstance.status == "running",
            ProcessInstance.id.not_in(ctx.runtime.busy_instance_ids()),
        )
    )
    for instance in list(others):
        ctx.runtime.cancel(instance, reason="众创空间资格已终止")
        withdraw_notices(instance.id, ctx.now, ended_too=False)  # a result still under notice ends with its case


@registry.register("open_report_period")
def open_report_period(ctx, opens_at: str = "", window: str = "P30D", period: str = "P6M") -> dict:
    """A period counts from when it was due to open (`opens_at`), not from when the sweeper got to it,
    so a sweeper that was down for a while does not move anybody's deadline."""
    start = datetime.fromisoformat(opens_at) if opens_at else ctx.now
    deadline, reminder = _window(start, window)
    return {
        "report_opened_at": start.isoformat(),
        "report_deadline": deadline,
        "report_reminder_at": reminder,
        "next_report_open": add_duration(start.isoformat(), period),
    }


@registry.register("record_report")
def record_report(ctx, status: str) -> dict:
    space = subject_space(ctx)
    deadline = datetime.fromisoformat(ctx.data["report_deadline"])
    streak = int(ctx.data.get("missing_streak", 0) or 0)
    if status == "missing":
        final, streak, submitted = "missing", streak + 1, None
    else:
        final, streak, submitted = ("on_time" if ctx.now <= deadline else "late"), 0, ctx.now
    db.session.add(Report(space_id=space.id, opened_at=datetime.fromisoformat(ctx.data["report_opened_at"]),
                          deadline=deadline, submitted_at=submitted, status=final,
                          data=ctx.data.get("report", {}) if submitted else {}))
    return {"missing_streak": streak, "last_report_status": final}


# Each reminder of the lifecycle diagram (its `about`): the variable its step's dueDate names, and what it says.
REMINDERS = {
    "half_year_report": ("report_deadline", "半年度报表截止提醒：请于 {day}前提交"),
    "self_assessment": ("self_assessment_deadline", "绩效自评截止提醒：请于 {day}前提交，逾期视为不合格（第十九条第四项）"),
}


@registry.register("send_reminder")
def send_reminder(ctx, about: str = "") -> dict:
    """Remind the operator of a deadline to come. A reminder timer that fires only once its deadline has passed
    (the sweeper was down, the demo clock jumped) sends nothing: 请于 12-23 前提交 arrived on the 24th, and the
    self-assessment's arrived with the notice that the lapse made the evaluation 不合格. The report step shows
    itself overdue on the operator's inbox and the space page; a lapsed self-assessment has its own notice. (A
    step handed in takes its reminder timer with it: the diagram's boundary event ends with the step.)"""
    space = subject_space(ctx)
    key, text = REMINDERS.get(about, ("", about))
    deadline = ctx.data.get(key)
    if deadline and datetime.fromisoformat(deadline) <= ctx.now:
        return {}
    # the last day, as the steps name it (a deadline at midnight ends the day before)
    day = f"{last_day(deadline)}（含当日）" if deadline else ""
    notify_organisation(space.organisation_id, f"「{space.name}」{text.replace('{day}', day)}", f"/spaces/{space.id}")
    return {}


@registry.register("open_self_assessment")
def open_self_assessment(ctx, window: str = "P30D") -> dict:
    deadline, reminder = _window(ctx.now, window)
    return {"self_assessment_deadline": deadline, "self_assessment_reminder_at": reminder}


def rectification_last_day(notice_ends: datetime, period: str) -> str:
    """The last day of the rectification (`period`, the diagram's duration) that follows a failed result whose
    notice ends then; the lifecycle's 进入整改期 counts the same (result_effective + the period it is sent)."""
    return last_day(add_duration(notice_ends.isoformat(), period))


def rectification_text(period: str | None, notice_ends: datetime | None) -> tuple[str, str]:
    """How long the rectification lasts and until when, as a notice words them ("为期一年的", "，至 … 止"); a part
    is "" when unknown (a result published by a diagram from before the period was its parameter)."""
    words = period_words(period)
    until = f"，至 {rectification_last_day(notice_ends, period)}（含当日）止" if words and notice_ends else ""
    return words, until


def _grade_consequence(ctx, grade: str, award: int, notice_ends: datetime | None, period: str) -> str:
    """What the grade means for the space, as the decision tables and the diagram decided it."""
    if award > 0:
        return f"公示期满无异议后，给予奖励性补助 {award // 10000} 万元（第十九条第三项）。"
    if grade == "fail":
        if _reevaluation(ctx):
            return "本次为整改期满后的复核考核，仍未达到合格标准：公示期满后将取消众创空间资格（第十九条第三项）。"
        words, until = rectification_text(period, notice_ends)
        length = f"为期{words}的" if words else ""
        return f"公示期满后进入{length}整改期{until}；整改期满仍未达到合格标准的，取消众创空间资格（第十九条第三项）。"
    return ""


def _reevaluation(ctx) -> bool:
    return bool((ctx.data.get("evaluation_request") or {}).get("reevaluation"))


@registry.register("publish_evaluation_result")
def publish_evaluation_result(ctx, working_days: int = 5, rectification_period: str = "") -> dict:
    """Art. 19.2: results are publicly noticed on the Department's website (for `working_days`). The award
    the table gave is told now and granted only when the notice ends without a sustained objection.

    Art. 19.3: a failed first result brings a rectification of `rectification_period` (an ISO duration, the
    diagram's only statement of it) from when the notice ends. The operator is told its length and last day;
    the period stays in the case's data (`rectification_period`), where the result's PDF reads it, and the
    lifecycle is sent it with the result (it waits that long). A diagram from before the parameter gives "":
    the words then leave the length out."""
    space = subject_space(ctx)
    grade = ctx.data.get("grade", "fail")
    # Materials late or false (Art. 19.4): graded fail without a panel, so no score is published.
    late, false = bool(ctx.data.get("materials_late")), bool(ctx.data.get("materials_false"))
    scored = not (late or false)
    score = to_score(ctx.data.get("panel_score", 0) or 0) if scored else None
    comments = [s.get("comments", "") for s in ctx.data.get("expert_scores", []) or []
                if isinstance(s, dict) and s.get("comments")] if scored else []
    ends_at, provisional = add_working_days(ctx.now, int(working_days))
    period = str(rectification_period or "").strip()
    db.session.add(Evaluation(space_id=space.id, score=score, grade=grade, at=ctx.now, materials_late=late,
                              materials_false=false, comments=comments, instance_id=ctx.instance.id))
    why = ("未按规定时间提供考核资料，视为不合格（第十九条第四项）" if late else
           "提供虚假考核资料，视为不合格（第十九条第四项）" if false else f"考核得分：{score}")
    db.session.add(PublicNotice(subject_type="space", subject_id=space.id, starts_at=ctx.now, ends_at=ends_at,
                                provisional_end=provisional, instance_id=ctx.instance.id,
                                title=f"众创空间绩效考核结果公示：{space.name} — {GRADE_TEXT.get(grade, grade)}",
                                body=f"运营机构：{space.organisation.name}；{why}", grade=grade, score=score))
    award = int(ctx.data.get("award_amount", 0) or 0)
    # A score goes in brackets after the grade; late or false materials are a sentence of their own, which cites
    # its article in brackets (in brackets it read 不合格（……视为不合格（第十九条第四项））).
    result = f"{GRADE_TEXT.get(grade, grade)}（{why}）" if scored else f"{GRADE_TEXT.get(grade, grade)}。{why}"
    told = (f"「{space.name}」绩效考核结果：{result}。"
            f"结果公示至 {last_day(ends_at.isoformat())}（含当日）{PROVISIONAL if provisional else ''}。"
            + _grade_consequence(ctx, grade, award, ends_at, period))
    if comments:  # an expert's comment may end its own sentence: one mark between them, never 。；
        told += ended("专家意见：" + joined(comments))
    notify_organisation(space.organisation_id, told, f"/spaces/{space.id}")
    notify_unit(space.unit_id, told, f"/spaces/{space.id}")  # the recommending unit follows its spaces
    return {"result_notice_end": ends_at.isoformat(), "result_notice_provisional": provisional,
            "rectification_period": period}


@registry.register("withdraw_evaluation_result")
def withdraw_evaluation_result(ctx) -> dict:
    """An objection to the result was upheld: the published result and its notice are withdrawn and the
    case goes back to the material review and a new panel."""
    space = subject_space(ctx)
    for evaluation in db.session.scalars(select(Evaluation).where(
            Evaluation.instance_id == ctx.instance.id, Evaluation.withdrawn.is_(False))):
        evaluation.withdrawn = True
    withdraw_notices(ctx.instance.id, ctx.now, ended_too=True)
    notify_organisation(space.organisation_id, f"「{space.name}」绩效考核结果公示期间异议成立，考核结果已撤回，将重新审核评分。",
                        f"/spaces/{space.id}")
    return {"expert_scores": [], "panel_score": 0, "materials_false": False}


AWARD_TEXT = {"evaluation": "绩效考核奖励性补助（第十九条第三项）", "national": "备案国家众创空间一次性奖励（第十五条）",
              "national_professional": "备案国家专业化众创空间一次性奖励（第十六条）"}


@registry.register("record_award")
def record_award(ctx, kind: str = "evaluation") -> dict:
    space = subject_space(ctx)
    amount = int(ctx.data.get("award_amount", 0) or 0)
    if amount > 0:
        reason = GRADE_TEXT.get(ctx.data.get("grade", ""), "") if kind == "evaluation" else ""
        db.session.add(Award(space_id=space.id, kind=kind, amount=amount, at=ctx.now,
                             instance_id=ctx.instance.id, reason=reason))
        notify_organisation(space.organisation_id,
                            f"「{space.name}」获{AWARD_TEXT.get(kind, kind)} {amount // 10000} 万元。", f"/spaces/{space.id}")
    return {}


@registry.register("list_space_awards")
def list_space_awards(ctx) -> dict:
    """The kinds of award the space already received (one-time awards are not granted twice)."""
    space = subject_space(ctx)
    kinds = db.session.scalars(select(Award.kind).where(Award.space_id == space.id).distinct())
    return {"awards_received": sorted(kinds)}


@registry.register("schedule_evaluation")
def schedule_evaluation(ctx, due: str) -> dict:
    """Art. 18: the next evaluation goes on the registry, so the year's evaluations can be listed in order."""
    subject_space(ctx).next_evaluation_at = datetime.fromisoformat(due)
    return {}


@registry.register("notify_operator")
def notify_operator(ctx, text: str = "") -> dict:
    """Tell the space's operator what the diagram (or a decision table) says; nothing when it says nothing."""
    if text and text.strip():
        space = subject_space(ctx)
        notify_organisation(space.organisation_id, f"「{space.name}」{text.strip()}", f"/spaces/{space.id}")
    return {}


@registry.register("record_change")
def record_change(ctx) -> dict:
    space = subject_space(ctx)
    db.session.add(ChangeFiling(space_id=space.id, change_type=ctx.data.get("change_type", ""),
                                change_type_label=ctx.data.get("change_type_label", ""),
                                description=ctx.data.get("change_description", ""),
                                accepted=bool(ctx.data.get("change_accepted")),
                                comments=ctx.data.get("change_comments", ""), at=ctx.now,
                                instance_id=ctx.instance.id,
                                filed_values={key: ctx.data[key] for key in ChangeFiling.VALUE_KEYS
                                        if ctx.data.get(key) not in (None, "", {})}))
    _tell_change_outcome(ctx, space)
    return {}


def _tell_change_outcome(ctx, space) -> None:
    """The operator learns how the Department decided its filing; a refusal says why (the Department must give
    a reason, ChangeAcceptForm) and what to do next. A remark beside a filing stays with the staff."""
    kind = ctx.data.get("change_type_label") or ctx.data.get("change_type", "")
    what = f"「{space.name}」的变更报备（{kind}）" if kind else f"「{space.name}」的变更报备"
    link = f"/spaces/{space.id}"
    if ctx.data.get("change_accepted"):
        # A filed change of operator hands the space over next (变更运营机构, which tells both organisations):
        # the dossier will no longer open for the organisation told here.
        if ctx.data.get("change_type") == "operator":
            link = ""
        notify_organisation(space.organisation_id, f"{what}已准予备案。", link)
        notify_unit(space.unit_id, f"{what}已准予备案。", f"/spaces/{space.id}")  # it forwarded the filing
        return
    reason = str(ctx.data.get("change_comments") or "").strip()
    next_step = (f"理由：{ended(reason)}如仍需变更，请按此理由准备材料，在众创空间页面重新提交变更报备。" if reason
                 else "如仍需变更，可在众创空间页面重新提交变更报备。")
    notify_organisation(space.organisation_id, f"{what}未予备案，科技厅未同意此次变更。{next_step}", link)
    if ctx.data.get("forward_decision") == "forward":
        notify_unit(space.unit_id, f"{what}未予备案。" + (f"理由：{ended(reason)}" if reason else ""), f"/spaces/{space.id}")


@registry.register("check_change_conditions")
def check_change_conditions(ctx) -> dict:
    """The recognition conditions (Art. 6.2) the areas of a filed change no longer meet, in the decision table's
    words (`conditions_shortfalls`; [] when they are met, the change was not filed or changes no area). The table
    is the one the filing's first step names in `conditionsDecision`, on the version the case runs on: the one
    whose notice the operator, the recommending unit and the Department read, so a designer names it once. What
    follows a shortfall (a check by the Torch Center) is the diagram's gateway after this step."""
    from forms.change_conditions import conditions_decision, shortfalls

    if not ctx.data.get("change_accepted"):
        return {"conditions_shortfalls": []}
    bundle = ctx.instance.bundle
    return {"conditions_shortfalls": shortfalls(bundle, conditions_decision(bundle, ctx.instance.process_id), ctx.data)}


@registry.register("register_operator")
def register_operator(ctx) -> dict:
    """A filed change of operator names the new organisation by name and 统一社会信用代码 (the operator types
    them): the organisation of that code, or one of that name with no code on record (which gets the code),
    or else a new one registered under the space's recommending unit. `new_organisation_id` for the transfer
    step. (A filing from before operators were typed already holds the organisation chosen then.)"""
    from webapp.models import Organisation

    if ctx.data.get("new_organisation_id"):
        return {}
    name = str(ctx.data.get("new_organisation_name") or "").strip()
    code = str(ctx.data.get("new_organisation_credit_code") or "").strip()
    if not (name and code):
        raise ValueError("a change of operator names no organisation (new_organisation_name, new_organisation_credit_code)")
    unit_id = subject_space(ctx).unit_id
    organisation, how = Organisation.known_as(name, code, unit_id)
    if organisation is None:
        organisation = Organisation(name=name, credit_code=code, unit_id=unit_id)
        db.session.add(organisation)
        db.session.flush()
    elif how == "name":
        organisation.credit_code = code
    return {"new_organisation_id": organisation.id}


@registry.register("transfer_operator")
def transfer_operator(ctx, organisation_id: int | None) -> dict:
    """A filed change of operator (R15): the space, its running cases and their open tasks move to the
    new organisation, so its people see them and the former operator no longer does."""
    from sqlalchemy import update

    from webapp.models import HumanTask, Organisation

    space = subject_space(ctx)
    if organisation_id in (None, "", 0):  # a diagram without the registration step before this one
        organisation_id = register_operator(ctx).get("new_organisation_id") or ctx.data.get("new_organisation_id")
    new = db.session.get(Organisation, int(organisation_id))
    if new is None:
        raise LookupError(f"organisation {organisation_id} not found")
    old_id, space.organisation_id = space.organisation_id, new.id
    running = [i.id for i in db.session.scalars(select(ProcessInstance).where(
        ProcessInstance.subject_type == "space", ProcessInstance.subject_id == space.id,
        ProcessInstance.status == "running"))]
    if ctx.instance.id not in running:
        running.append(ctx.instance.id)
    db.session.execute(update(ProcessInstance).where(ProcessInstance.id.in_(running))
                       .values(organisation_id=new.id).execution_options(synchronize_session="fetch"))
    db.session.execute(update(HumanTask).where(HumanTask.instance_id.in_(running), HumanTask.status == "open")
                       .values(organisation_id=new.id).execution_options(synchronize_session="fetch"))
    for organisation_id_ in (old_id, new.id):
        notify_organisation(organisation_id_, f"「{space.name}」运营机构变更为 {new.name}（已备案）", f"/spaces/{space.id}")
    return {}


@registry.register("revoke_space")
def revoke_space(ctx) -> dict:
    """Tell the space's lifecycle to end (its interrupting boundary event cancels all open work)."""
    space = subject_space(ctx)
    if space.lifecycle_instance_id:
        ctx.runtime.defer_message(space.lifecycle_instance_id, "revoke",
                                  {"reason": ctx.data.get("decision_reason", "")})
    else:
        set_space_status(ctx, "revoked", ctx.data.get("decision_reason", "") or "R22")
    return {}
