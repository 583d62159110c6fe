"""The staff's list of notices (/notices) says where each notice stands, in words, as the public portal does:
公示中 while it runs, 已结束 once its period is over, 已撤回 once withdrawn (found walking the demo: a withdrawn
notice and an ended one looked like running ones)."""

from __future__ import annotations

import re
from datetime import timedelta

from webapp.clock import clock
from webapp.extensions import db
from webapp.models import PublicNotice


def notice(title: str, starts_days_ago: int, lasts_days: int, **extra) -> PublicNotice:
    starts = clock.now() - timedelta(days=starts_days_ago)
    row = PublicNotice(subject_type="space", subject_id=1, title=title, body="运营机构：青城创客科技有限公司",
                       starts_at=starts, ends_at=starts + timedelta(days=lasts_days), **extra)
    db.session.add(row)
    return row


def rows_by_title(html: str) -> dict[str, str]:
    """Each notice's row on the staff's list, as text."""
    found = {}
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        title = re.match(r"(\S+公示：\S+)", text)
        if title:
            found[title.group(1)] = text
    return found


def test_each_notice_on_the_staff_list_says_whether_it_runs_has_ended_or_was_withdrawn(login, world):
    notice("众创空间绩效考核结果公示：甲空间", starts_days_ago=1, lasts_days=7, provisional_end=True)
    notice("众创空间绩效考核结果公示：乙空间", starts_days_ago=20, lasts_days=7, provisional_end=True)
    notice("众创空间绩效考核结果公示：丙空间", starts_days_ago=2, lasts_days=7, withdrawn_at=clock.now())
    notice("众创空间绩效考核结果公示：丁空间", starts_days_ago=-3, lasts_days=7)  # staff see it before it starts
    db.session.commit()

    for reader in ("torch1", "approver", "supervisor"):
        html = login(reader).get("/notices").get_data(as_text=True)
        assert ">状态<" in html, reader
        rows = rows_by_title(html)
        running, ended, withdrawn, later = (rows[f"众创空间绩效考核结果公示：{name}空间"] for name in "甲乙丙丁")
        assert "公示中" in running and "已结束" not in running and "已撤回" not in running
        assert "已结束" in ended and "公示中" not in ended
        assert "已撤回" in withdrawn and "公示中" not in withdrawn
        assert "未开始" in later and "公示中" not in later
        # （暂定） beside the last day only while the notice runs
        assert "暂定" not in ended
