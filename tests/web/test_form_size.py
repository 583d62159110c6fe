"""What is too large to send, said as what it is: the files of a submission (64 MB together), or the text typed
into one box of a form, which the server holds in memory while it reads the form (Werkzeug's 500 KB, larger only
for the designer's trial run, whose sample answers may run to 200,000 characters)."""

from __future__ import annotations

import io
import json
import re

from webapp.engine.definitions import read_directory

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


def test_only_the_trial_run_takes_more_than_werkzeugs_500_kb_in_one_box(app, login, world):
    """The bound on one box's text was raised to 1 MB for the whole app because the trial run needs it; every
    other form is back at Werkzeug's 500 KB: 600 KB typed into an application is refused, with the page saying
    it is the text; the trial run (below) still takes 600 KB of sample answers."""
    applicant = login("applicant_a")
    task = open_task(start_application(applicant), "submit_application")
    response = applicant.post(f"/tasks/{task.id}", application_fields(business_model="x" * 600_000))
    assert response.status_code == 413
    message = error_message(response)
    assert "填写的文字过长" in message and "最多约 166,000 个汉字（500 KB）" in message, message


def test_600_kb_of_sample_answers_still_run_on_the_trial(app, login, world):
    """Sample answers of 195,000 Chinese characters (585 KB in UTF-8, within the trial's 200,000 characters)."""
    answers = {"submit_application": {"business_model": "开放共享" * 48_750}}
    text = json.dumps(answers, ensure_ascii=False)
    assert len(text.encode()) > 580_000 and len(text) < 200_000
    draft = read_directory(app.config["BPMN_DIR"])["recognition.bpmn"].encode()
    response = login("designer").post("/designer/trial", {"process_id": "recognition", "answers": text,
                                                         "files": [(io.BytesIO(draft), "recognition.bpmn")]})
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[:2000]
    assert "trial-fault" not in page and "样例答复过长" not in page
    assert "填写并提交申报书" in page  # the report: the step the answers were for
