"""Market API: one APIView per operation (providers side and compute side)."""

from jctgov.market.api.confirmations import LeaseConfirmApi, LeaseDisputeApi
from jctgov.market.api.jobs import (
    JobCancelApi,
    JobDetailApi,
    JobListApi,
    JobSubmitApi,
    LeaseCompleteApi,
    LeaseFailApi,
    LeaseListApi,
    LeaseStartApi,
    QuoteApi,
    SummaryApi,
)
from jctgov.market.api.providers import (
    HeartbeatApi,
    NodeListApi,
    NodeRegisterApi,
    ProviderMeApi,
    ProviderRefreshStakeApi,
    ProviderRegisterApi,
)
from jctgov.market.api.replay import ReplayPreviewApi, ReplayStatusApi

__all__ = [
    "HeartbeatApi",
    "JobCancelApi",
    "JobDetailApi",
    "JobListApi",
    "JobSubmitApi",
    "LeaseCompleteApi",
    "LeaseConfirmApi",
    "LeaseDisputeApi",
    "LeaseFailApi",
    "LeaseListApi",
    "LeaseStartApi",
    "NodeListApi",
    "NodeRegisterApi",
    "ProviderMeApi",
    "ProviderRefreshStakeApi",
    "ProviderRegisterApi",
    "QuoteApi",
    "ReplayPreviewApi",
    "ReplayStatusApi",
    "SummaryApi",
]
