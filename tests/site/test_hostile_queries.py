"""Every URL of the site and the API, with hostile values in every query parameter its view reads
(huge and negative integers, non-ASCII digits, empty, 10 kB, NUL) and in its integer path
parts, on PostgreSQL, as a visitor, a participant and an organizer: no answer is a 5xx.

Which parameters a view reads is listed here (QUERY_PARAMETERS); a test reads the source for
every `request.GET` / `query_params` read and fails when one is not in the list, so that a view
that starts reading a new parameter is walked with it too.
"""

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from challenge.audit import forms as audit_forms
from challenge.competition import forms as competition_forms
from submissions import organizer_forms
from tests.urlmap import fresh_throttles, make_matrix_world, site_routes  # noqa: F401  (a fixture)

pytestmark = pytest.mark.usefixtures("fresh_throttles")

ROOT = Path(__file__).resolve().parents[2]
HOSTILE_VALUES = [
    "2147483648", "9223372036854775808", "99999999999999999999999", "-1", "-2147483649", "0", "1e999",
    "²", "①", "١٢", "１２", "", "9" * 10_000, "ü" * 5_000, "\x00", "../../etc/passwd", "%00", "' OR 1=1 --",
]
HOSTILE_PATH_INTEGERS = [2**31, 2**63, 10**30]
API_PARAMETERS = ["format"]  # DRF's format override, read by every API view
# The query parameters each view reads: our own code's (checked against the source below) and
# the libraries' (Django's `next`, DRF's pagination, drf-spectacular's `lang`).
QUERY_PARAMETERS = {
    "login": ["next"],
    "accounts:signup": ["next"],
    "api:schema": ["format", "lang"],
    "api:years": ["limit", "offset"],
    "api:submissions": ["year"],
    "leaderboard_api:leaderboard": ["split", "board", "track", "page"],
    "leaderboards:leaderboard": ["board", "track", "page"],
    "leaderboards:export": ["board", "track"],
    "annotation:image": ["size"],
    "api:annotation-image": ["size"],
    "challenge:classes": ["q"],
    "teams:detail": ["sent"],
    "organize:audit": ["year", "kind", "person", "page"],
    "organize:entries": ["split", "team", "status", "moderation", "page"],
}
EXTRA_KWARGS = {
    "leaderboards:archive": {"public_id": "00000000-0000-4000-8000-000000000000"},
    "leaderboards:archive-export": {"public_id": "00000000-0000-4000-8000-000000000000", "fmt": "json"},
    "leaderboards:export": {"fmt": "csv"},
}
# A line of our code that reads the query string, with the parameter's name when it names one.
READS_ONE = re.compile(r"""(?:\.GET|\.query_params)(?:\.get|\.getlist)?[(\[]\s*["']([^"']+)["']""")
READS_FORM = re.compile(r"(\w+Form)\(\s*request\.GET")
# Copies the query string to carry a form's filters into page links: reads what the form reads.
COPIES = re.compile(r"request\.GET\.copy\(\)")
READS_ALL = {"config/middleware.py"}  # looks at every value for NUL characters; names none
FORM_MODULES = (competition_forms, audit_forms, organizer_forms)


def _code_reads() -> tuple[set[str], list[str]]:
    """Every query parameter our code reads by name, and the lines that read it some other way."""
    names, unknown = set(), []
    for path in sorted(p for area in ("challenge", "submissions", "config") for p in (ROOT / area).rglob("*.py")):
        relative = str(path.relative_to(ROOT))
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if ".GET" not in line and "query_params" not in line:
                continue
            found = READS_ONE.findall(line)
            for form in READS_FORM.findall(line):
                module = next(module for module in FORM_MODULES if hasattr(module, form))
                found += list(getattr(module, form).base_fields)
            if found:
                names.update(found)
            elif relative not in READS_ALL and not COPIES.search(line):
                unknown.append(f"{relative}:{number}: {line.strip()}")
    return names, unknown


def test_every_query_parameter_the_code_reads_is_walked():
    names, unknown = _code_reads()
    walked = {name for params in QUERY_PARAMETERS.values() for name in params}
    assert unknown == [], "read the query string in a way this test cannot name; list its parameters"
    assert names - walked == set(), "parameters read by the code but missing from QUERY_PARAMETERS"
    assert {"page", "track", "q", "year", "next", "split"} <= names  # the reader does find them


def _urls(mw, route) -> list[str]:
    kwargs = {**mw.default_kwargs(route), **EXTRA_KWARGS.get(route.name, {})}
    urls = [reverse(route.name, kwargs=kwargs) if kwargs else reverse(route.name)]
    integers = [name for name in route.kwargs if re.search(rf"<int:{name}>", route.route)]
    urls += [reverse(route.name, kwargs={**kwargs, name: value}) for name in integers for value in HOSTILE_PATH_INTEGERS]
    return urls


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["anonymous", "alice", "olivia"])
def test_no_hostile_query_value_gets_a_server_error_anywhere(persona):
    mw = make_matrix_world()
    client = Client(raise_request_exception=False)
    if persona != "anonymous":
        client.force_login(getattr(mw.world, persona))
    routes = {route.name: route for route in site_routes()}
    errors, requests = [], 0
    for name, route in sorted(routes.items()):
        parameters = QUERY_PARAMETERS.get(name, []) + (API_PARAMETERS if route.route.startswith("api/") else [])
        for url in _urls(mw, route):
            queries = [{parameter: value} for parameter in parameters + ["unknown"] for value in HOSTILE_VALUES]
            if url != _urls(mw, route)[0]:
                queries = [{}]  # a hostile path part: once, without a query
            for query in queries:
                status = client.get(url, query).status_code
                requests += 1
                if status >= 500:
                    errors.append(f"{status} GET {url} {query!r:.80}")
    assert errors == []
    assert requests > 1000, "the walk should reach every route"
