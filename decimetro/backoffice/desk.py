"""La mia scrivania (`/scrivania/`): the work waiting for the logged-in user, composed from the data apps'
selectors. Who the user is decides what the desk shows:

- Ente staff: suggestions to review by measure, observations to moderate, indicators due, how old the data
  are and the last imports, pending invitations (Ente admins);
- a Comune's member: its DUP, its indicators due, the consultations open to it, its verification reports and
  the projects imported in its territory since the last visit;
- an intermediate body's member: the consultations open to it, its observations, its verification reports;
- anybody else (an Ente reader, a user without organisation): what changed since the last visit.

Each view of the desk records the visit (`core.services.desk_visit_record`); "since the last visit" is the
previous visit's time, and for the projects (no timestamp) the largest project id then. A fixed number of
queries whatever the number of items (tested)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from decimetro.core import permissions as perms
from decimetro.core import selectors as core_sel
from decimetro.core.models import OrganisationKind, User
from decimetro.core.services import desk_visit_record
from decimetro.follow import selectors as follow_sel
from decimetro.insights.definitions import Dataset
from decimetro.insights.freshness import dataset_dates
from decimetro.linking import selectors as link_sel
from decimetro.linking.models import LinkStatus
from decimetro.monitoring import selectors as monitoring_sel
from decimetro.participation import selectors_consultations as consult_sel
from decimetro.participation import selectors_dup as dup_sel
from decimetro.plan import selectors as plan_sel
from decimetro.pnrr import selectors as pnrr_sel

STAFF = "staff"
COMUNE = "comune"
BODY = "body"
READER = "reader"

# How many rows of each list the desk shows (the counts are always whole; each list links to its page).
SHOWN = 5
# Without a previous visit, the dated news of the desk cover this many days.
FIRST_VISIT_DAYS = 30
PROJECT_MARK = "project"


@dataclass
class Desk:
    persona: str
    user: User
    membership: Any = None
    organisation: Any = None
    comune: Any = None
    since: datetime | None = None  # the previous visit (None at the first one)
    news_from: datetime | None = (
        None  # where the dated news start: the previous visit, or FIRST_VISIT_DAYS ago
    )
    sections: dict[str, Any] = field(default_factory=dict)
    follows: list[Any] = field(default_factory=list)  # what the account's address follows by email

    @property
    def follows_own_comune(self) -> bool:
        return self.comune is not None and any(
            f.kind == "comune" and f.key == self.comune.codice_istat for f in self.follows
        )

    @property
    def first_visit(self) -> bool:
        return self.since is None


def persona_of(user: User) -> str:
    """Which desk the user gets (see the module's docstring)."""
    if perms.is_ente_staff(user):
        return STAFF
    organisation = perms.organisation_of(user)
    if organisation is not None and organisation.kind == OrganisationKind.COMUNE:
        return COMUNE
    if organisation is not None and organisation.kind == OrganisationKind.BODY:
        return BODY
    return READER


def desk_for(user: User) -> Desk:
    """The desk of `user`, and this view recorded as (part of) a visit."""
    visit = desk_visit_record(by=user, marks={PROJECT_MARK: pnrr_sel.latest_project_id()})
    since = visit.since
    desk = Desk(
        persona=persona_of(user),
        user=user,
        membership=perms.membership_of(user),
        organisation=perms.organisation_of(user),
        comune=perms.comune_of(user),
        since=since,
        news_from=since or timezone.now() - timedelta(days=FIRST_VISIT_DAYS),
    )
    since_project = visit.since_marks.get(PROJECT_MARK)
    desk.follows = list(follow_sel.follows_of_user(user))
    if desk.persona == STAFF:
        desk.sections = _staff(user)
    elif desk.persona == COMUNE:
        desk.sections = {
            **_comune(user, desk.organisation, desk.comune, since_project),
            **_organisation(user, desk.organisation),
        }
    elif desk.persona == BODY:
        desk.sections = {**_organisation(user, desk.organisation), **_observations(desk.organisation)}
    else:
        assert desk.news_from is not None
        desk.sections = _news(desk.news_from, since_project)
    return desk


def _staff(user: User) -> dict[str, Any]:
    due = monitoring_sel.indicators_due()
    moderation = list(consult_sel.consultations_to_moderate())
    dates = dataset_dates()
    today = timezone.localdate()
    out: dict[str, Any] = {
        "suggestions_by_measure": link_sel.suggestions_by_measure(limit=SHOWN * 2),
        "suggestions_total": link_sel.queue_counts().get(LinkStatus.SUGGESTED, 0),
        "moderation": moderation[:SHOWN],
        "moderation_total": sum(c.pending_count for c in moderation),  # type: ignore[attr-defined]
        "due_indicators": due[:SHOWN],
        "due_total": len(due),
        "datasets": [
            {
                "label": d.label,
                "release_date": d.release_date,
                "imported_on": d.imported_on,
                "age_days": (today - d.release_date).days if d.release_date else None,
            }
            for d in dates.of(list(Dataset))
        ],
        "imports": list(pnrr_sel.import_runs()[:SHOWN]),
        "can_review": perms.can(user, "link.review"),
        "can_manage_accounts": perms.can(user, "accounts.manage"),
    }
    if out["can_manage_accounts"]:
        invitations = list(core_sel.invitations_pending())
        out["invitations"] = invitations[:SHOWN]
        out["invitations_total"] = len(invitations)
    return out


def _comune(user: User, organisation: Any, comune: Any, since_project: int | None) -> dict[str, Any]:
    due = monitoring_sel.indicators_due_of_comune(comune)
    for indicator in due:
        indicator.can_record = perms.can(user, "indicator.record_value", indicator)  # type: ignore[attr-defined]
    out: dict[str, Any] = {
        "dup": dup_sel.dup_status(organisation),
        "dup_key": comune.codice_istat,
        "can_write_dup": perms.can(user, "dup.write", organisation),
        "due_indicators": due,
    }
    # Without a previous visit there is no mark to compare with: None (the page says "from the next visit").
    out["new_projects"], out["new_projects_total"] = [], None
    if since_project is not None:
        added = pnrr_sel.projects_added_in_comune(comune=comune, after=since_project)
        out["new_projects"], out["new_projects_total"] = list(added[:SHOWN]), added.count()
    return out


def _organisation(user: User, organisation: Any) -> dict[str, Any]:
    """What a Comune's and a body's desks share: the consultations open to it and its verification reports."""
    reports = list(consult_sel.reports_of(organisation)[: SHOWN + 1])
    return {
        "consultations": consult_sel.consultations_open_to(organisation),
        "reports": reports[:SHOWN],
        "reports_more": len(reports) > SHOWN,
        "can_write": perms.role_of(user) in perms.WRITER_ROLES,
    }


def _observations(organisation: Any) -> dict[str, Any]:
    return {
        "observations": list(consult_sel.observations_of(organisation)[:SHOWN]),
        "observation_counts": consult_sel.observation_counts_of(organisation),
    }


def _news(news_from: datetime, since_project: int | None) -> dict[str, Any]:
    changes = list(plan_sel.plan_changes_since(news_from)[: SHOWN + 1])
    out: dict[str, Any] = {
        "confirmed_links": link_sel.confirmed_links_since(news_from),
        "plan_changes": changes[:SHOWN],
        "plan_changes_more": len(changes) > SHOWN,
        "new_consultations": list(consult_sel.consultations_opened_since(news_from)[:SHOWN]),
    }
    out["new_projects"], out["new_projects_total"] = [], None
    if since_project is not None:
        added = pnrr_sel.projects_added_after(since_project)
        out["new_projects"], out["new_projects_total"] = list(added[:SHOWN]), added.count()
    return out
