"""Fix planning and the providers: Route 53 (moto server) and RFC 2136 (real Knot, TSIG)."""
import boto3
import pytest

from dns_tools import (Change, CheckConfig, ExpectedName, FixError, Plan, Route53Source, Rfc2136Provider,
                       Route53Provider, check_names, plan_fixes)
from dns_tools.providers.route53 import MAX_CHARS, MAX_RECORDS
from dns_tools.registry import load_route53

from dnstools_env import ELSEWHERE, PLATFORM_V4, PLATFORM_V6, ZONE


def knot_cfg(knot, port_map, **kw):
    c = dict(domain=ZONE, expect_addresses=frozenset({PLATFORM_V4, PLATFORM_V6}), nameservers=(knot.addr,),
             port_map=port_map, timeout=0.3, retries=1)
    c.update(kw)
    return CheckConfig(**c)


def check(names, config):
    out = {}
    check_names([ExpectedName(n) for n in names], config, lambda r: out.__setitem__(r.name, r))
    return out


def test_plan_never_touches_names_outside_the_expected_set(knot, port_map):
    config = knot_cfg(knot, port_map)
    res = check([f"salah.{ZONE}", f"gantung.{ZONE}", f"lumpuh.{ZONE}", f"jlodro.{ZONE}"], config)
    plan = plan_fixes(res.values(), config, allowed=[f"salah.{ZONE}", f"lumpuh.{ZONE}", f"jlodro.{ZONE}"])
    assert set(plan.names) == {f"salah.{ZONE}"}
    assert (f"gantung.{ZONE}", "dangling_cname", "not in the expected set / outside the domain: not touched") in plan.skipped
    assert any(n == f"lumpuh.{ZONE}" and v == "lame_delegation" for n, v, _ in plan.skipped)
    assert Change("upsert", f"salah.{ZONE}", "A", (PLATFORM_V4,), 300, "wrong_target") in plan.changes


def test_rfc2136_fix_then_recheck_ok(knot, port_map, tsig_key):
    config = knot_cfg(knot, port_map)
    names = [f"perbaiki1.{ZONE}", f"perbaiki2.{ZONE}", f"baru.{ZONE}"]
    before = check(names, config)
    assert [before[n].verdict for n in names] == ["wrong_target", "dangling_cname", "missing"]
    plan = plan_fixes(before.values(), config)
    assert Change("delete", f"perbaiki2.{ZONE}", "CNAME", reason="dangling_cname: replace CNAME") in plan.changes
    # unsigned updates are refused by the server
    with pytest.raises(FixError):
        Rfc2136Provider(knot.addr, ZONE, None).apply(plan)
    report = Rfc2136Provider(knot.addr, ZONE, tsig_key).apply(plan)
    assert report.rcodes == ["NOERROR"] and report.applied == len(plan.changes)
    after = check(names, config)
    assert {n: r.verdict for n, r in after.items()} == {n: "ok" for n in names}
    assert sorted(after[f"baru.{ZONE}"].addresses) == sorted([PLATFORM_V4, PLATFORM_V6])
    # the untouched neighbour is still there
    assert check([f"bukandesa.{ZONE}"], config)[f"bukandesa.{ZONE}"].verdict == "wrong_target"


# ------------------------------------------------------------------ Route 53

@pytest.fixture
def r53(moto_endpoint):
    client = boto3.client("route53", region_name="us-east-1", endpoint_url=moto_endpoint)
    import uuid
    zone_id = client.create_hosted_zone(Name=ZONE + ".", CallerReference=str(uuid.uuid4()))["HostedZone"]["Id"]
    zone_id = zone_id.split("/")[-1]
    return client, zone_id, moto_endpoint


def _seed(client, zone_id, n):
    changes = [{"Action": "CREATE", "ResourceRecordSet": {"Name": f"desa{i:04d}.{ZONE}.", "Type": "A", "TTL": 300,
                                                          "ResourceRecords": [{"Value": PLATFORM_V4}]}}
               for i in range(n)]
    changes.append({"Action": "CREATE", "ResourceRecordSet": {"Name": f"*.wc.{ZONE}.", "Type": "A", "TTL": 300,
                                                              "ResourceRecords": [{"Value": PLATFORM_V4}]}})
    changes.append({"Action": "CREATE", "ResourceRecordSet": {"Name": f"salah.{ZONE}.", "Type": "A", "TTL": 300,
                                                              "ResourceRecords": [{"Value": ELSEWHERE}]}})
    client.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": changes})


