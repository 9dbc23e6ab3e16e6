from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.access import require_capability
from apps.accounts.client_ip import client_ip
from apps.accounts.roles import can
from apps.core.http import render_page_or_partial, safe_next
from apps.media_library.selectors import with_library_assets
from apps.planning.access import can_manage_post, get_post_for_user, post_with_relations
from apps.planning.enums import PostStatus
from apps.planning.models import Post
from apps.planning.transitions import TransitionError
from apps.publishing.corrections import (
    CorrectionError,
    channel_effects,
    corrected_variants,
    field_changes,
    pending_corrections,
    texts_of,
    why_not_correctable,
)
from apps.publishing.models import Correction

from . import corrections, external, routes, selectors, services
from .bulk import MAX_POSTS, run_bulk
from .corrections import decision_refusal
from .forms import (
    BulkActionForm,
    CommentForm,
    CorrectionDecisionForm,
    CorrectionForm,
    DiffForm,
    OfficeSettingsForm,
    RequestChangesForm,
)
from .models import ExternalLink, OfficeSettings

ACTIONS_TEMPLATE = "review/includes/post_actions.html"
HISTORY_TEMPLATE = "review/includes/post_history.html"


def _return_to(request, post: Post) -> str:
    """Where the non-JS fallback goes back to: the page the form was on, if it is ours."""
    return safe_next(request, post.get_absolute_url())


@require_GET
@require_capability("review")
def queue(request):
    posts = selectors.attach_changes_since_approval(list(selectors.review_queue()))
    return render(
        request,
        "review/queue.html",
        {
            "posts": posts,
            "corrections": list(pending_corrections()),
            "return_to": request.path,
            "bulk_form": BulkActionForm(),
        },
    )


@require_POST
@require_capability("plan")
def bulk(request):
    """The selected posts of the calendar's list or the review queue, one action for all: each
    post through its own service and rules (``bulk.run_bulk``); the page says what happened."""
    form = BulkActionForm(request.POST)
    post_ids = BulkActionForm.post_ids(request.POST)
    back = safe_next(request, reverse("planning:calendar"))
    context = {"form": form, "back": back, "result": None, "max_posts": MAX_POSTS}
    if not post_ids:
        context["no_posts"] = True
    elif not form.is_valid():
        # Fix and send again from here: the selection and what was typed are kept.
        context["selected"] = list(
            Post.objects.filter(pk__in=post_ids).order_by("planned_at", "id").only("title")
        )
    else:
        context["result"] = run_bulk(
            action=form.cleaned_data["action"],
            post_ids=post_ids,
            by=request.user,
            params=form.params(),
        )
    return render(request, "review/bulk_result.html", context)


@require_GET
@require_capability("plan")
def post_review(request, pk: int):
    """The post as reviewers see it: previews, actions, comments, versions and audit entries."""
    post = with_library_assets(get_post_for_user(request, pk))
    return render(request, "review/post.html", {"post": post, "return_to": request.path})


# --- Workflow actions: one small view each, one shared shape -----------------------------------


def _run(
    request,
    pk: int,
    *,
    reviewer_only: bool,
    act,
    done: str,
    approving: bool = False,
    comment_field: bool = False,
):
    post = get_post_for_user(request, pk)
    allowed = can(request.user, "review") if reviewer_only else can_manage_post(request.user, post)
    if not allowed:
        raise PermissionDenied
    feedback, ok = done, True
    try:
        result = act(post)
        if callable(done):  # the message depends on the outcome
            feedback = done(result)
    except TransitionError as exc:
        feedback, ok = str(exc), False
    return_to = _return_to(request, post)
    if request.htmx:
        post = get_post_for_user(request, pk)
        response = render(
            request,
            ACTIONS_TEMPLATE,
            {
                "post": post,
                "feedback": feedback,
                "feedback_ok": ok,
                "return_to": return_to,
                "heading_level": request.POST.get("heading_level"),
                # An approval refused because the text changed since the page was opened:
                # re-read before approving, never approve a newer version from a stale
                # preview. Other refusals (a blackout, four eyes) are not cured by a reload.
                "reread_first": approving
                and not ok
                and _int(request.POST.get("expected_version")) != post.version,
                # A refused "request changes" shows its error on the comment field and keeps
                # what was typed.
                "comment_error": feedback if comment_field and not ok else "",
                "comment_value": request.POST.get("comment", "") if comment_field else "",
            },
        )
        if ok:
            response["HX-Trigger"] = "postChanged"
        return response
    (messages.success if ok else messages.error)(request, feedback)
    return redirect(return_to)


