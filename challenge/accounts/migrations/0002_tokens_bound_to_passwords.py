"""API tokens bound to the password they were issued under (issue 23, item 8). Every token that
exists now is bound to its account's present password hash, so that it keeps working until the
next password change, and no longer."""

import hashlib

import django.db.models.deletion
from django.db import migrations, models


def bind_existing_tokens(apps, schema_editor):
    # The fingerprint as challenge.accounts.tokens.password_fingerprint computes it (copied, so that
    # this migration means the same whatever that module becomes).
    Token, TokenBinding = apps.get_model("authtoken", "Token"), apps.get_model("accounts", "TokenBinding")
    TokenBinding.objects.bulk_create(
        [TokenBinding(token_id=key, password_fingerprint=hashlib.sha256(password.encode()).hexdigest())
         for key, password in Token.objects.values_list("key", "user__password").iterator()],
        batch_size=1000, ignore_conflicts=True)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('authtoken', '0004_alter_tokenproxy_options'),
    ]

    operations = [
        migrations.CreateModel(
            name='TokenBinding',
            fields=[
                ('token', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='binding', serialize=False, to='authtoken.token')),
                ('password_fingerprint', models.CharField(max_length=64)),
            ],
        ),
        migrations.RunPython(bind_existing_tokens, migrations.RunPython.noop),
    ]
