"""Writes of the linking app: suggestions, staff decisions, the measure → objective crosswalk and its rules.

Every function checks permission first (only the Ente's staff; `by=None` is the system, for commands), runs
in one transaction and leaves an audit row. Staff decisions (confirmed / rejected) are never overwritten by
a new round of suggestions; stale suggestions are replaced.

Rules (an approved crosswalk row, `MeasureObjective.state == approved`) and their precedence:

1. An approved row measure → objective links every project of the measure (in the territory, the projects
   the suggestions cover) to the objective: CONFIRMED, origin "rule", `link.rule` = the row ("confermato per
   regola"). Present projects when it is approved (`crosswalk_approve`, `crosswalk_load`), future ones at
   every suggestion run (`links_suggest_all`, `link_suggest_for_project`, `links_apply_rules`).
2. A decision of the staff on one project always wins: a link confirmed or rejected one by one (or the
   project moved to another objective) is never changed by a rule, and a decision on a rule link takes it
   over (`rule` becomes empty, `decided_by` the person): from then on it is a staff decision.
3. A rule changes only pending suggestions: a SUGGESTED link of the same project and objective becomes the
   rule's confirmed link.
4. Revoking (or removing) a rule deletes the links it made that no one decided since (a `rule_gone` event
   keeps their history) and recomputes those projects' suggestions: the objective may come back as a
   suggestion, never as a confirmed link. Staff decisions stay, whatever happens to the rule.
5. Re-imports and new suggestion runs follow 1-4: staff decisions survive them, rule links are re-derived.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

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
    RuleOrigin,
    RuleState,
)
from decimetro.linking.ranking import ObjectiveIndex, objective_index
from decimetro.linking.selectors import QueueFilters, links_to_decide
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
        "rule": link.rule_id,
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
    """measure pk → objective codes of the crosswalk, revoked rows excluded (one query)."""
    out: dict[int, set[str]] = defaultdict(set)
    rows = MeasureObjective.objects.exclude(state=RuleState.REVOKED).values_list(
        "measure_id", "objective__code"
    )
    for measure_id, code in rows:
        out[measure_id].add(code)
    return out


def rules_map() -> dict[int, dict[int, int]]:
    """measure pk → {objective pk: crosswalk row pk} of the approved rows on the current edition's
    objectives (one query)."""
    out: dict[int, dict[int, int]] = defaultdict(dict)
    rows = MeasureObjective.objects.filter(
        state=RuleState.APPROVED, objective__edition=current_edition()
    ).values_list("measure_id", "objective_id", "pk")
    for measure_id, objective_id, pk in rows:
        out[measure_id][objective_id] = pk
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
    rule_linked: int = 0
    rule_withdrawn: int = 0

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
    rules: dict[int, dict[int, int]] = field(default_factory=dict)


def _context() -> _Context | None:
    index = objective_index()
    edition = current_edition()
    if index is None or edition is None:
        return None
    ids = dict(Objective.objects.filter(edition=edition).values_list("code", "pk"))
    return _Context(index=index, crosswalk=crosswalk_map(), objective_ids=ids, rules=rules_map())


def _apply_rules(
    project: Project,
    rules: dict[int, int],
    existing: dict[int, ProjectObjectiveLink],
    summary: SuggestSummary,
    *,
    by: User | None,
    by_label: str,
    new_links: list[ProjectObjectiveLink],
    events: list[LinkEvent],
) -> None:
    """The rule part of a project's links (module docstring, 1-4). `rules`: objective pk → approved row pk
    for the project's measure. `existing` (objective pk → link) is updated in place: withdrawn rule links
    leave it, converted suggestions stay in it as confirmed."""
    now = timezone.now()
    for oid, link in list(existing.items()):
        if link.rule_id is not None and rules.get(oid) != link.rule_id:
            link.delete()
            del existing[oid]
            summary.rule_withdrawn += 1
            events.append(
                _event(
                    project_id=project.pk,
                    objective_id=oid,
                    action=LinkAction.RULE_GONE,
                    origin=LinkOrigin.RULE,
                    score=link.score,
                    by=by,
                    by_label=by_label,
                )
            )
    for oid, rule_id in rules.items():
        current = existing.get(oid)
        if current is None:
            existing[oid] = ProjectObjectiveLink(
                project=project,
                objective_id=oid,
                origin=LinkOrigin.RULE,
                status=LinkStatus.CONFIRMED,
                rule_id=rule_id,
                decided_at=now,
            )
            new_links.append(existing[oid])
            score = None
        elif current.status == LinkStatus.SUGGESTED:
            current.origin, current.status, current.rule_id, current.decided_at = (
                LinkOrigin.RULE,
                LinkStatus.CONFIRMED,
                rule_id,
                now,
            )
            current.save(update_fields=["origin", "status", "rule", "decided_at"])
            score = current.score
        else:  # already this rule's link, or a staff decision (which wins)
            continue
        summary.rule_linked += 1
        events.append(
            _event(
                project_id=project.pk,
                objective_id=oid,
                action=LinkAction.RULE,
                origin=LinkOrigin.RULE,
                score=score,
                by=by,
                by_label=by_label,
            )
        )


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
    _apply_rules(
        project,
        ctx.rules.get(measure.pk, {}),
        existing,
        summary,
        by=by,
        by_label=by_label,
        new_links=new_links,
        events=events,
    )
    decided = {oid for oid, link in existing.items() if link.status != LinkStatus.SUGGESTED}
    summary.kept_decisions = sum(1 for oid in decided if existing[oid].rule_id is None)
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


def links_apply_rules(
    *, by: User | None, projects: Iterable[Project] | None = None, by_label: str = "linking_rules"
) -> SuggestSummary:
    """Only the rule part of `links_suggest_all` (module docstring, 1-4), for the territory's projects (or
    the given ones): links the projects of approved measures, withdraws the links of rules no longer
    approved, leaves suggestions and staff decisions alone. Cheap (no ranking); one transaction; one audit
    row when something changed. Run at set-up after an import, when the suggestions already exist."""
    _check(by)
    with transaction.atomic():
        edition = current_edition()
        if edition is None:
            return SuggestSummary()
        qs = _projects_for_suggest(projects) if projects is not None else territory_projects()
        total = _apply_rules_to(qs, by=by, by_label=by_label)
        if total.rule_linked or total.rule_withdrawn:
            audit_record(
                by=by,
                by_label=_label(by, by_label),
                action="linking.apply_rules",
                target=edition,
                before=None,
                after={
                    "projects": total.projects,
                    "linked": total.rule_linked,
                    "withdrawn": total.rule_withdrawn,
                },
            )
    return total


def _rederive(project_ids: Iterable[int], *, by: User | None, by_label: str) -> SuggestSummary:
    """Recompute the links of these projects (rules, then suggestions), inside the caller's transaction."""
    total = SuggestSummary()
    ids = sorted(set(project_ids))
    ctx = _context()
    if ctx is None or not ids:
        return total
    new_links: list[ProjectObjectiveLink] = []
    events: list[LinkEvent] = []
    for project in _projects_for_suggest(None).filter(pk__in=ids).order_by("pk"):
        total += _suggest_one(project, ctx, by=by, by_label=by_label, new_links=new_links, events=events)
    ProjectObjectiveLink.objects.bulk_create(new_links, batch_size=1000)
    LinkEvent.objects.bulk_create(events, batch_size=1000)
    return total


