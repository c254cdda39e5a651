"""Imports every table module so that ``Base.metadata`` knows all tables (for Alembic)."""

from fanzha.notify import models as notify_models
from fanzha.workflow.action import models as action_models
from fanzha.workflow.audit import models as audit_models
from fanzha.workflow.campaign import models as campaign_models
from fanzha.workflow.candidate import models as candidate_models  # noqa: F401
from fanzha.workflow.case import models as case_models
from fanzha.workflow.outcome import models as outcome_models
from fanzha.workflow.partner import models as partner_models
from fanzha.workflow.restriction import models as restriction_models
from fanzha.workflow.retention import models as retention_models
from fanzha.workflow.station import models as station_models
from fanzha.workflow.stream import models as stream_models
from fanzha.workflow.tier import models as tier_models
from fanzha.workflow.user import models as user_models
from fanzha.workflow.volunteer import models as volunteer_models
from fanzha.workflow.warning import models as warning_models

__all__ = [
    "action_models",
    "audit_models",
    "campaign_models",
    "case_models",
    "notify_models",
    "outcome_models",
    "partner_models",
    "restriction_models",
    "retention_models",
    "station_models",
    "stream_models",
    "tier_models",
    "user_models",
    "volunteer_models",
    "warning_models",
]
