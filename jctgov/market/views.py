"""Market pages. Reads come from selectors; every write goes through the JSON API (market.js)."""

from datetime import timedelta

from django.http import Http404
from django.shortcuts import render

from jctgov.core.parameters import current_values
from jctgov.core.states import can
from jctgov.market import selectors
from jctgov.market.models import GPU_VRAM_GB, GpuModel, Job, PaymentToken, Provider


def market_home(request):
    return render(request, "market/home.html", {"summary": selectors.market_summary()})


def provider_dashboard(request):
    context: dict = {"gpu_models": GpuModel.choices, "vram_defaults": GPU_VRAM_GB}
    if request.user.is_authenticated:
        provider = Provider.objects.filter(user=request.user).select_related("user").first()
        context["status"] = selectors.provider_status(provider) if provider else None
    return render(request, "market/provider.html", context)


def job_new(request):
    context: dict = {"gpu_models": GpuModel.choices, "payment_tokens": PaymentToken.choices}
    if request.user.is_authenticated:
        context["jobs"] = Job.objects.filter(submitter=request.user).select_related("lease__node")[
            :20
        ]
    return render(request, "market/job_new.html", context)


def job_detail(request, job_id: int):
    """One of the caller's jobs: why it has no match yet, or its lease, and the owner's confirm
    / dispute of a completed lease. Anyone else's job is a 404 (never a 403)."""
    job = None
    if request.user.is_authenticated:
        job = (
            Job.objects.filter(pk=job_id, submitter=request.user)
            .select_related("lease__node")
            .first()
        )
    if job is None:
        raise Http404("No such job.")
    values = current_values()
    lease = getattr(job, "lease", None) if hasattr(job, "lease") else None
    window = timedelta(seconds=values["market.confirmation_window_s"])
    context = {
        "job": job,
        "unmatched": selectors.unmatched_of(job),
        "expires_at": job.submitted_at + timedelta(seconds=values["market.job_expiry_s"]),
        "lease": lease,
        "window_closes_at": lease.ended_at + window if lease and lease.ended_at else None,
        "can_answer": bool(
            lease
            and can(lease, "confirm")
            and lease.confirmed_at is None
            and lease.disputed_at is None
        ),
    }
    return render(request, "market/job_detail.html", context)
