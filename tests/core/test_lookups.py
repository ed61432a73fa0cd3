"""`field__in_ids`: the same rows as `field__in`, with one array parameter on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection

from decimetro.pnrr.models import Place, Project
from tests.factories import PlaceFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def test_in_ids_gives_the_rows_of_in_on_a_key_and_on_a_foreign_key():
    places = [PlaceFactory(project=ProjectFactory()) for _ in range(4)]
    ids = [p.project_id for p in places[:3]] + [10**9]  # and an id of nothing
    by_fk = sorted(Place.objects.filter(project_id__in_ids=ids).values_list("pk", flat=True))
    assert by_fk == sorted(Place.objects.filter(project_id__in=ids).values_list("pk", flat=True))
    assert by_fk == sorted(p.pk for p in places[:3])
    assert sorted(Project.objects.filter(pk__in_ids=ids).values_list("pk", flat=True)) == sorted(ids[:3])


def test_no_ids_ask_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert list(Place.objects.filter(project_id__in_ids=[])) == []


def test_on_postgresql_the_ids_are_one_array_parameter():
    sql, params = Place.objects.filter(project_id__in_ids=[3, 1, 2]).query.sql_with_params()
    if connection.vendor == "postgresql":
        assert '"pnrr_place"."project_id" = ANY(%s)' in sql and params == ([3, 1, 2],)
    else:
        assert "IN (%s, %s, %s)" in sql and sorted(params) == [1, 2, 3]
