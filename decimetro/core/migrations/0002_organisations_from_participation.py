"""Organisations, memberships and invitations move from `participation` to `core` (every app needs them).

Nothing moves in the database here: the models enter core's state on their old tables; participation 0003
removes them from its state, and core 0003 renames the tables and relabels their content types."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0001_initial'),
        ('territory', '0001_initial'),
        ('participation', '0002_consultation_dupobjective_observation_and_more'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
        migrations.CreateModel(
            name='Organisation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('ente', 'Città metropolitana'), ('comune', 'Comune'), ('body', 'Corpo intermedio o altro attore')], db_index=True, max_length=10)),
                ('body_kind', models.CharField(blank=True, choices=[('university', 'università e ricerca'), ('chamber', 'camera di commercio'), ('business', 'associazione di imprese'), ('labour', 'sindacato'), ('third_sector', 'terzo settore'), ('other', 'altro')], max_length=20)),
                ('name', models.CharField(max_length=200, unique=True, verbose_name='nome')),
                ('fiscal_code', models.CharField(blank=True, max_length=16, verbose_name='codice fiscale')),
                ('email', models.EmailField(blank=True, max_length=254, verbose_name='email di contatto')),
                ('phone', models.CharField(blank=True, max_length=40, verbose_name='telefono')),
                ('active', models.BooleanField(default=True)),
                ('comune', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='organisation', to='territory.comune')),
            ],
            options={
                'db_table': 'participation_organisation',
                'verbose_name': 'organizzazione',
                'verbose_name_plural': 'organizzazioni',
                'ordering': ['kind', 'name'],
            },
        ),
        migrations.CreateModel(
            name='Membership',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('role', models.CharField(choices=[('viewer', 'lettore'), ('editor', 'redattore'), ('admin', 'amministratore')], default='viewer', max_length=10)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='membership', to=settings.AUTH_USER_MODEL)),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='memberships', to='core.organisation')),
            ],
            options={
                'db_table': 'participation_membership',
                'verbose_name': 'appartenenza',
                'verbose_name_plural': 'appartenenze',
                'ordering': ['organisation', 'user'],
            },
        ),
        migrations.CreateModel(
            name='Invitation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('email', models.EmailField(max_length=254)),
                ('role', models.CharField(choices=[('viewer', 'lettore'), ('editor', 'redattore'), ('admin', 'amministratore')], default='viewer', max_length=10)),
                ('token_hash', models.CharField(max_length=64, unique=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('expires_at', models.DateTimeField()),
                ('accepted_at', models.DateTimeField(blank=True, null=True)),
                ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='invitations', to='core.organisation')),
            ],
            options={
                'db_table': 'participation_invitation',
                'verbose_name': 'invito',
                'verbose_name_plural': 'inviti',
                'ordering': ['-created_at'],
            },
        ),
        migrations.AddConstraint(
            model_name='organisation',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('comune__isnull', False), ('kind', 'comune')), models.Q(('kind', 'comune'), _negated=True), _connector='OR'), name='participation_comune_org_has_comune'),
        ),
                ],
            database_operations=[],
        ),
    ]
