"""Market pages. Reads come from selectors; every write goes through the JSON API (market.js)."""

from django.shortcuts import render

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