@require_POST
@require_capability("plan")
def submit(request, pk: int):
    return _run(
        request,
        pk,
        reviewer_only=False,
        act=lambda post: services.submit_post(post, by=request.user),
        done=_("Post inviato in revisione: gli approvatori riceveranno un'email."),
    )


@require_POST
@require_capability("plan")
def withdraw(request, pk: int):
    return _run(
        request,
        pk,
        reviewer_only=False,
        act=lambda post: services.withdraw_post(post, by=request.user),
        done=_("Post ritirato dalla revisione: ora è una bozza modificabile."),
    )


@require_POST
@require_capability("plan")
def approve(request, pk: int):
    return _run(
        request,
        pk,
        reviewer_only=True,
        act=lambda post: services.approve_post(
            post, by=request.user, expected_version=_int(request.POST.get("expected_version"))
        ),
        done=_approved_message,
        approving=True,
    )


def _approved_message(post: Post) -> str:
    """After an approval: the post is approved, or its route goes on to the next step."""
    if post.status != PostStatus.IN_REVIEW:
        return _("Post approvato: uscirà all'ora prevista.")
    prog = routes.progress(post)
    if prog.step is None:
        return _("Post approvato: uscirà all'ora prevista.")
    return _("Passo approvato: ora il post attende %(who)s (passo «%(step)s»).") % {
        "who": prog.awaited_label,
        "step": prog.step.name,
    }


@require_POST
@require_capability("plan")
def reapprove(request, pk: int):
    return _run(
        request,
        pk,
        reviewer_only=True,
        act=lambda post: services.reapprove_reschedule(
            post, by=request.user, expected_version=_int(request.POST.get("expected_version"))
        ),
        done=lambda post: (
            _("Nuovo orario approvato.")
            if post.status != PostStatus.IN_REVIEW
            else _approved_message(post)  # a last step of "all of" waits for the others
        ),
        approving=True,
    )


@require_POST
@require_capability("plan")
def request_changes(request, pk: int):
    return _run(
        request,
        pk,
        reviewer_only=True,
        act=lambda post: services.request_changes(
            post, by=request.user, comment=request.POST.get("comment", "")
        ),
        done=_("Modifiche richieste: l'autore riceverà un'email con il tuo commento."),
        comment_field=True,
    )


@require_POST
@require_capability("plan")
def cancel(request, pk: int):
    return _run(
        request,
        pk,
        reviewer_only=False,
        act=lambda post: services.cancel_post(
            post, by=request.user, reason=request.POST.get("reason", "")
        ),
        done=_("Post annullato: non verrà pubblicato."),
    )


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- History: comments, versions, audit -------------------------------------------------------


def _history_response(request, post: Post, **extra):
    context = {"post": post, "return_to": _return_to(request, post), **extra}
    return render_page_or_partial(request, "review/post.html", HISTORY_TEMPLATE, context)


@require_GET
@require_capability("plan")
def history(request, pk: int):
    return _history_response(request, get_post_for_user(request, pk))


@require_POST
@require_capability("plan")
def comment(request, pk: int):
    post = get_post_for_user(request, pk)
    form = CommentForm.for_post(post, request.POST)
    if form.is_valid():
        try:
            services.add_comment(post, by=request.user, body=form.cleaned_data["body"])
        except TransitionError as exc:
            form.add_error("body", str(exc))
    if form.errors:
        if request.htmx:
            return _history_response(request, post, comment_form=form)
        messages.error(request, form.errors["body"][0])
        return redirect(_return_to(request, post))
    if request.htmx:
        return _history_response(request, post, comment_saved=True)
    messages.success(request, _("Commento aggiunto."))
    return redirect(_return_to(request, post))


@require_GET
@require_capability("plan")
def diff(request, pk: int):
    """A readable diff between any two saved versions (``?da=<id>&a=<id>``)."""
    post = get_post_for_user(request, pk)
    versions = selectors.versions_of(post)
    form = DiffForm(request.GET or None, versions=versions)
    old = new = None
    chosen = form.is_valid()
    if chosen:
        old, new = form.cleaned_data["da"], form.cleaned_data["a"]
    elif len(versions) >= 2:
        old, new = versions[1].number, versions[0].number
    context = {
        "post": post,
        "versions": versions,
        "old": old,
        "new": new,
        "diff_invalid": form.is_bound and not chosen,
        "diff_form": DiffForm.showing(post, versions, old=old, new=new, prefix_ids=False),
        "changes": selectors.diff_versions(post, old=old, new=new) if old else None,
    }
    return render_page_or_partial(
        request, "review/diff.html", "review/diff.html#diff-result", context
    )


