"""A portfolio of cases: thousands of records evaluated against the terms (``kb.batch``, ``kb batch``).

``batch(records, mapping, queries)`` turns each record (a row of a CSV, JSON Lines or Parquet file,
a pandas DataFrame, or dicts) into a scenario with a mapping (:mod:`kb.mapping`), asks each query
(a pattern such as ``liable(jd_cloud, B)``) in it, and returns a pandas DataFrame with one row per
record and query, in the records' order then the queries' order:

``record`` (the record's number, from 1), ``id`` (its id column), ``query``, ``answer`` (``yes`` or
``no``; empty for a record that failed), ``sentence`` (the kit's headline, e.g. ``No: it does
not follow that JD Cloud is liable for some failure.``), ``answers`` (the matching conclusions, as
atoms, ``; ``-separated, sorted), ``clauses`` (the deciding clause ids, see below) and ``error``
(empty, or the one-line reason the record could not be evaluated).

**Deciding clause ids.** For a *yes*, the clauses cited by the rules that concluded a matching
atom in that record (the last step of its derivation: 9.1 for ``exempt_from_liability``, not the
8.1 and 9.2 it rests on); for a *no*, the clauses cited by the exceptions that defeated a rule
which would otherwise have concluded a matching atom (9.1 for ``liable`` after an earthquake);
empty for a *no* that no rule came close to. The full explanation of one record, with every
clause it rests on, is ``agreement.evaluate(scenario_of(record)).explain(...)`` or the explorer
(:func:`scenario_of` builds the record's scenario).

**How it runs.** Records are read in chunks (``chunk_size``, default 1,000) and each chunk is
evaluated in **one clingo solve** (:mod:`kb.asp_worlds`: the program compiled with a world
argument), about 0.3 ms per record against 7-10 ms for one evaluation per record; the answers
equal the pyDatalog engine's (``tests/test_batch.py``). Chunks go to

* a local process pool by default (``workers``, default the number of CPUs; ``forkserver``
  processes, each loading the knowledge base once; ``workers=0`` evaluates in this process), or
* a Dask cluster: ``client=distributed.Client(...)`` or ``client="tcp://host:8786"`` (each chunk a
  Dask task, each worker process loading the knowledge base once and keeping it; Dask schedules
  and retries). The workers need the kit installed and, for a knowledge base other than the
  built-in one, its folder at the same path. clingo keeps every symbol it made until its process
  ends: pool workers are replaced every ``RECORDS_PER_WORKER`` records, Dask workers are not (each
  grows by about 2.3 kB per record; give long runs workers with a lifetime or a memory limit,
  which Dask enforces by restarting them).

Results come back in the records' order whatever the mode (local pool, Dask and in-process give
identical frames). At most a few chunks per worker are in flight, and ``out=`` writes the results
as they come (CSV or Parquet), so memory stays flat in the number of records (the CLI does not
keep them). A record that fails (an unknown enumeration value, a bad date, a missing id, facts
that break a constraint between facts, a number beyond clingo's 32 bits) gets its error in its
rows; the batch goes on. The frame's ``attrs["records"]`` and ``attrs["failed"]`` count them.

Isolation: a batch never evaluates with the engines of the caller's knowledge base (it reads its
program and vocabulary only), so it leaves no state there.
"""
from __future__ import annotations

import collections
import csv
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .errors import KbError, ScenarioError
from .mapping import Mapping, RecordError, load_mapping

COLUMNS = ("record", "id", "query", "answer", "sentence", "answers", "clauses", "error")
RECORD_SUFFIXES = (".csv", ".jsonl", ".ndjson", ".parquet")
RESULT_SUFFIXES = (".csv", ".parquet")


# --- what a worker needs, and what it keeps -------------------------------------------------

@dataclass(frozen=True)
class RunSpec:
    """What every chunk of one run is evaluated with (small and picklable: sent to workers)."""

    kb_root: str | None  # None: the built-in agreement
    mapping: Mapping
    queries: tuple[str, ...]


_RUNNERS: dict = {}  # per process (a pool worker, a Dask worker): (kb_root, queries) -> _Runner


def _clause_key(cid: str) -> tuple:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in cid.split("."))


