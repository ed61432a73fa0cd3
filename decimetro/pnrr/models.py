"""PNRR data: the plan's structure and milestones, the projects with their places and payment snapshots.

Everything here is written by `pnrr.services` from the Italia Domani open data (CC BY 4.0; the credit line is
`pnrr.credits.PNRR`). Keys are the source's own keys.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from decimetro.territory.models import Comune


def money(verbose_name: str) -> models.DecimalField:
    return models.DecimalField(_(verbose_name), max_digits=16, decimal_places=2, null=True, blank=True)


class PnrrMission(models.Model):
    code = models.CharField(max_length=4, unique=True)  # M1 … M7
    name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("missione PNRR")
        verbose_name_plural = _("missioni PNRR")

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()


class PnrrComponent(models.Model):
    code = models.CharField(max_length=6, unique=True)  # M1C1 … M7C1
    mission = models.ForeignKey(PnrrMission, on_delete=models.PROTECT, related_name="components")
    name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("componente PNRR")
        verbose_name_plural = _("componenti PNRR")

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()


class Measure(models.Model):
    """An investment or reform, e.g. `M1C1I1.02` "Abilitazione al cloud per le PA locali"."""

    code = models.CharField(_("codice univoco misura"), max_length=16, unique=True)
    measure_id = models.CharField(_("ID misura"), max_length=16, blank=True)
    component = models.ForeignKey(PnrrComponent, on_delete=models.PROTECT, related_name="measures")
    name = models.CharField(max_length=300, blank=True)
    kind = models.CharField(_("investimento o riforma"), max_length=20, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("misura PNRR")
        verbose_name_plural = _("misure PNRR")

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()


class SubMeasure(models.Model):
    """A row of the financial frame (`M1C1I1.02.00`). `in_frame` is False for codes met only in project files
    (measures of the 2021 plan dropped by the 2023 revision)."""

    code = models.CharField(_("codice univoco submisura"), max_length=16, unique=True)
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="submeasures")
    submeasure_id = models.CharField(_("ID submisura"), max_length=16, blank=True)
    cid_code = models.CharField(_("codice CID"), max_length=16, blank=True)
    name = models.CharField(max_length=400, blank=True)
    level = models.CharField(_("livello"), max_length=12, blank=True)
    loan_or_grant = models.CharField(_("prestito o sovvenzione"), max_length=12, blank=True)
    administration = models.CharField(_("amministrazione titolare"), max_length=100, blank=True)
    amount_total = money("importo totale")
    amount_existing = money("importo progetti in essere")
    amount_new = money("importo progetti nuovi")
    in_frame = models.BooleanField(_("nel quadro finanziario"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("submisura PNRR")
        verbose_name_plural = _("submisure PNRR")

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()


class Milestone(models.Model):
    """A milestone or target of the plan, with its due quarter and (for targets) baseline and value."""

    class Kind(models.TextChoices):
        MILESTONE = "Milestone", _("Milestone")
        TARGET = "Target", _("Target")

    code = models.CharField(max_length=20, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    submeasures = models.ManyToManyField(SubMeasure, related_name="milestones")
    name = models.TextField()
    description = models.TextField(blank=True)
    scope = models.CharField(_("ITA/UE"), max_length=3, blank=True)
    qualitative_indicator = models.TextField(_("indicatore qualitativo"), blank=True)
    unit = models.CharField(_("unità di misura"), max_length=30, blank=True)
    baseline = models.DecimalField(
        _("valore di partenza"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    target_value = models.DecimalField(
        _("valore obiettivo"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    quarter = models.CharField(_("trimestre"), max_length=2, blank=True)
    year = models.PositiveSmallIntegerField(_("anno"), null=True, blank=True)
    verification = models.TextField(_("meccanismo di verifica"), blank=True)
    notes = models.TextField(_("ulteriori informazioni"), blank=True)

    class Meta:
        ordering = ["year", "quarter", "code"]
        verbose_name = _("milestone o target")
        verbose_name_plural = _("milestone e target")

    def __str__(self) -> str:
        return f"{self.code} ({self.kind}, {self.quarter} {self.year})"


class ImplementingBody(models.Model):
    """A soggetto attuatore, keyed by fiscal code (leading zeros restored: the source drops them)."""

    fiscal_code = models.CharField(_("codice fiscale"), max_length=16, unique=True)
    name = models.CharField(max_length=250)

    class Meta:
        ordering = ["name"]
        verbose_name = _("soggetto attuatore")
        verbose_name_plural = _("soggetti attuatori")

    def __str__(self) -> str:
        return self.name


class Provenance(models.TextChoices):
    VALIDATED = "validated", _("ReGiS - dati validati")
    UNIVERSE = "universe", _("ReGiS - universo (non validato)")


# A project known only by its key (from the places or payments files) is a stub: its texts are blank. The
# database has the same default, so that the import writes stubs by their key alone.
STUB_DEFAULT: dict[str, Any] = {"default": "", "db_default": ""}


class Project(models.Model):
    """A PNRR project as Italia Domani keys it: CUP + Codice Locale Progetto + Codice Univoco Submisura.

    Projects met only in the universe places or in the payments file have `provenance=universe` and no title;
    their funding (totale, PNRR) is that of their latest payments snapshot, if any. A validated projects file
    fills them in and marks them validated."""

    cup = models.CharField("CUP", max_length=15)  # indexed by the unique key, which starts with it
    local_code = models.CharField(_("codice locale progetto"), max_length=100, blank=True)
    submeasure = models.ForeignKey(SubMeasure, on_delete=models.PROTECT, related_name="projects")
    provenance = models.CharField(max_length=10, choices=Provenance.choices, db_index=True)
    title = models.CharField(_("titolo"), max_length=300, blank=True, **STUB_DEFAULT)
    synthesis = models.TextField(_("sintesi"), blank=True, **STUB_DEFAULT)
    procedure_code = models.CharField(
        _("codice procedura di attivazione"), max_length=20, blank=True, **STUB_DEFAULT
    )
    procedure_title = models.CharField(_("titolo procedura"), max_length=200, blank=True, **STUB_DEFAULT)
    procedure_type = models.CharField(_("tipologia procedura"), max_length=100, blank=True, **STUB_DEFAULT)
    cup_status = models.CharField(_("stato CUP"), max_length=20, blank=True, **STUB_DEFAULT)
    cup_nature_code = models.CharField(max_length=4, blank=True, **STUB_DEFAULT)
    cup_nature = models.CharField(_("natura CUP"), max_length=150, blank=True, **STUB_DEFAULT)
    cup_type_code = models.CharField(max_length=4, blank=True, **STUB_DEFAULT)
    cup_type = models.CharField(_("tipologia CUP"), max_length=150, blank=True, **STUB_DEFAULT)
    cup_sector_code = models.CharField(max_length=4, blank=True, **STUB_DEFAULT)
    cup_sector = models.CharField(_("settore CUP"), max_length=150, blank=True, **STUB_DEFAULT)
    cup_subsector_code = models.CharField(max_length=4, blank=True, **STUB_DEFAULT)
    cup_subsector = models.CharField(_("sottosettore CUP"), max_length=150, blank=True, **STUB_DEFAULT)
    cup_category_code = models.CharField(max_length=6, blank=True, **STUB_DEFAULT)
    cup_category = models.CharField(_("categoria CUP"), max_length=200, blank=True, **STUB_DEFAULT)
    aid_type = models.CharField(_("tipo di aiuto"), max_length=150, blank=True, **STUB_DEFAULT)
    fin_stato = money("finanziamento Stato")
    fin_ue = money("finanziamento UE (diverso da PNRR)")
    fin_regione = money("finanziamento Regione")
    fin_provincia = money("finanziamento Provincia")
    fin_comune = money("finanziamento Comune")
    fin_altro_pubblico = money("finanziamento altro pubblico")
    fin_privato = money("finanziamento privato")
    fin_da_reperire = money("finanziamento da reperire")
    fin_pnrr = money("finanziamento PNRR")
    fin_pnc = money("finanziamento PNC")
    fin_altri_fondi = money("altri fondi")
    fin_totale = money("finanziamento totale")
    fin_totale_pubblico = money("finanziamento totale pubblico")
    fin_totale_pubblico_netto = money("finanziamento totale pubblico netto")
    implementing_body = models.ForeignKey(
        ImplementingBody, null=True, blank=True, on_delete=models.PROTECT, related_name="projects"
    )
    existing_project = models.BooleanField(_("progetto in essere"), null=True, blank=True)
    updated_on = models.DateField(_("data aggiornamento"), null=True, blank=True)

    class Meta:
        ordering = ["cup", "local_code", "submeasure_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cup", "local_code", "submeasure"], name="pnrr_project_source_key"
            ),
        ]
        # The project list's orders (`pnrr.selectors.project_order`: nulls last, the id as tie-breaker), so
        # that a keyset page is an index range, not a sort of every project. Only the list's main orders:
        # each index is paid by every import. The amounts' indexes, `(fin_pnrr DESC NULLS LAST, id)` and
        # `(fin_totale DESC NULLS LAST, id)`, are made on PostgreSQL only by migration 0005 (SQLite refuses
        # NULLS LAST in an index, and would rebuild every declared index when it remakes the table); 0006 adds
        # the ascending ones and the trigram indexes of the text filters, also on PostgreSQL only.
        indexes = [models.Index(F("title"), F("id"), name="pnrr_project_list_title")]
        verbose_name = _("progetto PNRR")
        verbose_name_plural = _("progetti PNRR")

    def __str__(self) -> str:
        return f"{self.cup} {self.title}".strip()

    @property
    def located_places(self) -> list[Place]:
        """Its places from its own dataset (use with prefetch_related("places"))."""
        return [p for p in self.places.all() if p.dataset == self.provenance]

    @property
    def opencup_url(self) -> str:
        return f"https://www.opencup.gov.it/portale/web/opencup/home/progetto/-/cup/{self.cup}"


class Place(models.Model):
    """Project x place as the source writes it. `comune` is set when the ISTAT code is a comune in our
    database; national ("AMBITO NAZIONALE"), region-wide and province-wide rows are kept with their raw codes
    and names.
    `dataset` says which file the row came from: a project's places are those of its own provenance."""

    # Indexed by the unique key, which starts with it.
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="places", db_index=False)
    dataset = models.CharField(max_length=10, choices=Provenance.choices)
    region_code = models.CharField(max_length=3, blank=True)
    region_name = models.CharField(max_length=60, blank=True)
    province_code = models.CharField(max_length=3, blank=True)
    province_name = models.CharField(max_length=60, blank=True)
    comune_code = models.CharField(max_length=3, blank=True)
    comune_name = models.CharField(max_length=80, blank=True)
    istat_code = models.CharField(_("codice ISTAT comune"), max_length=6, blank=True, db_index=True)
    comune = models.ForeignKey(
        Comune, null=True, blank=True, on_delete=models.SET_NULL, related_name="pnrr_places"
    )
    address = models.CharField(_("indirizzo"), max_length=200, blank=True)
    cap = models.CharField(max_length=5, blank=True)
    updated_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["project_id", "region_code", "province_code", "comune_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "dataset", "region_code", "province_code", "comune_code"],
                name="pnrr_place_source_key",
            ),
        ]
        verbose_name = _("localizzazione")
        verbose_name_plural = _("localizzazioni")

    def __str__(self) -> str:
        return f"{self.project.cup} @ {self.label}"

    @property
    def scope(self) -> str:
        """comune | provincia | regione | nazionale."""
        return place_scope(self.istat_code, self.region_code, self.province_code)

    @property
    def label(self) -> str:
        return place_label(
            istat_code=self.istat_code,
            region_code=self.region_code,
            region_name=self.region_name,
            province_code=self.province_code,
            province_name=self.province_name,
            comune_name=self.comune_name,
            our_comune_name=self.comune.name if self.comune_id and self.comune else None,
        )


