"""The global guard of the project's endpoints (issue 7: "check every write endpoint against every persona").

1. Every URL of the project (every Django URL pattern, recursively, and every django-ninja operation with its
   HTTP method) must be classified in REGISTRY below. A new endpoint that nobody classified fails
   `test_every_endpoint_is_classified`: adding an unguarded write silently is not possible.
2. Every endpoint classified as a write has at least one case in WRITES: a request that the allowed persona
   makes successfully (the positive control: the same request really writes) and that every other persona
   makes in vain: anonymous → login (or 401/403), the others → 403/404, and the database unchanged (every
   row of every model, the audit log included). Ids are forged where the URL takes one: the objects belong to
   Comune B (or to the Ente) while the refused persona is Comune A's editor or an association.
3. Back-office reads refuse the non-staff personas; public reads answer anonymous visitors and a POST to them
   writes nothing; POSTs without the CSRF token are refused on representative endpoints of each app.
"""

from __future__ import annotations

import datetime
import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from decimetro.core.models import ApiToken, AuditEntry, Invitation, Job
from decimetro.core.services import token_hash
from decimetro.core.services_tokens import api_token_create, api_token_revoke
from decimetro.linking.models import MeasureObjective, ProjectObjectiveLink
from decimetro.participation.models import Audience, VerificationPhoto
from decimetro.plan.models import Edition, Mission, Objective
from decimetro.reports.opendata.bundle import build_bundle
from tests.factories import (
    ComponentFactory,
    EditionFactory,
    IndicatorFactory,
    MembershipFactory,
    MissionFactory,
    ObjectiveFactory,
    UserFactory,
)
from tests.participation.fixtures import *  # noqa: F403
from tests.participation.fixtures import (
    ConsultationFactory,
    ObservationFactory,
    VerificationReportFactory,
    pdf_bytes,
    png_bytes,
    upload,
)

pytestmark = pytest.mark.django_db

PNRR_PROJECTS = Path(__file__).resolve().parents[1] / "pnrr" / "fixtures" / "progetti_validati.csv.gz"

# The classes of endpoints -----------------------------------------------------------------------------------

PUBLIC_READ = "public read"
PUBLIC_FILE = "public file, visibility-filtered (published/visible only, else owner or Ente staff)"
LOGIN_READ = "any logged-in user, own data only (profile, DUP home redirect)"
OWN_ACCOUNT_WRITE = "own account write (login required, no id in the URL)"
STAFF_READ = "staff-only read (Ente back office)"
ORG_READ = "organisation-scoped read (own comune's indicators or DUP only; writes nothing)"
ADMIN_READ = "Ente-admin-only read"
STAFF_WRITE = "staff-only write (Ente staff)"
ADMIN_WRITE = "Ente-admin-only write (accounts, organisations)"
ORG_WRITE = "organisation-scoped write (own organisation / own comune only)"
AUTH = (
    "auth pages (login, logout, language, invitation or password reset by one-time token; follow by email:"
    " double opt-in by signed link, rate limited, same answer for every address)"
)
API_READ = "public API read"
API_COMPUTE = "public API computation (POST without any write)"
API_TOKEN_WRITE = "API write with an organisation's token (Bearer), the organisation's rights only"
API_DOCS = "API root, schema and docs"
DJANGO_ADMIN = "Django admin (whole namespace: staff + model permissions, Django's own checks)"

WRITE_CLASSES = {STAFF_WRITE, ADMIN_WRITE, ORG_WRITE}
STAFF_ONLY_WRITE_CLASSES = {STAFF_WRITE, ADMIN_WRITE}

