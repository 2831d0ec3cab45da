"""Competitors: every write of the tool, each one transaction with its line of history.

A deal's grid and its supporters are editable by whoever may see the deal: the callers pass an
opportunity fetched through kam.access.visibility. The directory is shared by everyone signed in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.bilingual import both_languages
from kam.core.limits import NOTE_MAX, SHORT_TEXT_MAX
from kam.core.versioning import versioned_update
from kam.opportunities import services as opportunity_services
from kam.opportunities.models import Competitor, Opportunity, OpportunityCompetitor, OpportunityContact
from kam.org.models import User
from kam.planning.competition.models import (
    SCORE_MAX,
    SCORE_MIN,
    CompetitionChange,
    CompetitorGrid,
    CompetitorProfile,
    CompetitorSupporter,
    Dimension,
    GridCell,
)
from kam.relationships.models import Contact

COMPETITOR_FIELDS = ("name", "notes")
PROFILE_FIELDS = ("website", "headquarters", "strengths", "weaknesses")
NAME_MAX = 100


def _record(
    action: str,
    *,
    by: User | None,
    render: Callable[[], str],
    opportunity: Opportunity | None = None,
    competitor: Competitor | None = None,
    label: str = "",
    changes: dict[str, Any] | None = None,
) -> CompetitionChange:
    return CompetitionChange.objects.create(
        action=action,
        opportunity_id=opportunity.pk if opportunity else None,
        competitor_id=competitor.pk if competitor else None,
        subject_label=label[:200],
        changes=changes or {},
        changed_by=by,
        **both_languages(render),
    )


# --- the directory ----------------------------------------------------------------------------------


def _clean_directory_fields(values: dict[str, Any], *, competitor: Competitor | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned = {key: (value or "").strip() for key, value in values.items()}
    if "name" in cleaned:
        name = cleaned["name"]
        if not name:
            errors["name"] = [_("A competitor needs a name.")]
        elif len(name) > NAME_MAX:
            errors["name"] = [_("At most %(max)s characters.") % {"max": NAME_MAX}]
        else:
            clash = Competitor.objects.filter(name__iexact=name)
            if competitor is not None:
                clash = clash.exclude(pk=competitor.pk)
            if clash.exists():
                errors["name"] = [_("A competitor with this name is already in the directory.")]
    for key in ("notes", "strengths", "weaknesses"):
        if len(cleaned.get(key, "")) > NOTE_MAX:
            errors[key] = [_("At most %(max)s characters.") % {"max": NOTE_MAX}]
    if len(cleaned.get("headquarters", "")) > 100:
        errors["headquarters"] = [_("At most %(max)s characters.") % {"max": 100}]
    website = cleaned.get("website", "")
    if website:
        try:
            URLValidator(schemes=["http", "https"])(website)
        except ValidationError:
            errors["website"] = [_("Enter a web address starting with http:// or https://.")]
    if errors:
        raise ValidationError(errors)
    return cleaned


def create_competitor(
    *,
    by: User,
    name: str,
    notes: str = "",
    website: str = "",
    headquarters: str = "",
    strengths: str = "",
    weaknesses: str = "",
) -> Competitor:
    values = _clean_directory_fields(
        {
            "name": name,
            "notes": notes,
            "website": website,
            "headquarters": headquarters,
            "strengths": strengths,
            "weaknesses": weaknesses,
        },
        competitor=None,
    )
    try:
        with transaction.atomic():
            competitor = Competitor.objects.create(name=values["name"], notes=values["notes"])
            CompetitorProfile.objects.create(
                competitor=competitor, **{key: values[key] for key in PROFILE_FIELDS}
            )
            _record(
                CompetitionChange.Action.COMPETITOR_CREATED,
                by=by,
                competitor=competitor,
                label=competitor.name,
                render=lambda: _("Competitor %(name)s added to the directory") % {"name": competitor.name},
            )
    except IntegrityError as error:  # the same name saved by someone else a moment ago
        raise ValidationError(
            {"name": [_("A competitor with this name is already in the directory.")]}
        ) from error
    return competitor


def profile_of(competitor: Competitor) -> CompetitorProfile:
    """The competitor's profile; competitors made before this tool (or by the admin) get one now."""
    profile, _created = CompetitorProfile.objects.get_or_create(competitor=competitor)
    return profile


