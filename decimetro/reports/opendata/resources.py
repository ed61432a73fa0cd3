"""The tables of the open-data package: for each, its name (the CSV's), title, description, Table Schema
(field types and descriptions, primary and foreign keys where they hold), credits and rows.

What is never published: who decided a link or a rule, who entered a value, who wrote an observation (only
the organisation it speaks for, as the consultation pages show it), observations not published, attachments,
e-mail addresses. Rows are read with `values_list(...).iterator()`, so a national build keeps memory flat.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from decimetro.core.credits import Credit
from decimetro.linking.models import MeasureObjective, ProjectObjectiveLink
from decimetro.monitoring.models import Indicator, IndicatorValue
from decimetro.participation.credits import DUP
from decimetro.participation.models import Consultation, DupObjective, Observation, ObservationStatus
from decimetro.plan import selectors as plan_sel
from decimetro.plan.credits import PLAN
from decimetro.plan.models import ACTOR_FIELDS, Component, Edition, Mission, Objective
from decimetro.pnrr.credits import PNRR
from decimetro.pnrr.models import MeasurePayment, PaymentAmounts, PaymentSnapshot, Place, Project
from decimetro.reports.writers import Cell
from decimetro.territory import selectors as terr_sel
from decimetro.territory.credits import ISTAT
from decimetro.territory.models import Zone

CHUNK = 2000

# Decimetro's own records (links, crosswalk, indicators, consultations): the Ente publishes them.
DECIMETRO = Credit("Fonte: Città metropolitana di Milano, Decimetro")


@dataclass(frozen=True)
class Field:
    """A column: its name, Table Schema type (string, integer, number, boolean, date) and meaning."""

    name: str
    type: str
    description: str
    required: bool = False


@dataclass(frozen=True)
class ForeignKey:
    fields: tuple[str, ...]
    resource: str
    reference: tuple[str, ...]


@dataclass(frozen=True)
class Resource:
    name: str
    title: str
    description: str
    fields: tuple[Field, ...]
    rows: Callable[[Edition | None], Iterator[list[Cell]]]
    credits: tuple[Credit, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = field(default=())

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    @property
    def header(self) -> list[str]:
        return [f.name for f in self.fields]

    def schema(self) -> dict[str, Any]:
        """The Table Schema: booleans are written "sì"/"no" by the shared writers, said here."""
        fields: list[dict[str, Any]] = []
        for f in self.fields:
            item: dict[str, Any] = {"name": f.name, "type": f.type, "description": f.description}
            if f.type == "boolean":
                item.update(trueValues=["sì"], falseValues=["no"])
            if f.type == "date":
                item["format"] = "%Y-%m-%d"
            if f.required or f.name in self.primary_key:
                item["constraints"] = {"required": True}
            fields.append(item)
        out: dict[str, Any] = {"fields": fields, "missingValues": [""]}
        if self.primary_key:
            out["primaryKey"] = list(self.primary_key)
        if self.foreign_keys:
            out["foreignKeys"] = [
                {
                    "fields": list(fk.fields),
                    "reference": {"resource": fk.resource, "fields": list(fk.reference)},
                }
                for fk in self.foreign_keys
            ]
        return out


def _s(name: str, description: str, *, required: bool = False) -> Field:
    return Field(name, "string", description, required)


def _i(name: str, description: str) -> Field:
    return Field(name, "integer", description)


def _n(name: str, description: str) -> Field:
    return Field(name, "number", description)


def _b(name: str, description: str) -> Field:
    return Field(name, "boolean", description)


def _d(name: str, description: str) -> Field:
    return Field(name, "date", description)


def _day(value: datetime | None) -> date | None:
    """A moment as the local day (when something was decided: the day is enough, and says nobody's hours)."""
    return timezone.localdate(value) if value is not None else None


_ACTORS = (
    _b("citta_metropolitana", "Attore: la Città metropolitana"),
    _b("comuni", "Attore: i Comuni"),
    _b("corpi_intermedi", "Attore: i corpi intermedi e gli altri attori"),
)


# The plan ---------------------------------------------------------------------------------------------------


def _missions(edition: Edition | None) -> Iterator[list[Cell]]:
    if edition is None:
        return
    missions = Mission.objects.filter(edition=edition).prefetch_related("keywords").order_by("number")
    for m in missions:
        keywords = sorted(m.keywords.all(), key=lambda k: k.position)
        yield [m.code, m.number, m.title, m.introduction, "; ".join(k.name for k in keywords)]


def _components(edition: Edition | None) -> Iterator[list[Cell]]:
    if edition is None:
        return
    for c in (
        Component.objects.filter(edition=edition)
        .select_related("mission")
        .order_by("mission__number", "position")
    ):
        yield [c.code, c.mission.code, c.position, c.title, *(getattr(c, a) for a in ACTOR_FIELDS)]


def _objectives(edition: Edition | None) -> Iterator[list[Cell]]:
    if edition is None:
        return
    for o in (
        Objective.objects.filter(edition=edition)
        .select_related("mission")
        .order_by("mission__number", "number")
    ):
        yield [o.code, o.mission.code, o.number, o.title, *(getattr(o, a) for a in ACTOR_FIELDS)]


# The territory ----------------------------------------------------------------------------------------------


def _zones(_edition: Edition | None) -> Iterator[list[Cell]]:
    for z in Zone.objects.order_by("kind", "name"):
        yield [z.slug, z.name, z.get_kind_display()]


def _comuni(_edition: Edition | None) -> Iterator[list[Cell]]:
    for c in terr_sel.comuni_of_territory().select_related("zone").order_by("codice_istat"):
        yield [
            c.codice_istat,
            c.name,
            c.codice_catastale,
            c.sigla,
            c.is_capoluogo,
            c.population_legal,
            c.population_resident,
            c.area_kmq,
            c.zone.slug if c.zone else None,
        ]


# PNRR -------------------------------------------------------------------------------------------------------

_PROJECT_COLUMNS = (
    "pk",
    "cup",
    "local_code",
    "submeasure__code",
    "submeasure__measure__code",
    "submeasure__measure__component__code",
    "submeasure__measure__component__mission__code",
    "provenance",
    "title",
    "synthesis",
    "implementing_body__name",
    "implementing_body__fiscal_code",
    "fin_pnrr",
    "fin_totale",
    "updated_on",
)


def _projects(_edition: Edition | None) -> Iterator[list[Cell]]:
    rows = Project.objects.order_by("pk").values_list(*_PROJECT_COLUMNS).iterator(chunk_size=CHUNK)
    for row in rows:
        yield list(row)


_PLACE_COLUMNS = (
    "project_id",
    "dataset",
    "region_code",
    "region_name",
    "province_code",
    "province_name",
    "comune_name",
    "istat_code",
    "address",
    "cap",
    "updated_on",
)


def _places(_edition: Edition | None) -> Iterator[list[Cell]]:
    for row in Place.objects.order_by("pk").values_list(*_PLACE_COLUMNS).iterator(chunk_size=CHUNK):
        yield list(row)


def _amount_fields() -> list[tuple[str, str, str]]:
    """(model field, column, description) of the payments' amounts, in the model's order."""
    out = []
    for f in PaymentAmounts._meta.get_fields():
        name = f.name
        column = name.replace("fin_", "finanziamento_", 1) if name.startswith("fin_") else name
        column = column.replace("paid_", "pagamenti_", 1)
        out.append((name, column, f"{str(getattr(f, 'verbose_name', name)).capitalize()}, in euro"))
    return out


_AMOUNTS = _amount_fields()


def _payments(_edition: Edition | None) -> Iterator[list[Cell]]:
    columns = ["project_id", "release_date", *(name for name, _c, _d in _AMOUNTS)]
    rows = PaymentSnapshot.objects.order_by("project_id", "release_date").values_list(*columns)
    for row in rows.iterator(chunk_size=CHUNK):
        yield list(row)


def _measure_payments(_edition: Edition | None) -> Iterator[list[Cell]]:
    columns = [
        "submeasure__code",
        "submeasure__measure__code",
        "release_date",
        *(name for name, _c, _d in _AMOUNTS),
    ]
    rows = MeasurePayment.objects.order_by("submeasure__code", "release_date").values_list(*columns)
    for row in rows.iterator(chunk_size=CHUNK):
        yield list(row)


# Linking ----------------------------------------------------------------------------------------------------


def _links(edition: Edition | None) -> Iterator[list[Cell]]:
    """Never who decided (`decided_by`): the status, the origin, the rule and the day only."""
    rows = (
        ProjectObjectiveLink.objects.filter(objective__edition=edition)
        .order_by("project_id", "objective__code")
        .values_list(
            "project_id", "objective__code", "status", "origin", "score", "rule__measure__code", "decided_at"
        )
    )
    for project_id, code, status, origin, score, rule, decided_at in rows.iterator(chunk_size=CHUNK):
        yield [project_id, code, status, origin, score, rule, _day(decided_at)]


def _crosswalk(edition: Edition | None) -> Iterator[list[Cell]]:
    rows = (
        MeasureObjective.objects.filter(objective__edition=edition)
        .order_by("measure__code", "objective__code")
        .values_list("measure__code", "objective__code", "state", "origin", "note", "decided_at")
    )
    for measure, code, state, origin, note, decided_at in rows.iterator(chunk_size=CHUNK):
        yield [measure, code, state, origin, note, _day(decided_at)]


# Participation ----------------------------------------------------------------------------------------------


def _dup(edition: Edition | None) -> Iterator[list[Cell]]:
    """One row per DUP objective and plan objective it serves (a DUP objective serving none: one row with no
    plan objective). The organisation is public: the DUP is the comune's own document."""
    dups = (
        DupObjective.objects.select_related("organisation__comune")
        .prefetch_related("plan_objectives")
        .order_by("organisation__name", "code", "pk")
    )
    for d in dups:
        comune = getattr(d.organisation, "comune", None)
        base: list[Cell] = [
            d.organisation.name,
            comune.codice_istat if comune is not None else None,
            d.code,
            d.title,
            d.dup_mission,
            d.year_from,
            d.year_to,
        ]
        codes = sorted(
            {o.code for o in d.plan_objectives.all() if edition is None or o.edition_id == edition.pk}
        )
        if not codes:
            yield [*base, None]
        for code in codes:
            yield [*base, code]


def _consultations(_edition: Edition | None) -> Iterator[list[Cell]]:
    rows = Consultation.objects.select_related("objective", "mission", "project").order_by("pk")
    for c in rows:
        yield [
            c.pk,
            c.title,
            c.text,
            c.objective.code if c.objective else None,
            c.mission.code if c.mission else None,
            c.project_id,
            c.opens_on,
            c.closes_on,
        ]


def _observations(_edition: Edition | None) -> Iterator[list[Cell]]:
    """Published observations only; the organisation they speak for, never the person who wrote them."""
    rows = (
        Observation.objects.filter(status=ObservationStatus.PUBLISHED)
        .select_related("organisation")
        .order_by("consultation_id", "created_at", "pk")
    )
    for o in rows:
        yield [
            o.pk,
            o.consultation_id,
            o.organisation.name,
            _day(o.created_at),
            o.text,
            o.proposal_kind or None,
            o.proposal or None,
            o.answer or None,
            _day(o.answered_at) if o.answer else None,
        ]


# Monitoring -------------------------------------------------------------------------------------------------


def _active_indicators() -> Any:
    return Indicator.objects.filter(active=True)


def _indicators(_edition: Edition | None) -> Iterator[list[Cell]]:
    for i in _active_indicators().select_related("objective", "comune").order_by("code"):
        yield [
            i.code,
            i.name,
            i.unit,
            i.source,
            i.description,
            i.objective.code if i.objective else None,
            i.comune.codice_istat if i.comune else None,
            i.baseline_value,
            i.baseline_date,
            i.target_value,
            i.target_date,
            i.polarity,
            i.frequency,
        ]


def _indicator_values(_edition: Edition | None) -> Iterator[list[Cell]]:
    """Values of the active indicators; never who entered them."""
    rows = (
        IndicatorValue.objects.filter(indicator__active=True)
        .order_by("indicator__code", "date")
        .values_list("indicator__code", "date", "value", "source", "note")
    )
    for row in rows.iterator(chunk_size=CHUNK):
        yield list(row)


# The list ---------------------------------------------------------------------------------------------------

_OBJ_FK = ForeignKey(("codice_obiettivo",), "obiettivi", ("codice",))
_PROJECT_FK = ForeignKey(("id_progetto",), "progetti", ("id_progetto",))
_ID_PROGETTO = Field(
    "id_progetto",
    "integer",
    "Identificativo del progetto in Decimetro (stabile fra le versioni; la chiave naturale è "
    "cup + codice_locale_progetto + codice_submisura)",
    True,
)
_AMOUNT_FIELDS = tuple(_n(column, description) for _name, column, description in _AMOUNTS)

RESOURCES: tuple[Resource, ...] = (
    Resource(
        "missioni",
        "Piano strategico: missioni",
        "Le missioni dell'edizione corrente del piano strategico, con le parole chiave della visione.",
        (
            _s("codice", "Codice della missione (M1…M6)"),
            _i("numero", "Numero della missione"),
            _s("titolo", "Titolo della missione"),
            _s("introduzione", "Testo introduttivo della missione"),
            _s(
                "parole_chiave",
                "Parole chiave della visione associate alla missione, separate da punto e virgola",
            ),
        ),
        _missions,
        (PLAN,),
        primary_key=("codice",),
    ),
    Resource(
        "componenti",
        "Piano strategico: componenti",
        "Le componenti delle missioni del piano, con gli attori a cui si rivolgono.",
        (
            _s("codice", "Codice della componente"),
            _s("missione", "Codice della missione"),
            _i("posizione", "Posizione nella missione"),
            _s("titolo", "Titolo della componente"),
            *_ACTORS,
        ),
        _components,
        (PLAN,),
        primary_key=("codice",),
        foreign_keys=(ForeignKey(("missione",), "missioni", ("codice",)),),
    ),
    Resource(
        "obiettivi",
        "Piano strategico: obiettivi",
        "Gli obiettivi strategici del piano, con gli attori a cui si rivolgono.",
        (
            _s("codice", "Codice dell'obiettivo (es. M1.17)"),
            _s("missione", "Codice della missione"),
            _i("numero", "Numero dell'obiettivo nella missione"),
            _s("titolo", "Titolo dell'obiettivo"),
            *_ACTORS,
        ),
        _objectives,
        (PLAN,),
        primary_key=("codice",),
        foreign_keys=(ForeignKey(("missione",), "missioni", ("codice",)),),
    ),
    Resource(
        "zone",
        "Zone omogenee",
        "Le zone omogenee del territorio definite dal piano (e il comune capoluogo).",
        (_s("slug", "Identificativo della zona"), _s("nome", "Nome della zona"), _s("tipo", "Tipo di zona")),
        _zones,
        (PLAN,),
        primary_key=("slug",),
    ),
    Resource(
        "comuni",
        "Comuni del territorio",
        "I comuni della città metropolitana, con popolazione, superficie e zona omogenea.",
        (
            _s("codice_istat", "Codice ISTAT del comune"),
            _s("nome", "Nome del comune"),
            _s("codice_catastale", "Codice catastale"),
            _s("sigla", "Sigla automobilistica"),
            _b("capoluogo", "Il comune è capoluogo"),
            _i("popolazione_legale", "Popolazione legale (censimento 2021)"),
            _i("popolazione_residente", "Popolazione residente al 31/12/2022"),
            _n("superficie_kmq", "Superficie in chilometri quadrati"),
            _s("zona", "Zona omogenea (slug della risorsa zone)"),
        ),
        _comuni,
        (ISTAT, PLAN),
        primary_key=("codice_istat",),
        foreign_keys=(ForeignKey(("zona",), "zone", ("slug",)),),
    ),
    Resource(
        "progetti",
        "Progetti PNRR",
        "I progetti PNRR dei dati di attuazione (ReGiS), validati e dell'universo dei progetti.",
        (
            _ID_PROGETTO,
            _s("cup", "Codice unico di progetto"),
            _s("codice_locale_progetto", "Codice del progetto presso il soggetto attuatore"),
            _s("codice_submisura", "Codice della submisura PNRR"),
            _s("codice_misura", "Codice della misura PNRR"),
            _s("componente", "Codice della componente PNRR"),
            _s("missione", "Codice della missione PNRR"),
            _s(
                "provenienza",
                "validated: dati validati ReGiS; universe: universo dei progetti (non validati)",
            ),
            _s("titolo", "Titolo del progetto"),
            _s("sintesi", "Sintesi del progetto"),
            _s("soggetto_attuatore", "Soggetto attuatore"),
            _s("codice_fiscale_attuatore", "Codice fiscale del soggetto attuatore"),
            _n("finanziamento_pnrr", "Finanziamento PNRR, in euro"),
            _n("finanziamento_totale", "Finanziamento totale (tutte le fonti), in euro"),
            _d("data_aggiornamento", "Data di aggiornamento del progetto nei dati ReGiS"),
        ),
        _projects,
        (PNRR,),
        primary_key=("id_progetto",),
    ),
    Resource(
        "luoghi",
        "Luoghi dei progetti PNRR",
        "Le localizzazioni dei progetti (regione, provincia, comune, indirizzo).",
        (
            Field("id_progetto", "integer", "Progetto (id_progetto della risorsa progetti)", True),
            _s("provenienza", "Dataset della localizzazione: validated o universe"),
            _s("codice_regione", "Codice della regione"),
            _s("regione", "Regione"),
            _s("codice_provincia", "Codice della provincia"),
            _s("provincia", "Provincia"),
            _s("comune", "Comune"),
            _s("codice_istat", "Codice ISTAT del comune"),
            _s("indirizzo", "Indirizzo"),
            _s("cap", "Codice di avviamento postale"),
            _d("data_aggiornamento", "Data di aggiornamento della localizzazione"),
        ),
        _places,
        (PNRR,),
        foreign_keys=(_PROJECT_FK,),
    ),
    Resource(
        "pagamenti-progetti",
        "Pagamenti dei progetti PNRR",
        "Finanziamento e pagamenti di ogni progetto, per data di estrazione (una riga per estrazione).",
        (
            Field("id_progetto", "integer", "Progetto (id_progetto della risorsa progetti)", True),
            _d("data_estrazione", "Data di estrazione dei pagamenti"),
            *_AMOUNT_FIELDS,
        ),
        _payments,
        (PNRR,),
        primary_key=("id_progetto", "data_estrazione"),
        foreign_keys=(_PROJECT_FK,),
    ),
    Resource(
        "pagamenti-misure",
        "Pagamenti PNRR a livello di misura",
        "Pagamenti registrati a livello di misura, senza progetto (crediti d'imposta: Ecobonus, Transizione "
        "4.0), per data di estrazione. Appartengono ai totali nazionali della misura, mai a un comune.",
        (
            _s("codice_submisura", "Codice della submisura PNRR"),
            _s("codice_misura", "Codice della misura PNRR"),
            _d("data_estrazione", "Data di estrazione dei pagamenti"),
            *_AMOUNT_FIELDS,
        ),
        _measure_payments,
        (PNRR,),
        primary_key=("codice_submisura", "data_estrazione"),
    ),
    Resource(
        "collegamenti",
        "Collegamenti progetti-obiettivi",
        "Quali obiettivi del piano serve ogni progetto PNRR: stato (suggested, confirmed, rejected), origine "
        "(model, crosswalk, staff, rule), regola e giorno della decisione. Solo i collegamenti confermati "
        "entrano nelle cifre del sito. Non è indicato chi ha deciso.",
        (
            Field("id_progetto", "integer", "Progetto (id_progetto della risorsa progetti)", True),
            _s("codice_obiettivo", "Obiettivo del piano (codice della risorsa obiettivi)", required=True),
            _s("stato", "suggested: suggerito; confirmed: confermato; rejected: respinto"),
            _s(
                "origine",
                "model: suggerito dal modello; crosswalk: dalla corrispondenza della misura; staff: scelto "
                "dal personale; rule: confermato per regola",
            ),
            _n("punteggio", "Punteggio del suggerimento, tra 0 e 1"),
            _s(
                "regola_misura",
                "Codice della misura della regola approvata che ha confermato il collegamento",
            ),
            _d("data_decisione", "Giorno della decisione (vuoto per un suggerimento)"),
        ),
        _links,
        (DECIMETRO, PNRR, PLAN),
        primary_key=("id_progetto", "codice_obiettivo"),
        foreign_keys=(_PROJECT_FK, _OBJ_FK),
    ),
    Resource(
        "corrispondenza-misure-obiettivi",
        "Corrispondenza misure PNRR - obiettivi",
        "Le misure PNRR che servono ciascun obiettivo del piano: proposed (proposta), approved (regola: "
        "tutti i progetti della misura sono collegati), revoked (revocata).",
        (
            _s("codice_misura", "Codice della misura PNRR", required=True),
            _s("codice_obiettivo", "Obiettivo del piano (codice della risorsa obiettivi)", required=True),
            _s("stato", "proposed, approved o revoked"),
            _s("origine", "setup: configurazione iniziale; staff: aggiunta dal personale"),
            _s("nota", "Motivo della corrispondenza"),
            _d("data_decisione", "Giorno della decisione"),
        ),
        _crosswalk,
        (DECIMETRO, PLAN),
        primary_key=("codice_misura", "codice_obiettivo"),
        foreign_keys=(_OBJ_FK,),
    ),
    Resource(
        "allineamento-dup",
        "Allineamento dei DUP al piano",
        "Gli obiettivi dei DUP (Documento unico di programmazione) registrati dagli enti e gli obiettivi del "
        "piano che servono: una riga per coppia (senza obiettivo del piano se non ne serve alcuno).",
        (
            _s("ente", "Ente che ha registrato il DUP"),
            _s("codice_istat", "Codice ISTAT del comune (vuoto per l'Ente)"),
            _s("codice_dup", "Codice dell'obiettivo nel DUP"),
            _s("titolo_dup", "Titolo dell'obiettivo nel DUP"),
            _s("missione_dup", "Missione del DUP"),
            _i("dall_anno", "Primo anno"),
            _i("all_anno", "Ultimo anno"),
            _s("codice_obiettivo", "Obiettivo del piano servito (codice della risorsa obiettivi)"),
        ),
        _dup,
        (DUP,),
        foreign_keys=(_OBJ_FK,),
    ),
    Resource(
        "indicatori",
        "Indicatori di monitoraggio",
        "Gli indicatori attivi degli obiettivi del piano e dei comuni, con valore di partenza e obiettivo.",
        (
            _s("codice", "Codice dell'indicatore"),
            _s("nome", "Nome"),
            _s("unita", "Unità di misura"),
            _s("fonte_valori", "Fonte dei valori dell'indicatore"),
            _s("descrizione", "Descrizione"),
            _s("codice_obiettivo", "Obiettivo del piano (codice della risorsa obiettivi)"),
            _s("codice_istat", "Comune dell'indicatore (codice ISTAT), se ne ha uno"),
            _n("valore_partenza", "Valore di partenza"),
            _d("data_partenza", "Data del valore di partenza"),
            _n("valore_obiettivo", "Valore obiettivo"),
            _d("data_obiettivo", "Data dell'obiettivo"),
            _s("polarita", "higher: più alto è meglio; lower: più basso è meglio"),
            _s("frequenza", "Frequenza di aggiornamento"),
        ),
        _indicators,
        (DECIMETRO,),
        primary_key=("codice",),
        foreign_keys=(_OBJ_FK,),
    ),
    Resource(
        "valori-indicatori",
        "Valori degli indicatori",
        "I valori registrati degli indicatori attivi, ciascuno con la sua fonte.",
        (
            _s("codice_indicatore", "Indicatore (codice della risorsa indicatori)", required=True),
            _d("data", "Data del valore"),
            _n("valore", "Valore"),
            _s("fonte_valore", "Fonte del valore"),
            _s("nota", "Nota"),
        ),
        _indicator_values,
        (DECIMETRO,),
        primary_key=("codice_indicatore", "data"),
        foreign_keys=(ForeignKey(("codice_indicatore",), "indicatori", ("codice",)),),
    ),
    Resource(
        "consultazioni",
        "Consultazioni",
        "Le consultazioni pubbliche dell'Ente sul piano, con l'obiettivo, la missione o il progetto di cui "
        "trattano.",
        (
            Field("id", "integer", "Identificativo della consultazione", True),
            _s("titolo", "Titolo"),
            _s("testo", "Testo"),
            _s("codice_obiettivo", "Obiettivo del piano (codice della risorsa obiettivi)"),
            _s("missione", "Missione del piano (codice della risorsa missioni)"),
            _i("id_progetto", "Progetto (id_progetto della risorsa progetti)"),
            _d("apertura", "Data di apertura"),
            _d("chiusura", "Data di chiusura"),
        ),
        _consultations,
        (DECIMETRO,),
        primary_key=("id",),
        foreign_keys=(_OBJ_FK,),
    ),
    Resource(
        "osservazioni",
        "Osservazioni pubblicate",
        "Le osservazioni pubblicate nelle consultazioni, con l'organizzazione per cui sono state scritte "
        "e la risposta dell'Ente. Solo le osservazioni pubblicate; nessun dato personale (né autore né "
        "allegati).",
        (
            Field("id", "integer", "Identificativo dell'osservazione", True),
            Field("id_consultazione", "integer", "Consultazione (id della risorsa consultazioni)", True),
            _s("organizzazione", "Organizzazione per cui è stata scritta"),
            _d("data", "Giorno dell'osservazione"),
            _s("testo", "Testo dell'osservazione"),
            _s("tipo_proposta", "project: un progetto; indicator: un indicatore; vuoto: nessuna proposta"),
            _s("proposta", "Proposta"),
            _s("risposta", "Risposta dell'Ente"),
            _d("data_risposta", "Giorno della risposta"),
        ),
        _observations,
        (DECIMETRO,),
        primary_key=("id",),
        foreign_keys=(ForeignKey(("id_consultazione",), "consultazioni", ("id",)),),
    ),
)

BY_NAME = {r.name: r for r in RESOURCES}


def resource_rows(resource: Resource, edition: Edition | None) -> Iterable[list[Cell]]:
    """The header, then the rows."""
    yield list[Cell](resource.header)
    yield from resource.rows(edition)


def current_edition() -> Edition | None:
    return plan_sel.current_edition()