# A place's scope and label as plain functions of its columns, so that the national project export can label
# hundreds of thousands of places from rows, without a model instance each (`Place.label` calls the same).


def place_scope(istat_code: str, region_code: str, province_code: str) -> str:
    if istat_code:
        return "comune"
    if region_code in {"", "0"}:
        return "nazionale"
    if province_code in {"", "0"}:
        return "regione"
    return "provincia"


# What `place_label` reads of a place, as field paths (`comune__name` is `our_comune_name`), in its arguments'
# order: the list's rows (`selectors.with_list_places`) and the national export (`insights.lists`) read them.
PLACE_LABEL_FIELDS = (
    "istat_code",
    "region_code",
    "region_name",
    "province_code",
    "province_name",
    "comune_name",
    "comune__name",
)


def place_label(
    *,
    istat_code: str,
    region_code: str,
    region_name: str,
    province_code: str,
    province_name: str,
    comune_name: str,
    our_comune_name: str | None,
) -> str:
    """`our_comune_name`: the name of the place's comune in our database, when it is one."""
    scope = place_scope(istat_code, region_code, province_code)
    if scope == "comune":
        return our_comune_name if our_comune_name is not None else comune_name.title()
    if scope == "nazionale":
        return region_name or "AMBITO NAZIONALE"
    if scope == "regione":
        return f"{region_name} (intera regione)"
    return f"{province_name} ({comune_name or 'intera provincia'})"