# Keys: "namespace:name" of a Django URL pattern (the route itself when unnamed), "METHOD /path" of a ninja
# operation, "admin:*" for the whole Django admin namespace.
REGISTRY: dict[str, str] = {
    # Plan, territory, map (decimetro/public/views/)
    "public:home": PUBLIC_READ,
    "public:mission": PUBLIC_READ,
    "public:objectives": PUBLIC_READ,
    "public:objective": PUBLIC_READ,
    "public:objective_projects_atom": PUBLIC_READ,
    "public:comuni": PUBLIC_READ,
    "public:comune": PUBLIC_READ,
    "public:comune_projects_atom": PUBLIC_READ,
    "public:zones": PUBLIC_READ,
    "public:zone": PUBLIC_READ,
    "public:map": PUBLIC_READ,
    "reports:map_geojson": PUBLIC_READ,
    "reports:map_csv": PUBLIC_READ,
    "public:compare": PUBLIC_READ,
    "public:health": PUBLIC_READ,
    "public:search": PUBLIC_READ,  # GET form, no CSRF token (decimetro/search/)
    "public:embed_comune": PUBLIC_READ,
    "public:embed_objective": PUBLIC_READ,
    "public:widget_builder": PUBLIC_READ,
    "backoffice:home": STAFF_READ,
    "backoffice:objective_edit": STAFF_WRITE,
    "backoffice:mission_edit": STAFF_WRITE,
    "backoffice:component_edit": STAFF_WRITE,
    "backoffice:editions": STAFF_WRITE,  # GET: the editions; POST: upload a new one as a draft
    "backoffice:edition_compare": STAFF_WRITE,  # GET: draft vs current and the map; POST: publish
    "public:editions": PUBLIC_READ,
    "public:edition": PUBLIC_READ,
    # PNRR (public/views/pnrr.py)
    "public:projects": PUBLIC_READ,
    "reports:projects_csv": PUBLIC_READ,
    "public:project_by_cup": PUBLIC_READ,
    "public:project": PUBLIC_READ,
    "public:measures": PUBLIC_READ,
    "public:measure": PUBLIC_READ,
    "public:body": PUBLIC_READ,
    "backoffice:import_log": STAFF_READ,
    "backoffice:pnrr_upload": STAFF_WRITE,  # GET: form and jobs; POST: store a file, enqueue its import
    "backoffice:job_detail": STAFF_READ,  # a job's state (htmx polling), for who may see the job
    "backoffice:job_file": STAFF_READ,  # a job's file (an import's rejects), never served from MEDIA_URL
    "backoffice:data_quality": STAFF_READ,
    "reports:data_quality_csv": STAFF_READ,
    # Linking (views_linking.py)
    "backoffice:link_queue": STAFF_WRITE,  # GET: the queue; POST: bulk confirm/reject
    "backoffice:link_recompute": STAFF_WRITE,
    "backoffice:link_decide": STAFF_WRITE,
    "backoffice:link_queue_matching": STAFF_WRITE,  # GET: the confirmation step; POST: decide all N matching
    "backoffice:link_queue_counters": STAFF_READ,  # the queue's counters partial (htmx)
    "backoffice:crosswalk": STAFF_WRITE,  # GET: the list; POST: add an entry
    "backoffice:crosswalk_remove": STAFF_WRITE,
    "backoffice:crosswalk_approve": STAFF_WRITE,
    "backoffice:crosswalk_revoke": STAFF_WRITE,
    # Monitoring (views_monitoring.py)
    "public:indicators": PUBLIC_READ,
    "public:indicator": PUBLIC_READ,
    "reports:indicator_values_csv": PUBLIC_READ,
    "backoffice:indicators_manage": ORG_READ,  # staff: every indicator; a comune editor: its comune's
    "backoffice:indicator_import_template": ORG_READ,
    "backoffice:indicator_create": STAFF_WRITE,
    # Ente staff, or the owners / comune editors of the file's indicators
    "backoffice:indicator_import": ORG_WRITE,
    "backoffice:indicators_overdue": STAFF_READ,
    "backoffice:indicator_edit": STAFF_WRITE,
    "backoffice:indicator_deactivate": STAFF_WRITE,
    "backoffice:indicator_value_record": ORG_WRITE,  # Ente staff, the owner, the indicator's comune editors
    # Participation (views_participation.py)
    "public:consultations": PUBLIC_READ,
    "public:consultations_atom": PUBLIC_READ,
    "public:consultation": PUBLIC_READ,
    "public:observation_create": ORG_WRITE,  # editors of the invited organisations
    "public:observation_attachment": PUBLIC_FILE,
    "backoffice:consultation_admin": STAFF_READ,
    "backoffice:consultation_create": STAFF_WRITE,
    "backoffice:consultation_manage": STAFF_READ,
    "backoffice:consultation_edit": STAFF_WRITE,
    "backoffice:consultation_close": STAFF_WRITE,
    "backoffice:observation_moderate": STAFF_WRITE,
    "backoffice:observation_answer": STAFF_WRITE,
    "backoffice:verification_create": ORG_WRITE,  # any organisation's editor, for its own organisation
    "backoffice:verification_edit": ORG_WRITE,  # only the report's organisation
    "backoffice:verification_delete": ORG_WRITE,
    "backoffice:verification_hide": STAFF_WRITE,
    "public:verification_photo": PUBLIC_FILE,
    "public:dup": PUBLIC_READ,
    "reports:dup_export": PUBLIC_READ,
    "reports:dup_csv_template": PUBLIC_READ,
    "public:dup_detail": PUBLIC_READ,
    "reports:dup_detail_export": PUBLIC_READ,
    "reports:objective_dossier": PUBLIC_READ,
    "reports:mission_dossier": PUBLIC_READ,
    "reports:comune_dossier": PUBLIC_READ,
    "reports:zone_dossier": PUBLIC_READ,
    "reports:opendata": PUBLIC_READ,
    "reports:opendata_datapackage": PUBLIC_READ,
    "reports:opendata_catalogue": PUBLIC_READ,
    "reports:opendata_zip": PUBLIC_READ,
    "reports:opendata_csv": PUBLIC_READ,
    "backoffice:dup_manage_home": LOGIN_READ,
    "backoffice:dup_manage": ORG_WRITE,  # GET: the page; POST: add a DUP objective
    "backoffice:dup_import": ORG_WRITE,
    "backoffice:dup_suggest": ORG_READ,  # suggestions computed from a text, nothing saved
    "backoffice:dup_edit": ORG_WRITE,
    "backoffice:dup_delete": ORG_WRITE,
    "backoffice:tokens": ORG_WRITE,  # an organisation's admin: its API tokens (GET list, POST create)
    "backoffice:token_revoke": ORG_WRITE,
    # Accounts (views_accounts.py)
    "backoffice:profile": LOGIN_READ,
    "backoffice:desk": LOGIN_READ,  # the user's own desk (viewing it records their visit time, nothing else)
    "backoffice:password_change": OWN_ACCOUNT_WRITE,
    "backoffice:follow_add": OWN_ACCOUNT_WRITE,  # the account's own address follows a page
    "backoffice:follow_remove": OWN_ACCOUNT_WRITE,  # only a follow of the account's own address
    "backoffice:users": ADMIN_READ,
    "backoffice:user_invite": ADMIN_WRITE,
    "backoffice:user_disable": ADMIN_WRITE,
    "backoffice:user_enable": ADMIN_WRITE,
    "backoffice:user_role": ADMIN_WRITE,
    "backoffice:invitation_revoke": ADMIN_WRITE,
    "backoffice:organisations": ADMIN_READ,
    "backoffice:organisation_create": ADMIN_WRITE,
    "backoffice:organisation_edit": ADMIN_WRITE,
    "backoffice:audit_log": ADMIN_READ,
    "backoffice:invitation_accept": AUTH,
    # Project-level (decimetro/urls.py)
    "login": AUTH,
    "logout": AUTH,
    "password_reset": AUTH,
    "password_reset_done": AUTH,
    "password_reset_confirm": AUTH,
    "password_reset_complete": AUTH,
    "set_language": AUTH,
    "language": AUTH,  # the header's switch (GET): sets the language cookie only, no data
    "public:follow": AUTH,  # follow by email: its own form page (CSRF), double opt-in
    "public:follow_sent": AUTH,
    "public:follow_confirm": AUTH,  # signed, expiring link; GET shows the button, POST (CSRF) confirms
    # signed link; POST is the RFC 8058 one-click (no CSRF: the link is the proof)
    "public:follow_unsubscribe": AUTH,
    "admin:*": DJANGO_ADMIN,
    # API (decimetro/api/*.py)
    "api:api-root": API_DOCS,
    "api:openapi-json": API_DOCS,
    "api:openapi-view": API_DOCS,
    "GET /api/v1/plan/missions": API_READ,
    "GET /api/v1/plan/components": API_READ,
    "GET /api/v1/plan/objectives": API_READ,
    "GET /api/v1/territory/comuni": API_READ,
    "GET /api/v1/territory/comuni.geojson": API_READ,
    "GET /api/v1/territory/comuni/<codice_istat>": API_READ,
    "GET /api/v1/territory/map": API_READ,
    "GET /api/v1/territory/summary": API_READ,
    "GET /api/v1/projects": API_READ,
    "GET /api/v1/projects/<cup>": API_READ,
    "GET /api/v1/pnrr/measures": API_READ,
    "POST /api/v1/linking/classify": API_COMPUTE,
    "POST /api/v1/participation/dup/<codice_istat>/objectives": API_TOKEN_WRITE,
    "POST /api/v1/monitoring/indicators/<indicator_id>/values": API_TOKEN_WRITE,
    "POST /api/v1/projects/<project_id>/verifications": API_TOKEN_WRITE,
    "GET /api/v1/monitoring/indicators": API_READ,
    "GET /api/v1/monitoring/indicators/<indicator_id>": API_READ,
    "GET /api/v1/participation/consultations": API_READ,
    "GET /api/v1/participation/consultations/<consultation_id>": API_READ,
    "GET /api/v1/search": API_READ,
    "GET /api/v1/participation/dup/coverage": API_READ,
}


# Enumerating the endpoints ----------------------------------------------------------------------------------


def _ninja_path_view(callback: Any) -> Any | None:
    """The django-ninja PathView behind a URL pattern's view (its wrapper closes over it), else None."""
    if getattr(callback, "__module__", "") != "ninja.operation":
        return None
    path_view = inspect.getclosurevars(callback).nonlocals.get("self")
    assert path_view is not None and hasattr(path_view, "operations"), callback
    return path_view


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, str, Any]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}:{p.namespace}" if namespace and p.namespace else p.namespace or namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        else:
            assert isinstance(p, URLPattern)
            name = f"{namespace}:{p.name}" if namespace and p.name else p.name or ""
            yield prefix + str(p.pattern), name, namespace, p


def project_endpoints() -> dict[str, str]:
    """Every endpoint of the project → its route: "ns:name" (or the route), "METHOD /path" for the API."""
    found: dict[str, str] = {}
    for route, name, namespace, pattern in _walk(get_resolver().url_patterns):
        path_view = _ninja_path_view(pattern.callback)
        if path_view is not None:
            for operation in path_view.operations:
                for method in operation.methods:
                    found[f"{method.upper()} /{route}"] = route
        elif namespace.split(":")[0] == "admin":
            found["admin:*"] = "admin/"
        else:
            found[name or route] = route
    return found


