"""Experts far apart (Art. 8 and the evaluation defaults: more than 20 points between two totals): the Torch
Center sees the scores beside the discussion step, must record the panel's discussion, and the Department
reads it when it draws up the shortlist."""

from __future__ import annotations

from .flow import complete, open_task, start_application, submit_application, through_to_shortlist


def test_the_torch_center_records_the_panel_s_discussion_and_the_approver_reads_it(login, world):
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    through_to_shortlist(login, world, application_id, totals=(60, 85, 70))
    task = open_task(application_id, "panel_discussion")
    torch = login("torch1")
    assert "专家组集体讨论" in torch.get("/").get_data(as_text=True)
    page = torch.get(f"/tasks/{task.id}").get_data(as_text=True)
    # the scores under discussion, and why, in the diagram's numbers
    assert "专家总分最高与最低相差 25.00 分，超过 20.00 分，须经专家组集体讨论。" in page
    # the step's instructions, from the diagram, with the numbers filled in (not the template's braces)
    assert "专家独立评分的总分最高与最低相差 25.00 分，超过 20.00 分，请组织专家组集体讨论" in page
    assert "{" not in page.split("<main", 1)[1].split("<form", 1)[0]
    assert "85.00" in page and "60.00" in page
    assert "（满分 120.00）" in page  # the combined score's scale, from the diagram's caps (100 + 20)
    response = complete(torch, task, {"panel_discussion": "  "}, expect=422)
    assert "请填写此项。" in response.get_data(as_text=True)
    complete(torch, task, {"panel_discussion": "专家组于 3 月 5 日会商，差异源于孵化案例认定口径，维持原评分"})
    shortlist = login("approver").get(f"/tasks/{open_task(application_id, 'shortlist_decision').id}")
    text = shortlist.get_data(as_text=True)
    assert "专家组讨论意见" in text and "差异源于孵化案例认定口径" in text
