"""Command line: ``python -m kb ask|test|check|clause|schema``.

Errors in the input are reported as one readable line on stderr with exit
code 2; ``test`` exits 1 when an expectation fails.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .errors import KbError, ScenarioError
from .knowledge import DEFAULT_AGREEMENT, KnowledgeBase, load_agreement, load_knowledge_base


def _kb(args) -> KnowledgeBase:
    if args.kb:
        return load_knowledge_base(Path(args.kb))
    return load_agreement(args.agreement)


def cmd_ask(args) -> int:
    kb = _kb(args)
    result = kb.evaluate(kb.load_scenario(args.scenario))
    if args.query is not None:
        answers = result.ask(args.query)
        matches = result.matching(args.query)
        if args.json:
            payload = {"scenario": result.scenario.name, "query": args.query, "answers": answers}
            if args.explain:
                payload["explanations"] = [result.explain(m).to_json() for m in matches]
                if not matches:
                    payload["why_not"] = result.why_not(args.query).to_json()
            print(json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False))
            return 0
        print(f"{args.query}: {_answers_text(answers)}")
        if args.explain:
            for m in matches:
                print()
                print(result.explain(m).to_text())
            if not matches:
                print()
                print(result.why_not(args.query).to_text())
        return 0
    conclusions = result.conclusions
    if args.json:
        payload = {"scenario": result.scenario.name, "conclusions": [c.text for c in conclusions],
                   "standing": [c.text for c in result.standing]}
        if args.explain:
            payload["explanations"] = [result.explain(c).to_json() for c in conclusions]
        print(json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False))
        return 0
    print(f"scenario: {result.scenario.name}")
    specific, standing = result.specific, result.standing
    print(f"conclusions from the facts ({len(specific)}):")
    for c in specific:
        print(f"  {c.text}")
    print(f"standing conclusions, which hold without any fact ({len(standing)}):")
    for c in standing:
        print(f"  {c.text}")
    if args.explain:
        for c in conclusions:
            print()
            print(result.explain(c).to_text())
    return 0


def _answers_text(answers: list[dict]) -> str:
    if not answers:
        return "no"
    if answers == [{}]:
        return "yes"
    return "; ".join(", ".join(f"{k} = {v}" for k, v in a.items()) for a in answers)


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
    report = run_scenario_files(kb, files)
    print(report.to_text())
    return 0 if report.ok else 1


def cmd_check(args) -> int:
    kb = _kb(args)
    rules = kb.program.all_rules()
    print(f"{kb.title}: {len(kb.clauses.numbered_ids())} numbered clauses, "
          f"{len({r.id for r in rules})} rules, {len(kb.program.params)} parameters, "
          f"{len(kb.vocabulary.inputs)} inputs, {len(kb.vocabulary.conclusions)} conclusions: all checks passed")
    print(kb.coverage().to_text())
    return 0


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
    for item in readings:
        print(f"{item['name']} [{', '.join(item['clauses'])}]")
        print(f"  question:    {item['question']}")
        print(f"  default:     {item['default']}")
        print(f"  alternative: {item['alternative']}")
        print(f"  rules:       {', '.join(item['rules']) or '(none)'}")
    return 0


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
        Path(args.out).write_text(svg, encoding="utf-8")
    else:
        sys.stdout.write(svg)
    return 0


def cmd_schema(args) -> int:
    print(json.dumps(_kb(args).json_schema(), indent=2, sort_keys=True, ensure_ascii=False))
    return 0


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative: give 0 or more")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m kb", description="Ask an agreement questions.")
    parser.add_argument("--agreement", default=DEFAULT_AGREEMENT, help="built-in agreement (default: %(default)s)")
    parser.add_argument("--kb", help="folder of another knowledge base (with agreement.yaml)")
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="evaluate a scenario: all conclusions, or the answers to --query")
    ask.add_argument("scenario")
    ask.add_argument("--query", help="a pattern such as 'liable(jd_cloud, B)'")
    ask.add_argument("--explain", action="store_true", help="explain each answer (why / why not)")
    ask.add_argument("--json", action="store_true", help="print JSON")
    ask.set_defaults(func=cmd_ask)
    test = sub.add_parser("test", help="run the expectations of scenario files (default: the agreement's)")
    test.add_argument("paths", nargs="*")
    test.set_defaults(func=cmd_test)
    check = sub.add_parser("check", help="load and lint the knowledge base; print clause coverage")
    check.set_defaults(func=cmd_check)
    clause = sub.add_parser("clause", help="print a clause")
    clause.add_argument("id")
    clause.set_defaults(func=cmd_clause)
    interp = sub.add_parser("interpretations", help="list the named interpretations of ambiguous passages")
    interp.set_defaults(func=cmd_interpretations)
    schema = sub.add_parser("schema", help="print the JSON Schema of scenario files")
    schema.set_defaults(func=cmd_schema)
    graph = sub.add_parser("graph", help="draw the clause dependency graph (or a clause's neighbourhood) as SVG")
    graph.add_argument("--clause", help="draw the neighbourhood of this clause (default: the sections at a glance)")
    graph.add_argument("--impact", action="store_true",
                       help="with --clause: draw what an amendment of the clause could change, and why")
    graph.add_argument("--all", action="store_true", help="draw every clause and conclusion (large)")
    graph.add_argument("--radius", type=_non_negative, default=1,
                       help="neighbourhood radius in edges (default: %(default)s)")
    graph.add_argument("--out", help="SVG file to write (default: standard output)")
    graph.set_defaults(func=cmd_graph)
    return parser


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

