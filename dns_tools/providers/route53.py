"""Apply a plan through the Route 53 API (boto3).

Why batching by hand: one ``ChangeResourceRecordSets`` call may carry at most
1,000 ResourceRecord elements and 32,000 characters of values, an UPSERT
counting twice. All changes of one name go in the same batch (a batch is
atomic: a CNAME is never deleted without its replacement). After each batch
we wait for the change to be INSYNC with the ``resource_record_sets_changed``
waiter. Credentials come from the usual AWS chain (environment, shared
config, instance role), never from arguments.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..fix import Change, FixError, Plan

MAX_RECORDS = 1000
MAX_CHARS = 32000


@dataclass
class ApplyReport:
    batches: list[dict[str, int]] = field(default_factory=list)  # per batch: changes, records, chars
    change_ids: list[str] = field(default_factory=list)
    applied: int = 0
    skipped: list[str] = field(default_factory=list)


def _weight(action: str, rrset: dict[str, Any]) -> tuple[int, int]:
    values = [r["Value"] for r in rrset.get("ResourceRecords", [])]
    k = 2 if action == "UPSERT" else 1
    return k * max(1, len(values)), k * sum(len(v) for v in values)


class Route53Provider:
    """Route 53 hosted zone ``zone_id``; ``client`` may be injected (tests)."""

    def __init__(self, zone_id: str, *, client=None, endpoint_url: str | None = None, region: str = "us-east-1",
                 wait: bool = True, waiter_delay: int = 10, waiter_max_attempts: int = 60,
                 max_records: int = MAX_RECORDS, max_chars: int = MAX_CHARS) -> None:
        if client is None:
            import boto3
            client = boto3.client("route53", region_name=region, endpoint_url=endpoint_url)
        self.client = client
        self.zone_id = zone_id
        self.wait = wait
        self.waiter_delay = waiter_delay
        self.waiter_max_attempts = waiter_max_attempts
        self.max_records = max_records
        self.max_chars = max_chars

    def _current(self, name: str, rtype: str) -> dict[str, Any] | None:
        resp = self.client.list_resource_record_sets(HostedZoneId=self.zone_id, StartRecordName=name,
                                                     StartRecordType=rtype, MaxItems="1")
        for rr in resp.get("ResourceRecordSets", []):
            if rr["Name"].rstrip(".").lower() == name and rr["Type"] == rtype:
                return rr
        return None

    def to_changes(self, plan: Plan, report: ApplyReport) -> list[list[dict[str, Any]]]:
        """Route 53 change dicts, grouped per name (a group is never split)."""
        groups: dict[str, list[dict[str, Any]]] = {}
        for c in plan.changes:
            if c.action == "upsert":
                rrset = {"Name": c.name + ".", "Type": c.rtype, "TTL": c.ttl,
                         "ResourceRecords": [{"Value": v} for v in c.values]}
                groups.setdefault(c.name, []).append({"Action": "UPSERT", "ResourceRecordSet": rrset})
            elif c.action == "delete":
                cur = self._current(c.name, c.rtype)
                if cur is None:
                    report.skipped.append(f"{c.name} {c.rtype}: nothing to delete")
                    continue
                groups.setdefault(c.name, []).append({"Action": "DELETE", "ResourceRecordSet": cur})
            else:
                raise FixError(f"unknown action {c.action!r}")
        return list(groups.values())

    def batches(self, groups: list[list[dict[str, Any]]]) -> list[list[dict[str, Any]]]:
        out: list[list[dict[str, Any]]] = []
        cur: list[dict[str, Any]] = []
        recs = chars = 0
        for g in groups:
            gr = gc = 0
            for ch in g:
                r, c = _weight(ch["Action"], ch["ResourceRecordSet"])
                gr, gc = gr + r, gc + c
            if gr > self.max_records or gc > self.max_chars:
                raise FixError(f"changes for one name exceed the Route 53 batch limits: {g[0]['ResourceRecordSet']['Name']}")
            if cur and (recs + gr > self.max_records or chars + gc > self.max_chars):
                out.append(cur)
                cur, recs, chars = [], 0, 0
            cur.extend(g)
            recs, chars = recs + gr, chars + gc
        if cur:
            out.append(cur)
        return out

    def apply(self, plan: Plan) -> ApplyReport:
        import botocore.exceptions
        report = ApplyReport()
        try:
            for batch in self.batches(self.to_changes(plan, report)):
                recs = sum(_weight(c["Action"], c["ResourceRecordSet"])[0] for c in batch)
                chars = sum(_weight(c["Action"], c["ResourceRecordSet"])[1] for c in batch)
                resp = self.client.change_resource_record_sets(
                    HostedZoneId=self.zone_id,
                    ChangeBatch={"Comment": "dns_tools fix", "Changes": batch})
                change_id = resp["ChangeInfo"]["Id"]
                report.change_ids.append(change_id)
                report.batches.append({"changes": len(batch), "records": recs, "chars": chars})
                report.applied += len(batch)
                if self.wait:
                    self.client.get_waiter("resource_record_sets_changed").wait(
                        Id=change_id, WaiterConfig={"Delay": self.waiter_delay, "MaxAttempts": self.waiter_max_attempts})
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError,
                botocore.exceptions.WaiterError) as exc:
            raise FixError(f"Route 53 change failed after {report.applied} changes: {exc}") from None
        return report
