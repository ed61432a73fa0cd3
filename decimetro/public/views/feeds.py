"""Atom feeds of what the follow digests tell: the projects of a comune, the projects confirmed for an
objective, the consultations. Each has its self link and dated entries, newest first."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _t

from decimetro.linking.models import LinkStatus, ProjectObjectiveLink
from decimetro.participation import selectors_consultations as cons_sel
from decimetro.participation.models import Consultation
from decimetro.plan import selectors as plan_sel
from decimetro.plan.credits import PLAN
from decimetro.plan.models import Objective
from decimetro.pnrr import selectors as pnrr_sel
from decimetro.pnrr.credits import PNRR
from decimetro.pnrr.models import Project
from decimetro.territory.models import Comune

ENTRIES = 50


def _at(day: Any) -> datetime | None:
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day, time.min))


class _AtomFeed(Feed):
    feed_type = Atom1Feed


class _ProjectEntries(_AtomFeed):
    def item_title(self, item: Project) -> str:
        return f"{item.cup} – {item.title}".strip(" –")  # noqa: RUF001

    def item_link(self, item: Project) -> str:
        return reverse("public:project", args=[item.pk])

    def item_description(self, item: Project) -> str:
        measure = item.submeasure.measure
        amount = f"{item.fin_pnrr:,.0f} €".replace(",", ".") if item.fin_pnrr is not None else "—"
        return _t("Misura %(measure)s · finanziamento PNRR %(amount)s") % {
            "measure": measure.code,
            "amount": amount,
        }

    def item_updateddate(self, item: Project) -> datetime | None:
        return _at(item.updated_on)

    def item_guid(self, item: Project) -> str:
        return f"decimetro:progetto:{item.pk}"

    item_guid_is_permalink = False


class ComuneProjectsFeed(_ProjectEntries):
    def get_object(self, request: HttpRequest, codice_istat: str) -> Comune:  # type: ignore[override]
        return get_object_or_404(Comune, codice_istat=codice_istat)

    def title(self, obj: Comune) -> str:
        return _t("Progetti PNRR nel comune di %(name)s – Decimetro") % {"name": obj.name}  # noqa: RUF001

    def link(self, obj: Comune) -> str:
        return reverse("public:comune", args=[obj.codice_istat])

    def feed_url(self, obj: Comune) -> str:
        return reverse("public:comune_projects_atom", args=[obj.codice_istat])

    def subtitle(self, obj: Comune) -> str:
        return _t("I progetti con un luogo nel comune, gli ultimi importati per primi. %(credit)s") % {
            "credit": PNRR
        }

    def items(self, obj: Comune) -> QuerySet[Project]:
        return pnrr_sel.projects_in_comuni(comuni=[obj]).order_by("-pk")[:ENTRIES]


class ObjectiveProjectsFeed(_AtomFeed):
    def get_object(self, request: HttpRequest, code: str) -> Objective:  # type: ignore[override]
        return get_object_or_404(
            plan_sel.objectives_for(plan_sel.current_edition_or_404()), code=code.upper()
        )

    def title(self, obj: Objective) -> str:
        return _t("Progetti collegati all'obiettivo %(code)s – Decimetro") % {"code": obj.code}  # noqa: RUF001

    def link(self, obj: Objective) -> str:
        return reverse("public:objective", args=[obj.code])

    def feed_url(self, obj: Objective) -> str:
        return reverse("public:objective_projects_atom", args=[obj.code])

    def subtitle(self, obj: Objective) -> str:
        return _t(
            "I progetti confermati per l'obiettivo «%(title)s», gli ultimi confermati per primi. %(credit)s"
        ) % {
            "title": obj.title,
            "credit": f"{PNRR}; {PLAN}",
        }

    def items(self, obj: Objective) -> QuerySet[ProjectObjectiveLink]:
        return (
            ProjectObjectiveLink.objects.filter(objective=obj, status=LinkStatus.CONFIRMED)
            .select_related("project__submeasure__measure")
            .order_by("-decided_at", "-pk")[:ENTRIES]
        )

    def item_title(self, item: ProjectObjectiveLink) -> str:
        return f"{item.project.cup} – {item.project.title}".strip(" –")  # noqa: RUF001

    def item_link(self, item: ProjectObjectiveLink) -> str:
        return reverse("public:project", args=[item.project_id])

    def item_description(self, item: ProjectObjectiveLink) -> str:
        return _t("Misura %(measure)s · collegamento confermato") % {
            "measure": item.project.submeasure.measure.code
        }

    def item_updateddate(self, item: ProjectObjectiveLink) -> datetime:
        return item.decided_at or item.created_at

    def item_guid(self, item: ProjectObjectiveLink) -> str:
        return f"decimetro:collegamento:{item.pk}"

    item_guid_is_permalink = False


class ConsultationsFeed(_AtomFeed):
    def title(self) -> str:
        return _t("Consultazioni – Decimetro")  # noqa: RUF001

    def link(self) -> str:
        return reverse("public:consultations")

    def feed_url(self) -> str:
        return reverse("public:consultations_atom")

    def subtitle(self) -> str:
        return _t(
            "Le consultazioni del Piano strategico metropolitano, le più recenti per prime. %(credit)s"
        ) % {"credit": PLAN}

    def items(self) -> QuerySet[Consultation]:
        return cons_sel.consultations_public().order_by("-created_at", "-pk")[:ENTRIES]

    def item_title(self, item: Consultation) -> str:
        return item.title

    def item_link(self, item: Consultation) -> str:
        return reverse("public:consultation", args=[item.pk])

    def item_description(self, item: Consultation) -> str:
        return _t("Aperta dal %(opens)s al %(closes)s") % {
            "opens": item.opens_on.strftime("%d/%m/%Y"),
            "closes": item.closes_on.strftime("%d/%m/%Y"),
        }

    def item_updateddate(self, item: Consultation) -> datetime:
        return item.updated_at

    def item_pubdate(self, item: Consultation) -> datetime:
        return item.created_at

    def item_guid(self, item: Consultation) -> str:
        return f"decimetro:consultazione:{item.pk}"

    item_guid_is_permalink = False


comune_projects = ComuneProjectsFeed()
objective_projects = ObjectiveProjectsFeed()
consultations = ConsultationsFeed()
