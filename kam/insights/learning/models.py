"""What the learning keeps: versioned win-probability models and the predictions each one made."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kam.insights.learning.words import Factor, factor_list


class WinModel(models.Model):
    """One training run of the win-probability model: its backtest against the stage rule and,
    when it beats the rule, the fitted model itself. The active version is the one whose
    predictions the opportunity page and the pipeline table show; a newer run that does not beat
    the rule leaves none active, so no stale model is shown beside the stage's probability."""

    class Kind(models.TextChoices):
        LOGISTIC = "logistic", _("Regularised logistic regression")
        BOOSTING = "boosting", _("Gradient boosting")

    class Verdict(models.TextChoices):
        BEATS = "beats", _("Beats the stage rule")
        TOO_FEW = "too_few", _("Too few closed deals")
        NO_SIGNAL = "no_signal", _("No signal")
        RULE_BETTER = "rule_better", _("The stage rule does as well")

    version = models.PositiveIntegerField(_("version"), unique=True)
    trained_at = models.DateTimeField(_("trained at"), db_index=True)
    kind = models.CharField(_("model"), max_length=10, choices=Kind.choices, default=Kind.LOGISTIC)
    verdict = models.CharField(_("verdict"), max_length=12, choices=Verdict.choices)
    # Hyper-parameters, feature names and the data the run used (counts, period, sources).
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    # The backtest: Brier score, log loss and the calibration table, model against rule.
    metrics = models.JSONField(_("metrics"), default=dict, blank=True)
    # The fitted scikit-learn pipeline (joblib); empty when the run had too few deals to fit one.
    blob = models.BinaryField(_("serialized model"), blank=True, default=b"")
    active = models.BooleanField(_("active"), default=False)

    class Meta:
        verbose_name = _("win-probability model")
        verbose_name_plural = _("win-probability models")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["active"], condition=Q(active=True), name="winmodel_one_active"),
        ]

    def __str__(self) -> str:
        return f"v{self.version} ({self.verdict})"

    @property
    def beats_baseline(self) -> bool:
        return self.verdict == self.Verdict.BEATS


class WinPrediction(models.Model):
    """One model version's probability for one open deal when it was trained, with the factors
    that moved it most (codes and figures; the words are written when read, in the reader's
    language). Kept per version, so forecast accuracy can later compare rule, model and reps."""

    model = models.ForeignKey(WinModel, on_delete=models.CASCADE, related_name="predictions")
    opportunity = models.ForeignKey(
        "opportunities.Opportunity", on_delete=models.CASCADE, related_name="win_predictions"
    )
    probability = models.FloatField(_("learned probability"))
    stage_probability = models.PositiveSmallIntegerField(_("stage probability"))
    factors = models.JSONField(_("factors"), default=list, blank=True)
    predicted_at = models.DateTimeField(_("predicted at"))

    class Meta:
        verbose_name = _("win-probability prediction")
        verbose_name_plural = _("win-probability predictions")
        constraints = [
            models.UniqueConstraint(fields=["model", "opportunity"], name="winprediction_unique"),
        ]
        # The pipeline reads the active version's row per opportunity.
        indexes = [models.Index(fields=["opportunity", "model"], name="winprediction_opp_idx")]

    def __str__(self) -> str:
        return f"v{self.model_id} · {self.opportunity_id}: {self.probability:.2f}"

    @property
    def percent(self) -> int:
        return round(self.probability * 100)

    @property
    def factor_list(self) -> list[Factor]:
        """The factors in words, in the reader's language."""
        return factor_list(self.factors)

    @property
    def factors_text(self) -> str:
        return "; ".join(f.text for f in self.factor_list)