class _Runner:
    """A knowledge base's program compiled for a set of queries (loaded once per process)."""

    def __init__(self, kb_root: str | None, queries: tuple[str, ...], knowledge_base=None):
        from .asp_worlds import WorldProgram
        from .explain import Explainer
        from .knowledge import load_agreement, load_knowledge_base
        from .terms import Var

        if knowledge_base is None:
            knowledge_base = load_agreement() if kb_root is None else load_knowledge_base(kb_root)
        self.kb = knowledge_base
        self.atoms = [knowledge_base.parse_pattern(q) for q in queries]
        for q, atom in zip(queries, self.atoms):
            if atom.pred not in knowledge_base.program.derived:
                raise ScenarioError(f"{atom.pred} is an input, not a conclusion: ask about what the rules derive",
                                    file="<query>", line=1)
        self.queries = queries
        explainer = Explainer(knowledge_base.program, None, knowledge_base.clauses, {})
        self.question = [explainer.show_sentence(atom, {}) for atom in self.atoms]
        self.has_vars = [any(isinstance(a, Var) for a in atom.args) for atom in self.atoms]
        self.worlds = WorldProgram(knowledge_base.program, {atom.pred for atom in self.atoms})
        self.cites = {rid: tuple(group[0].cites) for rid, group in knowledge_base.program.rules.items()}
        self.constraints = [c for c in knowledge_base.constraints if c.on_inputs]

    def facts(self, mapping: Mapping, record) -> list:
        facts = mapping.facts_of(record)
        if self.constraints:
            from .constraints import violations_in

            model: dict[str, set] = {}
            for pred, args in facts:
                model.setdefault(pred, set()).add(args)
            # only a constraint whose first pattern has facts can be broken ("never both", "requires")
            relevant = [c for c in self.constraints if c.first.pred in model]
            found = relevant and violations_in({p: frozenset(r) for p, r in model.items()}, self.kb, relevant)
            if found:
                v = found[0]
                raise RecordError(f"{v.first} and {v.second} cannot both be stated: {v.constraint.says} "
                                  f"(constraint {v.constraint.name})")
        self.worlds.check_facts(facts)
        return facts

    def run(self, mapping: Mapping, chunk: list) -> list[tuple]:
        """The result rows of a chunk of (record number, record)."""
        from .errors import EngineError

        prepared = []  # (number, id, facts or None, error)
        for number, record in chunk:
            rid = ""
            try:
                if isinstance(record, KbError):  # a line that did not parse (JSON Lines)
                    raise record
                rid = mapping.record_id(record)
                prepared.append((number, rid, self.facts(mapping, record), ""))
            except KbError as exc:
                prepared.append((number, rid, None, _one_line(exc)))
        good = [p for p in prepared if p[2] is not None]
        try:
            answers = dict(zip((p[0] for p in good), self.worlds.solve([p[2] for p in good])))
        except EngineError:  # find the record that clingo refused; the others are answered
            answers = {}
            for p in good:
                try:
                    answers[p[0]] = self.worlds.solve([p[2]])[0]
                except EngineError as exc:
                    answers[p[0]] = _one_line(exc)
        rows = []
        for number, rid, facts, error in prepared:
            found = answers.get(number)
            if isinstance(found, str):
                error = found
            for i, query in enumerate(self.queries):
                if error:
                    rows.append((number, rid, query, "", "", "", "", error))
                    continue
                rows.append((number, rid, query) + self._answer(i, found) + ("",))
        return rows

    def _answer(self, i: int, world) -> tuple[str, str, str, str]:
        from .matching import unify
        from .terms import atom_sort_key

        atom = self.atoms[i]
        pred = atom.pred
        rows = sorted((r for r in world.rows[pred] if len(r) == atom.arity and unify(atom.args, r, {}) is not None),
                      key=lambda r: atom_sort_key(pred, r))
        said = self.question[i]
        if rows:
            chosen = set(rows)
            cited = {c for rule_id, args in world.fired[pred] if args in chosen for c in self.cites[rule_id]}
            render = self.kb.vocabulary.render
            return ("yes", f"Yes: {said}.", "; ".join(render(pred, r) for r in rows),
                    ", ".join(sorted(cited, key=_clause_key)))
        cited = {c for exc, args in world.defeated[pred] if unify(atom.args, args, {}) is not None
                 for c in self.cites[exc]}
        return "no", f"No: it does not follow that {said}.", "", ", ".join(sorted(cited, key=_clause_key))


def _one_line(exc: Exception) -> str:
    if isinstance(exc, KbError):
        return str(exc)
    return " ".join(f"{type(exc).__name__}: {exc}".split())


def _runner(spec: RunSpec) -> _Runner:
    key = (spec.kb_root, spec.queries)
    runner = _RUNNERS.get(key)
    if runner is None:
        runner = _Runner(spec.kb_root, spec.queries)
        _RUNNERS.clear()  # one run at a time per process: keep only the latest
        _RUNNERS[key] = runner
    return runner