def test_every_endpoint_is_classified():
    found = project_endpoints()
    unclassified = sorted(set(found) - set(REGISTRY))
    assert not unclassified, (
        "Endpoints not classified in tests/security/test_write_endpoints.py REGISTRY (add each with its "
        f"class, and a WRITES case if it writes): {[(k, found[k]) for k in unclassified]}"
    )
    stale = sorted(set(REGISTRY) - set(found))
    assert not stale, f"REGISTRY lists endpoints that no longer exist: {stale}"


def test_enumeration_sees_the_api_methods_and_nested_namespaces():
    """The guard itself: it finds the ninja operations with their methods, and the nested web namespace."""
    found = project_endpoints()
    assert found["POST /api/v1/linking/classify"] == "api/v1/linking/classify"
    assert "GET /api/v1/linking/classify" not in found
    assert found["backoffice:dup_delete"] == "gestione/dup/<str:key>/<int:pk>/elimina/"
    assert found["api:openapi-json"] == "api/v1/openapi.json"


def test_api_writes_are_only_the_classified_computations():
    """Only GET in the public API, except the classified side-effect-free computations and the writes with an
    organisation's token (each with its cases in TOKEN_WRITES below)."""
    writes = {k for k in project_endpoints() if k.split(" ")[0] in {"POST", "PUT", "PATCH", "DELETE"}}
    assert writes == {k for k, v in REGISTRY.items() if v in (API_COMPUTE, API_TOKEN_WRITE)}
    reads = {k for k in project_endpoints() if k.startswith("GET ")}
    assert all(REGISTRY[k] == API_READ for k in reads)


def registry_summary() -> dict[str, int]:
    summary: dict[str, int] = {}
    for cls in REGISTRY.values():
        summary[cls] = summary.get(cls, 0) + 1
    return summary


# The database snapshot --------------------------------------------------------------------------------------

# The session table changes with every request of a logged-in client (not data).
IGNORED_MODELS = {"sessions.Session"}


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of every installed model (auto-created m2m tables and the audit log included)."""
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values())
        for model in apps.get_models(include_auto_created=True)
        if model._meta.label not in IGNORED_MODELS and not model._meta.proxy and model._meta.managed
    }


def counts(state: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    return {label: len(rows) for label, rows in state.items()}


def changed_models(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(label for label in before if before[label] != after.get(label))


# Every object kind once, owned by Comune B or the Ente ------------------------------------------

NEW_EDITION_FILE = Path(__file__).resolve().parents[1] / "plan" / "data" / "psttm_2025_2027.yaml"
INVITATION_TOKEN = "token-di-prova-0123456789abcdef"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files (the PNRR upload's, the participation's) go to the test's own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


def _site_job(w: dict[str, Any]) -> Job:
    """A finished PNRR import job with its rejects file (made once per site)."""
    if "job" not in w:
        relative = "pnrr/imports/prova/prova.scarti.csv"
        path = Path(settings.MEDIA_ROOT) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("riga,colonna,motivo\n2,cup,CUP malformato\n", encoding="utf-8")
        w["job"] = Job.objects.create(
            kind="pnrr.import",
            label="prova.csv",
            view_perm="pnrr.import",
            state="failed",
            output_file=relative,
        )
    return w["job"]


@pytest.fixture
def site(participation_site, plain_user, staff_user):
    """`participation_site` (tests/participation/fixtures.py) plus what the other apps' endpoints need,
    owned by Comune B or by the Ente so that Comune A's editor always acts on forged ids."""
    w = dict(participation_site)
    w["users"] = {**participation_site["users"], "plain_user": plain_user, "staff_user": staff_user}
    m1 = Mission.objects.get(code="M1")
    w["component"] = ComponentFactory(mission=m1, code="M1C1")
    # A draft plan edition (one objective), to compare and publish.
    w["draft_edition"] = EditionFactory(
        slug="bozza-di-prova", status="draft", is_current=False, year_start=2025, year_end=2027
    )
    ObjectiveFactory(mission=MissionFactory(edition=w["draft_edition"], number=1), number=1)
    w["measure"] = w["project"].submeasure.measure
    w["link"] = ProjectObjectiveLink.objects.create(
        project=w["project"], objective=w["objective"], origin="model", status="suggested", score=0.5
    )
    w["crosswalk"] = MeasureObjective.objects.create(
        measure=w["measure"], objective=Objective.objects.get(code="M1.2"), note="prova"
    )
    w["indicator"] = IndicatorFactory(
        objective=w["objective"], owner=participation_site["users"]["ente_admin"]
    )
    w["indicator_b"] = IndicatorFactory(
        objective=w["objective"], comune=w["org_b"].comune, owner=participation_site["users"]["ente_admin"]
    )
    # Comune A has an indicator too: its editor may open the CSV import page, and must still not write B's.
    w["indicator_a"] = IndicatorFactory(
        objective=w["objective"], comune=w["org_a"].comune, owner=participation_site["users"]["ente_admin"]
    )
    w["observation_b"] = ObservationFactory(
        consultation=w["consultation"],
        organisation=w["org_b"],
        author=participation_site["users"]["comune_b_editor"],
    )
    w["report_b"] = VerificationReportFactory(
        project=w["project"], organisation=w["org_b"], author=participation_site["users"]["comune_b_editor"]
    )
    # A consultation that only Comune B may answer.
    w["consultation_b"] = ConsultationFactory(objective=w["objective"], audience=Audience.LIST)
    w["consultation_b"].audience_organisations.set([w["org_b"]])
    w["disabled_user"] = MembershipFactory(
        user=UserFactory(username="disattivato.b", is_active=False), organisation=w["org_b"], role="viewer"
    ).user
    w["invitation"] = Invitation.objects.create(
        email="invitato@example.org",
        organisation=w["org_b"],
        role="editor",
        token_hash=token_hash(INVITATION_TOKEN),
        expires_at=timezone.now() + datetime.timedelta(days=3),
    )
    _ente_token(w)  # for the revocation case: made before any snapshot
    return w


# The write cases --------------------------------------------------------------------------------------------

REFUSED_STAFF = ("anonymous", "plain_user", "comune_a_editor", "comune_b_editor", "association_user")
REFUSED_ADMIN = (*REFUSED_STAFF, "staff_user")  # Django staff alone does not manage accounts


@dataclass(frozen=True)
class Write:
    endpoint: str  # the REGISTRY key
    url: Callable[[dict[str, Any]], str]
    data: Callable[[dict[str, Any]], dict[str, Any]]
    allowed: str  # the persona for whom the same request writes (the positive control)
    refused: tuple[str, ...]
    # Statuses accepted for a refused logged-in persona: 403/404 unless the page answers 200 with an error.
    refused_status: tuple[int, ...] = (403, 404)
    writes: bool | None = True  # False/None: the allowed request may legitimately write nothing
    label: str = ""
    ok_status: int = 302  # the allowed persona's answer (a redirect after the write; 200 where shown once)

    @property
    def id(self) -> str:
        return f"{self.endpoint}{'[' + self.label + ']' if self.label else ''}"


def _consultation_data(w: dict[str, Any], **extra: Any) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "title": "Consultazione della prova di sicurezza",
        "text": "Testo",
        "subject_kind": "objective",
        "objective": w["objective"].pk,
        "opens_on": today.isoformat(),
        "closes_on": (today + datetime.timedelta(days=5)).isoformat(),
        "audience": "all",
        **extra,
    }