class PaymentAmounts(models.Model):
    """The amount columns of a row of the payments file (finanziamento, pagamenti by source)."""

    fin_totale = money("finanziamento totale")
    fin_pnrr = money("finanziamento PNRR")
    paid_total = money("pagamenti totali")
    paid_pnrr = money("pagamenti PNRR")
    paid_stato_foi = money("pagamenti Stato FOI")
    paid_stato = money("pagamenti Stato")
    paid_stato_bilancio = money("pagamenti Stato bilancio")
    paid_fpop = money("pagamenti FPOP")
    paid_ue = money("pagamenti UE (diverso da PNRR)")
    paid_regione = money("pagamenti Regione")
    paid_provincia = money("pagamenti Provincia")
    paid_comune = money("pagamenti Comune")
    paid_altro_pubblico = money("pagamenti altro pubblico")
    paid_privato = money("pagamenti privato")
    paid_da_reperire = money("pagamenti da reperire")
    paid_pnc = money("pagamenti PNC")
    paid_altri_fondi = money("pagamenti altri fondi")

    class Meta:
        abstract = True

    @property
    def paid_share(self) -> float | None:
        return paid_share(self.paid_total, self.fin_totale)


def paid_share(paid_total: Decimal | None, fin_totale: Decimal | None) -> float | None:
    """Paid on funded (0 to 1), None without payments or funding (`PaymentAmounts.paid_share`)."""
    if paid_total is None or not fin_totale:
        return None
    return float(paid_total / fin_totale)


