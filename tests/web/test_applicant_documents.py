"""The applicant's view of its own application (found walking the demo as an applicant): a document handed in
again shows in its current version; the older ones stay (they are the record), shown to staff only, folded."""

from __future__ import annotations

import re

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Application, Attachment

from .applicant_view import returned_by_recommender, section
from .conftest import pdf
from .flow import (
    application_fields,
    complete,
    open_task,
    start_application,
    submit_application,
    through_to_shortlist,
    with_files,
)


def folded(html: str) -> tuple[str, str]:
    """What a page shows outright, and what it folds away (<details>)."""
    details = re.findall(r"<details.*?</details>", html, re.S)
    return re.sub(r"<details.*?</details>", "", html, flags=re.S), "".join(details)


def test_a_replaced_document_shows_in_its_current_version_and_older_ones_only_to_staff(login, world):
    application_id = returned_by_recommender(login)
    fields = with_files(application_fields())
    fields["file_premises"] = pdf("租赁合同（续签）.pdf")  # the lease renewed; every other file handed in again
    complete(login("applicant_a"), open_task(application_id, "submit_application"), fields)
    application = db.session.get(Application, application_id)
    premises = db.session.scalars(select(Attachment).where(
        Attachment.application_id == application_id, Attachment.kind == "premises").order_by(Attachment.id)).all()
    assert [a.original_name for a in premises] == ["premises.pdf", "租赁合同（续签）.pdf"]  # both kept: the record
    assert len(application.attachments) == 12  # every file was handed in again

    page = login("applicant_a").get(f"/applications/{application_id}").get_data(as_text=True)
    files = section(page, "attachments")
    assert "租赁合同（续签）.pdf" in files and "premises.pdf" not in files
    assert files.count("legal_entity.pdf") == 1  # handed in twice under the same name: listed once
    assert "以前的版本" not in files

    for staff in ("torch1", "recommender_a", "supervisor"):
        current, older = folded(section(login(staff).get(f"/applications/{application_id}").get_data(as_text=True),
                                        "attachments"))
        assert "租赁合同（续签）.pdf" in current and "premises.pdf" not in current, staff
        assert "以前的版本（1）" in older and "premises.pdf" in older and f'/attachments/{premises[0].id}"' in older, staff
    assert login("torch1").get(f"/attachments/{premises[0].id}").status_code == 200

    # The Torch Center's step shows the current versions, the older ones folded away.
    complete(login("recommender_a"), open_task(application_id, "recommender_review"),
             {"recommender_decision": "recommend", "recommendation_letter": "同意推荐", "recommender_comments": ""})
    material = open_task(application_id, "material_review")
    current, older = folded(login("torch1").get(f"/tasks/{material.id}").get_data(as_text=True))
    assert "租赁合同（续签）.pdf" in current and "premises.pdf" not in current and "premises.pdf" in older

    # Sent back again: the applicant's form lists what is handed in now, not every earlier file.
    torch = login("torch1")
    torch.post(f"/tasks/{material.id}/return", {"target": "submit_application", "reason": "请补充盖章页"},
               from_page=f"/tasks/{material.id}")
    task = open_task(application_id, "submit_application")
    form = login("applicant_a").get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "租赁合同（续签）.pdf" in form and "premises.pdf" not in form and form.count("legal_entity.pdf") == 1


def item(html: str, name: str) -> str:
    """The list item of the file of this name."""
    found = [li for li in re.findall(r"<li>.*?</li>", html, re.S) if name in li and "<details" not in li]
    assert len(found) == 1, html
    return found[0]


def supplemented(login) -> int:
    """An application whose lease the Torch Center asked to supplement, and its applicant's supplement."""
    application_id = start_application(login("applicant_a"))
    submit_application(login, application_id)
    complete(login("recommender_a"), open_task(application_id, "recommender_review"),
             {"recommender_decision": "recommend", "recommendation_letter": "同意推荐", "recommender_comments": ""})
    complete(login("torch1"), open_task(application_id, "material_review"),
             {"material_decision": "supplement", "material_comments": "租赁合同缺少附页"})
    complete(login("applicant_a"), open_task(application_id, "supplement_materials"),
             {"supplement_note": "已补充租赁合同附页", "file_premises": pdf("租赁合同附页.pdf")})
    return application_id