def _indicator_data(w: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "code": "SEC-1",
        "name": "Indicatore della prova di sicurezza",
        "objective": w["objective"].pk,
        "comune": "",
        "unit": "%",
        "source": "Prova",
        "description": "",
        "baseline_value": "1",
        "baseline_date": "2024-01-01",
        "target_value": "50",
        "target_date": "2027-12-31",
        "polarity": "higher",
        "frequency": "yearly",
        "owner": w["users"]["ente_admin"].pk,
        **extra,
    }


def _dup_data(code: str, w: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": code,
        "title": "Mobilità dolce",
        "dup_mission": "10",
        "year_from": 2025,
        "year_to": 2027,
        "plan_objectives": [w["objective"].pk],
    }


def _ente_token(w: dict[str, Any]) -> ApiToken:
    """A token of the Ente (made once per site, before the snapshot of the case)."""
    if "ente_token" not in w:
        w["ente_token"], w["ente_token_secret"] = api_token_create(
            by=None, organisation=w["users"]["ente_admin"].membership.organisation, name="Token dell'Ente"
        )
    return w["ente_token"]


def _b(w: dict[str, Any]) -> str:
    return w["org_b"].comune.codice_istat


def _a(w: dict[str, Any]) -> str:
    return w["org_a"].comune.codice_istat


def _actors(title: str) -> dict[str, Any]:
    return {"title": title, "citta_metropolitana": "on", "comuni": "on"}


REFUSED_ORG = ("anonymous", "plain_user", "comune_a_editor", "association_user")

