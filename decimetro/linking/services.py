"""Writes of the linking app: suggestions, staff decisions, the measure → objective crosswalk.

Every function checks permission first (only the Ente's staff; `by=None` is the system, for commands), runs
in one transaction and leaves an audit row. Staff decisions (confirmed / rejected) are never overwritten by
a new round of suggestions; stale suggestions are replaced.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.utils import timezone

from decimetro.core.audit import audit_record
from decimetro.core.models import User
from decimetro.core.permissions import ensure
from decimetro.core.tabular import TableError, decode
from decimetro.linking.models import (
    LinkAction,
    LinkEvent,
    LinkOrigin,
    LinkStatus,
    MeasureObjective,
    ProjectObjectiveLink,
)
from decimetro.linking.ranking import ObjectiveIndex, objective_index
from decimetro.plan.models import Objective
from decimetro.plan.selectors import current_edition
from decimetro.pnrr.models import Measure, Place, Project
from decimetro.pnrr.selectors import own_places

CROSSWALK_FILE = Path(__file__).resolve().parent / "data" / "crosswalk.yaml"
SUGGESTIONS_PER_PROJECT = 3


class CrosswalkError(ValueError):
    """A crosswalk file that cannot be loaded; the message names the file, the entry and the problem."""


def _check(by: User | None) -> None:
    if by is not None:
        ensure(by, "link.review")


def _label(by: User | None, by_label: str) -> str:
    return by.get_username() if by is not None else by_label


def _link_state(link: ProjectObjectiveLink) -> dict[str, Any]:
    return {
        "project": link.project_id,
        "objective": link.objective.code,
        "origin": link.origin,
        "status": link.status,
        "score": link.score,
    }


def _event(
    *,
    project_id: int,
    objective_id: int,
    action: str,
    origin: str = "",
    score: float | None = None,
    by: User | None,
    by_label: str,
) -> LinkEvent:
    return LinkEvent(
        project_id=project_id,
        objective_id=objective_id,
        action=action,
        origin=origin,
        score=score,
        by=by,
        by_label=_label(by, by_label),
    )


# Suggestions ------------------------------------------------------------------------------------------------


def project_text(project: Project) -> str:
    """The text the ranking reads for a project: title, synthesis, the measure's and sub-measure's names."""
    sub = project.submeasure
    parts = [
        project.title,
        project.synthesis,
        sub.measure.name,
        sub.name if sub.name != sub.measure.name else "",
    ]
    return " ".join(p for p in parts if p)


def crosswalk_map() -> dict[int, set[str]]:
    """measure pk → objective codes of the crosswalk (one query)."""
    out: dict[int, set[str]] = defaultdict(set)
    for measure_id, code in MeasureObjective.objects.values_list("measure_id", "objective__code"):
        out[measure_id].add(code)
    return out


@dataclass
class SuggestSummary:
    projects: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    kept_decisions: int = 0
    without_suggestion: int = 0

    def counts(self) -> dict[str, int]:
        return dict(self.__dict__)

    def __iadd__(self, other: SuggestSummary) -> SuggestSummary:
        for key, value in other.__dict__.items():
            setattr(self, key, getattr(self, key) + value)
        return self


@dataclass
class _Context:
    index: ObjectiveIndex
    crosswalk: dict[int, set[str]]
    objective_ids: dict[str, int] = field(default_factory=dict)


def _context() -> _Context | None:
    index = objective_index()
    edition = current_edition()
    if index is None or edition is None:
        return None
    ids = dict(Objective.objects.filter(edition=edition).values_list("code", "pk"))
    return _Context(index=index, crosswalk=crosswalk_map(), objective_ids=ids)


def _suggest_one(
    project: Project,
    ctx: _Context,
    *,
    by: User | None,
    by_label: str,
    new_links: list[ProjectObjectiveLink],
    events: list[LinkEvent],
) -> SuggestSummary:
    """Suggestions of one project; new links and events are appended for one bulk insert by the caller."""
    summary = SuggestSummary(projects=1)
    measure = project.submeasure.measure
    crosswalk = ctx.crosswalk.get(measure.pk, set())
    ranked = ctx.index.rank(
        text=project_text(project),
        component_scores={measure.component.code: 1.0},
        crosswalk=crosswalk,
        limit=SUGGESTIONS_PER_PROJECT,
    )
    existing = {link.objective_id: link for link in project.objective_links.all()}  # type: ignore[attr-defined]
    decided = {oid for oid, link in existing.items() if link.status != LinkStatus.SUGGESTED}
    summary.kept_decisions = len(decided)
    wanted: dict[int, tuple[str, float]] = {}
    for code, score in ranked:
        oid = ctx.objective_ids.get(code)
        if oid is None or oid in decided:
            continue
        wanted[oid] = (LinkOrigin.CROSSWALK if code in crosswalk else LinkOrigin.MODEL, score)
    for oid, link in existing.items():
        if link.status == LinkStatus.SUGGESTED and oid not in wanted:
            link.delete()
            summary.withdrawn += 1
            events.append(
                _event(
                    project_id=project.pk,
                    objective_id=oid,
                    action=LinkAction.WITHDRAWN,
                    origin=link.origin,
                    score=link.score,
                    by=by,
                    by_label=by_label,
                )
            )
    for oid, (origin, score) in wanted.items():
        current = existing.get(oid)
        if current is None:
            new_links.append(
                ProjectObjectiveLink(
                    project=project, objective_id=oid, origin=origin, status=LinkStatus.SUGGESTED, score=score
                )
            )
            summary.created += 1
        elif current.origin != origin or current.score != score:
            current.origin, current.score = origin, score
            current.save(update_fields=["origin", "score"])
            summary.updated += 1
            continue
        else:
            summary.unchanged += 1
            continue
        events.append(
            _event(
                project_id=project.pk,
                objective_id=oid,
                action=LinkAction.SUGGESTED,
                origin=origin,
                score=score,
                by=by,
                by_label=by_label,
            )
        )
    if not wanted and not decided:
        summary.without_suggestion = 1
    return summary


def _projects_for_suggest(projects: Iterable[Project] | None) -> Any:
    qs = Project.objects.select_related("submeasure__measure__component").prefetch_related("objective_links")
    if projects is None:
        return qs
    return qs.filter(pk__in=[p.pk for p in projects])


def territory_projects() -> Any:
    """Projects with at least one place (of their own dataset) in a comune of the loaded territory."""
    located = Place.objects.filter(own_places(), comune__isnull=False).values("project_id")
    return Project.objects.filter(pk__in=located)


def link_suggest_for_project(
    *, by: User | None, project: Project, by_label: str = "linking_suggest"
) -> SuggestSummary:
    """(Re)compute the suggestions of one project: keeps staff decisions, replaces stale suggestions."""
    _check(by)
    with transaction.atomic():
        ctx = _context()
        if ctx is None:
            return SuggestSummary()
        locked = _projects_for_suggest([project]).select_for_update(of=("self",)).get()
        new_links: list[ProjectObjectiveLink] = []
        events: list[LinkEvent] = []
        summary = _suggest_one(locked, ctx, by=by, by_label=by_label, new_links=new_links, events=events)
        ProjectObjectiveLink.objects.bulk_create(new_links)
        LinkEvent.objects.bulk_create(events)
        audit_record(
            by=by,
            by_label=_label(by, by_label),
            action="linking.suggest",
            target=locked,
            before=None,
            after=summary.counts(),
        )
    return summary


def links_suggest_all(
    *,
    by: User | None,
    projects: Iterable[Project] | None = None,
    everything: bool = False,
    by_label: str = "linking_suggest",
    progress: Callable[[int, int], None] | None = None,
) -> SuggestSummary:
    """Suggestions for every project of the territory (or `everything`, or the given projects), in one
    transaction; one audit row with the counts (on the edition)."""
    _check(by)
    total = SuggestSummary()
    with transaction.atomic():
        ctx = _context()
        edition = current_edition()
        if ctx is None or edition is None:
            return total
        if projects is not None:
            qs = _projects_for_suggest(projects)
        elif everything:
            qs = _projects_for_suggest(None)
        else:
            qs = _projects_for_suggest(None).filter(pk__in=territory_projects().values("pk"))
        rows = list(qs.order_by("pk"))
        new_links: list[ProjectObjectiveLink] = []
        events: list[LinkEvent] = []
        for i, project in enumerate(rows, start=1):
            total += _suggest_one(project, ctx, by=by, by_label=by_label, new_links=new_links, events=events)
            if len(new_links) >= 1000:
                ProjectObjectiveLink.objects.bulk_create(new_links)
                new_links.clear()
            if progress is not None:
                progress(i, len(rows))
        ProjectObjectiveLink.objects.bulk_create(new_links)
        LinkEvent.objects.bulk_create(events, batch_size=1000)
        audit_record(
            by=by,
            by_label=_label(by, by_label),
            action="linking.suggest_all",
            target=edition,
            before=None,
            after=total.counts(),
        )
    return total


# Staff decisions --------------------------------------------------------------------------------------------


def _decide(link: ProjectObjectiveLink, *, by: User, status: str, action: str) -> ProjectObjectiveLink:
    locked = ProjectObjectiveLink.objects.select_for_update().select_related("objective").get(pk=link.pk)
    before = _link_state(locked)
    locked.status = status
    locked.decided_by = by
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    _event(
        project_id=locked.project_id,
        objective_id=locked.objective_id,
        action=action,
        origin=locked.origin,
        score=locked.score,
        by=by,
        by_label="",
    ).save()
    audit_record(by=by, action=f"linking.{action}", target=locked, before=before, after=_link_state(locked))
    return locked


def link_confirm(*, by: User, link: ProjectObjectiveLink) -> ProjectObjectiveLink:
    """Staff confirm a link: from now on it feeds the dashboards."""
    ensure(by, "link.review")
    with transaction.atomic():
        return _decide(link, by=by, status=LinkStatus.CONFIRMED, action=LinkAction.CONFIRMED)


def link_reject(*, by: User, link: ProjectObjectiveLink) -> ProjectObjectiveLink:
    """Staff reject a link: it is kept (so it is not suggested again) but never shown as a link."""
    ensure(by, "link.review")
    with transaction.atomic():
        return _decide(link, by=by, status=LinkStatus.REJECTED, action=LinkAction.REJECTED)


def link_choose_other(*, by: User, link: ProjectObjectiveLink, objective: Objective) -> ProjectObjectiveLink:
    """Staff reject a suggestion and link the project to another objective instead (confirmed, origin staff).
    Returns the confirmed link."""
    ensure(by, "link.review")
    with transaction.atomic():
        if objective.pk == link.objective_id:
            return _decide(link, by=by, status=LinkStatus.CONFIRMED, action=LinkAction.CONFIRMED)
        if link.status != LinkStatus.REJECTED:
            _decide(link, by=by, status=LinkStatus.REJECTED, action=LinkAction.REJECTED)
        return _link_staff(by=by, project_id=link.project_id, objective=objective)


def link_add(*, by: User, project: Project, objective: Objective) -> ProjectObjectiveLink:
    """Staff link a project to an objective directly (confirmed, origin staff)."""
    ensure(by, "link.review")
    with transaction.atomic():
        return _link_staff(by=by, project_id=project.pk, objective=objective)


def _link_staff(*, by: User, project_id: int, objective: Objective) -> ProjectObjectiveLink:
    other = (
        ProjectObjectiveLink.objects.select_for_update()
        .select_related("objective")
        .filter(project_id=project_id, objective=objective)
        .first()
    )
    before = _link_state(other) if other is not None else None
    now = timezone.now()
    if other is None:
        other = ProjectObjectiveLink.objects.create(
            project_id=project_id,
            objective=objective,
            origin=LinkOrigin.STAFF,
            status=LinkStatus.CONFIRMED,
            decided_by=by,
            decided_at=now,
        )
    else:
        other.status, other.decided_by, other.decided_at = LinkStatus.CONFIRMED, by, now
        other.save(update_fields=["status", "decided_by", "decided_at"])
    _event(
        project_id=project_id,
        objective_id=objective.pk,
        action=LinkAction.CHOSEN,
        origin=other.origin,
        score=other.score,
        by=by,
        by_label="",
    ).save()
    audit_record(by=by, action="linking.chosen", target=other, before=before, after=_link_state(other))
    return other


def _bulk(by: User, link_ids: Iterable[int], decide: Callable[..., ProjectObjectiveLink]) -> int:
    ensure(by, "link.review")
    ids = sorted({int(i) for i in link_ids})
    with transaction.atomic():
        links = list(ProjectObjectiveLink.objects.filter(pk__in=ids).select_related("objective"))
        if len(links) != len(ids):
            raise ProjectObjectiveLink.DoesNotExist("collegamenti inesistenti nella selezione")
        for link in links:
            decide(by=by, link=link)
    return len(links)


def links_confirm_bulk(*, by: User, link_ids: Iterable[int]) -> int:
    """Confirm several links at once (all or none). Unknown ids → DoesNotExist, nothing changes."""
    return _bulk(by, link_ids, link_confirm)


def links_reject_bulk(*, by: User, link_ids: Iterable[int]) -> int:
    """Reject several links at once (all or none). Unknown ids → DoesNotExist, nothing changes."""
    return _bulk(by, link_ids, link_reject)


# Crosswalk --------------------------------------------------------------------------------------------------


def crosswalk_add(
    *, by: User | None, measure: Measure, objective: Objective, note: str = ""
) -> MeasureObjective:
    """Add (or re-note) a measure → objective correspondence."""
    _check(by)
    note = note.strip()[:300]
    with transaction.atomic():
        entry = (
            MeasureObjective.objects.select_for_update().filter(measure=measure, objective=objective).first()
        )
        before = {"measure": measure.code, "objective": objective.code, "note": entry.note} if entry else None
        if entry is None:
            entry = MeasureObjective.objects.create(measure=measure, objective=objective, note=note)
        elif entry.note != note:
            entry.note = note
            entry.save(update_fields=["note"])
        else:
            return entry
        audit_record(
            by=by,
            by_label=_label(by, "crosswalk"),
            action="linking.crosswalk_add",
            target=entry,
            before=before,
            after={"measure": measure.code, "objective": objective.code, "note": note},
        )
    return entry


def crosswalk_remove(*, by: User | None, entry: MeasureObjective) -> None:
    _check(by)
    with transaction.atomic():
        locked = (
            MeasureObjective.objects.select_for_update()
            .select_related("measure", "objective")
            .get(pk=entry.pk)
        )
        audit_record(
            by=by,
            by_label=_label(by, "crosswalk"),
            action="linking.crosswalk_remove",
            target=locked,
            before={"measure": locked.measure.code, "objective": locked.objective.code, "note": locked.note},
            after=None,
        )
        locked.delete()


@dataclass(frozen=True)
class CrosswalkRow:
    measure: str
    objective: str
    reason: str


def read_crosswalk_file(path: Path = CROSSWALK_FILE) -> list[CrosswalkRow]:
    """The crosswalk file: a mapping measure code → list of {objective, reason}. Errors name file and
    entry (or line, for a file that is not text). UTF-8, or Windows-1252 when saved by a Windows editor."""
    name = path.name
    try:
        data = yaml.safe_load(decode(path.read_bytes(), name=name).text)
    except TableError as exc:
        raise CrosswalkError(str(exc)) from exc
    except (OSError, yaml.YAMLError) as exc:
        raise CrosswalkError(f"{name}: file illeggibile ({exc})") from exc
    if not isinstance(data, dict):
        raise CrosswalkError(f"{name}: atteso un elenco 'codice misura: [obiettivi]'")
    rows: list[CrosswalkRow] = []
    for measure, entries in data.items():
        where = f"{name}, misura {measure}"
        if not isinstance(measure, str) or not isinstance(entries, list) or not entries:
            raise CrosswalkError(f"{where}: attesa una lista non vuota di obiettivi")
        for i, entry in enumerate(entries, start=1):
            if not isinstance(entry, dict) or set(entry) != {"objective", "reason"}:
                raise CrosswalkError(f"{where}, voce {i}: attese le chiavi 'objective' e 'reason'")
            objective, reason = entry["objective"], entry["reason"]
            if not isinstance(objective, str) or not isinstance(reason, str) or not reason.strip():
                raise CrosswalkError(
                    f"{where}, voce {i}: obiettivo e motivazione devono essere testo non vuoto"
                )
            rows.append(CrosswalkRow(measure.strip().upper(), objective.strip().upper(), reason.strip()))
    return rows


def crosswalk_load(
    *, by: User | None = None, path: Path = CROSSWALK_FILE, by_label: str = "crosswalk_load"
) -> dict[str, int]:
    """Load the crosswalk file: adds missing rows, updates notes, never removes rows (staff edits stay).
    Idempotent; all or nothing; unknown measure or objective codes are errors naming file and entry."""
    _check(by)
    rows = read_crosswalk_file(path)
    edition = current_edition()
    if edition is None:
        raise CrosswalkError(f"{path.name}: nessun piano caricato")
    measures = {m.code: m for m in Measure.objects.filter(code__in={r.measure for r in rows})}
    objectives = {
        o.code: o for o in Objective.objects.filter(edition=edition, code__in={r.objective for r in rows})
    }
    for row in rows:
        if row.measure not in measures:
            raise CrosswalkError(f"{path.name}, misura {row.measure}: codice misura sconosciuto")
        if row.objective not in objectives:
            raise CrosswalkError(f"{path.name}, misura {row.measure}: obiettivo {row.objective} sconosciuto")
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    with transaction.atomic():
        existing = {
            (e.measure_id, e.objective_id): e
            for e in MeasureObjective.objects.filter(measure__in=measures.values())
        }
        for row in rows:
            measure, objective = measures[row.measure], objectives[row.objective]
            entry = existing.get((measure.pk, objective.pk))
            note = row.reason[:300]
            if entry is None:
                entry = MeasureObjective.objects.create(measure=measure, objective=objective, note=note)
                existing[(measure.pk, objective.pk)] = entry
                counts["created"] += 1
            elif entry.note != note:
                entry.note = note
                entry.save(update_fields=["note"])
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
        if counts["created"] or counts["updated"]:
            audit_record(
                by=by,
                by_label=_label(by, by_label),
                action="linking.crosswalk_load",
                target=edition,
                before=None,
                after={"file": path.name, **counts},
            )
    return counts
