"""schemathesis fuzzes every operation of /api/schema/ against the running site: no 5xx, and
every answer matches the schema. Bounded in examples and time to stay a CI citizen."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from tests.urlmap import fresh_throttles  # noqa: F401  (a fixture)


SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"

pytestmark = pytest.mark.usefixtures("fresh_throttles")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("who", ["alice"])
def test_schemathesis_finds_no_server_error_and_no_schema_violation(live_server, world, tmp_path, who):
    headers = [] if who == "anonymous" else ["-H", f"Authorization: Token {Token.objects.create(user=world.alice).key}"]
    command = [
        str(SCHEMATHESIS), "run", f"{live_server.url}/api/schema/",
        "--checks", "not_a_server_error,response_schema_conformance",
        "--max-examples", "10", "--max-time", "50", "--seed", "7", "--request-timeout", "30",
        "--workers", "1", "--no-shrink", "--report-dir", str(tmp_path), *headers,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path,
                            env={**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_TELEMETRY": "false"})
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    print(output[-1500:])


@pytest.mark.django_db
def test_drf_refusals_use_the_documented_error_shape(client):
    response = client.post("/api/auth/token/", b"\x00", content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["errors"][0]["line"] is None and "JSON parse error" in body["errors"][0]["message"]
    assert client.get("/api/submissions/").json()["errors"][0]["message"]  # 401


@pytest.mark.django_db
def test_an_absurd_page_size_is_capped_not_a_500(client, world):
    response = client.get("/api/years/?offset=-5&limit=14364013015750450085888")
    assert response.status_code == 200