# --- Office settings ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_capability("configure")
def office_settings(request):
    office = OfficeSettings.load()
    form = OfficeSettingsForm(request.POST or None, instance=office)
    if request.method == "POST" and form.is_valid():
        services.set_self_approval(
            by=request.user, allowed=form.cleaned_data["allow_self_approval"]
        )
        messages.success(request, _("Impostazioni salvate."))
        return redirect("review:settings")
    return render(
        request,
        "review/settings.html",
        {"form": form, "routes": routes.RouteBook().routes, "default_route": routes.DEFAULT_ROUTE},
    )


# --- Approvers outside the office: links and the page a link opens ---------------------------


def _links_response(request, post: Post, *, feedback: str, ok: bool):
    if request.htmx:
        return render(
            request,
            "review/includes/external_links.html",
            {
                "post": get_post_for_user(request, post.pk),
                "links_feedback": feedback,
                "links_feedback_ok": ok,
                "return_to": _return_to(request, post),
            },
        )
    (messages.success if ok else messages.error)(request, feedback)
    return redirect(_return_to(request, post))


@require_POST
@require_capability("review")
def revoke_link(request, pk: int, link_id: int):
    post = get_post_for_user(request, pk)
    link = get_object_or_404(ExternalLink, pk=link_id, post=post)
    try:
        services.revoke_link(link, by=request.user)
    except TransitionError as exc:
        return _links_response(request, post, feedback=str(exc), ok=False)
    return _links_response(
        request,
        post,
        feedback=_("Link revocato: %(name)s non può più usarlo.") % {"name": link.approver.name},
        ok=True,
    )


@require_POST
@require_capability("review")
def resend_link(request, pk: int):
    post = get_post_for_user(request, pk)
    approver_id = _int(request.POST.get("approver"))
    if approver_id is None:
        raise Http404
    try:
        link = services.resend_link(post, approver_id=approver_id, by=request.user)
    except TransitionError as exc:
        return _links_response(request, post, feedback=str(exc), ok=False)
    return _links_response(
        request,
        post,
        feedback=_("Nuovo link inviato a %(email)s.") % {"email": link.approver.email},
        ok=True,
    )


def _private(response):
    """A page opened by a personal link: never cached, indexed or named in a Referer."""
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


EXTERNAL_DECISIONS = ("approve", "changes", "comment")


@require_http_methods(["GET", "POST"])
def external_review(request, pk: int, token: str):
    """The page a magic link opens: the post's previews and three actions (approve, ask for
    changes, comment), nothing else. No account: the link is the key."""
    wait = external.allow_client(client_ip(request) or "unknown")
    if wait:
        response = render(
            request,
            "review/external_problem.html",
            {"problem": _("Troppe richieste da questa connessione: riprova tra qualche minuto.")},
            status=429,
        )
        response["Retry-After"] = str(wait)
        return _private(response)
    link, problem = external.find(pk, token)
    if problem:
        status = 404 if link is None else 410
        return _private(
            render(request, "review/external_problem.html", {"problem": problem}, status=status)
        )
    decision = request.POST.get("decision") if request.method == "POST" else None
    error, typed, notice = "", "", ""
    if decision in EXTERNAL_DECISIONS:
        typed = request.POST.get("body" if decision == "comment" else "comment", "")
        try:
            if decision == "approve":
                services.approve_external(link)
            elif decision == "changes":
                services.request_changes_external(link, comment=typed)
            else:
                services.comment_external(link, body=typed)
        except TransitionError as exc:
            error = str(exc)
        else:
            if decision == "comment":
                notice, typed = _("Commento inviato all'ufficio comunicazione."), ""
            else:
                return redirect("review:external_done", decision=decision)
        problem = external.problem_with(ExternalLink.objects.get(pk=link.pk))
        if problem:  # the link stopped working meanwhile (revoked, a new version…)
            return _private(
                render(request, "review/external_problem.html", {"problem": problem}, status=410)
            )
    elif decision is not None:
        error = _("Azione non riconosciuta.")
    post = with_library_assets(post_with_relations(pk))
    changes_form = RequestChangesForm.for_post(
        post,
        typed=typed if decision == "changes" else "",
        error=error if decision == "changes" else "",
    )
    comment_form = CommentForm.for_post(
        post, {"body": typed} if decision == "comment" and error else None
    )
    if decision == "comment" and error:
        comment_form.errors["body"] = comment_form.error_class([error])
    context = {
        "post": post,
        "link": link,
        "error": error if decision not in ("changes", "comment") else "",
        "notice": notice,
        "changes_form": changes_form,
        "comment_form": comment_form,
        # Only their own comments: the office's discussion stays inside the office.
        "comments": selectors.comments_of(post).filter(external_author=link.approver),
    }
    status = 400 if error else 200
    return _private(render(request, "review/external.html", context, status=status))