def evaluate_chunk(spec: RunSpec, chunk: list) -> list[tuple]:
    """Evaluate a chunk of (record number, record) in this process (the task a pool or Dask
    worker runs; the knowledge base is loaded on the first call and kept)."""
    return _runner(spec).run(spec.mapping, chunk)


_WORKER_SPEC: RunSpec | None = None


def _init_worker(spec: RunSpec) -> None:
    global _WORKER_SPEC
    _WORKER_SPEC = spec
    _runner(spec)  # load the knowledge base once, now


def _pool_task(chunk: list) -> list[tuple]:
    return evaluate_chunk(_WORKER_SPEC, chunk)


# --- reading records ---------------------------------------------------------------------------

@dataclass
class _Source:
    records: Iterator  # of (number, record)
    columns: tuple[str, ...] | None  # known before reading (a header, a schema)
    total: int | None
    name: str


def _open_records(records, chunk_size: int) -> _Source:
    """The records as (number, record) pairs, streamed from a file or taken from a frame/list."""
    if isinstance(records, (str, Path)):
        path = Path(records)
        name = str(records)
        suffix = path.suffix.lower()
        if suffix not in RECORD_SUFFIXES:
            raise ScenarioError(f"records must be a .csv, .jsonl or .parquet file, not '{path.name}'", file=name)
        if not path.is_file():
            raise ScenarioError("no such records file", file=name)
        if suffix == ".csv":
            f = path.open(newline="", encoding="utf-8-sig")
            reader = csv.DictReader(f)
            try:
                header = tuple(reader.fieldnames or ())
            except (UnicodeDecodeError, csv.Error) as exc:
                f.close()
                raise ScenarioError(f"cannot read the CSV header: {exc}", file=name, line=1) from None

            def rows():
                with f:
                    number = 0
                    try:
                        for number, row in enumerate(reader, start=1):
                            row.pop(None, None)  # values beyond the header
                            yield number, row
                    except (UnicodeDecodeError, csv.Error) as exc:
                        yield number + 1, RecordError(f"{name}: row {number + 1}: cannot be read ({exc}); "
                                                      f"reading stopped here")
            return _Source(rows(), header, None, name)
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            try:
                pf = pq.ParquetFile(path)
            except Exception as exc:  # pyarrow's own errors: a file that is not Parquet
                raise ScenarioError(f"cannot read the Parquet file: {' '.join(str(exc).split())}", file=name) from None

            def rows():
                number = 0
                for batch in pf.iter_batches(batch_size=chunk_size):
                    for row in batch.to_pylist():
                        number += 1
                        yield number, row
            return _Source(rows(), tuple(pf.schema_arrow.names), pf.metadata.num_rows, name)

        def lines():
            with path.open(encoding="utf-8") as f:
                for number, line in enumerate(f, start=1):
                    if not line.strip():
                        continue
                    try:
                        value = json.loads(line)
                    except ValueError as exc:
                        yield number, RecordError(f"line {number} is not JSON: {exc}")
                        continue
                    if not isinstance(value, dict):
                        value = RecordError(f"line {number} is not a JSON object")
                    yield number, value
        return _Source(lines(), None, None, name)
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover
        pd = None
    if pd is not None and isinstance(records, pd.DataFrame):
        frame = records
        columns = tuple(str(c) for c in frame.columns)

        def frame_rows():
            number = 0
            for start in range(0, len(frame), chunk_size):
                for row in frame.iloc[start:start + chunk_size].to_dict("records"):
                    number += 1
                    yield number, {str(k): v for k, v in row.items()}
        return _Source(frame_rows(), columns, len(frame), "<DataFrame>")
    if isinstance(records, dict):
        raise ScenarioError("records must be a list of dicts, a DataFrame or a file, not one dict")
    total = len(records) if hasattr(records, "__len__") else None
    return _Source(((i, r) for i, r in enumerate(records, start=1)), None, total, "<records>")


def _chunks(source: _Source, size: int) -> Iterator[list]:
    chunk = []
    for item in source.records:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --- writing results -----------------------------------------------------------------------

class _Writer:
    """Results written as they come: CSV (the csv module) or Parquet (a pyarrow writer)."""

    def __init__(self, path: Path):
        self.path = path
        self.suffix = path.suffix.lower()
        if self.suffix not in RESULT_SUFFIXES:
            raise ScenarioError(f"results are written to .csv or .parquet, not '{path.name}'", file=str(path))
        self._file = None
        self._writer = None

    def write(self, rows: list[tuple]) -> None:
        if self.suffix == ".csv":
            if self._writer is None:
                self._file = self.path.open("w", newline="", encoding="utf-8")
                self._writer = csv.writer(self._file)
                self._writer.writerow(COLUMNS)
            self._writer.writerows(rows)
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pa.schema([("record", pa.int64())] + [(c, pa.string()) for c in COLUMNS[1:]])
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, schema)
        cols = list(zip(*rows)) if rows else [[] for _ in COLUMNS]
        self._writer.write_table(pa.Table.from_arrays([pa.array(list(c), type=t.type) for c, t in zip(cols, schema)],
                                                      schema=schema))

    def close(self) -> None:
        if self._writer is None:
            self.write([])
        if self.suffix == ".csv":
            self._file.close()
        else:
            self._writer.close()


