"""Organisations, memberships and invitations now belong to `core` (see core 0002 and 0003): the foreign keys
of participation's models point there, and the three models leave participation's state. No database change."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("participation", "0002_consultation_dupobjective_observation_and_more"),
        ("core", "0002_organisations_from_participation"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="consultation",
                    name="audience_organisations",
                    field=models.ManyToManyField(
                        blank=True, related_name="consultations_invited", to="core.organisation"
                    ),
                ),
                migrations.AlterField(
                    model_name="dupobjective",
                    name="organisation",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="dup_objectives",
                        to="core.organisation",
                    ),
                ),
                migrations.AlterField(
                    model_name="observation",
                    name="organisation",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="observations",
                        to="core.organisation",
                    ),
                ),
                migrations.AlterField(
                    model_name="verificationreport",
                    name="organisation",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="verification_reports",
                        to="core.organisation",
                    ),
                ),
                migrations.DeleteModel(name="Invitation"),
                migrations.DeleteModel(name="Membership"),
                migrations.DeleteModel(name="Organisation"),
            ],
            database_operations=[],
        ),
    ]