WRITES: list[Write] = [
    # Plan
    Write(
        "backoffice:objective_edit",
        lambda w: reverse("backoffice:objective_edit", args=["M1.1"]),
        lambda w: _actors("Titolo cambiato da chi non può"),
        "ente_admin",
        REFUSED_STAFF,
    ),
    Write(
        "backoffice:mission_edit",
        lambda w: reverse("backoffice:mission_edit", args=["M1"]),
        lambda w: {"title": "Missione cambiata", "introduction": "Nuova introduzione"},
        "ente_admin",
        REFUSED_STAFF,
    ),
    Write(
        "backoffice:component_edit",
        lambda w: reverse("backoffice:component_edit", args=["M1C1"]),
        lambda w: _actors("Componente cambiata"),
        "ente_admin",
        REFUSED_STAFF,
    ),
    Write(
        "backoffice:editions",
        lambda w: reverse("backoffice:editions"),
        lambda w: {"file": upload("piano.yaml", NEW_EDITION_FILE.read_bytes())},
        "ente_admin",
        REFUSED_STAFF,
    ),
    Write(
        "backoffice:edition_compare",
        lambda w: reverse("backoffice:edition_compare", args=[w["draft_edition"].slug]),
        lambda w: {f"map-{Objective.objects.get(code='M1.1', edition__is_current=True).pk}": ""},
        "ente_admin",
        REFUSED_STAFF,
    ),
    # Linking
    Write(
        "backoffice:link_queue",
        lambda w: reverse("backoffice:link_queue"),
        lambda w: {"azione_multipla": "conferma", "collegamento": [w["link"].pk]},
        "ente_admin",
        REFUSED_STAFF,
    ),
    Write(
        "backoffice:link_decide",
        lambda w: reverse("backoffice:link_decide", args=[w["link"].pk]),
        lambda w: {"azione": "respingi"},
        "ente_admin",
        REFUSED_STAFF,
    ),
    Write(
        "backoffice:link_queue_matching",
        lambda w: reverse("backoffice:link_queue_matching"),
        lambda w: {"misura": w["measure"].code, "stato": "suggeriti", "azione": "conferma", "attesi": 1},
        "ente_admin",
        REFUSED_STAFF,
    ),
    Write(
        "backoffice:link_recompute",
        lambda w: reverse("backoffice:link_recompute"),
        lambda w: {},
        "ente_admin",
        REFUSED_STAFF,
        writes=None,  # without a trained model there is nothing to recompute
    ),
    Write(
        "backoffice:pnrr_upload",
        lambda w: reverse("backoffice:pnrr_upload"),
        lambda w: {"file": SimpleUploadedFile("progetti_validati.csv.gz", PNRR_PROJECTS.read_bytes())},
        "ente_admin",
        REFUSED_STAFF,
    ),
    Write(
        "backoffice:crosswalk",
        lambda w: reverse("backoffice:crosswalk"),
        lambda w: {"misura": w["measure"].code, "obiettivo": "M1.3", "nota": "aggiunta"},
        "ente_admin",
        REFUSED_STAFF,
    ),
    Write(
        "backoffice:crosswalk_remove",
        lambda w: reverse("backoffice:crosswalk_remove", args=[w["crosswalk"].pk]),
        lambda w: {},
        "ente_admin",
        REFUSED_STAFF,
    ),
    Write(
        "backoffice:crosswalk_approve",
        lambda w: reverse("backoffice:crosswalk_approve", args=[w["crosswalk"].pk]),
        lambda w: {},
        "ente_admin",
        REFUSED_STAFF,
    ),
    Write(
        "backoffice:crosswalk_revoke",
        lambda w: reverse("backoffice:crosswalk_revoke", args=[w["crosswalk"].pk]),
        lambda w: {},
        "ente_admin",
        REFUSED_STAFF,
    ),
    # Monitoring
    Write(
        "backoffice:indicator_create",
        lambda w: reverse("backoffice:indicator_create"),
        _indicator_data,
        "ente_admin",
        REFUSED_STAFF,
    ),
    Write(
        "backoffice:indicator_edit",
        lambda w: reverse("backoffice:indicator_edit", args=[w["indicator_b"].pk]),
        lambda w: _indicator_data(w, code=w["indicator_b"].code, comune=w["indicator_b"].comune_id),
        "ente_admin",
        REFUSED_STAFF,
    ),
    Write(
        "backoffice:indicator_deactivate",
        lambda w: reverse("backoffice:indicator_deactivate", args=[w["indicator_b"].pk]),
        lambda w: {},
        "ente_admin",
        REFUSED_STAFF,
    ),
    Write(
        "backoffice:indicator_value_record",
        lambda w: reverse("backoffice:indicator_value_record", args=[w["indicator_b"].pk]),
        lambda w: {"date": "2025-06-30", "value": "12.5", "source": "Rilevazione", "note": ""},
        "comune_b_editor",
        REFUSED_ORG,
    ),
    Write(
        "backoffice:indicator_import",
        lambda w: reverse("backoffice:indicator_import"),
        lambda w: {
            "file": upload(
                "valori.csv",
                f"indicatore,data,valore\n{w['indicator_b'].code},2025-06-30,12.5\n".encode(),
                "text/csv",
            )
        },
        "comune_b_editor",
        REFUSED_ORG,
        # Comune A's editor may open the page (A has an indicator): the file is refused line by line.
        refused_status=(200, 400, 403, 404),
    ),
    # Participation: consultations
    Write(
        "backoffice:consultation_create",
        lambda w: reverse("backoffice:consultation_create"),
        _consultation_data,
        "ente_admin",
        REFUSED_STAFF,
    ),
    Write(
        "backoffice:consultation_edit",
        lambda w: reverse("backoffice:consultation_edit", args=[w["consultation_b"].pk]),
        lambda w: _consultation_data(w, title="Titolo cambiato"),
        "ente_admin",
        REFUSED_STAFF,
    ),
    Write(
        "backoffice:consultation_close",
        lambda w: reverse("backoffice:consultation_close", args=[w["consultation_b"].pk]),
        lambda w: {},
        "ente_admin",
        REFUSED_STAFF,
    ),
    Write(
        "backoffice:observation_moderate",
        lambda w: reverse("backoffice:observation_moderate", args=[w["observation_b"].pk]),
        lambda w: {"status": "published", "reason": ""},
        "ente_admin",
        REFUSED_STAFF,
    ),
    Write(
        "backoffice:observation_answer",
        lambda w: reverse("backoffice:observation_answer", args=[w["observation_b"].pk]),
        lambda w: {"answer": "Risposta"},
        "ente_admin",
        REFUSED_STAFF,
    ),
    Write(
        "public:observation_create",
        lambda w: reverse("public:observation_create", args=[w["consultation_b"].pk]),
        lambda w: {"text": "Osservazione", "proposal_kind": ""},
        "comune_b_editor",
        (*REFUSED_ORG, "ente_admin"),  # the Ente asks, it does not answer
    ),
    # Participation: verification reports
    Write(
        "backoffice:verification_create",
        lambda w: reverse("backoffice:verification_create", args=[w["project"].pk]),
        lambda w: {"status": "completed", "seen_on": "2026-01-05", "note": "Finito", "confirm": "on"},
        "association_user",
        ("anonymous", "plain_user"),
    ),
    Write(
        "backoffice:verification_edit",
        lambda w: reverse("backoffice:verification_edit", args=[w["report_b"].pk]),
        lambda w: {"status": "problem", "seen_on": "2026-01-06", "note": "Fermo", "confirm": "on"},
        "comune_b_editor",
        (*REFUSED_ORG, "ente_admin"),  # the Ente hides a report, it does not rewrite it
    ),
    Write(
        "backoffice:verification_delete",
        lambda w: reverse("backoffice:verification_delete", args=[w["report_b"].pk]),
        lambda w: {},
        "comune_b_editor",
        (*REFUSED_ORG, "ente_admin"),
    ),
    Write(
        "backoffice:verification_hide",
        lambda w: reverse("backoffice:verification_hide", args=[w["report_b"].pk]),
        lambda w: {"hidden": "1", "reason": "Dati personali"},
        "ente_admin",
        REFUSED_STAFF,
    ),
    # Participation: DUP of Comune B
    Write(
        "backoffice:dup_manage",
        lambda w: reverse("backoffice:dup_manage", args=[_b(w)]),
        lambda w: _dup_data("SO.NEW", w),
        "comune_b_editor",
        REFUSED_ORG,
    ),
    Write(
        "backoffice:dup_import",
        lambda w: reverse("backoffice:dup_import", args=[_b(w)]),
        lambda w: {
            "file": upload(
                "dup.csv", b"codice,titolo,anno_da,anno_a,obiettivi_piano\nSO.9,Casa,2025,2026,M1.1\n"
            )
        },
        "comune_b_editor",
        REFUSED_ORG,
    ),
    Write(
        "backoffice:dup_edit",
        lambda w: reverse("backoffice:dup_edit", args=[_b(w), w["dup_b"].pk]),
        lambda w: _dup_data("SO.EDIT", w),
        "comune_b_editor",
        REFUSED_ORG,
    ),
    Write(
        "backoffice:dup_delete",
        lambda w: reverse("backoffice:dup_delete", args=[_b(w), w["dup_b"].pk]),
        lambda w: {},
        "comune_b_editor",
        REFUSED_ORG,
    ),
    # Forged: B's objective under A's own key (A's editor may write under that key, not that object).
    Write(
        "backoffice:dup_edit",
        lambda w: reverse("backoffice:dup_edit", args=[_a(w), w["dup_b"].pk]),
        lambda w: _dup_data("SO.FORGED", w),
        "ente_admin",  # not even the Ente finds B's objective under A's key…
        ("comune_a_editor",),
        refused_status=(404,),
        writes=False,  # …so the positive control writes nothing either (404)
        label="forged-pk-under-own-key",
    ),
    Write(
        "backoffice:dup_delete",
        lambda w: reverse("backoffice:dup_delete", args=[_a(w), w["dup_b"].pk]),
        lambda w: {},
        "ente_admin",
        ("comune_a_editor",),
        refused_status=(404,),
        writes=False,
        label="forged-pk-under-own-key",
    ),
    # Accounts (Ente admins only)
    Write(
        "backoffice:user_invite",
        lambda w: reverse("backoffice:user_invite"),
        lambda w: {"email": "nuovo@example.org", "organisation": w["org_b"].pk, "role": "admin"},
        "ente_admin",
        REFUSED_ADMIN,
    ),
    Write(
        "backoffice:user_disable",
        lambda w: reverse("backoffice:user_disable", args=[w["users"]["comune_b_editor"].pk]),
        lambda w: {},
        "ente_admin",
        REFUSED_ADMIN,
    ),
    Write(
        "backoffice:user_enable",
        lambda w: reverse("backoffice:user_enable", args=[w["disabled_user"].pk]),
        lambda w: {},
        "ente_admin",
        REFUSED_ADMIN,
    ),
    Write(
        "backoffice:user_role",
        lambda w: reverse("backoffice:user_role", args=[w["users"]["comune_b_editor"].pk]),
        lambda w: {"role": "admin", "organisation": w["org_b"].pk},
        "ente_admin",
        REFUSED_ADMIN,
    ),
    Write(
        "backoffice:invitation_revoke",
        lambda w: reverse("backoffice:invitation_revoke", args=[w["invitation"].pk]),
        lambda w: {},
        "ente_admin",
        REFUSED_ADMIN,
    ),
    Write(
        "backoffice:organisation_create",
        lambda w: reverse("backoffice:organisation_create"),
        lambda w: {"name": "Università della prova", "body_kind": "university", "fiscal_code": ""},
        "ente_admin",
        REFUSED_ADMIN,
    ),
    Write(
        "backoffice:organisation_edit",
        lambda w: reverse("backoffice:organisation_edit", args=[w["association"].pk]),
        lambda w: {
            "name": "Associazione rinominata",
            "body_kind": "business",
            "fiscal_code": "",
            "email": "",
            "phone": "",
            "active": "on",
        },
        "ente_admin",
        REFUSED_ADMIN,
    ),
    # API tokens: an organisation's admin only (the Ente admin here; Comune editors are not admins)
    Write(
        "backoffice:tokens",
        lambda w: reverse("backoffice:tokens"),
        lambda w: {"name": "Gestionale della prova"},
        "ente_admin",
        (*REFUSED_ADMIN,),
        ok_status=200,  # the new token is shown once, on the answer to the POST
    ),
    Write(
        "backoffice:token_revoke",
        lambda w: reverse("backoffice:token_revoke", args=[_ente_token(w).pk]),
        lambda w: {},
        "ente_admin",
        (*REFUSED_ADMIN,),
    ),
]

CASES = {c.id: c for c in WRITES}
assert len(CASES) == len(WRITES), "two WRITES cases with the same id"


def test_every_write_endpoint_has_cases():
    writes = {k for k, v in REGISTRY.items() if v in WRITE_CLASSES}
    assert writes == {c.endpoint for c in WRITES}
    for case in WRITES:
        assert case.allowed not in case.refused, case.id
        assert case.refused, case.id
        if REGISTRY[case.endpoint] in STAFF_ONLY_WRITE_CLASSES and not case.label:
            # The task's minimum for staff-only writes: anonymous, comune editor, association, plain user.
            assert {"anonymous", "comune_a_editor", "association_user", "plain_user"} <= set(case.refused)
        if REGISTRY[case.endpoint] == ORG_WRITE and not case.label:
            assert "anonymous" in case.refused and len(case.refused) >= 2


