"""The playbook (项目真经) per stage, the certification (通关) on it, and the rule that only certified
reps own key-tier customers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.core.bilingual import in_english


class PlaybookEntry(models.Model):
    """What a rep does and asks in one stage of a sales process, and the material to use there.

    Each text is kept in both shipped languages; the reader's language picks one (the Chinese text
    stands in when no English one is written)."""

    stage = models.OneToOneField(
        "opportunities.Stage", verbose_name=_("stage"), on_delete=models.CASCADE, related_name="playbook"
    )
    what_to_do = models.TextField(_("what to do"), blank=True)
    what_to_do_en = models.TextField(_("what to do (English)"), blank=True)
    questions = models.TextField(_("questions to ask"), blank=True)
    questions_en = models.TextField(_("questions to ask (English)"), blank=True)
    materials = models.TextField(_("materials"), blank=True, help_text=_("One per line: a link or a text."))
    materials_en = models.TextField(_("materials (English)"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("playbook entry")
        verbose_name_plural = _("playbook entries")
        ordering = ["stage__process", "stage__order"]

    def __str__(self) -> str:
        return str(self.stage_id)

    def _pick(self, name: str) -> str:
        english = getattr(self, f"{name}_en")
        return english if english and in_english() else getattr(self, name)

    @property
    def shown_what_to_do(self) -> str:
        return self._pick("what_to_do")

    @property
    def shown_questions(self) -> str:
        return self._pick("questions")

    @property
    def shown_materials(self) -> str:
        return self._pick("materials")


class CertificationElement(models.Model):
    """One of the elements a rep is examined on (通关); the six of the playbook are seeded."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(
        _("required"), default=True, help_text=_("Certification requires every required element passed.")
    )

    class Meta:
        verbose_name = _("certification element")
        verbose_name_plural = _("certification elements")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name_en if self.name_en and in_english() else self.name

    @property
    def shown_description(self) -> str:
        return self.description_en if self.description_en and in_english() else self.description


class CertificationRecord(models.Model):
    """One examination of one rep on one element: passed or failed, by whom, on which day.

    Append-only: a new examination is a new row; the latest one up to a day is what counts then."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rep"),
        on_delete=models.CASCADE,
        related_name="certification_records",
    )
    element = models.ForeignKey(
        CertificationElement, verbose_name=_("element"), on_delete=models.PROTECT, related_name="records"
    )
    passed = models.BooleanField(_("passed"))
    certified_on = models.DateField(_("examined on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    certified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("examined by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("certification record")
        verbose_name_plural = _("certification records")
        ordering = ["-certified_on", "-id"]
        indexes = [
            models.Index(fields=["user", "element", "certified_on", "id"], name="certrecord_latest_idx")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.element_id} {self.certified_on}"


class CertificationRule(models.Model):
    """The one row of settings: whether only certified reps may own key-tier customers, which tiers
    count as key, and how long a pass stays valid."""

    # Off until switched on: a new installation has examined nobody yet, and the rule on would
    # refuse every key-tier customer to everyone.
    enforce_key_owner = models.BooleanField(_("only certified reps own key-tier customers"), default=False)
    key_tiers = models.CharField(
        _("key tiers"), max_length=20, default="A", help_text=_("Tier letters, e.g. A or AB.")
    )
    validity_days = models.PositiveIntegerField(
        _("a pass is valid for (days)"), null=True, blank=True, help_text=_("Empty: a pass does not expire.")
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("certification rule")
        verbose_name_plural = _("certification rules")

    def __str__(self) -> str:
        return f"{self.enforce_key_owner} {self.key_tiers}"

    @property
    def tier_set(self) -> set[str]:
        return {letter for letter in self.key_tiers.upper() if letter.isalpha()}