def update_competitor(competitor: Competitor, *, by: User, version: int | None, **changes: Any) -> Competitor:
    """Change the fields given; `version` is the profile's version the editor read."""
    unknown = set(changes) - set(COMPETITOR_FIELDS) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
    values = _clean_directory_fields(changes, competitor=competitor)
    with transaction.atomic():
        profile = profile_of(competitor)
        before = {key: getattr(competitor, key) for key in COMPETITOR_FIELDS} | {
            key: getattr(profile, key) for key in PROFILE_FIELDS
        }
        diff = {key: [before[key], value] for key, value in values.items() if before[key] != value}
        # The profile's version guards both rows: it is bumped (or checked) first, so a stale editor
        # changes neither.
        versioned_update(
            profile,
            version,
            **{key: values[key] for key in PROFILE_FIELDS if key in values},
            **({"updated_at": timezone.now()} if diff else {}),
        )
        competitor_changes = {key: values[key] for key in COMPETITOR_FIELDS if key in values}
        if any(getattr(competitor, key) != value for key, value in competitor_changes.items()):
            try:
                with transaction.atomic():
                    Competitor.objects.filter(pk=competitor.pk).update(**competitor_changes)
            except IntegrityError as error:
                raise ValidationError(
                    {"name": [_("A competitor with this name is already in the directory.")]}
                ) from error
            for key, value in competitor_changes.items():
                setattr(competitor, key, value)
        if diff:
            _record(
                CompetitionChange.Action.COMPETITOR_EDITED,
                by=by,
                competitor=competitor,
                label=competitor.name,
                changes=diff,
                render=lambda: (
                    _("Competitor %(name)s edited: %(fields)s")
                    % {"name": competitor.name, "fields": ", ".join(sorted(diff))}
                ),
            )
    return competitor


# --- a deal's grid --------------------------------------------------------------------------------


def add_to_deal(
    opportunity: Opportunity, *, by: User, competitor: Competitor | None = None, new_name: str = ""
) -> OpportunityCompetitor:
    """Put a directory competitor (or a new one, by name) on the deal."""
    new_name = (new_name or "").strip()
    if competitor is None and not new_name:
        raise ValidationError({"competitor": [_("Choose a competitor or type a new one's name.")]})
    if competitor is not None and new_name:
        raise ValidationError({"new_name": [_("Choose a competitor or type a new name, not both.")]})
    with transaction.atomic():
        if competitor is None:
            existing = Competitor.objects.filter(name__iexact=new_name).first()
            competitor = existing or create_competitor(by=by, name=new_name)
        if OpportunityCompetitor.objects.filter(opportunity=opportunity, competitor=competitor).exists():
            raise ValidationError(
                {"competitor": [_("%(name)s is already on this deal.") % {"name": competitor}]}
            )
        entry = opportunity_services.add_competitor(opportunity, competitor, by=by)
        chosen = competitor
        _record(
            CompetitionChange.Action.ADDED_TO_DEAL,
            by=by,
            opportunity=opportunity,
            competitor=chosen,
            label=opportunity.name,
            render=lambda: _("%(competitor)s added to the deal") % {"competitor": chosen.name},
        )
    return entry


@dataclass(frozen=True)
class CellInput:
    dimension: int
    competitor: int | None  # None: our own side
    score: int | None
    note: str = ""


def _key(dimension_code: str, competitor_id: int | None) -> str:
    return f"{dimension_code}/{competitor_id or 'us'}"


def grid_version(opportunity: Opportunity) -> int:
    """The version a grid editor reads: 1 for a grid nobody has saved yet (as it is created)."""
    return (
        CompetitorGrid.objects.filter(opportunity=opportunity).values_list("version", flat=True).first() or 1
    )