# --- the run ---------------------------------------------------------------------------------

RECORDS_PER_WORKER = 20_000  # a pool worker is replaced after this many records (see _local_executor)


def _local_executor(spec: RunSpec, workers: int, chunk_size: int):
    """The local pool: ``forkserver`` (or ``spawn``) processes, never ``fork`` (pyDatalog and clingo
    state), each loading the knowledge base once in its initializer. clingo keeps every symbol it
    has ever made (names, tuples, ground atoms) until the process ends, so a worker's memory grows
    with the distinct values it has seen (about 4 kB per record): each worker is replaced after
    ``RECORDS_PER_WORKER`` records, which bounds it at about 150 MB for a few percent of time."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method),
                               initializer=_init_worker, initargs=(spec,),
                               max_tasks_per_child=max(1, RECORDS_PER_WORKER // chunk_size))


def _client_of(client):
    if isinstance(client, str):
        from distributed import Client

        return Client(client), True
    return client, False


def run_batch(records, mapping, queries, *, client=None, knowledge_base=None, interpretations=None,
              workers: int | None = None, chunk_size: int = 1000, out=None, keep: bool = True,
              progress=None) -> tuple[list[tuple], int, int]:
    """The engine of :func:`batch` and of ``kb batch``: (result rows if ``keep``, records, failed).
    Bad input (mapping, queries, records file, output path) raises a KbError before any record
    runs; a bad record only marks its rows."""
    from .knowledge import KnowledgeBase, load_agreement, load_knowledge_base

    if isinstance(queries, str):
        queries = [queries]
    queries = tuple(" ".join(q.split()) for q in queries)
    if not queries:
        raise ScenarioError("give at least one query, e.g. 'liable(jd_cloud, B)'", file="<query>")
    if chunk_size < 1:
        raise ScenarioError("chunk_size must be at least 1")
    if isinstance(knowledge_base, KnowledgeBase):
        kbase, root = knowledge_base, str(knowledge_base.root)
    elif knowledge_base is None:
        kbase, root = load_agreement(), None
    else:
        root = str(Path(knowledge_base).resolve())
        kbase = load_knowledge_base(root)
    mapping = load_mapping(mapping, kbase.vocabulary)
    if interpretations is not None:
        mapping = mapping.with_interpretations(interpretations)
    spec = RunSpec(root, mapping, queries)
    local = _Runner(root, queries, knowledge_base=kbase)  # checks the queries now; evaluates in-process
    _RUNNERS.clear()
    _RUNNERS[(root, queries)] = local
    writer = _Writer(Path(out)) if out is not None else None
    source = _open_records(records, chunk_size)
    if source.columns is not None:
        mapping.check_columns(source.columns, source.name)

    kept: list[tuple] = []
    done = failed = 0
    report = _progress(progress, source.total)

    def take(rows: list[tuple]) -> None:
        nonlocal done, failed
        n_queries = len(queries)
        records_here = len(rows) // n_queries
        failed_here = sum(1 for r in rows[::n_queries] if r[7])
        done += records_here
        failed += failed_here
        if writer is not None:
            writer.write(rows)
        if keep:
            kept.extend(rows)
        report(done, failed)

    chunks = _chunks(source, chunk_size)
    try:
        if client is not None:
            dask_client, own = _client_of(client)
            try:
                n = max(1, len(dask_client.scheduler_info().get("workers", {})))
                _windowed(lambda chunk: dask_client.submit(evaluate_chunk, spec, chunk, pure=False),
                          chunks, 4 * n, take)
            finally:
                if own:
                    dask_client.close()
        else:
            workers = (os.cpu_count() or 1) if workers is None else workers
            first = list(_take(chunks, 2))
            if workers <= 1 or len(first) < 2:
                for chunk in first:
                    take(local.run(mapping, chunk))
                for chunk in chunks:
                    take(local.run(mapping, chunk))
            else:
                with _local_executor(spec, workers, chunk_size) as pool:
                    _windowed(lambda chunk: pool.submit(_pool_task, chunk), _chain(first, chunks), 3 * workers, take)
    finally:
        if writer is not None:
            writer.close()
        report(done, failed, final=True)
    return kept, done, failed


def _take(iterator, n):
    for _ in range(n):
        try:
            yield next(iterator)
        except StopIteration:
            return


def _chain(first, rest):
    yield from first
    yield from rest


def _windowed(submit, chunks, window: int, take) -> None:
    """Submit chunks keeping at most ``window`` in flight; hand results over in submission order
    (the records' order). Scheduling and retries are the executor's (the pool's, Dask's)."""
    pending = collections.deque()
    for chunk in chunks:
        pending.append(submit(chunk))
        if len(pending) >= window:
            take(pending.popleft().result())
    while pending:
        take(pending.popleft().result())


def _progress(progress, total):
    """A callback (done, failed, final=False): tqdm.auto for ``True``, a caller's callable, or
    nothing."""
    if progress is None or progress is False:
        return lambda done, failed, final=False: None
    if callable(progress) and progress is not True:
        return progress
    from tqdm.auto import tqdm

    bar = tqdm(total=total, unit="records", desc="batch")
    state = {"done": 0}

    def update(done, failed, final=False):
        bar.update(done - state["done"])
        state["done"] = done
        bar.set_postfix(failed=failed, refresh=False)
        if final:
            bar.close()
    return update


def stderr_progress(stream=None):
    """A progress callback that rewrites one line on stderr: records done, failed, rate."""
    stream = stream or sys.stderr
    start = time.perf_counter()

    def update(done, failed, final=False):
        rate = done / max(time.perf_counter() - start, 1e-9)
        stream.write(f"\rbatch: {done} records, {failed} failed, {rate:,.0f} records/s")
        if final:
            stream.write("\n")
        stream.flush()
    return update


def batch(records, mapping, queries, client=None, *, knowledge_base=None, interpretations=None,
          workers: int | None = None, chunk_size: int = 1000, out=None, progress=True):
    """Evaluate every record against the terms and answer every query in it: a pandas DataFrame,
    one row per record and query (see the module doc for the columns and how it runs).

    ``records``: a .csv/.jsonl/.parquet path, a DataFrame, or a list of dicts; ``mapping``: a
    mapping file, its YAML text, a dict, or a :class:`kb.mapping.Mapping`; ``queries``: a pattern
    or a list of them; ``client``: a ``distributed.Client`` or a scheduler address (Dask), else a
    local process pool of ``workers`` (0: this process); ``knowledge_base``: a KnowledgeBase or
    folder (the built-in agreement by default); ``interpretations``: readings for the whole run,
    replacing the mapping's; ``out``: also write the results (.csv or .parquet) as they come;
    ``progress``: a tqdm.auto bar (True), none (False), or a callable(done, failed, final=False)."""
    import pandas as pd

    rows, done, failed = run_batch(records, mapping, queries, client=client, knowledge_base=knowledge_base,
                                   interpretations=interpretations, workers=workers, chunk_size=chunk_size,
                                   out=out, progress=progress)
    frame = pd.DataFrame.from_records(rows, columns=list(COLUMNS))
    frame["record"] = frame["record"].astype("int64")
    frame.attrs["records"] = done
    frame.attrs["failed"] = failed
    return frame


def scenario_of(record: dict, mapping, knowledge_base=None, *, interpretations=None, name: str | None = None):
    """The scenario of one record (for the full explanation, the memo or the explorer): the facts
    the mapping gives it, checked like any scenario's. A KbError if the record is bad."""
    from .knowledge import load_agreement

    kbase = knowledge_base if knowledge_base is not None else load_agreement()
    mapping = load_mapping(mapping, kbase.vocabulary)
    if interpretations is not None:
        mapping = mapping.with_interpretations(interpretations)
    facts = mapping.facts_of(record)
    render = kbase.vocabulary.render
    return kbase.scenario([render(*f) for f in facts], name=name or f"record {mapping.record_id(record)}")


__all__ = ["COLUMNS", "RunSpec", "batch", "evaluate_chunk", "run_batch", "scenario_of", "stderr_progress"]


class _CallableModule(type(sys)):
    """``kb.batch`` is this module and the function at once: ``import kb`` stays light (the module
    is imported on first use, see ``kb.__getattr__``), and ``kb.batch(records, mapping, queries)``
    calls :func:`batch` whether ``kb.batch`` was reached as an attribute or imported as a module."""

    def __call__(self, records, mapping, queries, client=None, **options):
        return batch(records, mapping, queries, client, **options)


sys.modules[__name__].__class__ = _CallableModule