# Staff decisions --------------------------------------------------------------------------------------------


class LinkAlreadyDecided(Exception):
    """Another decision (a colleague's, a rule's) changed the link after the person saw it, to something else
    than what this decision would make: nothing was written. The message (Italian) says who decided."""


def _lock_projects(project_ids: Iterable[int]) -> None:
    """Lock the projects' rows, in id order: the one lock of every decision on their links (also taken by
    `link_suggest_for_project`). Concurrent decisions on a project's links run one after the other, and a
    decision on several projects (bulk, queue) takes all its locks in one ordered statement (no deadlock)."""
    ids = sorted({int(i) for i in project_ids})
    if ids:
        list(
            Project.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True)
        )


def _changed_since(seen: ProjectObjectiveLink, now: ProjectObjectiveLink) -> bool:
    return (seen.status, seen.decided_at, seen.rule_id) != (now.status, now.decided_at, now.rule_id)


def _already_decided(link: ProjectObjectiveLink | None, seen: ProjectObjectiveLink) -> LinkAlreadyDecided:
    names = {"project": seen.project.cup, "objective": seen.objective.code}
    if link is None:
        return LinkAlreadyDecided(
            gettext("Il collegamento %(project)s → %(objective)s non esiste più: nulla è stato cambiato.")
            % names
        )
    if link.decided_by is not None:
        who = link.decided_by.get_full_name() or link.decided_by.get_username()
    elif link.rule_id is not None:
        who = gettext("una regola di corrispondenza")
    else:
        who = gettext("il ricalcolo dei suggerimenti")
    when = timezone.localtime(link.decided_at).strftime("%d/%m/%Y %H:%M") if link.decided_at else ""
    return LinkAlreadyDecided(
        gettext(
            "Il collegamento %(project)s → %(objective)s è già stato deciso da %(who)s "
            "(%(status)s%(when)s) dopo che la pagina era stata aperta: nulla è stato cambiato. "
            "Ricarica la pagina e decidi di nuovo."
        )
        % {**names, "who": who, "status": link.get_status_display(), "when": f", {when}" if when else ""}
    )


