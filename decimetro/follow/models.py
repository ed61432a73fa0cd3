"""Who follows what by email. An address is a `Follower` (stored once, hashed for lookups and the audit log);
what it follows are its `Follow` rows, each confirmed by the double opt-in (or at once for an organisation
user following from the desk with the address of the account).

A target is named by its kind and its public key (the codice ISTAT of a comune, the slug of a zone, the code
of an objective, a mission or a measure, the id of an implementing body): the codes survive a new edition of
the plan, where the rows' ids would not.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FollowKind(models.TextChoices):
    COMUNE = "comune", _("comune")
    ZONE = "zona", _("zona omogenea")
    OBJECTIVE = "obiettivo", _("obiettivo del piano")
    MISSION = "missione", _("missione del piano")
    MEASURE = "misura", _("misura PNRR")
    BODY = "attuatore", _("soggetto attuatore")


class Follower(models.Model):
    email = models.EmailField(_("indirizzo email"), max_length=254)
    email_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="followers"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_digest_at = models.DateTimeField(null=True, blank=True)
    # What the previous digest covered: the largest project and payment ids and the time it was computed.
    marks = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("iscritto")
        verbose_name_plural = _("iscritti")

    def __str__(self) -> str:  # never the address: rows are named in the audit log
        return f"iscritto {self.pk}"


class Follow(models.Model):
    follower = models.ForeignKey(Follower, on_delete=models.CASCADE, related_name="follows")
    kind = models.CharField(max_length=10, choices=FollowKind.choices)
    key = models.CharField(max_length=40)
    label = models.CharField(max_length=300, blank=True)  # the target's name when followed (lists, desk)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "kind", "key"], name="follow_unique_target"),
        ]
        verbose_name = _("elemento seguito")
        verbose_name_plural = _("elementi seguiti")

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"

    @property
    def path(self) -> str:
        from decimetro.follow.targets import path_of

        return path_of(self.kind, self.key)
