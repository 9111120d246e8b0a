import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_migrations_match_the_models():
    # SystemExit(1) from --check means a model change has no migration.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