def _client_for(site: dict[str, Any], persona: str, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    user = site["users"][persona]
    if user is not None:
        client.force_login(user)
    return client


def _is_login_redirect(response: Any) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse(settings.LOGIN_URL))


REFUSAL_PARAMS = [
    pytest.param(case.id, persona, id=f"{case.id}-{persona}") for case in WRITES for persona in case.refused
]


@pytest.mark.parametrize(("case_id", "persona"), REFUSAL_PARAMS)
def test_forbidden_write_is_refused_and_changes_nothing(case_id, persona, site):
    case = CASES[case_id]
    client = _client_for(site, persona)
    url, data = case.url(site), case.data(site)
    before = snapshot()
    response = client.post(url, data)
    after = snapshot()
    if persona == "anonymous":
        assert _is_login_redirect(response) or response.status_code in (401, 403), (
            case_id,
            response.status_code,
        )
    else:
        assert response.status_code in case.refused_status, (case_id, persona, response.status_code)
        assert not _is_login_redirect(response)
    assert counts(after) == counts(before), (case_id, persona, changed_models(before, after))
    assert after == before, (case_id, persona, changed_models(before, after))


@pytest.mark.parametrize("case_id", list(CASES))
def test_allowed_persona_writes_with_the_same_request(case_id, site):
    """The positive control: the request that the others send in vain does write for the allowed persona
    (so each refusal above is a permission check, not a malformed request)."""
    case = CASES[case_id]
    client = _client_for(site, case.allowed)
    before = snapshot()
    audits = AuditEntry.objects.count()
    response = client.post(case.url(site), case.data(site))
    after = snapshot()
    if case.writes is False:
        assert response.status_code == 404, (case_id, response.status_code)
        assert after == before
        return
    assert response.status_code == case.ok_status and not _is_login_redirect(response), (
        case_id,
        response.status_code,
        response.content[:2000],
    )
    if case.writes:
        assert after != before, case_id
        assert AuditEntry.objects.count() > audits, f"{case_id}: a write without an audit row"


@pytest.mark.parametrize("case_id", sorted({c.id for c in WRITES if not c.label}))
def test_get_on_a_write_endpoint_is_safe_even_for_the_allowed_persona(case_id, site):
    """GET never writes (a link or an <img> must not change data): 200 (the form), 405 or a redirect."""
    case = CASES[case_id]
    client = _client_for(site, case.allowed)
    before = snapshot()
    response = client.get(case.url(site))
    assert response.status_code in (200, 302, 405), (case_id, response.status_code)
    assert snapshot() == before, (case_id, changed_models(before, snapshot()))


# The write API with an organisation's token -----------------------------------------------------------------


@dataclass(frozen=True)
class TokenWrite:
    endpoint: str  # the REGISTRY key
    url: Callable[[dict[str, Any]], str]
    payload: Callable[[dict[str, Any]], dict[str, Any]]
    refused: tuple[str, ...]  # who gets 401/403 (see _token_client); Comune B's token writes


TOKEN_REFUSED_ALWAYS = ("no_token", "garbage_token", "revoked_token", "session_only")
TOKEN_WRITES = [
    TokenWrite(
        "POST /api/v1/participation/dup/<codice_istat>/objectives",
        lambda w: f"/api/v1/participation/dup/{_b(w)}/objectives",
        lambda w: {"title": "Mobilità dolce", "objectives": [w["objective"].code]},
        (*TOKEN_REFUSED_ALWAYS, "comune_a_token", "association_token"),
    ),
    TokenWrite(
        "POST /api/v1/monitoring/indicators/<indicator_id>/values",
        lambda w: f"/api/v1/monitoring/indicators/{w['indicator_b'].pk}/values",
        lambda w: {"date": "2025-01-31", "value": "12.5", "source": "Prova"},
        (*TOKEN_REFUSED_ALWAYS, "comune_a_token", "association_token"),
    ),
    TokenWrite(
        # Any organisation's editors file verifications (for their own organisation): no cross-scope case.
        "POST /api/v1/projects/<project_id>/verifications",
        lambda w: f"/api/v1/projects/{w['project'].pk}/verifications",
        lambda w: {
            "status": "in_progress",
            "seen_on": timezone.localdate().isoformat(),
            "note": "Cantiere aperto",
        },
        TOKEN_REFUSED_ALWAYS,
    ),
]
TOKEN_CASES = {c.endpoint: c for c in TOKEN_WRITES}


def _token_of(w: dict[str, Any], org_key: str, name: str) -> str:
    token, secret = api_token_create(by=None, organisation=w[org_key], name=name)
    # Used a moment ago: the request below does not touch its last-used time (at most once a minute), so
    # that "nothing written" is exact.
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return secret


