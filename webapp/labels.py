"""Values shown through `_()` in templates (roles, statuses, audit actions), listed here so that the
catalog extractor finds them. Their translations live in webapp/translations."""

from datetime import date
from functools import lru_cache

from webapp.clock import CHINA


def N_(text: str) -> str:  # marks a string for extraction without translating it here
    return text


ROLES = [N_("applicant"), N_("recommender"), N_("torch_center"), N_("expert"), N_("approver"),
         N_("supervisor"), N_("designer")]
APPLICATION_STATUSES = [N_("draft"), N_("in_review"), N_("recognised"), N_("declined"), N_("not_selected"), N_("credit_failed"), N_("lapsed"),
                        N_("objection_upheld"), N_("withdrawn")]
SPACE_STATUSES = [N_("rectification"), N_("revoked"), N_("left"), N_("national"), N_("national_professional")]
INSTANCE_STATUSES = [N_("running"), N_("completed"), N_("cancelled"), N_("open")]
AUDIT_ACTIONS = [N_("started"), N_("claimed"), N_("released"), N_("message"), N_("queued"), N_("timer"),
                 N_("error")]
# The office verbs (webapp/office/): their audit actions, and an application withdrawn by its applicant.
OFFICE_ACTIONS = [N_("returned"), N_("step_withdrawn"), N_("withdrawn"), N_("transferred"), N_("urged")]
REPORT_STATUSES = [N_("on_time"), N_("late"), N_("missing")]
GRADES = [N_("excellent"), N_("good"), N_("pass"), N_("fail")]
AWARD_KINDS = [N_("evaluation")]


def award_label(kind: str) -> str:
    """Award kinds share ids with space statuses ("national"), so they get labels of their own."""
    from flask_babel import gettext as _

    labels = {"evaluation": _("Evaluation award (Art. 19)"), "national": _("National maker space filing award (Art. 15)"),
              "national_professional": _("National professional maker space filing award (Art. 16)")}
    return labels.get(kind, kind)



def as_number(value) -> str:
    """A number as people typed it: 3 (not 3.0), 1200.5 (not 1200.50); anything else unchanged."""
    from decimal import Decimal

    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int | float | Decimal):
        text = f"{Decimal(str(value)):f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


def as_score(value) -> str:
    """Scores are fixed decimals with two places (evaluation-defaults.md)."""
    from decimal import ROUND_HALF_UP, Decimal

    if value is None or value == "":
        return ""
    return str(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def due_label(due, now, translations=None) -> str:
    """A deadline as people read it: its last day (`sandbox.last_day`: an end at midnight is the day before)
    and how long is left or how long it is overdue, e.g. 2026-12-08（3 days left）, 1 day left in English.
    `translations`: the page's catalog looked up once (webapp/inbox/rows.py), else the request's."""
    from flask_babel import get_translations

    from webapp.engine.sandbox import deadline_day, last_day

    translations = translations or get_translations()
    gettext, ngettext = translations.gettext, translations.ngettext
    last = last_day(due.isoformat())
    # Counted in calendar days of China time, as people count them: due 12-11, on 12-01 there are 10 days
    # left whatever the hour (whole 24-hour spans said 9 in the evening).
    days = (date.fromisoformat(last) - now.astimezone(CHINA).date()).days
    shown = deadline_day(due)
    if due <= now:
        overdue = max(-days, 1)
        left = ngettext("overdue by %(n)s day", "overdue by %(n)s days", overdue) % {"n": overdue}
    elif days == 0:
        left = gettext("due today")
    else:
        left = ngettext("%(n)s day left", "%(n)s days left", days) % {"n": days}
    return f"{shown}（{left}）"


def local_time(moment) -> str:
    """An instant as people here read it: China time to the minute ("" for none)."""
    return f"{moment.astimezone(CHINA):%Y-%m-%d %H:%M}" if moment else ""


def local_date(moment) -> str:
    """The day of an instant in China ("" for none)."""
    return f"{moment.astimezone(CHINA):%Y-%m-%d}" if moment else ""


def service_labels(codes) -> str:
    """An application's services (Art. 6(5)) by their names, in the reader's language."""
    from forms.recognition import SERVICES

    names = dict(SERVICES)
    return "、".join(str(names.get(code, code)) for code in codes or [])


def lane_label(name: str | None, gettext=None) -> str:
    """A lane as people read it: its role by the role's label, not by the identifier the diagram keeps in
    brackets for the engine (docs/diagram-conventions.md): 科技厅 (approver) reads 科技厅, 审批组 (approver)
    审批组（科技厅）, a bare (approver) or approver 科技厅. A lane naming no known role reads as it is named.

    The lane's own words are the diagram's (Chinese): when they only name the role they give way to the role's
    label in the reader's language (科技厅 (approver) reads Science and Technology Department in English, not
    科技厅（Science and Technology Department）); words that say more stay, the role beside them."""
    from flask_babel import gettext as request_gettext

    from webapp.engine.runtime import lane_parts
    from webapp.models.accounts import LANE_ROLES

    gettext = gettext or request_gettext
    if (name or "").strip() in LANE_ROLES:  # the role alone
        return gettext(name.strip())
    label, code = lane_parts(name)
    if code not in LANE_ROLES:
        return name or ""
    role, in_diagram = gettext(code), _diagram_role_names()[code]
    if label in ("", role, in_diagram):
        return role
    return f"{label}（{role}）" if role == in_diagram else f"{label} ({role})"  # the reader's brackets


@lru_cache(maxsize=1)
def _diagram_role_names() -> dict[str, str]:
    """The lane roles named in the diagrams' language, Chinese (the zh catalog's names, whatever the reader's
    language), to tell a lane's words that only name its role."""
    from pathlib import Path

    from babel.support import Translations

    from webapp.models.accounts import LANE_ROLES

    catalog = Translations.load(str(Path(__file__).resolve().parent / "translations"), ["zh"])
    return {role: catalog.gettext(role) for role in LANE_ROLES}


def with_lane_labels(xml: str) -> bytes:
    """A BPMN file for a diagram viewer (the case page's, the designer's version and comparison views): every
    lane named as `lane_label` reads it, in the reader's language. The file itself is never changed; the editor
    and downloads get it as stored. Anything that is not BPMN with lanes is returned as it is."""
    from flask_babel import get_translations

    from webapp.models.accounts import LANE_ROLES

    gettext = get_translations().gettext
    return _relabelled(xml, tuple((role, gettext(role)) for role in LANE_ROLES))


@lru_cache(maxsize=16)
def _relabelled(xml: str, roles: tuple[tuple[str, str], ...]) -> bytes:
    from lxml import etree

    from webapp.engine.safe_xml import SAFE_XML

    data = xml.encode("utf-8")
    try:
        root = etree.fromstring(data, parser=SAFE_XML)
    except (etree.XMLSyntaxError, ValueError):
        return data
    labels = dict(roles)
    lanes = [lane for lane in root.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}lane") if lane.get("name")]
    for lane in lanes:
        lane.set("name", lane_label(lane.get("name"), lambda role: labels.get(role, role)))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") if lanes else data
