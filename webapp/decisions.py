"""The decisions reviewers record on a case, read back from the audit trail (a completion's `detail.data` holds
what its form wrote), and which part of each the applicant may read.

What the applicant reads, and why (the choice is made here, for every page that shows a case's history to
an outside party: the applicant or operator, the recommending unit, an expert):
- the decision itself, every time: recommended / returned / not recommended, materials complete or to be
  supplemented, the on-site inspection matching the application or not, the credit check's outcome, put on
  the shortlist or not, an objection upheld or not; for a recognised space, a change filing forwarded or sent
  back and filed or not, the evaluation's materials found genuine or false, the grade the Department
  confirmed, the national filing's outcome, the recognition revoked or not. Each is an act of the
  administration on its application or space;
- the written reason of a decision that goes against it or hands the case back to it — a return, a request
  to supplement, a refusal to recommend, not being selected, an upheld objection, a change filing sent back
  or not filed, materials found false, a confirmed fail, a revocation. Those texts are written to the
  applicant (the diagram puts them in its step or in the case's outcome);
- never: the comments of a favourable decision (written to the next reviewer, e.g. a recommender's remark
  beside its letter or beside a change filing it forwards, the Torch Center's remark on genuine materials,
  the Department's on a passing grade, its reasons for not revoking), the recommendation letter (to the
  Torch Center), the panel (its experts, their names, scores and comments), the on-site inspection's report,
  the credit check's sources and findings beyond its outcome, an objection's findings, a violation's
  investigation, and the answer to an objection that was dismissed (written to the objector, whom the
  applicant must not learn).
Staff who run or oversee the procedure read every written reason; everyone reads their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

RETURN, SUPPLEMENT = "return", "supplement"
# A fact of the case a decision rests on without its form recording it: the Department confirms the grade the
# rules gave (its form holds only comments), and the case publishes that grade right after (webapp/history.py).
GRADE = "grade"


@dataclass(frozen=True)
class Decision:
    """One kind of decision: the form field it is recorded in and what its values mean."""

    field: str
    labels: dict[Any, Any]  # value -> what was decided, as people read it
    reason: str | None = None  # the field holding its written reason
    to_applicant: frozenset = frozenset()  # values whose reason is written to the applicant
    sends_back: dict[Any, str] = field(default_factory=dict)  # value -> RETURN | SUPPLEMENT: the case goes back to it
    value: Callable[[dict], Any] | None = None  # the decided value, when it is not the field's own
    fact: str | None = None  # the decided value is this fact of the case (None: not known), not in the data


@dataclass(frozen=True)
class Decided:
    """A decision found in a completion's data."""

    label: str
    reason: str  # its written reason ("" when none was written)
    reason_to_applicant: bool
    sends_back: str | None


DECISIONS: tuple[Decision, ...] = (
    Decision("recommender_decision",
             {"recommend": _l("Recommended"), RETURN: _l("Returned to the applicant for changes"),
              "decline": _l("Decline to recommend")},
             reason="recommender_comments", to_applicant=frozenset({RETURN, "decline"}), sends_back={RETURN: RETURN}),
    Decision("material_decision",
             {"complete": _l("Complete"), SUPPLEMENT: _l("Materials to be supplemented")},
             reason="material_comments", to_applicant=frozenset({SUPPLEMENT}), sends_back={SUPPLEMENT: SUPPLEMENT}),
    Decision("site_inspection_passed",
             {True: _l("Matches the application"), False: _l("Does not match the application")}),
    Decision("credit_blacklisted", {False: _l("No listing found"), True: _l("Listed")},
             value=lambda data: bool(data.get("credit_blacklisted") or data.get("credit_abnormal"))),
    Decision("shortlist_decision", {"shortlist": _l("Put on the shortlist"), "reject": _l("Not selected")},
             reason="shortlist_comments", to_applicant=frozenset({"reject"})),
    Decision("objection_upheld", {True: _l("Objection upheld"), False: _l("Objection not upheld")},
             reason="objection_answer", to_applicant=frozenset({True})),
    # A recognised space's own procedures: change filing, evaluation, national filing, violation case.
    Decision("forward_decision",
             {"forward": _l("Forwarded to the Department"), RETURN: _l("Returned to the operator to supplement")},
             reason="forward_comments", to_applicant=frozenset({RETURN}), sends_back={RETURN: RETURN}),
    Decision("change_accepted", {True: _l("Filing of the change accepted"), False: _l("Filing of the change refused")},
             reason="change_comments", to_applicant=frozenset({False})),
    Decision("materials_false", {False: _l("Evaluation materials genuine"),
                                 True: _l("Evaluation materials false: graded fail")},
             reason="material_comments", to_applicant=frozenset({True})),
    Decision("confirm_comments", {"excellent": _l("Confirmed as excellent"), "good": _l("Confirmed as good"),
                                  "pass": _l("Confirmed as pass"), "fail": _l("Confirmed as fail"),
                                  None: _l("Confirmed")},
             reason="confirm_comments", to_applicant=frozenset({"fail"}), fact=GRADE),
    Decision("national_filing_result", {"national": _l("Filed as a national maker space"),
                                        "national_professional": _l("Filed as a national professional maker space"),
                                        "not_filed": _l("Not filed nationally")}),
    Decision("revoke", {True: _l("Recognition revoked"), False: _l("Not revoked")},
             reason="decision_reason", to_applicant=frozenset({True})),
)


def _decision_in(data: dict) -> Decision | None:
    return next((decision for decision in DECISIONS if decision.field in data), None)


def fact_needed(data: dict) -> str | None:
    """The fact of the case (e.g. GRADE) the decision in this completion's data rests on, if any."""
    decision = _decision_in(data)
    return decision.fact if decision is not None else None


def decided(data: dict, fact: Any = None) -> Decided | None:
    """The decision a completion recorded, if its form records one this module knows; `fact`: the value of the
    fact it rests on (`fact_needed`), when the caller knows it."""
    decision = _decision_in(data)
    if decision is None:
        return None
    value = fact if decision.fact else decision.value(data) if decision.value else data[decision.field]
    try:
        label = decision.labels.get(value)
    except TypeError:  # an unhashable value: no decision of ours
        label = None
    if label is None and decision.fact:  # a fact not known here (a grade a designer added): the decision alone
        label = decision.labels.get(None)
    if label is None:
        return None
    reason = str(data.get(decision.reason) or "").strip() if decision.reason else ""
    return Decided(label=str(label), reason=reason, reason_to_applicant=value in decision.to_applicant,
                   sends_back=decision.sends_back.get(value))
