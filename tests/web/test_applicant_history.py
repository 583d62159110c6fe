"""The applicant's view of its own application (found walking the demo as an applicant): the history says what
each reviewer decided and the reason written to the applicant, never internal material (webapp/decisions.py)."""

from __future__ import annotations

from .applicant_view import RETURN_REASON, returned_by_recommender, section
from .flow import complete, open_task, start_application, submit_application

EXPERTS = {"expert1": ("88.5", "场地布局很好"), "expert2": ("71.25", "导师数量偏少"), "expert3": ("80", "运营稳定")}


def test_the_applicant_reads_each_decision_and_the_reason_addressed_to_it_and_nothing_internal(login, world):
    application_id = returned_by_recommender(login)
    applicant = login("applicant_a")
    # On the applicant's own step already: what the recommending unit decided, and why.
    task = open_task(application_id, "submit_application")
    history = section(applicant.get(f"/tasks/{task.id}").get_data(as_text=True), "history")
    assert "退回申报单位修改" in history and RETURN_REASON in history

    submit_application(login, application_id)
    complete(login("recommender_a"), open_task(application_id, "recommender_review"),
             {"recommender_decision": "recommend", "recommendation_letter": "特此推荐该众创空间",
              "recommender_comments": "内部：该单位去年有过投诉"})
    complete(login("torch1"), open_task(application_id, "material_review"),
             {"material_decision": "complete", "material_comments": "复印件清晰，备查"})
    ids = [world["users"][name].id for name in EXPERTS]
    complete(login("torch1"), open_task(application_id, "organise_review"), {"panel_experts": [str(i) for i in ids]})
    for name, (base, comments) in EXPERTS.items():
        expert = world["users"][name]
        complete(login(name), open_task(application_id, "expert_review", expert.id),
                 {"base": base, "bonus": "0", "comments": comments})
    complete(login("torch1"), open_task(application_id, "site_inspection"),
             {"site_inspection_passed": "yes", "site_inspection_report": "现场查看三十个工位"})
    complete(login("torch2"), open_task(application_id, "credit_check"),
             {"credit_blacklisted": "no", "credit_abnormal": "no", "credit_notes": "查询信用中国无记录"})
    complete(login("approver"), open_task(application_id, "shortlist_decision"),
             {"shortlist_decision": "shortlist", "shortlist_comments": "排名第一，优先考虑"})

    page = applicant.get(f"/applications/{application_id}").get_data(as_text=True)
    history = section(page, "history")
    # What the applicant reads: every decision, and the reason of the one that sent it back.
    for decision in ("退回申报单位修改", "同意推荐", "材料齐全", "与申报一致", "未发现失信或经营异常记录", "列入拟入选名单"):
        assert decision in history, decision
    assert RETURN_REASON in history
    # What it does not: the experts' names, scores and comments; remarks meant for the reviewers.
    for internal in ("expert1", "expert2", "expert3", "88.5", "71.25", "场地布局很好", "导师数量偏少", "特此推荐该众创空间",
                     "内部：该单位去年有过投诉", "复印件清晰，备查", "现场查看三十个工位", "查询信用中国无记录", "排名第一，优先考虑"):
        assert internal not in page, internal
    assert "评审专家" in history  # who scored, by role

    # The staff who run the procedure read the written comments beside each decision.
    staff = section(login("torch2").get(f"/applications/{application_id}").get_data(as_text=True), "history")
    assert "同意推荐" in staff and "内部：该单位去年有过投诉" in staff and "排名第一，优先考虑" in staff


def test_a_return_between_reviewers_is_not_the_applicants_to_read(login, world):
    from .flow import through_to_shortlist

    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    through_to_shortlist(login, world, application_id)
    task = open_task(application_id, "shortlist_decision")
    approver = login("approver")
    response = approver.post(f"/tasks/{task.id}/return", {"target": "organise_review", "reason": "请更换一位专家"},
                             from_page=f"/tasks/{task.id}")
    assert response.status_code == 302
    open_task(application_id, "organise_review")
    page = login("applicant_a").get(f"/applications/{application_id}").get_data(as_text=True)
    assert "请更换一位专家" not in page
    assert "退回" in section(page, "history")  # that it went back is no secret; why is the reviewers' matter
    assert "请更换一位专家" in login("torch1").get(f"/applications/{application_id}").get_data(as_text=True)


def test_a_decline_tells_the_applicant_why_in_the_history(login, world):
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    complete(login("recommender_a"), open_task(application_id, "recommender_review"),
             {"recommender_decision": "decline", "recommender_comments": "不符合本地产业方向", "recommendation_letter": ""})
    history = section(login("applicant_a").get(f"/applications/{application_id}").get_data(as_text=True), "history")
    assert "不予推荐" in history and "不符合本地产业方向" in history
