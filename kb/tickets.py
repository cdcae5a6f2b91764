"""A seeded synthetic year of incident tickets, for batches, notebooks and benchmarks.

``generate_tickets(n, seed=0, year=2026)`` returns ``n`` tickets (dicts of strings, one per
column, the same for the same arguments on every machine: :class:`random.Random` with the seed,
no hash order involved), ``write_tickets(path, n, ...)`` writes them as CSV, JSON Lines or Parquet
(by the suffix), streaming, so a million tickets need no more memory than one chunk.
:data:`TICKET_MAPPING` is the mapping (``kb batch --map``) that turns a ticket into a scenario of
the built-in agreement; ``ticket_mapping_file(folder)`` writes it as YAML.

A ticket is one failure of JD Cloud's service (``{ticket}_outage``) in a pay-in-advance service
the user bought and paid, caused by one event of a realistic mix (:data:`EVENT_MIX`: network
congestion, DDoS attacks and other hacker attacks, JD Cloud's own equipment failures and staff
errors, the user's misconfigurations and applications, maintenance, floods and earthquakes ...),
with the damages the user claims. Columns (empty means "not so" or "not known"):

``ticket`` (id, ``t000001``), ``opened_on`` (a date of the year), ``event_kind`` (an
``event_kind`` value), ``suffered_by`` (``jd_cloud``, ``user`` or empty), ``lacks_quality``
(an ``fm_criterion`` the event was found to lack, mostly empty), ``breach_type``,
``outage_hours`` (how long the failure lasted; informative, no clause turns on it),
``service`` (``s0001`` ...: a few hundred services share the tickets), ``purchased_on``,
``price`` (the order-page price of the period), ``paid_on``, ``paid`` (amounts with two
decimals), ``claim_kind`` (a ``damage_kind``), ``claim`` (the amount claimed, or empty),
``readings`` (interpretations the ticket's analyst adopted, separated by ``;``: mostly empty).
"""
from __future__ import annotations

import csv
import datetime as _dt
import json
import random
from pathlib import Path
from typing import Iterator

COLUMNS = ("ticket", "opened_on", "event_kind", "suffered_by", "lacks_quality", "breach_type", "outage_hours",
           "service", "purchased_on", "price", "paid_on", "paid", "claim_kind", "claim", "readings")

# (event kind, weight, who suffers it, the failure it typically causes)
EVENT_MIX: tuple[tuple[str, int, str, str], ...] = (
    ("hackers_network_congestion", 9, "jd_cloud", "slow_access"),
    ("network_congestion", 10, "jd_cloud", "slow_access"),
    ("ddos_attack", 9, "jd_cloud", "service_interruption"),
    ("hacker_attack", 6, "jd_cloud", "data_leak"),
    ("network_intrusion", 3, "jd_cloud", "data_leak"),
    ("computer_virus", 2, "user", "data_loss"),
    ("equipment_failure", 14, "", "service_interruption"),
    ("jd_cloud_staff_error", 8, "", "service_interruption"),
    ("known_fix_not_applied", 2, "", "data_leak"),
    ("server_maintenance", 7, "", "service_interruption"),
    ("internet_path_blocking", 5, "", "slow_access"),
    ("service_defect", 4, "", "other_failure"),
    ("user_act", 8, "", "service_interruption"),  # the user's own misconfiguration
    ("user_application", 5, "", "service_interruption"),
    ("user_os_upgrade", 2, "", "service_interruption"),
    ("third_party_act", 3, "", "service_interruption"),
    ("telecom_trunk_line_interruption", 2, "jd_cloud", "service_interruption"),
    ("flood", 2, "jd_cloud", "service_interruption"),
    ("earthquake", 1, "jd_cloud", "service_interruption"),
    ("other_natural_disaster", 1, "jd_cloud", "service_interruption"),
    ("government_action", 1, "jd_cloud", "service_interruption"),
)
QUALITIES = ("unforeseeable", "insurmountable", "unavoidable", "significant_impact")
CLAIM_KINDS = (("direct_damages", 7), ("indirect_damages", 2), ("consequential_damages", 1))
PRICES = ("1200.00", "3600.00", "6000.00", "9600.00", "24000.00")

TICKET_MAPPING: dict = {
    "id": "ticket",
    "facts": [
        "event({ticket}, {event_kind})",
        "suffered({suffered_by}, {ticket})",
        "criterion_not_met({ticket}, {lacks_quality})",
        "breach(jd_cloud, {ticket}_outage)",
        "breach_type({ticket}_outage, {breach_type})",
        "breach_caused_by({ticket}_outage, {ticket})",
        "breach_concerns_service({ticket}_outage, {service})",
        "service_purchased({service}, pay_in_advance, {purchased_on})",
        "order_page_price({service}, {price})",
        "fee_payment({ticket}_pay, {service}, {paid_on}, {paid})",
        "user_claims_damages({ticket}_outage, {claim_kind}, {claim})",
    ],
    "interpretations": [],
    "interpretation_column": "readings",
}


