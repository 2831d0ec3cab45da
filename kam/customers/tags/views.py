"""Tags in the web workspace: the tags page, tag forms, and the tags section of the customer page.
Thin: parse, call kam.customers.tags.services, render."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from kam.access import permissions
from kam.access.visibility import get_visible_customer, get_visible_tag
from kam.core.errors import ConflictError, RuleViolation
from kam.core.forms import HiddenErrorsShown
from kam.core.ids import parse_id
from kam.core.web import current_user
from kam.customers import selectors
from kam.customers.forms import CustomerFilterForm
from kam.customers.models import Customer, Tag, TagKind
from kam.customers.tags import selectors as tags_selectors
from kam.customers.tags import services as tags
from kam.org.models import User


class TagForm(HiddenErrorsShown):
    """Name, colour and description of a tag; a dynamic tag's conditions are a CustomerFilterForm
    beside it (prefix `rule`). The services validate; this parses."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=60)
    name_en = forms.CharField(
        label=gettext_lazy("English name"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("Shown to people who work in English; empty: the name."),
    )
    color = forms.CharField(
        label=gettext_lazy("Colour"),
        max_length=7,
        initial=tags.DEFAULT_COLOR,
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    description = forms.CharField(
        label=gettext_lazy("Description"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"size": 60}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


def _rule_form(
    request: HttpRequest, user: User, *, initial: dict[str, Any] | None = None
) -> CustomerFilterForm:
    data = request.POST if request.method == "POST" else None
    return CustomerFilterForm(
        data, initial=initial or {}, prefix="rule", rule=True, choices=selectors.filter_choices(user)
    )


def _posted_rule(request: HttpRequest) -> dict[str, str]:
    values = {key: request.POST.get(f"rule-{key}", "").strip() for key in selectors.RULE_KEYS}
    return {key: value for key, value in values.items() if value}


def _apply_errors(error: ValidationError, form: TagForm, rule_form: CustomerFilterForm | None) -> None:
    for name, messages_ in error.message_dict.items():
        for message in messages_:
            if name.startswith("rule.") and rule_form is not None and name[5:] in rule_form.fields:
                # The form may have refused the value already: one message per field is enough.
                if not rule_form.is_bound or not rule_form.has_error(name[5:]):
                    rule_form.add_error(name[5:], message)
            elif name in form.fields and name not in ("version", NON_FIELD_ERRORS):
                form.add_error(name, message)
            else:
                form.add_error(None, message)


def _form_page(
    request: HttpRequest,
    *,
    form: TagForm,
    rule_form: CustomerFilterForm | None,
    kind: str,
    tag: Tag | None = None,
    status: int = 200,
    conflict: bool = False,
) -> HttpResponse:
    return render(
        request,
        "customers/tags/form.html",
        {
            "nav": "customers",
            "form": form,
            "rule_form": rule_form,
            "kind": kind,
            "kind_label": TagKind(kind).label,
            "tag": tag,
            "conflict": conflict,
        },
        status=status,
    )


@login_required
def tag_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    return render(
        request,
        "customers/tags/list.html",
        {
            "nav": "customers",
            "rows": tags_selectors.tag_rows(user),
            "can_create_dynamic": permissions.may_manage_dynamic_tags(user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def tag_create(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    source = request.POST if request.method == "POST" else request.GET
    kind = TagKind.DYNAMIC if source.get("kind") == TagKind.DYNAMIC else TagKind.STATIC
    permissions.check_create_tag(user, kind)
    if request.method != "POST":
        # "Save this filter as a tag": the list's query arrives as the conditions.
        prefill = selectors.CustomerFilters.parse(request.GET, selectors.RULE_KEYS).to_rule()
        rule_form = _rule_form(request, user, initial=prefill) if kind == TagKind.DYNAMIC else None
        return _form_page(request, form=TagForm(), rule_form=rule_form, kind=kind)
    form = TagForm(request.POST)
    rule_form = _rule_form(request, user) if kind == TagKind.DYNAMIC else None
    if form.is_valid():
        try:
            tag = tags.create_tag(
                by=user,
                name=form.cleaned_data["name"],
                name_en=form.cleaned_data["name_en"],
                kind=kind,
                color=form.cleaned_data["color"],
                description=form.cleaned_data["description"],
                rule=_posted_rule(request) if kind == TagKind.DYNAMIC else None,
            )
        except ValidationError as error:
            _apply_errors(error, form, rule_form)
        else:
            messages.success(request, _("Tag %(name)s created.") % {"name": tag.name})
            return redirect("customers:tags")
    return _form_page(request, form=form, rule_form=rule_form, kind=kind, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def tag_edit(request: HttpRequest, tag_pk: int) -> HttpResponse:
    user = current_user(request)
    tag = get_visible_tag(user, tag_pk)
    permissions.check_change_tag(user, tag)
    dynamic = tag.kind == TagKind.DYNAMIC
    if request.method != "POST":
        form = TagForm(
            initial={
                "name": tag.name,
                "name_en": tag.name_en,
                "color": tag.color,
                "description": tag.description,
                "version": tag.version,
            }
        )
        initial = {key: str(value) for key, value in (tag.rule or {}).items()} if dynamic else None
        rule_form = _rule_form(request, user, initial=initial) if dynamic else None
        return _form_page(request, form=form, rule_form=rule_form, kind=tag.kind, tag=tag)
    form = TagForm(request.POST)
    form.fields["version"].required = True
    rule_form = _rule_form(request, user) if dynamic else None
    if form.is_valid():
        changes: dict[str, Any] = {
            "name": form.cleaned_data["name"],
            "name_en": form.cleaned_data["name_en"],
            "color": form.cleaned_data["color"],
            "description": form.cleaned_data["description"],
        }
        if dynamic:
            changes["rule"] = _posted_rule(request)
        try:
            tags.update_tag(tag, by=user, version=form.cleaned_data["version"], **changes)
        except ConflictError as error:
            form.add_error(None, str(error))
            return _form_page(
                request, form=form, rule_form=rule_form, kind=tag.kind, tag=tag, status=409, conflict=True
            )
        except ValidationError as error:
            _apply_errors(error, form, rule_form)
        else:
            messages.success(request, _("Tag %(name)s saved.") % {"name": tag.name})
            return redirect("customers:tags")
    return _form_page(request, form=form, rule_form=rule_form, kind=tag.kind, tag=tag, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def tag_delete(request: HttpRequest, tag_pk: int) -> HttpResponse:
    user = current_user(request)
    tag = get_visible_tag(user, tag_pk)
    permissions.check_delete_tag(user, tag)
    if request.method == "POST":
        raw = request.POST.get("version")
        # An unreadable version cannot be the current one: a conflict, not a delete.
        version = tag.version if not raw else (parse_id(raw) or -1)
        try:
            tags.delete_tag(tag, by=user, version=version)
        except RuleViolation as error:
            messages.error(request, str(error))
        except ConflictError:
            messages.error(
                request, _("The tag was changed by someone else since you opened it; look again first.")
            )
            return redirect("customers:tag_delete", tag_pk=tag.pk)
        else:
            messages.success(request, _("Tag %(name)s deleted.") % {"name": tag.name})
        return redirect("customers:tags")
    attached = tag.customer_tags.count() if tag.kind == TagKind.STATIC else 0
    return render(
        request,
        "customers/tags/delete.html",
        {
            "nav": "customers",
            "tag": tag,
            "attached": attached,
            "referring": tags_selectors.referring_tags(tag),
        },
    )


# --- The tags section of the customer page -------------------------------------------------------


def _section(
    request: HttpRequest, user: User, customer: Customer, *, error: str = "", status: int = 200
) -> HttpResponse:
    tagset = tags_selectors.customer_tags(customer)
    names = tags_selectors.rule_names(user, [tag.rule for tag in tagset.matched])
    context = {
        "nav": "customers",
        "customer": customer,
        "tagset": tagset,
        "matched": [(tag, tags_selectors.describe_rule(tag.rule, names)) for tag in tagset.matched],
        "error": error,
    }
    htmx = getattr(request, "htmx", None)
    template = "customers/sections/tags.html" if htmx else "customers/tags/section_page.html"
    return render(request, template, context, status=status)


@login_required
def tags_section(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    customer = get_visible_customer(user, pk)
    return _section(request, user, customer)


def _change_tag(request: HttpRequest, pk: int, tag_pk: int | None, *, add: bool) -> HttpResponse:
    user = current_user(request)
    customer = get_visible_customer(user, pk)
    tag_id = tag_pk if tag_pk is not None else parse_id(request.POST.get("tag"))
    tag = Tag.objects.filter(pk=tag_id).first() if tag_id else None
    error = ""
    if tag is None:
        error = _("Choose a tag.")
    else:
        try:
            if add:
                tags.attach_tag(customer, tag, by=user)
            else:
                tags.detach_tag(customer, tag, by=user)
        except RuleViolation as violation:
            error = str(violation)
    if getattr(request, "htmx", None):
        # htmx swaps only 2xx answers: the refusal is shown inside the section instead.
        return _section(request, user, customer, error=error)
    if error:
        messages.error(request, error)
    return redirect("customers:tags_section", pk=customer.pk)


@login_required
@require_POST
def customer_tag_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _change_tag(request, pk, None, add=True)


@login_required
@require_POST
def customer_tag_remove(request: HttpRequest, pk: int, tag_pk: int) -> HttpResponse:
    return _change_tag(request, pk, tag_pk, add=False)