def save_grid(
    opportunity: Opportunity, *, by: User, version: int | None, cells: Iterable[CellInput]
) -> CompetitorGrid:
    """Write the cells given (a score of None clears the cell's score), checked against `version`."""
    cells = list(cells)
    dimensions = {d.pk: d for d in Dimension.objects.filter(is_active=True)}
    on_deal = set(
        OpportunityCompetitor.objects.filter(opportunity=opportunity).values_list("competitor_id", flat=True)
    )
    errors: dict[str, list[str]] = {}
    seen: set[tuple[int, int | None]] = set()
    for cell in cells:
        where = _key(str(cell.dimension), cell.competitor)
        if cell.dimension not in dimensions:
            errors.setdefault("cells", []).append(_("%(cell)s: unknown dimension.") % {"cell": where})
            continue
        if cell.competitor is not None and cell.competitor not in on_deal:
            errors.setdefault("cells", []).append(
                _("%(cell)s: this competitor is not on the deal.") % {"cell": where}
            )
            continue
        if cell.score is not None and not SCORE_MIN <= cell.score <= SCORE_MAX:
            errors.setdefault("cells", []).append(
                _("%(cell)s: a score is from %(min)s to %(max)s.")
                % {"cell": where, "min": SCORE_MIN, "max": SCORE_MAX}
            )
        if len(cell.note or "") > SHORT_TEXT_MAX:
            errors.setdefault("cells", []).append(
                _("%(cell)s: a note has at most %(max)s characters.") % {"cell": where, "max": SHORT_TEXT_MAX}
            )
        if (cell.dimension, cell.competitor) in seen:
            errors.setdefault("cells", []).append(_("%(cell)s: given twice.") % {"cell": where})
        seen.add((cell.dimension, cell.competitor))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        grid, _created = CompetitorGrid.objects.get_or_create(opportunity=opportunity)
        # Checked and bumped before any cell is touched: a stale editor writes nothing.
        versioned_update(grid, version, updated_by=by, updated_at=timezone.now())
        existing = {(c.dimension_id, c.competitor_id): c for c in grid.cells.all()}
        diff: dict[str, list[Any]] = {}
        for cell in cells:
            note = (cell.note or "").strip()
            current = existing.get((cell.dimension, cell.competitor))
            before = (current.score, current.note) if current else (None, "")
            if before == (cell.score, note):
                continue
            diff[_key(dimensions[cell.dimension].code, cell.competitor)] = [
                {"score": before[0], "note": before[1]},
                {"score": cell.score, "note": note},
            ]
            if current is None:
                GridCell.objects.create(
                    grid=grid,
                    dimension_id=cell.dimension,
                    competitor_id=cell.competitor,
                    score=cell.score,
                    note=note,
                )
            else:
                GridCell.objects.filter(pk=current.pk).update(score=cell.score, note=note)
        if diff:
            count = len(diff)
            _record(
                CompetitionChange.Action.GRID_EDITED,
                by=by,
                opportunity=opportunity,
                label=opportunity.name,
                changes=diff,
                render=lambda: _("Competitor analysis: %(count)s cells changed") % {"count": count},
            )
    return grid


# --- supporters -------------------------------------------------------------------------------------


def mark_supporter(
    opportunity: Opportunity, *, by: User, contact: Contact, competitor: Competitor, note: str = ""
) -> CompetitorSupporter:
    """Mark a contact of the deal's decision chain as supporting a competitor on the deal (a contact
    supports one competitor: marking them again moves the mark)."""
    errors: dict[str, list[str]] = {}
    if not OpportunityContact.objects.filter(opportunity=opportunity, contact=contact).exists():
        errors["contact"] = [_("Only a contact of this deal's decision chain can be marked.")]
    if not OpportunityCompetitor.objects.filter(opportunity=opportunity, competitor=competitor).exists():
        errors["competitor"] = [_("Add the competitor to the deal first.")]
    note = (note or "").strip()
    if len(note) > 200:
        errors["note"] = [_("At most %(max)s characters.") % {"max": 200}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        supporter, created = CompetitorSupporter.objects.select_for_update().get_or_create(
            opportunity=opportunity,
            contact=contact,
            defaults={"competitor": competitor, "note": note, "created_by": by},
        )
        before = None if created else supporter.competitor_id
        if not created:
            if (supporter.competitor_id, supporter.note) == (competitor.pk, note):
                return supporter
            CompetitorSupporter.objects.filter(pk=supporter.pk).update(competitor=competitor, note=note)
            supporter.competitor = competitor
            supporter.note = note
        _record(
            CompetitionChange.Action.SUPPORTER_MARKED,
            by=by,
            opportunity=opportunity,
            competitor=competitor,
            label=contact.name,
            changes={"contact": contact.pk, "competitor": [before, competitor.pk], "note": note},
            render=lambda: (
                _("%(contact)s marked as supporting %(competitor)s")
                % {"contact": contact.name, "competitor": competitor.name}
            ),
        )
    return supporter


def remove_supporter(supporter: CompetitorSupporter, *, by: User) -> None:
    contact_name = supporter.contact.name
    competitor = supporter.competitor
    with transaction.atomic():
        deleted, _rows = CompetitorSupporter.objects.filter(pk=supporter.pk).delete()
        if not deleted:
            return
        _record(
            CompetitionChange.Action.SUPPORTER_REMOVED,
            by=by,
            opportunity=supporter.opportunity,
            competitor=competitor,
            label=contact_name,
            changes={"contact": supporter.contact_id, "competitor": competitor.pk},
            render=lambda: (
                _("%(contact)s no longer marked as supporting %(competitor)s")
                % {"contact": contact_name, "competitor": competitor.name}
            ),
        )