def _ticket(rng: random.Random, number: int, year: int, services: int) -> dict[str, str]:
    kinds = [k for k, _, _, _ in EVENT_MIX]
    kind = rng.choices(kinds, weights=[w for _, w, _, _ in EVENT_MIX])[0]
    _, _, suffered, failure = next(e for e in EVENT_MIX if e[0] == kind)
    start = _dt.date(year, 1, 1).toordinal()
    days = _dt.date(year, 12, 31).toordinal() - start + 1
    opened = start + rng.randrange(days)
    service = 1 + rng.randrange(services)
    srng = random.Random(f"service-{service}-{year}")  # a service's purchase is the same on every ticket
    purchased = start - 1 - srng.randrange(365)
    price = srng.choice(PRICES)
    paid_on = purchased + srng.randrange(3)
    paid = price if srng.random() < 0.9 else f"{int(float(price) / 2)}.00"
    claim_kind = rng.choices([k for k, _ in CLAIM_KINDS], weights=[w for _, w in CLAIM_KINDS])[0]
    claim = "" if rng.random() < 0.15 else f"{rng.randrange(100, 20000)}.{rng.randrange(100):02d}"
    lacks = rng.choice(QUALITIES) if suffered and rng.random() < 0.12 else ""
    readings = "hackers_listed" if rng.random() < 0.05 else ""
    return {
        "ticket": f"t{number:06d}",
        "opened_on": _dt.date.fromordinal(opened).isoformat(),
        "event_kind": kind,
        "suffered_by": suffered,
        "lacks_quality": lacks,
        "breach_type": failure if rng.random() < 0.85 else rng.choice(("service_interruption", "slow_access",
                                                                     "data_loss", "other_failure")),
        "outage_hours": str(round(rng.lognormvariate(1.0, 1.0), 1)),
        "service": f"s{service:04d}",
        "purchased_on": _dt.date.fromordinal(purchased).isoformat(),
        "price": price,
        "paid_on": _dt.date.fromordinal(paid_on).isoformat(),
        "paid": paid,
        "claim_kind": claim_kind,
        "claim": claim,
        "readings": readings,
    }


def iter_tickets(n: int, seed: int = 0, year: int = 2026, services: int | None = None) -> Iterator[dict[str, str]]:
    """The tickets one by one (see the module doc), in the order of their numbers."""
    if n < 0:
        raise ValueError("the number of tickets must be >= 0")
    rng = random.Random(seed)
    services = services or max(1, min(500, n // 20 or 1))
    for number in range(1, n + 1):
        yield _ticket(rng, number, year, services)


def generate_tickets(n: int, seed: int = 0, year: int = 2026, services: int | None = None) -> list[dict[str, str]]:
    """``n`` synthetic tickets of ``year`` (a list of dicts of strings, columns :data:`COLUMNS`);
    the same arguments give the same tickets."""
    return list(iter_tickets(n, seed, year, services))


def write_tickets(path, n: int, seed: int = 0, year: int = 2026, chunk: int = 10_000) -> Path:
    """Write ``n`` tickets to ``path``: ``.csv``, ``.jsonl`` or ``.parquet`` (chunks of
    ``chunk`` rows, so memory stays flat). Returns the path."""
    path = Path(path)
    tickets = iter_tickets(n, seed, year)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(tickets)
    elif suffix in (".jsonl", ".ndjson"):
        with path.open("w", encoding="utf-8") as f:
            for t in tickets:
                f.write(json.dumps(t, sort_keys=True) + "\n")
    elif suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pa.schema([(c, pa.string()) for c in COLUMNS])
        with pq.ParquetWriter(path, schema) as writer:
            batch: list[dict] = []
            for t in tickets:
                batch.append(t)
                if len(batch) >= chunk:
                    writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                    batch = []
            if batch or n == 0:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
    else:
        raise ValueError(f"write tickets to .csv, .jsonl or .parquet, not {path.name}")
    return path


def ticket_mapping_yaml() -> str:
    """:data:`TICKET_MAPPING` as the text of a mapping file."""
    lines = ["# The mapping of kb.tickets' synthetic incident tickets onto the JCS for Kubernetes terms.",
             f"id: {TICKET_MAPPING['id']}", "facts:"]
    lines += [f'  - "{f}"' for f in TICKET_MAPPING["facts"]]
    lines.append("interpretations: []")
    lines.append(f"interpretation_column: {TICKET_MAPPING['interpretation_column']}")
    return "\n".join(lines) + "\n"


def ticket_mapping_file(folder) -> Path:
    """Write :func:`ticket_mapping_yaml` to ``folder/tickets_mapping.yaml`` and return its path."""
    path = Path(folder) / "tickets_mapping.yaml"
    path.write_text(ticket_mapping_yaml(), encoding="utf-8")
    return path


__all__ = ["COLUMNS", "EVENT_MIX", "TICKET_MAPPING", "generate_tickets", "iter_tickets", "ticket_mapping_file",
           "ticket_mapping_yaml", "write_tickets"]
