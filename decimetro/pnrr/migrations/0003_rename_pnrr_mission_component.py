"""Unambiguous names: the PNRR's missions and components are `PnrrMission` and `PnrrComponent`, beside the
plan's `Mission` and `Component`. The tables are renamed; the rows and their keys stay."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("pnrr", "0002_import_speed"),
    ]

    operations = [
        migrations.RenameModel(old_name="Mission", new_name="PnrrMission"),
        migrations.RenameModel(old_name="Component", new_name="PnrrComponent"),
    ]
