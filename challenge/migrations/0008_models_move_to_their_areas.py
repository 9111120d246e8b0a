"""The challenge app's models moved to one app per area (accounts, audit, competition, teams,
datafiles, notices; quota adjustments to submissions). Their tables keep their names, so this
removes them from the challenge app's state only. Their content types are renamed to the new apps,
so every permission, and so every organizer's rights, stays attached to the same rows."""

from django.db import migrations

NEW_APPS = {
    "accounts": ["signinfailure", "ratecount"],
    "audit": ["auditentry"],
    "competition": ["classset", "synset", "challengeyear", "deadlinechange", "task", "split", "groundtruth"],
    "teams": ["team", "membership"],
    "datafiles": ["datafile", "termsacceptance"],
    "notices": ["announcement", "outgoingemail", "emailoptout"],
    "submissions": ["quotaadjustment"],
}


def rename_content_types(apps, schema_editor):
    """Each moved model's content type (and so its permissions, and the groups and people that
    hold them) follows it to its new app. On a fresh database there are none yet: they are made
    under the new apps after the migrations."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for app_label, models in NEW_APPS.items():
        for model in models:
            if not ContentType.objects.filter(app_label=app_label, model=model).exists():
                ContentType.objects.filter(app_label="challenge", model=model).update(app_label=app_label)


def unrename_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for app_label, models in NEW_APPS.items():
        ContentType.objects.filter(app_label=app_label, model__in=models).update(app_label="challenge")


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('challenge', '0007_rate_counts'),
        ('leaderboards', '0007_challenge_models_in_their_areas'),
        ('submissions', '0007_challenge_models_in_their_areas'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='announcement',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='announcement',
                    name='year',
                ),
                migrations.RemoveField(
                    model_name='auditentry',
                    name='actor',
                ),
                migrations.RemoveField(
                    model_name='auditentry',
                    name='year',
                ),
                migrations.RemoveField(
                    model_name='challengeyear',
                    name='class_set',
                ),
                migrations.RemoveField(
                    model_name='deadlinechange',
                    name='year',
                ),
                migrations.RemoveField(
                    model_name='membership',
                    name='year',
                ),
                migrations.RemoveField(
                    model_name='datafile',
                    name='year',
                ),
                migrations.RemoveField(
                    model_name='task',
                    name='year',
                ),
                migrations.RemoveField(
                    model_name='termsacceptance',
                    name='year',
                ),
                migrations.RemoveField(
                    model_name='team',
                    name='year',
                ),
                migrations.RemoveField(
                    model_name='task',
                    name='class_set',
                ),
                migrations.RemoveField(
                    model_name='synset',
                    name='class_set',
                ),
                migrations.RemoveField(
                    model_name='datafile',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='deadlinechange',
                    name='changed_by',
                ),
                migrations.DeleteModel(
                    name='EmailOptOut',
                ),
                migrations.RemoveField(
                    model_name='groundtruth',
                    name='split',
                ),
                migrations.RemoveField(
                    model_name='groundtruth',
                    name='uploaded_by',
                ),
                migrations.RemoveField(
                    model_name='membership',
                    name='team',
                ),
                migrations.RemoveField(
                    model_name='membership',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='outgoingemail',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='quotaadjustment',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='quotaadjustment',
                    name='split',
                ),
                migrations.RemoveField(
                    model_name='quotaadjustment',
                    name='team',
                ),
                migrations.DeleteModel(
                    name='RateCount',
                ),
                migrations.DeleteModel(
                    name='SignInFailure',
                ),
                migrations.RemoveField(
                    model_name='split',
                    name='task',
                ),
                migrations.RemoveField(
                    model_name='synset',
                    name='parents',
                ),
                migrations.RemoveField(
                    model_name='team',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='termsacceptance',
                    name='user',
                ),
                migrations.DeleteModel(
                    name='Announcement',
                ),
                migrations.DeleteModel(
                    name='AuditEntry',
                ),
                migrations.DeleteModel(
                    name='ChallengeYear',
                ),
                migrations.DeleteModel(
                    name='ClassSet',
                ),
                migrations.DeleteModel(
                    name='DataFile',
                ),
                migrations.DeleteModel(
                    name='DeadlineChange',
                ),
                migrations.DeleteModel(
                    name='GroundTruth',
                ),
                migrations.DeleteModel(
                    name='Membership',
                ),
                migrations.DeleteModel(
                    name='OutgoingEmail',
                ),
                migrations.DeleteModel(
                    name='QuotaAdjustment',
                ),
                migrations.DeleteModel(
                    name='Split',
                ),
                migrations.DeleteModel(
                    name='Task',
                ),
                migrations.DeleteModel(
                    name='Synset',
                ),
                migrations.DeleteModel(
                    name='Team',
                ),
                migrations.DeleteModel(
                    name='TermsAcceptance',
                ),
            ],
        ),
        migrations.RunPython(rename_content_types, unrename_content_types),
    ]
