"""Attachments keep their names (Chinese included) on every page and on download, are typed by their
content, and are served only to those who may see what they belong to."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from webapp.attachments import attachments_for, clean_filename, extension_of, save_upload, sniff
from webapp.attachments.store import UploadRefused
from webapp.extensions import db
from webapp.models import Application, Attachment, MakerSpace

from .conftest import pdf
from .flow import application_fields, complete, open_task, start_application, with_files

NAME = "营业执照.pdf"
PDF = b"%PDF-1.4\n" + b"0" * 2048
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 256
PE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 256
MACH_O = b"\xcf\xfa\xed\xfe" + b"\x00" * 256
SCRIPT = b"#!/bin/sh\nrm -rf ~\n"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _zip(entries: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def _ooxml(main_part: str, content_type: str) -> bytes:
    types = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/'
             '2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
             f'<Override PartName="/{main_part}" ContentType="{content_type}"/></Types>')
    return _zip({"[Content_Types].xml": types, "_rels/.rels": "<Relationships/>", main_part: "<x/>"})


DOCX = _ooxml("word/document.xml",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")
XLSX = _ooxml("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")
DOCM = _ooxml("word/document.xml", "application/vnd.ms-word.document.macroEnabled.main+xml")
ZIP = _zip({"说明.txt": "材料"})
DOC = OLE2 + b"\x00" * 504 + "WordDocument".encode("utf-16-le") + b"\x00" * 256
XLS = OLE2 + b"\x00" * 504 + "Workbook".encode("utf-16-le") + b"\x00" * 256
MSI = OLE2 + b"\x00" * 1024  # a compound file holding neither Word's nor Excel's stream


# ---- names ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, cleaned", [
    ("营业执照.pdf", "营业执照.pdf"),
    ("C:\\Users\\张三\\Desktop\\营业执照.pdf", "营业执照.pdf"),
    ("/home/user/材料/租赁合同.docx", "租赁合同.docx"),
    ("../../etc/passwd", "passwd"),
    ("..\\..\\boot.ini", "boot.ini"),
    ("report\r\nSet-Cookie: x=1.pdf", "reportSet-Cookie: x=1.pdf"),
    ("a\x00b\tc.pdf", "abc.pdf"),
    ("invoice\u202efdp.exe", "invoicefdp.exe"),  # a right-to-left override would show "exe.pdf"
    ("  名单.xlsx  ", "名单.xlsx"),
    ("trailing.pdf. . ", "trailing.pdf"),
    ("..", "file"),
    ("", "file"),
    (None, "file"),
    ("data:text/html,<script>.pdf", "html,<script>.pdf"),
])
def test_names_lose_paths_and_control_characters(raw, cleaned):
    assert clean_filename(raw) == cleaned


def test_long_names_are_cut_to_255_characters_keeping_the_extension():
    name = clean_filename("内蒙古" * 100 + ".docx")
    assert len(name) == 255 and name.startswith("内蒙古") and name.endswith(".docx")
    assert clean_filename("x" * 300) == "x" * 255
    assert extension_of(name) == "docx" and extension_of("README") == "" and extension_of(".pdf") == ""


# ---- content ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("data, family", [
    (PDF, "pdf"), (PNG, "png"), (JPEG, "jpeg"), (DOCX, "docx"), (XLSX, "xlsx"), (ZIP, "zip"), (DOCM, "zip"),
    (DOC, "doc"), (XLS, "xls"), (MSI, "ole"), (ELF, "program"), (PE, "program"), (MACH_O, "program"),
    (SCRIPT, "program"), (b"just some text", ""), (b"PK\x03\x04 not really a zip", ""), (b"", ""),
])
def test_the_type_comes_from_the_content(data, family):
    stream = io.BytesIO(data)
    assert sniff(stream) == family
    assert stream.tell() == 0


# ---- uploading through the application form ---------------------------------------------------------

def _submit(login, application_id, **files):
    task = open_task(application_id, "submit_application")
    fields = with_files(application_fields())
    fields.update({f"file_{kind}": value for kind, value in files.items()})
    return login("applicant_a").post(f"/tasks/{task.id}?lang=en", fields)


def _stored_files(app) -> list[Path]:
    return [p for p in Path(app.config["UPLOAD_DIR"]).iterdir() if p.is_file()]


def test_a_chinese_name_is_kept_on_the_page_and_on_download(app, login, world):
    application_id = start_application(login("applicant_a"))
    assert _submit(login, application_id, legal_entity=pdf(NAME)).status_code == 302
    attachment = db.session.scalar(select(Attachment).where(
        Attachment.application_id == application_id, Attachment.kind == "legal_entity"))
    assert attachment.original_name == NAME
    assert attachment.kind_label == "独立法人的证明（复印件）" and attachment.label == attachment.kind_label
    assert attachment.content_type == "application/pdf"
    assert attachment.stored_name != NAME and NAME not in attachment.stored_name
    application = db.session.get(Application, application_id)
    assert attachment.instance_id == application.instance_id

    page = login("applicant_a").get(f"/applications/{application_id}").get_data(as_text=True)
    assert f">{NAME}</a>" in page and "独立法人的证明（复印件）" in page

    response = login("applicant_a").get(f"/attachments/{attachment.id}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "filename*=UTF-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7.pdf" in disposition
    assert f"filename*=UTF-8''{quote(NAME)}" in disposition
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("content, name, ext", [
    (ELF, "x.pdf", "PDF"),
    (PE, "y.docx", "DOCX"),
    (PNG, "scan.pdf", "PDF"),
    (SCRIPT, "rules.pdf", "PDF"),
    (MACH_O, "tool.zip", "ZIP"),
    (XLSX, "名单.docx", "DOCX"),
    (ZIP, "制度.docx", "DOCX"),
    (MSI, "setup.doc", "DOC"),
])
def test_content_that_is_not_what_the_name_says_is_refused_and_nothing_is_stored(app, login, world, content,
                                                                                  name, ext):
    application_id = start_application(login("applicant_a"))
    response = _submit(login, application_id, rules=(io.BytesIO(content), name))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f"content is not a {ext} file. Please upload the real document." in page
    assert db.session.scalar(select(func.count(Attachment.id))) == 0
    assert _stored_files(app) == []
    assert open_task(application_id, "submit_application").status == "open"


def test_the_refusal_is_in_chinese_by_default(app, login, world):
    application_id = start_application(login("applicant_a"))
    task = open_task(application_id, "submit_application")
    fields = with_files(application_fields())
    fields["file_rules"] = (io.BytesIO(ELF), "x.pdf")
    response = login("applicant_a").post(f"/tasks/{task.id}", fields)
    assert response.status_code == 422 and "PDF" in response.get_data(as_text=True)
    assert _stored_files(app) == []


@pytest.mark.parametrize("content, name", [(DOCX, "制度.docx"), (XLSX, "名单.xlsx"), (DOC, "旧制度.doc"),
                                           (XLS, "旧名单.xls"), (ZIP, "佐证材料.zip"), (DOCX, "打包.zip"),
                                           (PNG, "场地.png"), (JPEG, "场地.JPG")])
def test_real_documents_of_every_accepted_type_are_stored_with_their_type(app, login, world, content, name):
    application_id = start_application(login("applicant_a"))
    assert _submit(login, application_id, other=(io.BytesIO(content), name)).status_code == 302
    attachment = db.session.scalar(select(Attachment).where(Attachment.kind == "other"))
    assert attachment.original_name == name
    family = sniff(io.BytesIO(content))
    assert attachment.content_type == {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml"
                                               ".document",
                                       "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                       "doc": "application/msword", "xls": "application/vnd.ms-excel",
                                       "zip": "application/zip", "png": "image/png", "jpeg": "image/jpeg"}[family]
    response = login("applicant_a").get(f"/attachments/{attachment.id}")
    assert response.status_code == 200 and response.data == content


def test_other_organisations_get_403_and_guessed_ids_404(login, world):
    application_id = start_application(login("applicant_a"))
    assert _submit(login, application_id, legal_entity=pdf(NAME)).status_code == 302
    attachment = db.session.scalar(select(Attachment).where(Attachment.application_id == application_id))
    assert login("applicant_b").get(f"/attachments/{attachment.id}").status_code == 403
    assert login("recommender_b").get(f"/attachments/{attachment.id}").status_code == 403
    assert login("expert1").get(f"/attachments/{attachment.id}").status_code == 403  # not on its panel
    assert login("recommender_a").get(f"/attachments/{attachment.id}").status_code == 200
    assert login("applicant_b").get("/attachments/99999").status_code == 404
    assert login("applicant_b").get("/attachments/abc").status_code == 404


# ---- the storage layer ------------------------------------------------------------------------------

def _upload(content: bytes = PDF, name: str = NAME) -> FileStorage:
    return FileStorage(stream=io.BytesIO(content), filename=name, content_type="text/html")


def test_a_case_file_is_readable_by_the_experts_assigned_to_the_case(app, login, world):
    """An attachment owned only by its case (as a self-assessment in an evaluation case): whoever may see
    the case may read it, e.g. an expert on its panel; an expert not on it may not."""
    application_id = start_application(login("applicant_a"))
    assert _submit(login, application_id).status_code == 302
    complete(login("recommender_a"), open_task(application_id, "recommender_review"),
             {"recommender_decision": "recommend", "recommendation_letter": "同意推荐", "recommender_comments": ""})
    complete(login("torch1"), open_task(application_id, "material_review"),
             {"material_decision": "complete", "material_comments": ""})
    panel = [world["users"][e].id for e in ("expert1", "expert2", "expert3")]
    complete(login("torch1"), open_task(application_id, "organise_review"), {"panel_experts": [str(i) for i in panel]})

    application = db.session.get(Application, application_id)
    attachment = save_upload(_upload(name="自评报告.pdf"), kind="self_assessment", kind_label="自评报告",
                             user=world["users"]["applicant_a"], instance_id=application.instance_id,
                             task_spec="expert_review")
    db.session.commit()
    assert attachment.application_id is None and attachment.space_id is None
    assert attachment.content_type == "application/pdf"  # not the client's text/html
    assert login("expert1").get(f"/attachments/{attachment.id}").status_code == 200
    assert login("expert4").get(f"/attachments/{attachment.id}").status_code == 403
    assert login("applicant_a").get(f"/attachments/{attachment.id}").status_code == 200
    assert login("applicant_b").get(f"/attachments/{attachment.id}").status_code == 403
    assert [a.id for a in attachments_for(instance_id=application.instance_id, task_spec="expert_review")] == \
        [attachment.id]
    assert len(attachments_for(instance_id=application.instance_id)) == 7  # with the six Art. 7 files
    assert len(attachments_for(application_id=application_id)) == 6


def test_a_space_file_is_readable_by_the_space_s_organisation_and_unit(app, login, world, space_id):
    space = db.session.get(MakerSpace, space_id)
    attachment = save_upload(_upload(name="变更说明.pdf"), kind="change", kind_label="变更说明",
                             user=world["users"]["applicant_a"], space=space)
    db.session.commit()
    assert attachments_for(space_id=space_id) == [attachment]
    assert login("applicant_a").get(f"/attachments/{attachment.id}").status_code == 200
    assert login("recommender_a").get(f"/attachments/{attachment.id}").status_code == 200
    assert login("supervisor").get(f"/attachments/{attachment.id}").status_code == 200
    assert login("applicant_b").get(f"/attachments/{attachment.id}").status_code == 403
    assert login("expert1").get(f"/attachments/{attachment.id}").status_code == 403


def test_the_macro_lists_any_attachments(app, login, world, space_id):
    from flask import render_template_string

    space = db.session.get(MakerSpace, space_id)
    attachment = save_upload(_upload(name="变更说明.pdf"), kind="change", kind_label="变更说明",
                             user=world["users"]["applicant_a"], space=space)
    template = '{% from "macros.html" import attachments_list %}{{ attachments_list(items) }}'
    with app.test_request_context():
        listed = render_template_string(template, items=[attachment])
        empty_space = render_template_string(template, items=space)  # no .attachments: nothing listed
    assert "变更说明：" in listed and ">变更说明.pdf</a>" in listed
    assert "<li>" in empty_space and "变更说明.pdf" not in empty_space


def test_a_rolled_back_upload_leaves_no_file(app, login, world):
    application_id = start_application(login("applicant_a"))
    application = db.session.get(Application, application_id)
    save_upload(_upload(), kind="other", kind_label="其他", user=world["users"]["applicant_a"],
                application=application)
    assert len(_stored_files(app)) == 1
    db.session.rollback()
    assert _stored_files(app) == []
    assert db.session.scalar(select(func.count(Attachment.id))) == 0


def test_the_storage_layer_refuses_what_the_validator_would(app, login, world):
    application_id = start_application(login("applicant_a"))
    application = db.session.get(Application, application_id)
    with pytest.raises(UploadRefused):
        save_upload(_upload(ELF, "x.pdf"), kind="other", kind_label="其他", user=world["users"]["applicant_a"],
                    application=application)
    with pytest.raises(ValueError):
        save_upload(_upload(), kind="other", kind_label="其他", user=world["users"]["applicant_a"])
    assert _stored_files(app) == []


def test_old_rows_without_a_stored_label_show_the_art7_name():
    assert Attachment(kind="premises").label == "场所产权证书或租赁合同（复印件）"
    assert Attachment(kind="premises", kind_label="租赁合同").label == "租赁合同"
