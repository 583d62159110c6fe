"""What is too large to send, said as what it is: the files of a submission (64 MB together), or the text typed
into one box of a form, which the server holds in memory while it reads the form (Werkzeug's 500 KB, larger only
for the designer's trial run, whose sample answers may run to 200,000 characters)."""

from __future__ import annotations

import re

from .flow import application_fields, open_task, start_application

ERROR_MESSAGE = re.compile(r'<div class="card"><h1>(.*?)</h1><p>(.*?)</p>', re.S)


def error_message(response) -> str:
    shown = ERROR_MESSAGE.search(response.get_data(as_text=True))
    assert shown, response.get_data(as_text=True)[:1000]
    return shown.group(2)


def test_text_too_long_for_the_server_is_told_as_text_not_as_files(login, world):
    """An outside probe pasted a long text into a form with no file and was told to make the files smaller."""
    applicant = login("applicant_a")
    task = open_task(start_application(applicant), "submit_application")
    response = applicant.post(f"/tasks/{task.id}", application_fields(business_model="开放共享" * 300_000))  # 3.6 MB
    message = error_message(response)
    assert response.status_code == 413
    assert "填写的文字过长" in message and "删减文字后重新提交" in message, message
    assert "文件" not in message, message
    assert re.search(r"最多约 [\d,]+ 个汉字", message), message