def _lock_link(seen: ProjectObjectiveLink) -> ProjectObjectiveLink:
    """The link as it is now, locked (its project locked first). Missing → LinkAlreadyDecided."""
    _lock_projects([seen.project_id])
    locked = (
        ProjectObjectiveLink.objects.select_for_update(of=("self",))
        .select_related("objective", "decided_by")
        .filter(pk=seen.pk)
        .first()
    )
    if locked is None:
        raise _already_decided(None, seen)
    return locked


def _decide(link: ProjectObjectiveLink, *, by: User, status: str, action: str) -> ProjectObjectiveLink:
    """Give the link `status`. `link` is the link as the person saw it: if someone changed it since, the
    decision stands only if it was the same (no second event), else LinkAlreadyDecided. A decision that
    changes nothing (the status it has, no rule to take over) writes nothing either."""
    locked = _lock_link(link)
    if _changed_since(link, locked):
        if locked.status == status:
            return locked  # the same decision, taken meanwhile: this one sees its result
        raise _already_decided(locked, link)
    if locked.status == status and locked.rule_id is None:
        return locked
    before = _link_state(locked)
    locked.status = status
    locked.decided_by = by
    locked.decided_at = timezone.now()
    locked.rule = None  # a decision on one project takes the link over from its rule (module docstring, 2)
    locked.save(update_fields=["status", "decided_by", "decided_at", "rule"])
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
    Returns the confirmed link. The two are one decision ("this project serves that objective, not this
    one"): if the suggestion changed since the person saw it, it stands only when a colleague took the same
    decision meanwhile (nothing written again), else LinkAlreadyDecided — never a project left confirmed on
    both objectives."""
    ensure(by, "link.review")
    with transaction.atomic():
        if objective.pk == link.objective_id:
            return _decide(link, by=by, status=LinkStatus.CONFIRMED, action=LinkAction.CONFIRMED)
        locked = _lock_link(link)
        if _changed_since(link, locked):
            chosen = ProjectObjectiveLink.objects.filter(
                project_id=link.project_id, objective=objective, status=LinkStatus.CONFIRMED
            ).first()
            if locked.status == LinkStatus.REJECTED and chosen is not None:
                return chosen
            raise _already_decided(locked, link)
        _decide(locked, by=by, status=LinkStatus.REJECTED, action=LinkAction.REJECTED)
        return _link_staff(by=by, project_id=link.project_id, objective=objective)


def link_add(*, by: User, project: Project, objective: Objective) -> ProjectObjectiveLink:
    """Staff link a project to an objective directly (confirmed, origin staff)."""
    ensure(by, "link.review")
    with transaction.atomic():
        return _link_staff(by=by, project_id=project.pk, objective=objective)


def _link_staff(*, by: User, project_id: int, objective: Objective) -> ProjectObjectiveLink:
    _lock_projects([project_id])
    other = (
        ProjectObjectiveLink.objects.select_for_update()
        .select_related("objective")
        .filter(project_id=project_id, objective=objective)
        .first()
    )
    if other is not None and other.status == LinkStatus.CONFIRMED and other.rule_id is None:
        return other  # already the staff's confirmed link: nothing to decide, no second event
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
        other.status, other.decided_by, other.decided_at, other.rule = LinkStatus.CONFIRMED, by, now, None
        other.save(update_fields=["status", "decided_by", "decided_at", "rule"])
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
        links = list(
            ProjectObjectiveLink.objects.filter(pk__in=ids)
            .select_related("objective", "project")
            .order_by("pk")
        )
        if len(links) != len(ids):
            raise ProjectObjectiveLink.DoesNotExist("collegamenti inesistenti nella selezione")
        _lock_projects(link.project_id for link in links)
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
    """Add (or re-note) a measure → objective correspondence. A new row is *proposed* (it seeds suggestions);
    it links projects only once approved (`crosswalk_approve`)."""
    _check(by)
    note = note.strip()[:300]
    with transaction.atomic():
        entry = (
            MeasureObjective.objects.select_for_update().filter(measure=measure, objective=objective).first()
        )
        before = {"measure": measure.code, "objective": objective.code, "note": entry.note} if entry else None
        if entry is None:
            entry = MeasureObjective.objects.create(
                measure=measure, objective=objective, note=note, origin=RuleOrigin.STAFF
            )
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


def _entry_state(entry: MeasureObjective) -> dict[str, Any]:
    return {
        "measure": entry.measure.code,
        "objective": entry.objective.code,
        "note": entry.note,
        "state": entry.state,
        "origin": entry.origin,
    }


def _lock_entry(entry: MeasureObjective) -> MeasureObjective:
    return (
        MeasureObjective.objects.select_for_update(of=("self",))
        .select_related("measure", "objective")
        .get(pk=entry.pk)
    )


def _measure_projects(measure_ids: Iterable[int]) -> Any:
    """The territory's projects of these measures: the projects a rule links (the ones suggestions cover)."""
    return territory_projects().filter(submeasure__measure_id__in=list(measure_ids))


RULE_CHUNK = 2000  # projects read per query when rules are applied (ids sorted, so the order stays by pk)


def _projects_by_ids(ids: list[int]) -> Iterator[Project]:
    """The projects of `ids` (sorted) with their measure and links, RULE_CHUNK per query, in id order."""
    for start in range(0, len(ids), RULE_CHUNK):
        yield from _projects_for_suggest(None).filter(pk__in=ids[start : start + RULE_CHUNK]).order_by("pk")


def _apply_rules_to(projects: Any, *, by: User | None, by_label: str) -> SuggestSummary:
    """The rule part of the links of these projects, inside the caller's transaction (no ranking)."""
    total = SuggestSummary()
    rules = rules_map()
    new_links: list[ProjectObjectiveLink] = []
    events: list[LinkEvent] = []
    # The ids first, then the projects by id: one nested `IN (subquery IN (subquery))` left to the planner was
    # planned as nested loops on stale statistics and ran for over an hour on PostgreSQL.
    for project in _projects_by_ids(sorted(projects.order_by().values_list("pk", flat=True))):
        existing = {link.objective_id: link for link in project.objective_links.all()}
        measure_rules = rules.get(project.submeasure.measure_id, {})
        if not measure_rules and not any(link.rule_id for link in existing.values()):
            continue
        total.projects += 1
        _apply_rules(
            project,
            measure_rules,
            existing,
            total,
            by=by,
            by_label=by_label,
            new_links=new_links,
            events=events,
        )
    ProjectObjectiveLink.objects.bulk_create(new_links, batch_size=1000)
    LinkEvent.objects.bulk_create(events, batch_size=1000)
    return total


def crosswalk_approve(*, by: User, entry: MeasureObjective) -> int:
    """Ente staff approve a crosswalk row: it becomes a rule and every project of the measure is linked to
    the objective (confirmed, origin "rule"), except where a staff decision on that project says otherwise
    (module docstring). Returns the number of links the rule made now; 0 (and no audit row) when the row
    was already approved."""
    ensure(by, "link.review")
    with transaction.atomic():
        locked = _lock_entry(entry)
        if locked.state == RuleState.APPROVED:
            return 0
        before = _entry_state(locked)
        locked.state, locked.decided_by, locked.decided_at = RuleState.APPROVED, by, timezone.now()
        locked.save(update_fields=["state", "decided_by", "decided_at"])
        summary = _apply_rules_to(_measure_projects([locked.measure_id]), by=by, by_label="")
        audit_record(
            by=by,
            action="linking.crosswalk_approve",
            target=locked,
            before=before,
            after={**_entry_state(locked), "linked": summary.rule_linked},
        )
    return summary.rule_linked


def crosswalk_revoke(*, by: User, entry: MeasureObjective) -> int:
    """Ente staff revoke a crosswalk row (approved or proposed): it links nothing and seeds no suggestion.
    The links the rule made that no one decided since are deleted (a `rule_gone` event each) and those
    projects' suggestions recomputed; staff decisions stay. Returns the number of links withdrawn; 0 (and no
    audit row) when the row was already revoked."""
    ensure(by, "link.review")
    with transaction.atomic():
        locked = _lock_entry(entry)
        if locked.state == RuleState.REVOKED:
            return 0
        before = _entry_state(locked)
        project_ids = list(locked.links.values_list("project_id", flat=True))
        locked.state, locked.decided_by, locked.decided_at = RuleState.REVOKED, by, timezone.now()
        locked.save(update_fields=["state", "decided_by", "decided_at"])
        summary = _rederive(project_ids, by=by, by_label="")
        audit_record(
            by=by,
            action="linking.crosswalk_revoke",
            target=locked,
            before=before,
            after={**_entry_state(locked), "withdrawn": summary.rule_withdrawn},
        )
    return summary.rule_withdrawn


def crosswalk_remove(*, by: User | None, entry: MeasureObjective) -> None:
    """Delete a crosswalk row. If it was a rule, its links nobody decided go first, as when revoked (with
    their history and the projects' suggestions recomputed)."""
    _check(by)
    with transaction.atomic():
        locked = _lock_entry(entry)
        audit_record(
            by=by,
            by_label=_label(by, "crosswalk"),
            action="linking.crosswalk_remove",
            target=locked,
            before={"measure": locked.measure.code, "objective": locked.objective.code, "note": locked.note},
            after=None,
        )
        project_ids = list(locked.links.values_list("project_id", flat=True))
        if project_ids:
            locked.state = RuleState.REVOKED
            locked.save(update_fields=["state"])
            _rederive(project_ids, by=by, by_label="crosswalk")
        locked.delete()


@dataclass(frozen=True)
class CrosswalkRow:
    measure: str
    objective: str
    reason: str
    line: int = field(default=0, compare=False)  # of the entry in the file, for messages


_YAML_STR = "tag:yaml.org,2002:str"


def _text(node: Any) -> str | None:
    if isinstance(node, yaml.ScalarNode) and node.tag == _YAML_STR:
        return str(node.value)
    return None


def read_crosswalk_file(path: Path = CROSSWALK_FILE) -> list[CrosswalkRow]:
    """The crosswalk file: a mapping measure code → list of {objective, reason}. Errors name the file, the
    line and the entry. A measure listed twice, or the same measure → objective twice, is refused (YAML
    would silently keep the last one): one rule per pair. UTF-8, or Windows-1252 when saved by a Windows
    editor."""
    name = path.name
    try:
        root = yaml.compose(decode(path.read_bytes(), name=name).text, Loader=yaml.SafeLoader)
    except TableError as exc:
        raise CrosswalkError(str(exc)) from exc
    except (OSError, yaml.YAMLError) as exc:
        raise CrosswalkError(f"{name}: file illeggibile ({exc})") from exc
    if not isinstance(root, yaml.MappingNode):
        raise CrosswalkError(f"{name}: atteso un elenco 'codice misura: [obiettivi]'")
    rows: list[CrosswalkRow] = []
    measure_lines: dict[str, int] = {}
    pair_lines: dict[tuple[str, str], int] = {}
    for key, entries in root.value:
        line = key.start_mark.line + 1
        measure = _text(key)
        where = f"{name}, riga {line}, misura {key.value}"
        if measure is None or not isinstance(entries, yaml.SequenceNode) or not entries.value:
            raise CrosswalkError(f"{where}: attesa una lista non vuota di obiettivi")
        measure = measure.strip().upper()
        if measure in measure_lines:
            raise CrosswalkError(
                f"{where}: misura ripetuta (già alla riga {measure_lines[measure]}); "
                "elencare i suoi obiettivi una volta sola"
            )
        measure_lines[measure] = line
        for i, entry in enumerate(entries.value, start=1):
            here = f"{name}, riga {entry.start_mark.line + 1}, misura {measure}, voce {i}"
            keys = [_text(k) for k, _ in entry.value] if isinstance(entry, yaml.MappingNode) else []
            if sorted(k or "" for k in keys) != ["objective", "reason"]:
                raise CrosswalkError(f"{here}: attese le chiavi 'objective' e 'reason'")
            values = {_text(k): _text(v) for k, v in entry.value}
            objective, reason = values["objective"], values["reason"]
            if not objective or not objective.strip() or not reason or not reason.strip():
                raise CrosswalkError(f"{here}: obiettivo e motivazione devono essere testo non vuoto")
            objective = objective.strip().upper()
            pair = (measure, objective)
            if pair in pair_lines:
                raise CrosswalkError(
                    f"{here}: la corrispondenza {measure} → {objective} è ripetuta (già alla riga "
                    f"{pair_lines[pair]}); una sola regola per misura e obiettivo"
                )
            pair_lines[pair] = entry.start_mark.line + 1
            rows.append(CrosswalkRow(measure, objective, reason.strip(), line=entry.start_mark.line + 1))
    return rows


def crosswalk_load(
    *,
    by: User | None = None,
    path: Path = CROSSWALK_FILE,
    by_label: str = "crosswalk_load",
    approve: bool = True,
) -> dict[str, int]:
    """Load the crosswalk file (at set-up: the bundled one). Adds missing rows and updates notes; with
    `approve` (the default) its rows are approved as rules "in configurazione iniziale" and the projects of
    their measures linked (module docstring). A row the staff already approved or revoked keeps its state
    (a revocation survives a reload); rows are never removed. Idempotent; all or nothing: the whole file is
    checked first, and an unknown measure or objective is an error naming the line."""
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
        where = f"{path.name}, riga {row.line}, misura {row.measure}"
        if row.measure not in measures:
            raise CrosswalkError(f"{where}: codice misura sconosciuto")
        if row.objective not in objectives:
            raise CrosswalkError(f"{where}: obiettivo {row.objective} sconosciuto")
    counts = {"created": 0, "updated": 0, "unchanged": 0, "approved": 0, "linked": 0}
    with transaction.atomic():
        existing = {
            (e.measure_id, e.objective_id): e
            for e in MeasureObjective.objects.select_for_update().filter(measure__in=measures.values())
        }
        now = timezone.now()
        approved_measures: set[int] = set()
        for row in rows:
            measure, objective = measures[row.measure], objectives[row.objective]
            entry = existing.get((measure.pk, objective.pk))
            note = row.reason[:300]
            if entry is None:
                entry = MeasureObjective(
                    measure=measure, objective=objective, note=note, origin=RuleOrigin.SETUP
                )
                existing[(measure.pk, objective.pk)] = entry
                counts["created"] += 1
            else:
                fresh = approve and entry.state == RuleState.PROPOSED and entry.decided_at is None
                if entry.note == note and not fresh:
                    counts["unchanged"] += 1
                    continue
                entry.note = note
                counts["updated"] += 1
            if approve and entry.decided_at is None:
                entry.state, entry.origin, entry.decided_by, entry.decided_at = (
                    RuleState.APPROVED,
                    RuleOrigin.SETUP,
                    by,
                    now,
                )
                counts["approved"] += 1
                approved_measures.add(measure.pk)
            entry.save()
        if approved_measures:
            counts["linked"] = _apply_rules_to(
                _measure_projects(approved_measures), by=by, by_label=by_label
            ).rule_linked
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


# Decisions on everything the queue's filters select ---------------------------------------------------------


class QueueChanged(ValueError):
    """The links matching the filters are not as many as the person confirming was shown: nothing changed."""

    def __init__(self, expected: int, found: int) -> None:
        super().__init__(f"attesi {expected} collegamenti, trovati {found}")
        self.expected, self.found = expected, found


MATCHING_DECISIONS: dict[str, Callable[..., ProjectObjectiveLink]] = {
    "confirm": link_confirm,
    "reject": link_reject,
}


def links_decide_matching(
    *, by: User, filters: QueueFilters, decision: str, expected: int | None = None
) -> int:
    """Confirm or reject every link the queue's filters select (`decision` "confirm" or "reject"), in one
    transaction, all or nothing. Links already in the decided status are left alone (no event, no audit);
    every other link goes through `link_confirm` / `link_reject`, so each leaves its LinkEvent and audit row
    exactly as a decision taken one by one. `expected` is the number the person was shown: when the links
    matching now are not as many, `QueueChanged` is raised and nothing changes. Returns how many were
    decided."""
    ensure(by, "link.review")
    decide = MATCHING_DECISIONS.get(decision)
    if decide is None:
        raise ValueError(f"decisione sconosciuta: {decision}")
    target = LinkStatus.CONFIRMED if decision == "confirm" else LinkStatus.REJECTED
    with transaction.atomic():
        matching = links_to_decide(filters, target).select_related("objective", "project").order_by("pk")
        _lock_projects(matching.values_list("project_id", flat=True))
        links = list(matching.all())  # read again under the locks: what a concurrent decision left
        if expected is not None and len(links) != expected:
            raise QueueChanged(expected, len(links))
        for link in links:
            decide(by=by, link=link)
    return len(links)


# Plan editions ----------------------------------------------------------------------------------------------

_LINK_STRENGTH = {LinkStatus.CONFIRMED: 3, LinkStatus.SUGGESTED: 2, LinkStatus.REJECTED: 1}
_RULE_STRENGTH = {RuleState.APPROVED: 3, RuleState.PROPOSED: 2, RuleState.REVOKED: 1}


def linking_remap_objectives(sender: Any = None, *, mapping: dict[int, int], **kwargs: Any) -> dict[str, int]:
    """Receiver of `plan.signals.edition_published` (inside its transaction): crosswalk rules and links
    move from each old objective to its new one. When two old objectives map to one new objective, a project
    (or a measure) may end up with two rows for it: they merge, keeping the strongest — for links confirmed
    over suggested over rejected (a rejection of one old objective says nothing about the other), for rules
    approved over proposed over revoked; the links of a dropped rule are handed to the kept one."""
    rules = links = 0
    for old, new in mapping.items():
        taken = MeasureObjective.objects.filter(objective_id=new).values("measure_id")
        rules += (
            MeasureObjective.objects.filter(objective_id=old)
            .exclude(measure_id__in=taken)
            .update(objective_id=new)
        )
        for rule in MeasureObjective.objects.filter(objective_id=old).order_by("pk"):
            other = MeasureObjective.objects.get(measure_id=rule.measure_id, objective_id=new)
            if _RULE_STRENGTH[RuleState(rule.state)] > _RULE_STRENGTH[RuleState(other.state)]:
                ProjectObjectiveLink.objects.filter(rule=other).update(rule=rule)
                other.delete()
                MeasureObjective.objects.filter(pk=rule.pk).update(objective_id=new)
            else:
                ProjectObjectiveLink.objects.filter(rule=rule).update(rule=other)
                rule.delete()
            rules += 1
        linked = ProjectObjectiveLink.objects.filter(objective_id=new).values("project_id")
        links += (
            ProjectObjectiveLink.objects.filter(objective_id=old)
            .exclude(project_id__in=linked)
            .update(objective_id=new)
        )
        for link in ProjectObjectiveLink.objects.filter(objective_id=old).order_by("pk"):
            other_link = ProjectObjectiveLink.objects.get(project_id=link.project_id, objective_id=new)
            mine = (_LINK_STRENGTH[LinkStatus(link.status)], link.score or 0)
            theirs = (_LINK_STRENGTH[LinkStatus(other_link.status)], other_link.score or 0)
            if mine > theirs:
                other_link.delete()
                ProjectObjectiveLink.objects.filter(pk=link.pk).update(objective_id=new)
            else:
                link.delete()
            links += 1
    return {"collegamenti": links, "regole": rules}
