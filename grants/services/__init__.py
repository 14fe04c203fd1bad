"""Writes of the grants app. Split by subject (programs, applications, milestones); import from here."""

from grants.services.applications import (
    application_create_draft,
    application_submit,
    application_update_draft,
    application_withdraw,
)
from grants.services.milestones import (
    milestone_accept,
    milestone_pay,
    milestone_report,
    milestone_retry_payout,
    payouts_pending,
)
from grants.services.programs import (
    program_create_from_proposal,
    program_top_up_from_proposal,
    program_update,
    recognitions_record,
    validate_rubric,
)
from grants.services.reviews import application_decide, review_submit, weighted_score

__all__ = [
    "application_create_draft",
    "application_decide",
    "application_submit",
    "application_update_draft",
    "application_withdraw",
    "milestone_accept",
    "milestone_pay",
    "milestone_report",
    "milestone_retry_payout",
    "payouts_pending",
    "program_create_from_proposal",
    "program_top_up_from_proposal",
    "program_update",
    "recognitions_record",
    "review_submit",
    "validate_rubric",
    "weighted_score",
]
