"""SQL statements per task POST, counted by a `before_cursor_execute` listener on the app's engine: every
statement the request sends (session and log-in, the task, the case, the engine's writes, the commit's)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event

from webapp.extensions import db

from . import cases
from .world import Browser, World


def statements_of(action: Callable[[], object]) -> list[str]:
    """The SQL of every statement sent while `action` runs."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return statements


def _post(browser: Browser, case_id: int, spec: str, data: dict) -> list[str]:
    row_id = cases.open_task(case_id, spec).id

    def post() -> None:
        response = browser.post(f"/tasks/{row_id}", data)
        assert response.status_code == 302, f"{spec}: the POST answered {response.status_code}"

    return statements_of(post)


def statements_per_post(world: World) -> dict[str, list[str]]:
    """A recognition case through three POSTs: two ordinary steps, then organising a panel of three.
    Each with the statements it sent (`scripts/bench --sql` prints them)."""
    people = world.people
    recommender, torch = Browser(world.app, "hohhot_bureau"), Browser(world.app, "torch1")
    warm = cases.to_material_review(people, 900)  # the first request of each kind fills the caches
    _post(torch, warm, "material_review", cases.MATERIALS_COMPLETE)
    case_id = cases.start_recognition(people, 901)
    cases.complete(case_id, "submit_application", cases.FACTS, "qingcheng", people)
    panel = {"panel_experts": [str(e) for e in people.experts[2:5]]}
    return {
        "recommender review": _post(recommender, case_id, "recommender_review", cases.RECOMMEND),
        "material review": _post(torch, case_id, "material_review", cases.MATERIALS_COMPLETE),
        "organising a panel of 3": _post(torch, case_id, "organise_review", panel),
    }
