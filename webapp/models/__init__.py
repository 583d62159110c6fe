"""All tables. Import from here so metadata is complete wherever models are used."""

from .accounts import ROLES, LoginFailure, Organisation, Unit, User, UserSession
from .audit import AuditEvent, Notification
from .recognition import Application, ApplicationRound, Attachment, Objection
from .registry import Award, ChangeFiling, Evaluation, MakerSpace, PublicNotice, Report, SpaceStatusChange
from .saved_filter import SavedFilter
from .settings import AppSetting, Holiday
from .workflow import DefinitionBundle, HumanTask, ProcessFault, ProcessInstance

__all__ = [
    "ROLES", "Organisation", "Unit", "User", "AuditEvent", "Notification", "Application",
    "ApplicationRound", "Attachment", "Objection", "Award", "ChangeFiling", "Evaluation", "MakerSpace",
    "PublicNotice", "Report", "SpaceStatusChange", "AppSetting", "Holiday", "DefinitionBundle",
    "HumanTask", "ProcessFault", "ProcessInstance", "SavedFilter", "UserSession", "LoginFailure",
]