def test_route53_listing_paginates(r53):
    client, zone_id, endpoint = r53
    _seed(client, zone_id, 350)
    reg = load_route53(Route53Source(zone_id, endpoint_url=endpoint, page_size=100))
    assert reg.pages >= 4  # 350 + NS + SOA + 2 records, 100 per page
    assert sum(1 for n in reg.owners if n.startswith("desa")) == 350
    assert f"wc.{ZONE}" in reg.wildcards  # "\052" unescaped
    reg300 = load_route53(Route53Source(zone_id, endpoint_url=endpoint))
    assert reg300.pages == 2 and len(reg300.owners) == len(reg.owners)


def test_route53_registry_check(r53):
    client, zone_id, endpoint = r53
    _seed(client, zone_id, 5)
    config = CheckConfig(domain=ZONE, expect_addresses=frozenset({PLATFORM_V4}), checks=frozenset({"registry"}),
                         registry=Route53Source(zone_id, endpoint_url=endpoint))
    res = check([f"desa0001.{ZONE}", f"tidakada.{ZONE}", f"foo.wc.{ZONE}", f"salah.{ZONE}"], config)
    assert {n.split(".")[0]: r.verdict for n, r in res.items()} == {
        "desa0001": "ok", "tidakada": "missing", "foo": "not_registered", "salah": "wrong_target"}


def test_route53_batches_large_plans_within_limits(r53):
    client, zone_id, endpoint = r53
    _seed(client, zone_id, 0)
    plan = Plan([Change("upsert", f"baru{i:04d}.{ZONE}", "A", (PLATFORM_V4,), 300, "missing") for i in range(1200)]
                + [Change("upsert", f"salah.{ZONE}", "A", (PLATFORM_V4,), 300, "wrong_target")])
    provider = Route53Provider(zone_id, client=client, waiter_delay=1)
    report = provider.apply(plan)
    assert len(report.batches) == 3  # UPSERT counts double: 500 per 1000-record batch
    for b in report.batches:
        assert b["records"] <= MAX_RECORDS and b["chars"] <= MAX_CHARS
    assert sum(b["changes"] for b in report.batches) == 1201
    reg = load_route53(Route53Source(zone_id, endpoint_url=endpoint))
    assert sum(1 for n in reg.owners if n.startswith("baru")) == 1200
    assert reg.owners[f"salah.{ZONE}"] == [f"A {PLATFORM_V4}"]
    for cid in report.change_ids:
        assert client.get_change(Id=cid)["ChangeInfo"]["Status"] == "INSYNC"


def test_route53_delete_uses_current_rrset_and_groups_by_name(r53):
    client, zone_id, _ = r53
    client.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
        {"Action": "CREATE", "ResourceRecordSet": {"Name": f"gantung.{ZONE}.", "Type": "CNAME", "TTL": 60,
                                                   "ResourceRecords": [{"Value": f"tidak-ada.{ZONE}."}]}}]})
    plan = Plan([Change("delete", f"gantung.{ZONE}", "CNAME"), Change("upsert", f"gantung.{ZONE}", "A", (PLATFORM_V4,)),
                 Change("delete", f"tidakpernahada.{ZONE}", "CNAME")])
    provider = Route53Provider(zone_id, client=client, max_records=3)  # the 3-record group fits exactly
    report = provider.apply(plan)
    assert report.skipped == [f"tidakpernahada.{ZONE} CNAME: nothing to delete"]
    assert len(report.batches) == 1 and report.batches[0]["changes"] == 2
    sets = client.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    types = {(s["Name"], s["Type"]) for s in sets if s["Name"].startswith("gantung")}
    assert types == {(f"gantung.{ZONE}.", "A")}