def test_a_supplement_adds_to_the_documents_for_everyone_and_is_labelled_as_one(login, world):
    application_id = supplemented(login)
    for reader in ("applicant_a", "torch1", "recommender_a", "supervisor"):
        current, older = folded(section(login(reader).get(f"/applications/{application_id}").get_data(as_text=True),
                                        "attachments"))
        assert "premises.pdf" in current and "租赁合同附页.pdf" in current, reader  # the original lease stays
        assert "以前的版本" not in older, reader  # nothing folded away: nothing was replaced
        assert "补充材料" in item(current, "租赁合同附页.pdf") and "补充材料" not in item(current, "premises.pdf"), reader

    # The Torch Center's step, then the experts: the lease and its supplement.
    material = open_task(application_id, "material_review")
    current, older = folded(login("torch1").get(f"/tasks/{material.id}").get_data(as_text=True))
    assert "premises.pdf" in current and "租赁合同附页.pdf" in current and "以前的版本" not in older
    complete(login("torch1"), material, {"material_decision": "complete", "material_comments": ""})
    complete(login("torch1"), open_task(application_id, "organise_review"),
             {"panel_experts": [str(world["users"][e].id) for e in ("expert1", "expert2", "expert3")]})
    expert = world["users"]["expert1"]
    review = open_task(application_id, "expert_review", expert.id)
    for page in (f"/tasks/{review.id}", f"/applications/{application_id}"):
        html = login("expert1").get(page).get_data(as_text=True)
        assert "premises.pdf" in html and "补充材料" in item(html, "租赁合同附页.pdf"), page


def test_a_resubmission_after_a_supplement_replaces_the_original_and_keeps_the_supplement(login, world):
    application_id = supplemented(login)
    material = open_task(application_id, "material_review")
    login("torch1").post(f"/tasks/{material.id}/return", {"target": "submit_application", "reason": "请更新租赁合同"},
                         from_page=f"/tasks/{material.id}")
    fields = application_fields()
    fields["file_premises"] = pdf("租赁合同（续签）.pdf")  # only the lease handed in again
    complete(login("applicant_a"), open_task(application_id, "submit_application"), fields)

    files = section(login("applicant_a").get(f"/applications/{application_id}").get_data(as_text=True), "attachments")
    assert "租赁合同（续签）.pdf" in files and "premises.pdf" not in files
    assert "补充材料" in item(files, "租赁合同附页.pdf")
    current, older = folded(section(login("torch1").get(f"/applications/{application_id}").get_data(as_text=True),
                                    "attachments"))
    assert "租赁合同（续签）.pdf" in current and "租赁合同附页.pdf" in current and "premises.pdf" not in current
    assert "以前的版本（1）" in older and "premises.pdf" in older and "租赁合同附页.pdf" not in older


def test_an_earlier_version_is_downloaded_by_its_applicant_and_the_staff_who_read_it_not_by_the_experts(login, world):
    application_id = returned_by_recommender(login)
    fields = application_fields()
    fields["file_premises"] = pdf("租赁合同（续签）.pdf")
    complete(login("applicant_a"), open_task(application_id, "submit_application"), fields)
    premises = db.session.scalars(select(Attachment).where(
        Attachment.application_id == application_id, Attachment.kind == "premises").order_by(Attachment.id)).all()
    earlier, current = premises[0].id, premises[1].id
    through_to_shortlist(login, world, application_id)  # the panel scores it

    for reader in ("applicant_a", "recommender_a", "torch1", "approver", "supervisor"):
        assert login(reader).get(f"/attachments/{earlier}").status_code == 200, reader
    for reader in ("expert1", "expert2", "expert3"):  # on the panel: the documents as they stand now
        assert login(reader).get(f"/attachments/{current}").status_code == 200, reader
        assert login(reader).get(f"/attachments/{earlier}").status_code == 403, reader
    for outsider in ("applicant_b", "recommender_b", "expert4"):
        assert login(outsider).get(f"/attachments/{earlier}").status_code == 403, outsider