class PaymentSnapshot(PaymentAmounts):
    """Payments of one project as of one release (`data_di_estrazione`) of the payments file."""

    # Indexed by the unique key, which starts with it.
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="payments", db_index=False)
    release_date = models.DateField(_("data di estrazione"))

    class Meta:
        ordering = ["project_id", "release_date"]
        constraints = [
            models.UniqueConstraint(fields=["project", "release_date"], name="pnrr_payment_project_release"),
        ]
        verbose_name = _("pagamenti (istantanea)")
        verbose_name_plural = _("pagamenti (istantanee)")

    def __str__(self) -> str:
        return f"{self.project.cup} {self.release_date}"


class MeasurePayment(PaymentAmounts):
    """Payments made at the level of a measure, with no project (a row of the payments file with no CUP): the
    tax-credit measures, Ecobonus (M2C3I2.01) and Transizione 4.0 (M1C2I1.01), as of one release. Keyed as
    the source writes them, by sub-measure; they belong to the measure and to national totals, never to a
    comune."""

    # Indexed by the unique key, which starts with it.
    submeasure = models.ForeignKey(
        SubMeasure, on_delete=models.PROTECT, related_name="measure_payments", db_index=False
    )
    release_date = models.DateField(_("data di estrazione"))

    class Meta:
        ordering = ["submeasure_id", "release_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["submeasure", "release_date"], name="pnrr_measure_payment_submeasure_release"
            ),
        ]
        verbose_name = _("pagamenti a livello di misura")
        verbose_name_plural = _("pagamenti a livello di misura")

    def __str__(self) -> str:
        return f"{self.submeasure.code} {self.release_date}"


class ImportRun(models.Model):
    """One run of `pnrr_import` on one file, whatever its outcome."""

    class Status(models.TextChoices):
        OK = "ok", _("importato")
        PARTIAL = "partial", _("importato con righe scartate")
        REJECTED = "rejected", _("rifiutato")
        SKIPPED = "skipped", _("già importato")

    started_at = models.DateTimeField(auto_now_add=True, db_index=True)
    file_name = models.CharField(max_length=255)
    checksum = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    kind = models.CharField(max_length=40, blank=True)
    release_date = models.DateField(_("data del rilascio"), null=True, blank=True)
    rows_read = models.PositiveIntegerField(default=0)
    inserted = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    duration_s = models.FloatField(_("durata (s)"), default=0)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_label = models.CharField(max_length=150, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("importazione PNRR")
        verbose_name_plural = _("importazioni PNRR")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"


# The funding columns of a project, by source (the totals are separate fields).
FUNDING_SOURCES = (
    "fin_pnrr",
    "fin_pnc",
    "fin_stato",
    "fin_ue",
    "fin_regione",
    "fin_provincia",
    "fin_comune",
    "fin_altro_pubblico",
    "fin_privato",
    "fin_altri_fondi",
    "fin_da_reperire",
)
