"""The API and docs/openapi.yaml agree: schemathesis generates requests from the schema
(valid ones and invalid ones, boundary values included), sends them to the real app
in-process and runs every check it has on the answers, on a village host with content
and on the portal. A failing check fails the test."""
from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
VILLAGE = "http://jlodro.tubankab.go.id/api/v1"
PORTAL = "http://tubankab.go.id/api/v1"
# the in-process client does not undo gzip, which the app applies to larger answers
HEADERS = {"Accept-Encoding": "identity"}

schema = schemathesis.openapi.from_path(SCHEMA, config=SchemathesisConfig.from_dict({
    "seed": 20261206,
    "suppress-health-check": ["too_slow", "filter_too_much"],
    "generation": {"max-examples": 15, "mode": "all"},
    "checks": {"enabled": True},
}))


@pytest.fixture()
def seeded_app(app):
    from app.demo import seed_village
    from desa_testing import village

    with app.app_context():
        seed_village(village("jlodro"))
    return app


PORTAL_PATHS = "^/(desa|hari-libur)"  # what the portal host answers


@schema.exclude(path_regex="^/hari-libur").parametrize()  # portal only
# the fixture seeds the village once per operation: its examples only read
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_village_api_agrees_with_its_schema(case, seeded_app):
    case.call_and_validate(base_url=VILLAGE, app=seeded_app, headers=HEADERS)


@schema.include(path_regex=PORTAL_PATHS).parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_portal_api_agrees_with_its_schema(case, seeded_app):
    case.call_and_validate(base_url=PORTAL, app=seeded_app, headers=HEADERS)