@require_GET
def external_done(request, decision: str):
    if decision not in ("approve", "changes"):
        raise Http404
    return _private(render(request, "review/external_done.html", {"decision": decision}))


# --- Corrections of a post already sent --------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_capability("plan")
def correct(request, pk: int):
    """ "Correggi": a post already sent, its texts prefilled; saved as a correction that waits
    for an approver. The post itself stays as it is until then."""
    post = get_post_for_user(request, pk, for_edit=True)
    refusal = why_not_correctable(post)
    if refusal:
        messages.error(request, refusal)
        return redirect(post.get_absolute_url())
    variants = corrected_variants(post)
    texts = texts_of(post)
    form = CorrectionForm(
        request.POST if request.method == "POST" else None,
        post=post,
        variants=variants,
        texts=texts,
    )
    if request.method == "POST" and form.is_valid():
        try:
            correction = corrections.propose_correction(
                post,
                by=request.user,
                expected_version=form.cleaned_data["expected_version"],
                after=form.cleaned_data["after"],
            )
        except CorrectionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _(
                    "Correzione salvata: la vede un approvatore. "
                    "Il post resta com'è fino ad allora."
                ),
            )
            return redirect(correction.get_absolute_url())
    return render(
        request,
        "review/correction_form.html",
        {"post": post, "form": form, "effects": channel_effects(post)},
    )


def _correction_for_user(request, pk: int) -> Correction:
    correction = get_object_or_404(
        Correction.objects.select_related("post", "proposed_by", "decided_by"), pk=pk
    )
    get_post_for_user(request, correction.post_id)  # 403 for who may not see the post
    return correction


def _correction_page(request, correction: Correction, *, form=None, status: int = 200):
    post = post_with_relations(correction.post_id)
    names = {v.channel_id: v.channel.name for v in post.variants.all()}
    outcomes = correction.outcomes.select_related("delivery__variant__channel")
    refusal = decision_refusal(correction, request.user)
    context = {
        "correction": correction,
        "post": post,
        "changes": field_changes(correction, channel_names=names),
        "effects": channel_effects(post, correction),
        "outcomes": outcomes,
        "decision_refusal": refusal,
        "form": form or (CorrectionDecisionForm() if not refusal else None),
    }
    return render(request, "review/correction.html", context, status=status)


@require_GET
@require_capability("plan")
def correction(request, pk: int):
    """A correction: before and after per field, what each channel already sent will do, and
    (for an approver who may decide) approve or reject."""
    return _correction_page(request, _correction_for_user(request, pk))


@require_POST
@require_capability("review")
def correction_decide(request, pk: int):
    correction = _correction_for_user(request, pk)
    form = CorrectionDecisionForm(request.POST)
    if form.is_valid():
        decide = (
            corrections.approve_correction
            if form.cleaned_data["decision"] == "approve"
            else corrections.reject_correction
        )
        try:
            decide(correction, by=request.user, comment=form.cleaned_data["comment"])
        except CorrectionError as exc:
            # A rejection's refusals are about its comment; keep them beside what was typed.
            rejecting = form.cleaned_data["decision"] == "reject"
            form.add_error("comment" if rejecting else None, str(exc))
        else:
            messages.success(
                request,
                _("Correzione approvata: i canali che lo consentono vengono aggiornati.")
                if form.cleaned_data["decision"] == "approve"
                else _("Correzione respinta: l'autore riceve il tuo commento."),
            )
            return redirect(correction.post.get_absolute_url())
    return _correction_page(request, correction, form=form)