def _token_client(w: dict[str, Any], who: str) -> tuple[Client, dict[str, str]]:
    """A client and its headers: no token; a forged one; Comune B's revoked token; a staff session without
    token (the write API takes no cookies); the tokens of Comune A, of an association, of Comune B."""
    client = Client()
    if who == "no_token":
        return client, {}
    if who == "garbage_token":
        return client, {"HTTP_AUTHORIZATION": "Bearer dcm_questo-token-non-esiste"}
    if who == "session_only":
        client.force_login(w["users"]["staff_user"])
        return client, {}
    if who == "revoked_token":
        token, secret = api_token_create(by=None, organisation=w["org_b"], name="Revocato")
        api_token_revoke(by=w["users"]["ente_admin"], token=token)
        return client, {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    org_key = {"comune_a_token": "org_a", "association_token": "association", "comune_b_token": "org_b"}[who]
    return client, {"HTTP_AUTHORIZATION": f"Bearer {_token_of(w, org_key, who)}"}


def test_every_token_write_endpoint_has_cases():
    assert {k for k, v in REGISTRY.items() if v == API_TOKEN_WRITE} == set(TOKEN_CASES)


@pytest.mark.parametrize(
    ("endpoint", "who"), [(c.endpoint, who) for c in TOKEN_WRITES for who in c.refused], ids=str
)
def test_token_write_refused_without_a_valid_token_or_across_scope(endpoint, who, site):
    case = TOKEN_CASES[endpoint]
    client, headers = _token_client(site, who)
    url, payload = case.url(site), case.payload(site)
    before = snapshot()
    response = client.post(url, payload, content_type="application/json", **headers)
    after = snapshot()
    expected = 403 if who in ("comune_a_token", "association_token") else 401
    assert response.status_code == expected, (endpoint, who, response.status_code, response.content[:300])
    assert response.json()["detail"]  # an Italian message
    assert after == before, (endpoint, who, changed_models(before, after))


@pytest.mark.parametrize("endpoint", list(TOKEN_CASES))
def test_token_write_succeeds_with_the_owner_token_and_names_it_in_the_audit(endpoint, site):
    case = TOKEN_CASES[endpoint]
    client, headers = _token_client(site, "comune_b_token")
    audits = AuditEntry.objects.count()
    before = snapshot()
    response = client.post(case.url(site), case.payload(site), content_type="application/json", **headers)
    assert response.status_code == 201, (endpoint, response.status_code, response.content[:500])
    assert snapshot() != before
    entries = list(AuditEntry.objects.order_by("-id")[: AuditEntry.objects.count() - audits])
    assert entries and all("token API «comune_b_token»" in e.actor_label for e in entries), [
        e.actor_label for e in entries
    ]


def test_forged_invitation_token_writes_nothing(site):
    client = Client()
    before = snapshot()
    response = client.post(
        reverse("backoffice:invitation_accept", args=["token-falso"]),
        {
            "username": "intruso",
            "password1": "Una-Password-Lunga-2026!",
            "password2": "Una-Password-Lunga-2026!",
        },
    )
    assert response.status_code == 404
    assert snapshot() == before


def test_password_change_needs_login(site):
    before = snapshot()
    response = Client().post(
        reverse("backoffice:password_change"),
        {
            "old_password": "x",
            "new_password1": "Nuova-Password-2026!",
            "new_password2": "Nuova-Password-2026!",
        },
    )
    assert _is_login_redirect(response)
    assert snapshot() == before


# Reads ------------------------------------------------------------------------------------------------------

BACK_OFFICE_READS: dict[str, Callable[[dict[str, Any]], str]] = {
    "backoffice:home": lambda w: reverse("backoffice:home"),
    "backoffice:import_log": lambda w: reverse("backoffice:import_log"),
    "backoffice:job_detail": lambda w: reverse("backoffice:job_detail", args=[_site_job(w).pk]),
    "backoffice:job_file": lambda w: reverse("backoffice:job_file", args=[_site_job(w).pk]),
    "backoffice:data_quality": lambda w: reverse("backoffice:data_quality"),
    "reports:data_quality_csv": lambda w: reverse("reports:data_quality_csv"),
    "backoffice:indicators_overdue": lambda w: reverse("backoffice:indicators_overdue"),
    "backoffice:consultation_admin": lambda w: reverse("backoffice:consultation_admin"),
    "backoffice:consultation_manage": lambda w: reverse(
        "backoffice:consultation_manage", args=[w["consultation"].pk]
    ),
    "backoffice:users": lambda w: reverse("backoffice:users"),
    "backoffice:organisations": lambda w: reverse("backoffice:organisations"),
    "backoffice:audit_log": lambda w: reverse("backoffice:audit_log"),
    "backoffice:link_queue_counters": lambda w: reverse("backoffice:link_queue_counters"),
}


def test_back_office_reads_are_listed():
    assert set(BACK_OFFICE_READS) == {k for k, v in REGISTRY.items() if v in (STAFF_READ, ADMIN_READ)}


@pytest.mark.parametrize("endpoint", sorted(BACK_OFFICE_READS))
def test_back_office_reads_refuse_the_other_personas(endpoint, site):
    url = BACK_OFFICE_READS[endpoint](site)
    refused = ["comune_a_editor", "association_user", "plain_user"]
    if REGISTRY[endpoint] == ADMIN_READ:
        refused.append("staff_user")
    assert _is_login_redirect(_client_for(site, "anonymous").get(url))
    for persona in refused:
        response = _client_for(site, persona).get(url)
        assert response.status_code in (403, 404), (endpoint, persona, response.status_code)
    assert _client_for(site, "ente_admin").get(url).status_code == 200


def test_organisation_reads_show_only_own_data(site):
    """The indicator list shows Comune A's editor its comune's indicators (not B's, nor the territory's); the
    DUP suggestions answer only for one's own DUP; the import template only to who may import."""
    assert {k for k, v in REGISTRY.items() if v == ORG_READ} == {
        "backoffice:indicators_manage",
        "backoffice:indicator_import_template",
        "backoffice:dup_suggest",
    }
    listing = reverse("backoffice:indicators_manage")
    suggest_a = reverse("backoffice:dup_suggest", args=[_a(site)])
    suggest_b = reverse("backoffice:dup_suggest", args=[_b(site)])
    template = reverse("backoffice:indicator_import_template")
    anonymous = _client_for(site, "anonymous")
    client_a = _client_for(site, "comune_a_editor")
    others = [_client_for(site, persona) for persona in ("association_user", "plain_user")]
    before = snapshot()  # (after the logins, which stamp last_login)
    for url in (listing, suggest_a, template):
        assert _is_login_redirect(anonymous.get(url))
    html = client_a.get(listing).content.decode()
    assert site["indicator_a"].name in html
    assert site["indicator_b"].name not in html and site["indicator"].name not in html
    assert client_a.get(suggest_a, {"testo": "scuole"}).status_code == 200
    assert client_a.get(suggest_b, {"testo": "scuole"}).status_code in (403, 404)
    assert client_a.get(template).status_code == 200
    for client in others:
        for url in (listing, suggest_a, template):
            assert client.get(url).status_code in (403, 404), url
    assert snapshot() == before


def test_login_reads_need_login(site):
    for name in ("backoffice:profile", "backoffice:dup_manage_home", "backoffice:desk"):
        assert _is_login_redirect(Client().get(reverse(name)))
    # The DUP home sends each comune's editor to its own page only.
    response = _client_for(site, "comune_a_editor").get(
        reverse("backoffice:dup_manage_home"), {"k": _b(site)}
    )
    assert response.status_code == 302 and response["Location"] == reverse(
        "backoffice:dup_manage", args=[_a(site)]
    )
    assert _client_for(site, "plain_user").get(reverse("backoffice:dup_manage_home")).status_code == 403


PUBLIC_URLS: dict[str, Callable[[dict[str, Any]], str]] = {
    "public:home": lambda w: reverse("public:home"),
    "public:mission": lambda w: reverse("public:mission", args=["M1"]),
    "public:editions": lambda w: reverse("public:editions"),
    "public:edition": lambda w: reverse("public:edition", args=[Edition.objects.get(is_current=True).slug]),
    "public:objectives": lambda w: reverse("public:objectives"),
    "public:objective": lambda w: reverse("public:objective", args=["M1.1"]),
    "public:comuni": lambda w: reverse("public:comuni"),
    "public:comune": lambda w: reverse("public:comune", args=[_b(w)]),
    "public:zones": lambda w: reverse("public:zones"),
    "public:zone": lambda w: reverse("public:zone", args=[w["org_b"].comune.zone.slug]),
    "public:map": lambda w: reverse("public:map"),
    "reports:map_geojson": lambda w: reverse("reports:map_geojson"),
    "reports:map_csv": lambda w: reverse("reports:map_csv"),
    "public:compare": lambda w: reverse("public:compare"),
    "public:health": lambda w: reverse("public:health"),
    "public:search": lambda w: reverse("public:search") + "?q=scuole",
    "public:embed_comune": lambda w: reverse("public:embed_comune", args=[_b(w)]),
    "public:embed_objective": lambda w: reverse("public:embed_objective", args=["M1.1"]),
    "public:widget_builder": lambda w: reverse("public:widget_builder"),
    "public:projects": lambda w: reverse("public:projects"),
    "reports:projects_csv": lambda w: reverse("reports:projects_csv"),
    "public:project_by_cup": lambda w: reverse("public:project_by_cup", args=[w["project"].cup]),
    "public:project": lambda w: reverse("public:project", args=[w["project"].pk]),
    "public:measures": lambda w: reverse("public:measures"),
    "public:measure": lambda w: reverse("public:measure", args=[w["measure"].code]),
    "public:body": lambda w: reverse("public:body", args=[w["project"].implementing_body_id]),
    "public:indicators": lambda w: reverse("public:indicators"),
    "public:indicator": lambda w: reverse("public:indicator", args=[w["indicator_b"].pk]),
    "reports:indicator_values_csv": lambda w: reverse(
        "reports:indicator_values_csv", args=[w["indicator_b"].pk]
    ),
    "public:consultations": lambda w: reverse("public:consultations"),
    "public:consultation": lambda w: reverse("public:consultation", args=[w["consultation"].pk]),
    "public:consultations_atom": lambda w: reverse("public:consultations_atom"),
    "public:comune_projects_atom": lambda w: reverse("public:comune_projects_atom", args=[_b(w)]),
    "public:objective_projects_atom": lambda w: reverse("public:objective_projects_atom", args=["M1.1"]),
    "public:dup": lambda w: reverse("public:dup"),
    "reports:dup_export": lambda w: reverse("reports:dup_export", args=["csv"]),
    "reports:dup_csv_template": lambda w: reverse("reports:dup_csv_template"),
    "public:dup_detail": lambda w: reverse("public:dup_detail", args=[_b(w)]),
    "reports:dup_detail_export": lambda w: reverse("reports:dup_detail_export", args=[_b(w), "csv"]),
    "reports:objective_dossier": lambda w: reverse("reports:objective_dossier", args=["M1.1"]),
    "reports:mission_dossier": lambda w: reverse("reports:mission_dossier", args=["M1"]),
    "reports:comune_dossier": lambda w: reverse("reports:comune_dossier", args=[_b(w)]),
    "reports:zone_dossier": lambda w: reverse("reports:zone_dossier", args=[w["org_b"].comune.zone.slug]),
    "reports:opendata": lambda w: reverse("reports:opendata"),
    # The files of the open data are served once the bundle of the data is built (a task, run here first).
    "reports:opendata_datapackage": lambda w: _opendata_built("reports:opendata_datapackage"),
    "reports:opendata_catalogue": lambda w: _opendata_built("reports:opendata_catalogue"),
    "reports:opendata_zip": lambda w: _opendata_built("reports:opendata_zip"),
    "reports:opendata_csv": lambda w: _opendata_built("reports:opendata_csv", "progetti"),
}


def _opendata_built(name: str, *args: str) -> str:
    build_bundle()
    return reverse(name, args=list(args))


def test_public_reads_are_listed():
    assert set(PUBLIC_URLS) == {k for k, v in REGISTRY.items() if v == PUBLIC_READ}


@pytest.mark.parametrize("endpoint", sorted(PUBLIC_URLS))
def test_public_read_answers_anonymous_and_a_post_writes_nothing(endpoint, site):
    url = PUBLIC_URLS[endpoint](site)
    client = Client()
    response = client.get(url)
    assert response.status_code == 200 or (
        response.status_code == 302 and not _is_login_redirect(response)  # /progetti/cup/… → the project
    ), (endpoint, response.status_code)
    before = snapshot()
    client.post(url, {"title": "x", "text": "x", "code": "x"})
    assert snapshot() == before


def _file_status(site: dict[str, Any], persona: str, url: str) -> int:
    return _client_for(site, persona).get(url).status_code


def test_public_files_of_pending_or_hidden_items_reach_only_owner_and_ente(site):
    """A pending observation's attachment and a hidden report's photo: Comune A's own and the Ente's only."""
    pending = ObservationFactory(
        consultation=site["consultation"],
        organisation=site["org_a"],
        attachment=upload("nota.pdf", pdf_bytes()),
        attachment_name="nota.pdf",
    )
    report = VerificationReportFactory(project=site["project"], organisation=site["org_a"], hidden=True)
    photo = VerificationPhoto.objects.create(report=report, image=upload("foto.png", png_bytes()))
    for url in (
        reverse("public:observation_attachment", args=[pending.pk]),
        reverse("public:verification_photo", args=[photo.pk]),
    ):
        for persona in ("anonymous", "plain_user", "comune_b_editor", "association_user"):
            assert _file_status(site, persona, url) == 404, (url, persona)
        for persona in ("comune_a_editor", "ente_admin"):
            assert _file_status(site, persona, url) == 200, (url, persona)
    assert set(REGISTRY[k] for k in ("public:observation_attachment", "public:verification_photo")) == {
        PUBLIC_FILE
    }


def test_forged_photo_id_in_an_own_report_edit_removes_nothing_of_others(site):
    """Comune A's editor edits its own report, listing Comune B's photo among those to remove."""
    photo_b = VerificationPhoto.objects.create(report=site["report_b"], image=upload("b.png", png_bytes()))
    client = _client_for(site, "comune_a_editor")
    response = client.post(
        reverse("backoffice:verification_edit", args=[site["report"].pk]),
        {
            "status": "problem",
            "seen_on": "2026-01-06",
            "note": "Fermo",
            "confirm": "on",
            "remove_photo": [str(photo_b.pk)],
        },
    )
    assert response.status_code == 302
    assert VerificationPhoto.objects.filter(pk=photo_b.pk).exists()
    site["report"].refresh_from_db()
    assert site["report"].note == "Fermo"  # the request itself was valid and written


def test_api_computation_writes_nothing(site):
    before = snapshot()
    response = Client().post(
        "/api/v1/linking/classify", {"text": "Riqualificazione della scuola"}, content_type="application/json"
    )
    assert response.status_code in (200, 503)
    assert snapshot() == before


def test_django_admin_refuses_non_staff(site):
    for persona in ("anonymous", "comune_a_editor", "association_user", "plain_user"):
        response = _client_for(site, persona).get("/admin/participation/organisation/")
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), persona


