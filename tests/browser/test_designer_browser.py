"""The designer area in Chromium (issue 7, first part): a version shown with bpmn.io's viewer, a task renamed
in bpmn.io's modeler, deployed with a reason, and the spiffworkflow properties kept.

Deploying changes what the other browser tests rely on, so this test runs on a demo server of its own.
Screenshots: tests/browser/screenshots/designer-*.png."""

from __future__ import annotations

import re
import urllib.request

from playwright.sync_api import Page, expect

from .ui import UI

NEW_TITLE = "材料完整性与合规审核"


def test_designer_renames_a_task_in_the_modeler_and_deploys_it(page: Page, own_server, screenshot_dir):
    ui = UI(page, own_server, screenshot_dir, prefix="designer-")
    ui.login("designer")
    ui.go("/designer/")
    expect(page.locator("main h1")).to_contain_text("流程设计")
    ui.go("/designer/versions/1?file=recognition.bpmn")
    canvas = page.locator("#canvas")
    expect(canvas).to_have_attribute("data-ready", "1", timeout=20000)
    # the diagram is drawn: its tasks, with their Chinese names, and no import warnings
    expect(canvas.locator(".djs-element[data-element-id=material_review]")).to_have_count(1)
    expect(canvas).to_contain_text("材料完整性审核")
    expect(page.locator("#import-warnings li")).to_have_count(0)
    ui.shot("01-viewer")

    page.get_by_role("link", name="在浏览器中编辑").click()
    expect(page).to_have_url(re.compile(r"/designer/edit/recognition\.bpmn$"))
    expect(page.locator("#canvas")).to_have_attribute("data-ready", "1", timeout=20000)
    expect(page.locator(".djs-palette")).to_be_visible()  # the modeler's tools

    # a mistake: the application step loses its outgoing flow. Refused before anything is stored, the
    # problem named in Chinese, and the draft reopened with the faulty element marked on the diagram.
    page.evaluate("""() => {
        const registry = window.diagram.get('elementRegistry');
        window.diagram.get('modeling').removeElements([registry.get('Flow_submit_check')]);
    }""")
    page.locator("textarea[name=note]").fill("误删连线")
    page.locator("#deploy-button").click()
    expect(page.locator("#deploy-problems")).to_contain_text("submit_application")
    expect(page.locator("#deploy-problems")).to_contain_text("修改建议")
    expect(page.locator("#canvas")).to_have_attribute("data-ready", "1", timeout=20000)
    expect(page.locator(".djs-element.problem[data-element-id=submit_application]")).to_have_count(1)
    ui.shot("02-refused-and-marked")
    page.get_by_role("link", name="取消").click()
    page.get_by_role("link", name="在浏览器中编辑").click()
    expect(page.locator("#canvas")).to_have_attribute("data-ready", "1", timeout=20000)
    page.evaluate("""title => {
        const registry = window.diagram.get('elementRegistry');
        window.diagram.get('modeling').updateLabel(registry.get('material_review'), title);
    }""", NEW_TITLE)
    page.locator("textarea[name=note]").fill("材料审核环节增加合规性审查，更名")
    ui.shot("03-modeler")
    page.locator("#deploy-button").click()
    expect(page).to_have_url(re.compile(r"/designer/versions/2"))
    expect(page.locator(".flash.success")).to_contain_text("2")
    expect(page.locator("#canvas")).to_have_attribute("data-ready", "1", timeout=20000)
    ui.shot("04-deployed")

    # the saved diagram keeps what the app reads from it (spiffworkflow properties), with the new name
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    request = urllib.request.Request(ui.url("/designer/versions/2/files/recognition.bpmn"),
                                     headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())})
    with urllib.request.urlopen(request) as response:
        xml = response.read().decode("utf-8")
    assert f'name="{NEW_TITLE}"' in xml
    assert 'value="recognition.material_review"' in xml and "spiffworkflow:properties" in xml

    # the version list records who deployed and why
    ui.go("/designer/")
    expect(page.locator("main")).to_contain_text("材料审核环节增加合规性审查，更名")
