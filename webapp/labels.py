"""Values shown through `_()` in templates (roles, statuses, audit actions), listed here so that the
catalog extractor finds them. Their translations live in webapp/translations."""


def N_(text: str) -> str:  # marks a string for extraction without translating it here
    return text


ROLES = [N_("applicant"), N_("recommender"), N_("torch_center"), N_("expert"), N_("approver"),
         N_("supervisor"), N_("designer")]
APPLICATION_STATUSES = [N_("in_review"), N_("recognised"), N_("declined"), N_("not_selected"),
                        N_("objection_upheld")]
SPACE_STATUSES = [N_("rectification"), N_("revoked"), N_("left"), N_("national"), N_("national_professional")]
INSTANCE_STATUSES = [N_("running"), N_("completed"), N_("cancelled"), N_("open")]
AUDIT_ACTIONS = [N_("started"), N_("claimed"), N_("released"), N_("message"), N_("timer"), N_("error")]
REPORT_STATUSES = [N_("on_time"), N_("late"), N_("missing")]
GRADES = [N_("excellent"), N_("good"), N_("pass"), N_("fail")]
AWARD_KINDS = [N_("evaluation")]


def award_label(kind: str) -> str:
    """Award kinds share ids with space statuses ("national"), so they get labels of their own."""
    from flask_babel import gettext as _

    labels = {"evaluation": _("Evaluation award (Art. 19)"), "national": _("National maker space filing award (Art. 15)"),
              "national_professional": _("National professional maker space filing award (Art. 16)")}
    return labels.get(kind, kind)
CHANGE_TYPES = [N_("area"), N_("operator"), N_("direction")]
VIOLATIONS = [N_("serious_violation"), N_("safety_accident"), N_("abnormal_register"), N_("blacklist"),
              N_("rule_breach")]