# CSRF -------------------------------------------------------------------------------------------------------

CSRF_CASES = [
    "backoffice:objective_edit",  # plan
    "backoffice:crosswalk",  # linking
    "backoffice:crosswalk_approve",
    "backoffice:indicator_create",  # monitoring
    "backoffice:indicator_value_record",
    "backoffice:consultation_create",  # participation
    "public:observation_create",
    "backoffice:verification_create",
    "backoffice:dup_manage",
    "backoffice:user_invite",  # accounts
    "backoffice:organisation_edit",
]


@pytest.mark.parametrize("case_id", CSRF_CASES)
def test_post_without_csrf_token_is_refused(case_id, site):
    """The allowed persona's own valid request, forged without the CSRF token: 403 and nothing written."""
    case = CASES[case_id]
    client = _client_for(site, case.allowed, enforce_csrf_checks=True)
    before = snapshot()
    response = client.post(case.url(site), case.data(site))
    assert response.status_code == 403
    assert snapshot() == before


def test_logout_and_language_need_csrf_too(site):
    client = _client_for(site, "comune_a_editor", enforce_csrf_checks=True)
    assert client.post(reverse("logout")).status_code == 403
    assert client.post(reverse("set_language"), {"language": "en"}).status_code == 403
    assert client.get(reverse("backoffice:profile")).status_code == 200  # still logged in


def test_registry_summary_is_complete():
    """Printed with -s for the report; also guards that no class is left empty by a typo."""
    summary = registry_summary()
    print("\n".join(f"{n:3d}  {cls}" for cls, n in sorted(summary.items(), key=lambda kv: -kv[1])))
    assert sum(summary.values()) == len(REGISTRY)
    assert set(summary) == {
        PUBLIC_READ,
        PUBLIC_FILE,
        LOGIN_READ,
        OWN_ACCOUNT_WRITE,
        STAFF_READ,
        ORG_READ,
        ADMIN_READ,
        STAFF_WRITE,
        ADMIN_WRITE,
        ORG_WRITE,
        AUTH,
        API_READ,
        API_COMPUTE,
        API_TOKEN_WRITE,
        API_DOCS,
        DJANGO_ADMIN,
    }
