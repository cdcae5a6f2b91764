"""Clause coverage: every clause encoded by rules, or deliberately left out with a reason."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ClauseCoverage:
    clause: str
    status: str  # "encoded", "omitted", "pending" (reason starts with "pending"), "unaccounted"
    rules: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class Coverage:
    entries: tuple[ClauseCoverage, ...]

    def by_status(self, status: str) -> list[ClauseCoverage]:
        return [e for e in self.entries if e.status == status]

    @property
    def accounted_percent(self) -> float:
        """Share of clauses encoded or omitted with a reason (pending ones are not accounted yet)."""
        if not self.entries:
            return 100.0
        return 100.0 * sum(e.status in ("encoded", "omitted") for e in self.entries) / len(self.entries)

    def to_text(self) -> str:
        total = len(self.entries)
        enc, omi, pen, una = (len(self.by_status(s)) for s in ("encoded", "omitted", "pending", "unaccounted"))
        lines = [f"clauses: {total} (preamble and numbered clauses)",
                 f"encoded: {enc}, omitted with a reason: {omi}, pending: {pen}, unaccounted: {una}",
                 f"accounted: {self.accounted_percent:.1f}%"]
        for e in self.entries:
            if e.status == "encoded":
                lines.append(f"  {e.clause:<12} encoded by {', '.join(e.rules)}")
            elif e.status in ("omitted", "pending"):
                lines.append(f"  {e.clause:<12} {e.status}: {e.reason.removeprefix('pending:').strip()}")
            else:
                lines.append(f"  {e.clause:<12} UNACCOUNTED: no rule and no recorded reason")
        return "\n".join(lines)


def coverage(kb) -> Coverage:
    """Coverage of the preamble and every numbered clause, in document order."""
    citing: dict[str, set[str]] = {}
    for rule in kb.program.all_rules():
        for cid in rule.cites:
            citing.setdefault(cid, set()).add(rule.id)
    for param in kb.program.params.values():
        for cid in param.cites:
            citing.setdefault(cid, set()).add(f"${param.name}")
    entries = []
    for clause in kb.clauses:
        if not (clause.numbered or clause.kind == "preamble"):
            continue
        cid = clause.id
        if cid in citing:
            entries.append(ClauseCoverage(cid, "encoded", tuple(sorted(citing[cid]))))
        elif cid in kb.omissions:
            reason = kb.omissions[cid]
            status = "pending" if reason.lower().startswith("pending") else "omitted"
            entries.append(ClauseCoverage(cid, status, reason=reason))
        else:
            entries.append(ClauseCoverage(cid, "unaccounted"))
    return Coverage(tuple(entries))
