"""Command line: ``python -m kb ask|memo|test|check|clause|interpretations|vocabulary|schema|graph|
review-packet|audit|amend|batch`` (installed as the ``kb`` command too, which a folder named ``kb``
in the working directory cannot shadow).

Facts, conclusions, answers and explanations print as sentences (from the vocabulary's ``says:``
templates); ``--atoms`` (before the command, or after ``ask``/``test``) prints them as
atoms, as written in rules and scenarios. ``--json`` output carries both forms. ``memo`` writes a
legal memo (:mod:`kb.memo`) as Markdown or HTML.

Errors in the input are reported as one readable line on stderr with exit
code 2; ``test`` exits 1 when an expectation fails, ``batch`` when a record failed. No command
overwrites an existing output file unless told to (``--force``).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from .errors import KbError, ScenarioError
from .knowledge import DEFAULT_AGREEMENT, KnowledgeBase, load_agreement, load_knowledge_base
from .textsafe import one_line


def _kb(args) -> KnowledgeBase:
    backend = getattr(args, "backend", "pydatalog")
    if args.kb:
        return load_knowledge_base(Path(args.kb), backend=backend)
    return load_agreement(args.agreement, backend=backend)


def _atoms(args) -> bool:
    return bool(getattr(args, "atoms", False) or getattr(args, "global_atoms", False))


def violation_sentence(result, v) -> str:
    """A violated constraint, its two conclusions as sentences."""
    def said(text: str) -> str:
        try:
            atom = result.kb.parse_pattern(text)
        except KbError:
            return text
        return result.explainer.show_sentence(atom, {})

    return v.describe(said)


def cmd_ask(args) -> int:
    from .constraints import violations
    from .sentences import standalone

    kb = _kb(args)
    atoms = _atoms(args)
    result = kb.evaluate(kb.load_scenario(args.scenario))
    if args.query:
        return _print_answers(result, [result.answer(q) for q in args.query], args)
    conclusions = result.conclusions
    open_rows = result.open_conclusions
    if args.json:
        # "conclusions", "standing", "in_question": the atoms, as before; "*_sentences": both forms
        payload = {"scenario": result.scenario.name, "conclusions": [c.text for c in conclusions],
                   "standing": [c.text for c in result.standing],
                   "conclusion_sentences": conclusions.to_json(),
                   "standing_sentences": result.standing.to_json()}
        if result.scenario.unknown:
            payload["in_question"] = result.in_question
            payload["in_question_sentences"] = [{"atom": a, "sentence": t}
                                                for a, t in result.fact_sentences()["in question"]]
            payload["open"] = [r.to_json() for r in open_rows]
        inconsistent = violations(result)
        if inconsistent:
            payload["inconsistent"] = [str(v) for v in inconsistent]
            payload["inconsistent_sentences"] = [violation_sentence(result, v) for v in inconsistent]
        if args.explain:
            payload["explanations"] = [result.explain(c).to_json() for c in conclusions]
            if open_rows:
                payload["open_explanations"] = [result.explain(r.conclusion).to_json() for r in open_rows]
        print(json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False))
        return 0
    def shown(c) -> str:
        return c.text if atoms else standalone(str(c), c.text)

    print(f"scenario: {one_line(result.scenario.name)}")  # input never printed raw (kb.textsafe)
    if result.scenario.unknown:
        print(f"facts in question ({len(result.in_question)}):")
        for atom, text in result.fact_sentences()["in question"]:
            print(f"  {atom if atoms else standalone(text, atom)}")
    specific, standing = result.specific, result.standing
    print(f"conclusions from the facts ({len(specific)}):")
    for c in specific:
        print(f"  {shown(c)}")
    inconsistent = violations(result)
    if inconsistent:
        print(f"INCONSISTENT: conclusions that cannot both be true ({len(inconsistent)}):")
        for v in inconsistent:
            print(f"  {v if atoms else violation_sentence(result, v)}")
    if result.scenario.unknown:
        print(f"open conclusions, which depend on the facts in question ({len(open_rows)}):")
        for row in open_rows:
            print(f"  {row.text if atoms else standalone(row.sentence, row.text)}")
            for condition in row.holds_if:
                print(f"    holds if {condition.to_text(atoms)}")
            for condition in row.fails_if:
                print(f"    does not hold if {condition.to_text(atoms)}")
    print(f"standing conclusions, which hold without any fact ({len(standing)}):")
    for c in standing:
        print(f"  {shown(c)}")
    if args.explain:
        for c in conclusions + [r.conclusion for r in open_rows]:
            print()
            print(result.explain(c).to_text(atoms=atoms, verbose=args.verbose))
    return 0


def _print_answers(result, answers, args) -> int:
    """Each question's three-valued answer, with its explanations when asked (each answer that
    holds or is open explained; a question with no answer gets its why-not)."""
    def explanations(answer):
        if answer.value == "no":
            return [result.why_not(answer.query)], True
        return [result.explain(r.conclusion) for r in answer.rows], False

    if args.json:
        out = []
        for answer in answers:
            item = answer.to_json()
            if args.explain:
                found, why_not = explanations(answer)
                item["why_not" if why_not else "explanations"] = found[0].to_json() if why_not \
                    else [e.to_json() for e in found]
            out.append(item)
        print(json.dumps({"scenario": result.scenario.name, "answers": out}, indent=2, sort_keys=True,
                         ensure_ascii=False))
        return 0
    atoms = _atoms(args)
    for i, answer in enumerate(answers):
        if i and args.explain:
            print()
        print(answer.to_text(atoms=atoms))
        if args.explain:
            for e in explanations(answer)[0]:
                print()
                print(e.to_text(atoms=atoms, verbose=args.verbose))
    return 0


def cmd_memo(args) -> int:
    """Write (or print) a legal memo: Markdown or HTML from the file name; never overwrite a file
    unless --force."""
    out = Path(args.out) if args.out else None
    if out is not None:
        suffix = out.suffix.lower()
        if suffix not in (".md", ".markdown", ".html", ".htm"):
            raise KbError(f"{args.out}: the memo is written as Markdown (.md) or HTML (.html); "
                          f"give a file name ending in one of them")
        if out.exists() and not args.force:
            raise KbError(f"{args.out} exists: the memo does not overwrite a file (add --force to replace it)")
    kb = _kb(args)
    result = kb.evaluate(kb.load_scenario(args.scenario))
    memo = result.memo(args.query, max_readings=args.max_readings)
    if out is None:
        sys.stdout.write(memo.to_markdown())
        return 0
    try:
        memo.save(out, force=args.force)
    except FileExistsError:
        raise KbError(f"{args.out} exists: the memo does not overwrite a file (add --force to replace it)") from None
    print(f"wrote {out}")
    return 0


def cmd_test(args) -> int:
    from .testing import run_scenario_files

    kb = _kb(args)
    paths = [Path(p) for p in args.paths] if args.paths else kb.scenario_files()
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted(p.glob("*.yaml")))
        elif p.exists():
            files.append(p)
        else:
            raise ScenarioError("file not found", file=str(p))
    if args.load_only:
        return _load_only(kb, files)
    report = run_scenario_files(kb, files)
    print(report.to_text(atoms=_atoms(args), errors=False))
    for invalid in report.invalid:  # bad input: its error on stderr, and exit 2 (not 1, a failed expectation)
        print(one_line(f"error: {invalid.error.removeprefix('error: ')}"), file=sys.stderr)
    return 2 if report.invalid else 0 if report.ok else 1


def _load_only(kb: KnowledgeBase, files: list[Path]) -> int:
    """Load each scenario file (vocabulary, types, dates, expectations) without evaluating it: a
    blind reviewer checks its files without seeing an answer. Exit 2 if one does not load."""
    invalid = 0
    for path in files:
        try:
            scenario = kb.load_scenario(path)
        except KbError as exc:
            invalid += 1
            print(f"invalid {exc}")
            continue
        if not scenario.expectations:
            invalid += 1
            print(f"invalid {path}: the scenario has no expectations (add expect: holds / does_not_hold / open)")
            continue
        print(f"loads   {path}")
    print(f"{len(files) - invalid} load, {invalid} invalid")
    return 2 if invalid else 0


def cmd_review_packet(args) -> int:
    from .review import write_review_packet

    for path in write_review_packet(_kb(args), args.folder, minimum=args.minimum):
        print(path)
    return 0


def cmd_check(args) -> int:
    kb = _kb(args)
    rules = kb.program.all_rules()
    head = (f"{kb.title}: {len(kb.clauses.numbered_ids())} numbered clauses, "
            f"{len({r.id for r in rules})} rules, {len(kb.program.params)} parameters, "
            f"{len(kb.vocabulary.inputs)} inputs, {len(kb.vocabulary.conclusions)} conclusions")
    missing = kb.vocabulary.missing_sentences()
    if missing:
        # an analyst reads sentences: a predicate, value or reading without its words is incomplete
        print(f"{head}: {len(missing)} without the words an analyst reads (says:, label:, title:)")
        print("\n".join(f"  {line}" for line in missing))
        return 1
    print(f"{head}: all checks passed")
    print(_sentences_text(kb))
    print(_areas_text(kb))
    print(_constraints_text(kb))
    print(kb.coverage().to_text())
    return 0


def _sentences_text(kb) -> str:
    vocab = kb.vocabulary
    values = sum(len(t.values) for n, t in vocab.types.items() if n != "interpretation")
    return (f"sentences: {len(vocab.all_decls())} predicates, {values} values and {len(vocab.interpretations)} "
            f"interpretations have their words (says:, label:, title:)")


def _constraints_text(kb) -> str:
    """The declared constraints, and the violations found over every shipped scenario (each case of
    its facts in question included): conclusions that cannot both be true never both hold."""
    from .constraints import violations

    if not kb.constraints:
        return "constraints: none declared"
    found = []
    files = kb.scenario_files()
    for path in files:
        result = kb.evaluate(kb.load_scenario(path))
        found += [f"    {Path(path).name}: {v}" for v in violations(result)]
    on_facts = sum(c.on_inputs for c in kb.constraints)
    lines = [f"constraints ({len(kb.constraints)}; {on_facts} between stated facts, refused when a scenario loads): "
             f"{len(found)} violation{'s' if len(found) != 1 else ''} over {len(files)} shipped scenarios"]
    for c in kb.constraints:
        lines.append(f"  {c.name} [{', '.join(c.clauses)}]: {c.text}")
    return "\n".join(lines + found)


def _areas_text(kb) -> str:
    """One line per area of the vocabulary: what it declares, the rules of its rule file and its
    scenarios (files named after the area)."""
    vocab = kb.vocabulary
    decls = [d for d in vocab.all_decls() if d.area != "interpretation"]
    areas = sorted({d.area for d in decls} | set(vocab.areas))
    rule_ids: dict[str, set] = {}
    for r in kb.program.all_rules():
        rule_ids.setdefault(Path(r.file).stem, set()).add(r.id)
    scenario_names = [p.stem for p in kb.scenario_files()]
    width = max(len(a) for a in areas)
    lines = [f"areas ({len(areas)}): each has vocabulary/<area>.yaml, its rules in rules/<area>.dl, "
             f"its scenarios named <area>_*.yaml"]
    for area in areas:
        inputs = sum(d.area == area and d.role == "input" for d in decls)
        conclusions = sum(d.area == area and d.role == "conclusion" for d in decls)
        scenarios = sum(n.startswith(area + "_") for n in scenario_names)
        lines.append(f"  {area.ljust(width)}  {inputs} inputs, {conclusions} conclusions, "
                     f"{len(rule_ids.get(area, ()))} rules, {scenarios} scenarios: {vocab.areas.get(area, '')}")
    return "\n".join(lines)


def cmd_clause(args) -> int:
    kb = _kb(args)
    clause = kb.clause(args.id)
    print(f"{clause.id}{' ' + clause.heading if clause.heading else ''}  ({kb.clauses.source}:{clause.line})")
    if clause.text:
        print(clause.text)
    for child in clause.children:
        c = kb.clause(child)
        print(f"  {c.id}{' ' + c.heading if c.heading else ''}{': ' + c.text if c.text else ''}")
    return 0


def cmd_interpretations(args) -> int:
    kb = _kb(args)
    readings = kb.interpretations()
    if not readings:
        print("no interpretations declared")
        return 0
    if args.markdown:
        print(interpretations_markdown(readings))
        return 0
    from .review import interpretations_text

    sys.stdout.write(interpretations_text(readings))
    return 0


def interpretations_markdown(readings: list[dict]) -> str:
    """The interpretations as the knowledge base README lists them, generated from the
    vocabulary so that the README never drifts from it (a test compares the two)."""
    blocks = []
    for item in readings:
        blocks.append("\n".join([
            f"### `{item['name']}` ({', '.join(item['clauses'])})", "",
            f"*{item['question']}*", "",
            f"- **Default:** {item['default']}",
            f"- **Alternative:** {item['alternative']}",
            f"- Consulted by: {', '.join(f'`{r}`' for r in item['rules'])}"]))
    return "\n\n".join(blocks)


def cmd_graph(args) -> int:
    from . import graph

    if args.out and not args.out.lower().endswith(".svg"):
        raise KbError(f"{args.out}: the graph command draws SVG; give a file name ending in .svg")
    kb = _kb(args)
    g = graph.clause_graph(kb)
    if args.clause is not None:
        clause = kb.clause(args.clause).id  # UnknownClauseError (exit 2) for an unknown clause
        if args.impact:
            edges = graph.impact_edges(g, clause)
            nodes = {n for e in edges for n in e} | {clause}
            svg = graph.render_svg(g, nodes, highlight=[clause], edges=edges, kinds=graph.KINDS,
                                   title=f"{kb.title}: what an amendment of {clause} could change")
        else:
            sub = graph.neighbourhood(g, clause, radius=args.radius)
            svg = graph.render_svg(sub, highlight=[clause],
                                   title=f"{kb.title}: clause {clause}, radius {args.radius}")
    elif args.impact:
        raise KbError("--impact needs --clause: the clause whose amendment you ask about")
    elif args.all:
        svg = graph.render_svg(g, title=kb.title)
    else:
        svg = graph.render_svg(graph.section_graph(g), kinds=graph.DEPENDENCY_KINDS,
                               title=f"{kb.title}: sections and how their clauses depend on each other")
    if args.out:
        _save(args.out, svg, args.force)
    else:
        sys.stdout.write(svg)
    return 0


def cmd_vocabulary(args) -> int:
    found = _kb(args).catalogue(area=args.area, search=args.search)
    if args.json:
        print(json.dumps(found.to_json(), indent=2, sort_keys=True, ensure_ascii=False))
    else:
        print(found.to_text())
    return 0


def cmd_schema(args) -> int:
    print(json.dumps(_kb(args).json_schema(), indent=2, sort_keys=True, ensure_ascii=False))
    return 0


def _save(path, text: str, force: bool) -> None:
    """Write an output file: never over an existing one unless ``force`` (kb.files: atomic)."""
    from .files import write_new, write_replace

    try:
        write_replace(path, text) if force else write_new(path, text)
    except FileExistsError:
        raise KbError(f"{path} exists: it is not overwritten (add --force to replace it)") from None


def _seconds(text: str) -> int:
    """A positive whole number of seconds."""
    value = _non_negative(text)
    if value == 0:
        raise argparse.ArgumentTypeError("0 seconds: give 1 or more")
    return value


def _non_negative(text: str) -> int:
    """A whole number of at most 9 ASCII digits (``int`` alone would read '١٢' as 12)."""
    if not re.fullmatch(r"-?[0-9]{1,9}", text.strip()):
        shown = text if len(text) <= 20 else text[:20] + "..."
        raise argparse.ArgumentTypeError(f"'{shown}' is not a whole number of at most 9 digits (0-9)")
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative: give 0 or more")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m kb", description="Ask an agreement questions.")
    parser.add_argument("--agreement", default=DEFAULT_AGREEMENT, help="built-in agreement (default: %(default)s)")
    parser.add_argument("--kb", help="folder of another knowledge base (with agreement.yaml)")
    parser.add_argument("--backend", choices=("pydatalog", "clingo"), default="pydatalog",
                        help="the engine that evaluates the rules (default: %(default)s; clingo: the same answers, "
                             "32-bit numbers)")
    parser.add_argument("--atoms", dest="global_atoms", action="store_true",
                        help="print facts and conclusions as atoms (as written in rules), not sentences")
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="evaluate a scenario: all conclusions, or the answers to --query")
    ask.add_argument("scenario")
    ask.add_argument("--query", action="append",
                     help="a question such as 'liable(jd_cloud, B)' (repeat for several): yes, no or open")
    ask.add_argument("--explain", action="store_true", help="explain each answer (why / why not)")
    ask.add_argument("--verbose", action="store_true",
                     help="with --explain: list every exception that did not apply, with its reason")
    ask.add_argument("--atoms", action="store_true", help="print atoms instead of sentences")
    ask.add_argument("--json", action="store_true", help="print JSON (with both the atom and the sentence)")
    ask.set_defaults(func=cmd_ask)
    memo = sub.add_parser("memo", help="write a legal memo answering a question about a scenario")
    memo.add_argument("scenario")
    memo.add_argument("--query", action="append", required=True,
                      help="the question, such as 'exempt_from_liability(jd_cloud, outage)' (repeat for several)")
    memo.add_argument("--out", help="file to write: FILE.md (Markdown) or FILE.html (default: print Markdown)")
    memo.add_argument("--force", action="store_true", help="replace the --out file if it exists")
    memo.add_argument("--max-readings", type=_non_negative, default=20,
                      help="the most interpretations evaluated under their other reading (default: %(default)s)")
    memo.set_defaults(func=cmd_memo)
    test = sub.add_parser("test", help="run the expectations of scenario files (default: the agreement's)")
    test.add_argument("--atoms", action="store_true", help="show facts and conclusions as atoms in the report")
    test.add_argument("paths", nargs="*")
    test.add_argument("--load-only", action="store_true",
                      help="only check that the files load (for a blind reviewer: shows no answer)")
    test.set_defaults(func=cmd_test)
    packet = sub.add_parser("review-packet", help="write what a blind reviewer may read (the text, the "
                                                  "vocabulary, the interpretations, a brief) into a folder")
    packet.add_argument("folder")
    packet.add_argument("--minimum", type=_non_negative, default=60,
                        help="the number of cases the brief asks for (default: %(default)s)")
    packet.set_defaults(func=cmd_review_packet)
    check = sub.add_parser("check", help="load and lint the knowledge base; print clause coverage")
    check.set_defaults(func=cmd_check)
    clause = sub.add_parser("clause", help="print a clause")
    clause.add_argument("id")
    clause.set_defaults(func=cmd_clause)
    interp = sub.add_parser("interpretations", help="list the named interpretations of ambiguous passages")
    interp.add_argument("--markdown", action="store_true",
                        help="print them as the knowledge base README lists them (one section each)")
    interp.set_defaults(func=cmd_interpretations)
    vocabulary = sub.add_parser("vocabulary", help="the vocabulary as a catalogue: what a scenario may state, "
                                                   "what the rules conclude, the values of each type")
    vocabulary.add_argument("--area", help="only this area (e.g. termination)")
    vocabulary.add_argument("--search", help="only what mentions this word (name, documentation, values)")
    vocabulary.add_argument("--json", action="store_true", help="print JSON")
    vocabulary.set_defaults(func=cmd_vocabulary)
    schema = sub.add_parser("schema", help="print the JSON Schema of scenario files (for machines)")
    schema.set_defaults(func=cmd_schema)
    graph = sub.add_parser("graph", help="draw the clause dependency graph (or a clause's neighbourhood) as SVG")
    graph.add_argument("--clause", help="draw the neighbourhood of this clause (default: the sections at a glance)")
    graph.add_argument("--impact", action="store_true",
                       help="with --clause: draw what an amendment of the clause could change, and why")
    graph.add_argument("--all", action="store_true", help="draw every clause and conclusion (large)")
    graph.add_argument("--radius", type=_non_negative, default=1,
                       help="neighbourhood radius in edges (default: %(default)s)")
    graph.add_argument("--out", help="SVG file to write (default: standard output)")
    graph.add_argument("--force", action="store_true", help="replace the --out file if it exists")
    graph.set_defaults(func=cmd_graph)
    audit = sub.add_parser("audit", help="search every small scenario for contradictions, gaps, dead rules "
                                         "(bounded, by clingo)")
    audit.add_argument("--json", action="store_true", help="print the findings as JSON")
    audit.add_argument("--witnesses", metavar="DIR", help="write each finding's witness scenario to DIR")
    audit.add_argument("--scope", default="1", help="names per id in the search (1-4, default: %(default)s)")
    audit.add_argument("--interpretations", action="store_true",
                       help="also search which conclusions each interpretation can change (minutes)")
    audit.add_argument("--interpretation", action="append", metavar="NAME",
                       help="search what this interpretation can change (repeatable)")
    audit.add_argument("--budget", default="600", type=_seconds,
                       help="seconds before the search is cut short and says so (default: %(default)s)")
    audit.set_defaults(func=cmd_audit)
    amend = sub.add_parser("amend", help="what an amendment changes: redline, rule changes, verdict diff over "
                                         "every scenario, prediction vs outcome (OLD and NEW: two folders)")
    amend.add_argument("old", help="folder of the knowledge base as it is (with agreement.yaml)")
    amend.add_argument("new", help="folder of the amended knowledge base")
    amend.add_argument("--json", action="store_true", help="print the report as JSON")
    amend.add_argument("--html", metavar="FILE", help="also write the report as HTML to FILE")
    amend.add_argument("--force", action="store_true", help="replace the --html file if it exists")
    amend.add_argument("--witnesses", metavar="DIR", action="append", default=[],
                       help="a folder of further scenario files to compare (e.g. from audit --witnesses)")
    amend.add_argument("--explain", action="store_true",
                       help="text: each gained or lost conclusion with its explanation (JSON and HTML always have them)")
    amend.set_defaults(func=cmd_amend)
    batch = sub.add_parser("batch", help="evaluate every record of a CSV, JSON Lines or Parquet file (a portfolio "
                                         "of cases) and write one result row per record and query")
    batch.add_argument("records", help="RECORDS: .csv, .jsonl or .parquet, one case per row")
    batch.add_argument("--map", dest="mapping", required=True, metavar="MAPPING.yaml",
                       help="how a record becomes a scenario: id column, fact templates, readings")
    batch.add_argument("--query", action="append", required=True,
                       help="a question such as 'liable(jd_cloud, B)' asked of every record (repeatable)")
    batch.add_argument("--out", required=True, metavar="RESULTS", help="the results: .csv or .parquet")
    batch.add_argument("--force", action="store_true", help="replace RESULTS if it exists")
    batch.add_argument("--dask", metavar="ADDRESS", help="run on this Dask scheduler (tcp://HOST:8786) instead of "
                                                        "a local process pool")
    batch.add_argument("--workers", type=_non_negative, help="local worker processes (default: the number of "
                                                             "CPUs; 0: this process)")
    batch.add_argument("--chunk-size", type=_non_negative, default=1000,
                       help="records per clingo solve and per task (default: %(default)s)")
    batch.add_argument("--interpretation", action="append", metavar="NAME",
                       help="a reading for the whole run, replacing the mapping's 'interpretations' (repeatable)")
    batch.add_argument("--quiet", action="store_true", help="no progress line on stderr")
    batch.set_defaults(func=cmd_batch)
    return parser


def cmd_audit(args) -> int:
    from .audit import AuditError, run_audit

    if not re.fullmatch(r"[0-9]{1,9}", args.scope):  # ASCII digits only (str.isdigit accepts '١')
        raise AuditError(f"--scope takes a number of names per id (1-4), not '{args.scope}'")
    kb = _kb(args)
    sensitivity = True if args.interpretations else (args.interpretation or False)
    report = run_audit(kb, int(args.scope), sensitivity=sensitivity, budget=float(args.budget))
    if args.witnesses:
        report.write_witnesses(Path(args.witnesses), kb)
    if args.json:
        print(json.dumps(report.to_json(), indent=2, sort_keys=True))
    else:
        print(report.to_text())
    return 0


def cmd_amend(args) -> int:
    """Compare two knowledge-base folders (kb.amend): exit 0 whatever changed; bad input raises a
    KbError, which main prints as one line with exit 2."""
    from .amend import amend

    report = amend(args.old, args.new, witnesses=args.witnesses, backend=getattr(args, "backend", "pydatalog"))
    if args.html:
        _save(args.html, f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Amendment</title>"
                         f"</head><body>{report.to_html()}</body></html>\n", args.force)
    if args.json:
        print(json.dumps(report.to_json(), indent=2, sort_keys=True))
    else:
        print(report.to_text(explain=args.explain))
    return 0


def cmd_batch(args) -> int:
    """Evaluate a file of records (kb.batch). Exit 0 when every record was evaluated, 1 when some
    failed (their rows carry the error; the count goes to stderr), 2 for bad input (the mapping, a
    query, the records file, the output path), reported as one line before any record runs."""
    from .batch import run_batch, stderr_progress

    out = Path(args.out)
    if out.exists() and not args.force:
        raise ScenarioError("exists already: give --force to replace it", file=str(out))
    if args.chunk_size < 1:
        raise ScenarioError("--chunk-size must be at least 1")
    knowledge_base = Path(args.kb) if args.kb else (None if args.agreement == DEFAULT_AGREEMENT
                                                    else load_agreement(args.agreement))
    client = None
    if args.dask:
        try:
            from distributed import Client

            client = Client(args.dask, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise KbError(f"cannot connect to the Dask scheduler at {args.dask}: {one_line(str(exc))}") from None
    try:
        _, done, failed = run_batch(args.records, args.mapping, args.query, client=client,
                                    knowledge_base=knowledge_base, interpretations=args.interpretation,
                                    workers=args.workers, chunk_size=args.chunk_size, out=out, keep=False,
                                    progress=None if args.quiet else stderr_progress())
    finally:
        if client is not None:
            client.close()
    if failed:
        print(f"{failed} of {done} records failed: their rows in {out} give the reason", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KbError as exc:
        # a KbError with no file reads "error: ..." already: do not print "error: error: ..."
        print(f"error: {str(exc).removeprefix('error: ')}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except OSError as exc:  # a file the command was asked to read or write
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2

