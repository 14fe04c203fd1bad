"""Grants pages. Reads go through selectors; every write goes through the JSON API."""

from __future__ import annotations

import json

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from grants import selectors
from grants.models import ApplicationState, MilestoneState
from jctgov.core.errors import NotFound
from jctgov.core.markdown import render_markdown
from jctgov.core.pagination import paginate
from jctgov.core.states import can


def _signed_in(request: HttpRequest) -> bool:
    return bool(request.user.is_authenticated)


def _page(request: HttpRequest, name: str, rows) -> dict:
    """Template context of one page of ``rows`` under ``name``, with the pager's links."""
    context = paginate(request, rows)
    context[name] = context["rows"]
    return context


def program_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "grants/program_list.html", _page(request, "programs", selectors.program_list())
    )


def program_detail(request: HttpRequest, program_id: int) -> HttpResponse:
    try:
        program = selectors.program_get(program_id)
    except NotFound:
        raise Http404 from None
    user = request.user
    page = _page(request, "applications", selectors.program_applications(program, user))
    page["applications"] = selectors.with_visible_scores(page["applications"], user)
    return render(
        request,
        "grants/program_detail.html",
        {
            **page,
            "program": program,
            "is_open": program.is_open(timezone.now()),
            "description_html": render_markdown(program.description),
            "reviewer_addresses": [u.address for u in program.reviewers.all()],
            "rubric_json": json.dumps(program.rubric),
            "is_steward": _signed_in(request) and user.is_steward,  # type: ignore[union-attr]
        },
    )


def apply(request: HttpRequest, program_id: int) -> HttpResponse:
    """The application form. A wallet with an open application to the program continues it
    (its draft's edit form, or its page) instead of meeting a duplicate error on submit."""
    if not _signed_in(request):
        return redirect_to_login(request.get_full_path())
    try:
        program = selectors.program_get(program_id)
    except NotFound:
        raise Http404 from None
    existing = selectors.open_application_of(program, request.user)
    if existing is not None:
        target = "grants:edit" if existing.state == ApplicationState.DRAFT else "grants:application"
        return redirect(target, application_id=existing.pk)
    return render(
        request,
        "grants/apply.html",
        {"program": program, "is_open": program.is_open(timezone.now()), "initial": None},
    )


def application_edit(request: HttpRequest, application_id: int) -> HttpResponse:
    """The application form, filled in with the applicant's draft (saved through PATCH)."""
    if not _signed_in(request):
        return redirect_to_login(request.get_full_path())
    try:
        application = selectors.application_get(application_id, request.user)
    except NotFound:
        raise Http404 from None
    if application.applicant_id != request.user.pk:
        raise Http404
    if not can(application, "edit"):
        return redirect("grants:application", application_id=application.pk)
    program = application.program
    return render(
        request,
        "grants/apply.html",
        {
            "program": program,
            "is_open": program.is_open(timezone.now()),
            "application": application,
            "initial": selectors.application_form_initial(application),
        },
    )


def application_detail(request: HttpRequest, application_id: int) -> HttpResponse:
    try:
        application = selectors.application_get(application_id, request.user)
    except NotFound:
        raise Http404 from None
    user = request.user
    signed_in = _signed_in(request)
    is_applicant = signed_in and application.applicant_id == user.pk
    is_reviewer = (
        signed_in and not is_applicant and application.program.reviewers.filter(pk=user.pk).exists()
    )
    reviews = selectors.visible_reviews(application, user)
    selectors.with_visible_scores([application], user)
    rubric = application.program.rubric
    if application.visible_score is None:
        reviews_for_means = [r for r in reviews if signed_in and r.reviewer_id == user.pk]
    else:
        reviews_for_means = reviews
    return render(
        request,
        "grants/application_detail.html",
        {
            "application": application,
            "program": application.program,
            "description_html": render_markdown(application.description),
            "milestones": list(application.milestones.all()),
            "payouts": selectors.milestone_payout_operations(application),
            "reviews": reviews,
            "breakdown": selectors.rubric_breakdown(rubric, reviews_for_means) if reviews else [],
            "is_applicant": is_applicant,
            "is_steward": signed_in and user.is_steward,  # type: ignore[union-attr]
            "can_review": is_reviewer and can(application, "review"),
            "my_review": next((r for r in reviews if signed_in and r.reviewer_id == user.pk), None),
            "can_decide": can(application, "decide"),
            "states": ApplicationState,
            "ms": MilestoneState,
        },
    )


def my_applications(request: HttpRequest) -> HttpResponse:
    if not _signed_in(request):
        return redirect_to_login(request.get_full_path())
    page = _page(request, "applications", selectors.applications_of(request.user))
    page["applications"] = selectors.with_visible_scores(page["applications"], request.user)
    return render(request, "grants/my_applications.html", page)


def review_queue(request: HttpRequest) -> HttpResponse:
    if not _signed_in(request):
        return redirect_to_login(request.get_full_path())
    page = _page(request, "applications", selectors.review_queue(request.user))
    page["applications"] = selectors.with_visible_scores(page["applications"], request.user)
    return render(request, "grants/review_queue.html", page)


def recognitions(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "grants/recognitions.html",
        _page(request, "recognitions", selectors.recognition_list()),
    )
