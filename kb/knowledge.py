"""A knowledge base: an agreement's text, vocabulary, rules and scenarios, loaded and checked.

A knowledge base is a folder of data with a manifest, ``agreement.yaml``::

    name: jcs_kubernetes
    title: JD Cloud "JCS for Kubernetes" Service Terms
    text: terms.md            # the agreement, parsed into the clause tree
    vocabulary: vocabulary    # folder of <area>.yaml files (or one vocabulary file)
    rules: rules              # folder of <area>.dl rule files
    scenarios: scenarios      # folder of *.yaml scenarios
    coverage: coverage        # clauses deliberately not encoded, with the reason (folder or file)
    constraints: constraints.yaml  # conclusions that cannot both be true, and the outcomes the
    #                                agreement must settle (kb.constraints)

Nothing in the folder is executed: the kit parses every file itself.

An :class:`Evaluation` is what a scenario concludes. Its conclusions carry both forms, the atom
(``text``) and the sentence from the vocabulary's templates (``sentence``, and ``str()``); its
lists (:class:`Conclusions`, :class:`OpenConclusions`), :class:`Diff` and the interpretations list
print as sentences and show as HTML tables in a notebook, while staying plain lists for code.
:meth:`Evaluation.memo` writes a legal memo (:mod:`kb.memo`).
"""
from __future__ import annotations

import html
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

from .clauses import Clause, ClauseTree, parse_agreement
from .engine import Engine
from .answers import Answer, AnswerRow, Condition, check_in_question, minimal_conditions, three_valued
from .errors import CitationError, KbError, KbSyntaxError, ScenarioError, UnknownClauseError, VocabularyError, closest
from .explain import Explainer, Explanation, OpenExplanation, WhyNot
from .matching import ModelView, unify
from .program import Program, build_program
from .scenario import Scenario, build_scenario, load_scenario
from .sentences import atom_sentence, standalone
from .syntax import parse_atom, parse_rule_file
from .terms import STRING_PREFIX, Atom, Const, Var, atom_sort_key, body_literals, render_value
from .vocabulary import Vocabulary, load_vocabulary
from .yamlio import read_source_text, read_yaml, yaml_files

AGREEMENTS_DIR = Path(__file__).parent / "agreements"
DEFAULT_AGREEMENT = "jcs_kubernetes"


@dataclass(frozen=True, order=True)
class Conclusion:
    """A derived atom, comparable and printable: ``text`` is the atom as written
    (``exempt_from_liability(jd_cloud, outage)``), ``sentence`` as the analyst reads it (``JD Cloud
    is exempt from liability for the failure outage``); ``str()`` gives the sentence."""

    sort_key: tuple
    pred: str
    args: tuple
    text: str
    sentence: str = field(default="", compare=False)

    @property
    def atom(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.sentence or self.text

    def __repr__(self) -> str:
        return f"Conclusion({self.text})"

    def _repr_html_(self) -> str:
        return (f"<span class='kb-sentence' title='{html.escape(self.text)}'>"
                f"{html.escape(standalone(self.sentence, self.text))}</span>")

    def to_json(self) -> dict:
        return {"atom": self.text, "sentence": self.sentence or self.text}


class Conclusions(list):
    """A sorted list of conclusions (a plain list in every other respect) that prints as sentences:
    text one per line, HTML a table of sentences with their atoms."""

    def to_text(self, atoms: bool = False) -> str:
        return "\n".join(c.text if atoms else standalone(str(c), c.text) for c in self) if self else "(none)"

    def __str__(self) -> str:
        return self.to_text()

    __repr__ = __str__  # a console (and a notebook's text/plain) shows the sentences too

    def _repr_html_(self) -> str:
        return conclusions_table(self)

    def to_json(self) -> list[dict]:
        return [c.to_json() for c in self]


def conclusions_table(conclusions, caption: str = "") -> str:
    """Conclusions as an HTML table: the sentence, and the atom (for the engineer) beside it."""
    e = html.escape
    head = f"<caption>{e(caption)}</caption>" if caption else ""
    if not conclusions:
        return f"<table class='kb-conclusions'>{head}<tr><td><i>none</i></td></tr></table>"
    left = "style='text-align:left'"
    rows = "".join(f"<tr><td {left}>{e(standalone(str(c), c.text))}</td><td {left}><code>{e(c.text)}</code></td></tr>"
                   for c in conclusions)
    return (f"<table class='kb-conclusions'>{head}<thead><tr><th {left}>Conclusion</th><th {left}>Atom</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")


class Interpretations(list):
    """The named interpretations (a list of dicts, as before), shown as a table: name, title,
    clauses, question, default and alternative reading, the rules consulting it."""

    def to_text(self) -> str:
        lines = []
        for item in self:
            lines.append(f"{item['name']} ({', '.join(item['clauses'])}): {item.get('title') or item['question']}")
            lines.append(f"  question: {item['question']}")
            lines.append(f"  default: {item['default']}")
            lines.append(f"  alternative: {item['alternative']}")
        return "\n".join(lines) if lines else "no interpretations declared"

    def __str__(self) -> str:
        return self.to_text()

    __repr__ = __str__

    def _repr_html_(self) -> str:
        e = html.escape
        td = "<td style='text-align:left'>"
        rows = "".join(
            f"<tr>{td}<code>{e(i['name'])}</code></td>{td}{e(', '.join(i['clauses']))}</td>"
            f"{td}<b>{e(i.get('title') or '')}</b><br>{e(i['question'])}</td>{td}{e(i['default'])}</td>"
            f"{td}{e(i['alternative'])}</td></tr>" for i in self)
        th = "<th style='text-align:left'>"
        return (f"<table class='kb-interpretations'><thead><tr>{th}Name</th>{th}Clauses</th>{th}Alternative "
                f"reading, and the question</th>{th}Default</th>{th}Alternative</th></tr></thead>"
                f"<tbody>{rows}</tbody></table>")


class KnowledgeBase:
    """An agreement loaded and checked, with its engine.

    Build one with :func:`load_knowledge_base` or :func:`kb.load_agreement`.
    """

    def __init__(self, root: Path, name: str, title: str, clauses: ClauseTree, vocabulary: Vocabulary,
                 program: Program, scenarios_dir: Path | None, omissions: dict[str, str],
                 constraints: list | None = None, backend: str = "pydatalog"):
        from .clingo_engine import check_backend

        self.backend = check_backend(backend)  # "pydatalog" (the default) or "clingo": kb.clingo_engine
        self.root = root
        self.name = name
        self.title = title
        self.clauses = clauses
        self.vocabulary = vocabulary
        self.program = program
        self.scenarios_dir = scenarios_dir
        self.omissions = omissions
        self.constraints = constraints or []  # conclusions that cannot both be true (kb.constraints)
        self.outcomes: list = []  # situations the agreement must settle (kb.constraints.Outcome; kb audit)
        self._engine: Engine | None = None
        self._engine_lock = threading.Lock()
        self._standing: frozenset | None = None
        self.text_path: Path | None = None  # the agreement's text (set by load_knowledge_base)

    def __repr__(self) -> str:
        return (f"<KnowledgeBase {self.name}: {len(self.clauses.numbered_ids())} numbered clauses, "
                f"{len(self.program.rules)} rules>")

    def standing_conclusions(self) -> frozenset["Conclusion"]:
        """Conclusions that hold in the empty scenario: terms the text states without condition
        (governing law, the agreed court ...), computed once."""
        if self._standing is None:  # a concurrent first call computes the same set: harmless
            self._standing = frozenset(self.evaluate(Scenario("empty", ())).conclusions)
        return self._standing

    @property
    def engine(self) -> Engine:
        """The engine of this knowledge base's back end (pyDatalog, or clingo): ``evaluate``, ``close``."""
        with self._engine_lock:
            if self._engine is None:
                if self.backend == "pydatalog":
                    self._engine = Engine(self.program)
                else:
                    from .clingo_engine import make_engine

                    self._engine = make_engine(self.program, self.backend)
            return self._engine

    # -- clauses
    def clause(self, clause_id: str) -> Clause:
        """The clause with this id (UnknownClauseError, with a suggestion, otherwise)."""
        return self.clauses[clause_id]

    # -- scenarios
    def scenario(self, facts: list, name: str = "scenario", *, denied: list = (), unknown: list = ()) -> Scenario:
        """A scenario from fact strings such as ``"event(quake, earthquake)"``, with the facts it
        denies (``"migration_notice(m1, _)"``) and the facts in question."""
        return self._checked(build_scenario(facts, self.vocabulary, name=name, denied=denied, unknown=unknown))

    def _checked(self, scenario: Scenario) -> Scenario:
        """The scenario, once its facts are checked against the constraints between facts."""
        if self.constraints:
            from .constraints import check_facts

            check_facts(scenario, self)
        return scenario

    def load_scenario(self, path: Union[str, Path]) -> Scenario:
        path = Path(path)
        if not path.is_absolute() and not path.exists() and self.scenarios_dir is not None \
                and (self.scenarios_dir / path).exists():
            path = self.scenarios_dir / path
        return self._checked(load_scenario(path, self.vocabulary, file=_display_path(path)))

    def facts_of(self, scenario: Scenario) -> list[str]:
        """The scenario's facts as they are written in a scenario file, sorted; the interpretations
        it switches on are listed as ``interpretation(name)``."""
        return sorted(self.vocabulary.render(*f.key) for f in scenario.facts)

    def vary(self, scenario: Scenario, add: list = (), remove: list = (), *, name: str | None = None) -> Scenario:
        """A copy of ``scenario`` with the facts ``add`` added and ``remove`` removed (fact strings in
        the scenario vocabulary, ``interpretation(name)`` included). Adding a fact in question
        establishes it; removing one leaves it unmentioned (false). Removing a fact the scenario
        does not have, adding one it already has, or adding one it denies, is a ScenarioError: a
        what-if should change something, and a denied fact is not to be proposed."""
        if isinstance(add, str) or isinstance(remove, str):
            raise ScenarioError("give the facts to add or remove as a list of strings")
        current = {f.key: f.atom for f in scenario.facts}
        in_question = {f.key: f.atom for f in scenario.unknown}
        render = self.vocabulary.render
        gone = build_scenario(list(remove), self.vocabulary, name=name or scenario.name, file="<remove>")
        for fact in gone.facts:
            if fact.key in current:
                del current[fact.key]
            elif fact.key in in_question:
                del in_question[fact.key]
            else:
                raise ScenarioError(f"cannot remove {render(*fact.key)}: the scenario does not have it",
                                    file="<remove>")
        new = build_scenario(list(add), self.vocabulary, name=name or scenario.name, file="<add>")
        for fact in new.facts:
            if fact.key in current:
                raise ScenarioError(f"cannot add {render(*fact.key)}: the scenario already has it", file="<add>")
            if scenario.denial_of(fact.key) is not None:
                raise ScenarioError(f"cannot add {render(*fact.key)}: the scenario denies it", file="<add>")
            in_question.pop(fact.key, None)
            current[fact.key] = fact.atom
        return self._checked(scenario.with_facts(list(current.values()), name=name, unknown=list(in_question.values())))

    def scenario_files(self) -> list[Path]:
        if self.scenarios_dir is None or not self.scenarios_dir.exists():
            return []
        return sorted(self.scenarios_dir.glob("*.yaml"))

    # -- evaluation
    def evaluate(self, scenario: Union[Scenario, list, str, Path]) -> "Evaluation":
        """Derive every conclusion of the scenario (facts list, Scenario, or scenario file)."""
        if isinstance(scenario, (str, Path)):
            scenario = self.load_scenario(scenario)
        elif isinstance(scenario, list):
            scenario = self.scenario(scenario)
        facts = [f.key for f in scenario.facts]
        model = self.engine.evaluate(facts)  # the facts in question, if any, taken as not established
        return Evaluation(self, scenario, model)

    def answer(self, scenario: Union[Scenario, list, str, Path], question: Union[str, Atom]) -> "Answer":
        """The three-valued answer (yes, no or open) to a question in a scenario: see
        :meth:`Evaluation.answer`."""
        return self.evaluate(scenario).answer(question)

    def holds_in(self, scenario: Scenario, conclusion: Union[str, Atom]) -> bool:
        """Whether the ground ``conclusion`` holds in the scenario, deriving only what it
        depends on: the same answer as ``evaluate(scenario).holds(conclusion)``, faster, for
        searches that ask one question of many scenarios."""
        atom = self.parse_pattern(conclusion)
        if not atom.is_ground():
            raise ScenarioError(f"holds_in asks about one conclusion, with no variables: {atom}")
        if atom.pred in self.vocabulary.inputs:
            return atom_key(atom) in scenario.fact_keys()
        model = self.engine.evaluate([f.key for f in scenario.facts], only=[atom.pred])
        return atom_key(atom)[1] in model[atom.pred]

    def atom_of(self, pred: str, args: tuple) -> Atom:
        """The ground atom of engine values ``args``, each constant of its declared kind (a date
        stays a date), ready for any question the API takes."""
        decl = self.vocabulary.predicate(pred)
        kinds = [a.type.kind for a in decl.args] if decl is not None else [None] * len(args)
        consts = []
        for value, kind in zip(args, kinds):
            if kind in ("date", "amount"):
                consts.append(Const(value, kind))
            elif isinstance(value, int):
                consts.append(Const(value, "int"))
            elif isinstance(value, str) and value.startswith(STRING_PREFIX):
                consts.append(Const(value, "string"))
            else:
                consts.append(Const(value, "symbol"))
        return Atom(pred, tuple(consts))

    def parse_pattern(self, pattern: Union[str, Atom]) -> Atom:
        """A question such as ``liable(jd_cloud, E)``, checked against the vocabulary."""
        if isinstance(pattern, str):
            return self.vocabulary.coerce_atom(parse_atom(pattern), file="<query>", line=1)
        return self.vocabulary.coerce_atom(pattern)

    def interpretations(self) -> "Interpretations":
        """Every named interpretation, sorted by name, with its title and the rules that consult it
        (a list of dicts that shows as a table in a notebook)."""
        users = _interpretation_users(self.program)
        return Interpretations(
            {"name": i.name, "title": i.title or "", "clauses": list(i.clauses), "question": i.question,
             "default": i.default, "alternative": i.alternative, "rules": sorted(users.get(i.name, ()))}
            for _, i in sorted(self.vocabulary.interpretations.items()))

    def conclusion(self, pred: str, args: tuple) -> Conclusion:
        """The conclusion (or fact) ``pred(args)`` (engine values), with its atom and sentence."""
        return Conclusion(atom_sort_key(pred, args), pred, args, self.vocabulary.render(pred, args),
                          atom_sentence(self.vocabulary, pred, args))

    def catalogue(self, area: str | None = None, search: str | None = None):
        """The vocabulary as a readable catalogue (text, or HTML tables in a notebook): see
        :mod:`kb.catalogue`."""
        from .catalogue import catalogue

        return catalogue(self, area, search)

    def json_schema(self) -> dict:
        from .schema import scenario_schema

        return scenario_schema(self.vocabulary, self.title)

    def coverage(self):
        from .coverage import coverage

        return coverage(self)


def _interpretation_users(program: Program) -> dict[str, set[str]]:
    """Interpretation name -> the rules (and $parameters) that consult it."""
    users: dict[str, set[str]] = {}
    for rule in program.all_rules():
        for item, _ in body_literals(rule.body):
            atom = item.atom
            if atom.pred == "interpretation" and atom.args:
                users.setdefault(atom.args[0].value, set()).add(rule.id)
    for name, variants in program.param_variants.items():
        for v in variants:
            users.setdefault(v.reading, set()).add(f"${name}")
    return users


class Evaluation:
    """The conclusions of one scenario, with questions and explanations over them."""

    def __init__(self, kb: KnowledgeBase, scenario: Scenario, model: dict[str, frozenset]):
        self.kb = kb
        self.scenario = scenario
        self.model = model  # with facts in question: the case where none of them is established
        self.view = ModelView(model, kb.program)
        self._explainer: Explainer | None = None
        self._worlds: list | None = None  # every case of the facts in question: [(true keys, model)]
        self._origin = scenario

    def __repr__(self) -> str:
        return f"<Evaluation of {self.scenario.name!r}: {len(self.conclusions)} conclusions>"

    def _conclusions_of(self, model) -> list[Conclusion]:
        out = []
        vocab = self.kb.vocabulary
        for pred in vocab.conclusions:
            for args in model.get(pred, ()):
                out.append(self.kb.conclusion(pred, args))
        return out

    def fact_sentences(self) -> dict[str, list[tuple[str, str]]]:
        """The scenario's facts as (atom, sentence), sorted by atom: ``stated``, ``denied`` (a
        pattern such as ``migration_notice(m1, _)`` reads "some ...") and ``in question``."""
        vocab = self.kb.vocabulary
        origin = self._origin
        stated = sorted((vocab.render(*f.key), atom_sentence(vocab, *f.key)) for f in origin.facts)
        explainer = self.explainer
        denied = sorted((str(d.atom), explainer.show_sentence(d.atom, {})) for d in origin.denied)
        unknown = sorted((vocab.render(*f.key), atom_sentence(vocab, *f.key)) for f in origin.unknown)
        return {"stated": stated, "denied": denied, "in question": unknown}

    def _fact_sentence(self) -> dict[str, str]:
        """A fact in question as written -> as a sentence."""
        vocab = self.kb.vocabulary
        return {vocab.render(*k): atom_sentence(vocab, *k) for k in self.scenario.unknown_keys()}

    @property
    def in_question(self) -> list[str]:
        """The facts in question, as written, sorted."""
        return sorted(self.kb.vocabulary.render(*k) for k in self.scenario.unknown_keys())

    def worlds(self) -> list[tuple[frozenset, dict]]:
        """Every case of the facts in question: (the facts in question established in it, its
        model), the case where none is established first. A scenario without facts in question
        has one. More than 8 facts in question is a ScenarioError."""
        if self._worlds is None:
            keys = sorted(self.scenario.unknown_keys(), key=lambda k: self.kb.vocabulary.render(*k))
            check_in_question(len(keys), "all the conclusions of this scenario")
            facts = [f.key for f in self.scenario.facts]
            worlds = []
            for mask in range(1 << len(keys)):
                chosen = [k for i, k in enumerate(keys) if mask >> i & 1]
                model = self.model if mask == 0 else self.kb.engine.evaluate(facts + chosen)
                worlds.append((frozenset(chosen), model))
            self._worlds = worlds
        return self._worlds

    @property
    def conclusions(self) -> Conclusions:
        """Every conclusion that holds (in every case of the facts in question), sorted."""
        found = self._conclusions_of(self.model)
        if self.scenario.unknown:
            others = [set(self._conclusions_of(model)) for _, model in self.worlds()[1:]]
            found = [c for c in found if all(c in other for other in others)]
        return Conclusions(sorted(found))

    @property
    def open_conclusions(self) -> "OpenConclusions":
        """The conclusions that hold in some cases of the facts in question and not in others, each
        with the smallest sets of facts in question that decide it; sorted. Empty without facts in
        question."""
        if not self.scenario.unknown:
            return OpenConclusions()
        worlds = self.worlds()  # case k establishes fact i of in_question when bit i of k is set
        facts = self.in_question
        said = self._fact_sentence()
        sentences = [said.get(f, f) for f in facts]
        certain = set(self.conclusions)
        seen = sorted({c for _, model in worlds for c in self._conclusions_of(model)} - certain)
        rows = OpenConclusions()
        for c in seen:
            truth = [c.args in model.get(c.pred, ()) for _, model in worlds]
            rows.append(AnswerRow(c, {}, "open", minimal_conditions(facts, truth, True, sentences),
                                  minimal_conditions(facts, truth, False, sentences)))
        return rows

    @property
    def specific(self) -> Conclusions:
        """The conclusions this scenario's facts bring (those that do not also hold without any fact)."""
        standing = self.kb.standing_conclusions()
        return Conclusions(c for c in self.conclusions if c not in standing)

    @property
    def standing(self) -> Conclusions:
        """The conclusions that hold here and also without any fact (standing terms), sorted."""
        standing = self.kb.standing_conclusions()
        return Conclusions(c for c in self.conclusions if c in standing)

    def to_text(self, atoms: bool = False) -> str:
        """Every conclusion, one a line: sentences (``atoms=True``: the atoms)."""
        return "\n".join(c.text if atoms else standalone(str(c), c.text) for c in self.conclusions)

    def __str__(self) -> str:
        return self.to_text()

    def to_html(self) -> str:
        """The evaluation as HTML: the facts in question, the conclusions from the facts, the open
        ones and the standing ones, each as a table of sentences with their atoms."""
        e = html.escape
        parts = [f"<div class='kb-evaluation'><p><b>{e(self.scenario.name)}</b></p>"]
        if self.scenario.unknown:
            facts = self.fact_sentences()["in question"]
            parts.append(f"<p>Facts in question ({len(facts)}):</p><ul>" + "".join(
                f"<li><span class='kb-sentence' title='{e(a)}'>{e(standalone(t, a))}</span></li>"
                for a, t in facts) + "</ul>")
        specific = self.specific
        parts.append(conclusions_table(specific, f"Conclusions from the facts ({len(specific)})"))
        if self.scenario.unknown:
            rows = self.open_conclusions
            parts.append(f"<p>Open conclusions, which depend on the facts in question ({len(rows)}):</p>")
            parts.append(rows._repr_html_())
        standing = self.standing
        parts.append(f"<details><summary>Standing conclusions, which hold without any fact ({len(standing)})"
                     f"</summary>{conclusions_table(standing)}</details></div>")
        return "".join(parts)

    def _repr_html_(self) -> str:
        return self.to_html()

    def memo(self, query, *, max_readings: int = 20, flip_budget: int = 120):
        """A legal memo answering ``query`` (a pattern, or several): see :mod:`kb.memo`."""
        from .memo import build_memo

        return build_memo(self, query, max_readings=max_readings, flip_budget=flip_budget)

    def holds(self, pattern: Union[str, Atom]) -> bool:
        """Whether the pattern has an answer in every case of the facts in question."""
        if self.scenario.unknown:
            return self.answer(pattern).value == "yes"
        return bool(self.matching(pattern))

    def answer(self, pattern: Union[str, Atom]) -> Answer:
        """The three-valued answer to a question: yes (it holds in every case of the facts in
        question), no (in none) or open (in some: with the smallest sets of facts in question
        under which it holds, and under which it does not). Only the facts in question the
        question can depend on are varied (at most 8; more is a ScenarioError), and only what it
        depends on is derived."""
        atom = self.kb.parse_pattern(pattern)
        question = str(atom) if isinstance(pattern, Atom) else " ".join(pattern.split())
        from .textsafe import one_line

        question = one_line(question)  # as written, but a control character in it is shown escaped
        facts, worlds = self._worlds_for(atom)
        said = self._fact_sentence() if facts else {}
        sentences = [said.get(f, f) for f in facts]
        decl = self.kb.vocabulary.predicate(atom.pred)
        truths: dict[tuple, list[bool]] = {}
        exists = []
        for i, model in enumerate(worlds):
            rows = self._rows(atom, model)
            exists.append(bool(rows))
            for row in rows:
                truths.setdefault(row, [False] * len(worlds))[i] = True
        rows = []
        for row in sorted(truths, key=lambda r: atom_sort_key(atom.pred, r)):
            truth = truths[row]
            value = three_valued(truth)
            s = unify(atom.args, row, {})
            bindings = {term.name: render_value(s[term.name], spec.type.kind)
                        for term, spec in zip(atom.args, decl.args)
                        if isinstance(term, Var) and not term.name.startswith("_")}
            conclusion = self.kb.conclusion(atom.pred, row)
            holds_if = minimal_conditions(facts, truth, True, sentences) if value == "open" else []
            fails_if = minimal_conditions(facts, truth, False, sentences) if value == "open" else []
            rows.append(AnswerRow(conclusion, bindings, value, holds_if, fails_if))
        value = three_valued(exists)
        holds_if = minimal_conditions(facts, exists, True, sentences) if value == "open" else []
        fails_if = minimal_conditions(facts, exists, False, sentences) if value == "open" else []
        return Answer(question, value, rows, holds_if, fails_if, facts,
                      sentence=self.explainer.show_sentence(atom, {}))

    def _rows(self, atom: Atom, model) -> list[tuple]:
        return [row for row in model.get(atom.pred, ()) if len(row) == atom.arity
                and unify(atom.args, row, {}) is not None]

    def _worlds_for(self, atom: Atom) -> tuple[list[str], list[dict]]:
        """The facts in question ``atom`` can depend on (as written, sorted), and the model of every
        case of them (fact i established in case k when bit i of k is set)."""
        vocab = self.kb.vocabulary
        unknown = self.scenario.unknown_keys()
        if not unknown:
            return [], [self.model]
        if atom.pred in vocab.inputs:
            relevant = [k for k in unknown if k[0] == atom.pred]
        else:
            from .whatif import input_patterns

            patterns = [p for p in input_patterns(self.kb, atom, self.scenario.interpretations)]
            relevant = [k for k in unknown if any(p[0] == k[0] and all(v is None or v == x for v, x in zip(p[1], k[1]))
                                                  for p in patterns)]
        relevant = sorted(relevant, key=lambda k: vocab.render(*k))
        facts = [vocab.render(*k) for k in relevant]
        check_in_question(len(relevant), str(atom))
        stated = [f.key for f in self.scenario.facts]
        models = []
        for mask in range(1 << len(relevant)):
            chosen = [k for i, k in enumerate(relevant) if mask >> i & 1]
            if atom.pred in vocab.inputs:
                models.append({atom.pred: frozenset(args for pred, args in stated + chosen if pred == atom.pred)})
            elif mask == 0:
                models.append(self.model)
            else:
                models.append(self.kb.engine.evaluate(stated + chosen, only=[atom.pred]))
        return facts, models

    def matching(self, pattern: Union[str, Atom]) -> list[Conclusion]:
        """The atoms of the model (facts included) that match the pattern, sorted."""
        atom = self.kb.parse_pattern(pattern)
        return Conclusions(sorted(self.kb.conclusion(atom.pred, row)
                                  for row in self.view.tuples(atom.pred) if unify(atom.args, row, {}) is not None))

    def ask(self, pattern: Union[str, Atom], standing: bool = True) -> list[dict[str, str]]:
        """Answers to a pattern with variables: one dict per answer (variable -> value as text),
        sorted. A ground pattern that holds answers ``[{}]``; no answer is ``[]``. With
        ``standing=False`` the standing conclusions (true on the text alone, such as the
        governing law) are left out: only what the scenario's facts bring."""
        atom = self.kb.parse_pattern(pattern)
        decl = self.kb.vocabulary.predicate(atom.pred)
        skip = set() if standing else {(c.pred, c.args) for c in self.kb.standing_conclusions()}
        out = {}
        for row in self.view.tuples(atom.pred):
            if (atom.pred, row) in skip:
                continue
            s = unify(atom.args, row, {})
            if s is None:
                continue
            shown = {}
            for term, spec in zip(atom.args, decl.args):
                if isinstance(term, Var) and not term.name.startswith("_"):
                    shown[term.name] = render_value(s[term.name], spec.type.kind)
            out[tuple(sorted(shown.items()))] = (atom_sort_key(atom.pred, row), shown)
        return [shown for _, shown in sorted(out.values(), key=lambda x: x[0])]

    @property
    def explainer(self) -> Explainer:
        if self._explainer is None:
            lines = {f.key: f.line for f in self.scenario.facts if f.line}
            lines.update({f.key: f.line for f in self._origin.unknown if f.line})
            self._explainer = Explainer(self.kb.program, self.view, self.kb.clauses, lines, self._origin,
                                        self._established)
        return self._explainer

    _established: frozenset = frozenset()  # in a case: the facts in question it establishes

    def case(self, condition: Condition) -> "Evaluation":
        """The case of the facts in question where those ``condition`` establishes hold and the
        others do not: an evaluation without facts in question, whose explanations mark them."""
        render = self.kb.vocabulary.render
        by_text = {render(*f.key): f for f in self.scenario.unknown}
        unknown_texts = {t for t, _ in condition.literals} - set(by_text)
        if unknown_texts:
            raise ScenarioError(f"{sorted(unknown_texts)[0]} is not a fact in question of this scenario")
        chosen = [by_text[t] for t, on in condition.literals if on]
        stated = [f.atom for f in self.scenario.facts] + [f.atom for f in chosen]
        scenario = self.scenario.with_facts(stated, unknown=[])
        result = Evaluation(self.kb, scenario, self.kb.engine.evaluate([f.key for f in scenario.facts]))
        result._origin = self.scenario
        result._established = frozenset(f.key for f in chosen)
        return result

    def explain(self, conclusion: Union[str, Atom, Conclusion]) -> Union[Explanation, OpenExplanation]:
        """The derivation of a ground conclusion (an Explanation with holds=False if it does not
        hold). With facts in question: a conclusion that holds in every case is explained in the
        case where none of them is established; an open one gets an :class:`OpenExplanation`, its
        derivation under each smallest set of facts that makes it hold, and why not under each
        that makes it fail."""
        atom = self._ground(conclusion)
        if not self.scenario.unknown:
            return self.explainer.explain(atom)
        answer = self.answer(atom)
        if answer.value == "open":
            return self._open_explanation(atom, answer)
        explanation = self.explainer.explain(atom)
        if answer.value == "yes":
            n = len(self.scenario.unknown)
            explanation.note = f"It holds whatever the {n} fact{'s' if n != 1 else ''} in question turn out to be."
        return explanation

    def why_not(self, pattern: Union[str, Atom]) -> Union[WhyNot, OpenExplanation]:
        """For each rule that could conclude the pattern, the condition that fails or the exception
        that defeats it (with facts in question: in the case where none is established, or, for an
        open answer, an :class:`OpenExplanation`)."""
        atom = self.kb.parse_pattern(pattern)
        if self.scenario.unknown:
            answer = self.answer(atom)
            if answer.value == "open":
                return self._open_explanation(atom, answer)
        return self.explainer.why_not(atom)

    def _open_explanation(self, atom: Atom, answer: Answer) -> OpenExplanation:
        cases = [(c, self.case(c).explainer.explain(atom) if atom.is_ground()
                  else self.case(c).explainer.why_not(atom)) for c in answer.holds_if]
        cases += [(c, self.case(c).explainer.why_not(atom)) for c in answer.fails_if]
        return OpenExplanation(answer.query, cases, self.kb.clauses, sentence=answer.sentence)

    def _ground(self, conclusion) -> Atom:
        if isinstance(conclusion, Conclusion):
            return self.kb.atom_of(conclusion.pred, conclusion.args)
        atom = self.kb.parse_pattern(conclusion)
        if not atom.is_ground():
            raise ScenarioError(f"explain needs a ground conclusion, got a pattern with variables: {conclusion} "
                                f"(use ask() to find the answers, then explain one)")
        return atom


def atom_key(atom: Atom) -> tuple[str, tuple]:
    """A ground atom as (predicate, engine values), the form facts and models use."""
    return (atom.pred, tuple(a.value for a in atom.args))


class OpenConclusions(list):
    """The open conclusions of an evaluation (a list of :class:`AnswerRow`), printed as sentences
    each with what decides it."""

    def to_text(self, atoms: bool = False) -> str:
        return "\n".join(r.to_text(atoms) for r in self) if self else "(none)"

    def __str__(self) -> str:
        return self.to_text()

    __repr__ = __str__

    def _repr_html_(self) -> str:
        from .answers import _row_html

        if not self:
            return "<p><i>no open conclusion</i></p>"
        return "<ul class='kb-open-conclusions'>" + "".join(f"<li>{_row_html(r)}</li>" for r in self) + "</ul>"

    def to_json(self) -> list[dict]:
        return [r.to_json() for r in self]


@dataclass(frozen=True)
class Diff:
    """Conclusions gained and lost from one evaluation to another (each sorted)."""

    gained: tuple[Conclusion, ...]
    lost: tuple[Conclusion, ...]

    def to_text(self, atoms: bool = False) -> str:
        """``+ <sentence>`` for each gained, ``- <sentence>`` for each lost (``atoms``: atoms)."""
        def shown(c):
            return c.text if atoms else standalone(str(c), c.text)

        lines = [f"+ {shown(c)}" for c in self.gained] + [f"- {shown(c)}" for c in self.lost]
        return "\n".join(lines) if lines else "(no change)"

    def __str__(self) -> str:
        return self.to_text()

    __repr__ = __str__

    def to_html(self) -> str:
        if not self.gained and not self.lost:
            return "<p class='kb-diff'><i>no change</i></p>"
        return ("<div class='kb-diff'>" + conclusions_table(self.gained, f"Gained ({len(self.gained)})")
                + conclusions_table(self.lost, f"Lost ({len(self.lost)})") + "</div>")

    def _repr_html_(self) -> str:
        return self.to_html()

    def to_json(self) -> dict:
        """``gained``/``lost``: the atoms (as before); ``gained_sentences``/``lost_sentences``: both
        forms of each."""
        return {"gained": [c.text for c in self.gained], "lost": [c.text for c in self.lost],
                "gained_sentences": [c.to_json() for c in self.gained],
                "lost_sentences": [c.to_json() for c in self.lost]}


def diff(before: Evaluation, after: Evaluation) -> Diff:
    """What ``after`` concludes that ``before`` does not (gained), and the reverse (lost)."""
    a, b = set(before.conclusions), set(after.conclusions)
    return Diff(tuple(sorted(b - a)), tuple(sorted(a - b)))


# --- loading ------------------------------------------------------------------------------

def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        try:
            return str(path.resolve().relative_to(AGREEMENTS_DIR.parent.parent.resolve()))
        except ValueError:
            return str(path)


def load_knowledge_base(root: Union[str, Path], backend: str = "pydatalog") -> KnowledgeBase:
    """Load, parse and check the knowledge base in folder ``root`` (see the module doc); ``backend``
    is the engine that evaluates it: "pydatalog" (the default) or "clingo"."""
    from .clingo_engine import check_backend

    check_backend(backend)
    root = Path(root)
    manifest_path = root / "agreement.yaml"
    manifest = read_yaml(manifest_path, file=_display_path(manifest_path), error=VocabularyError)
    items = manifest.check_keys(("name", "title", "text", "vocabulary", "rules", "scenarios", "coverage",
                                 "constraints"),
                                "the manifest", required=("name", "title", "text", "vocabulary", "rules"),
                                error=VocabularyError)

    def path_of(key: str) -> Path:
        return root / items[key].text(key, VocabularyError)

    clauses = parse_agreement(path_of("text"))
    clauses.source = _display_path(path_of("text"))
    vocabulary = load_vocabulary(path_of("vocabulary"), display=_display_path)
    rules_dir = path_of("rules")
    rule_files = []
    for path in sorted(rules_dir.glob("*.dl")):
        text = read_source_text(path, _display_path(path), KbSyntaxError)  # size, UTF-8, BOM, controls
        rule_files.append(parse_rule_file(text, _display_path(path), area=path.stem))
    if not rule_files:
        raise VocabularyError(f"no rule files (*.dl) in {_display_path(rules_dir)}")
    for interp in vocabulary.interpretations.values():
        for cid in interp.clauses:
            if cid not in clauses:
                raise UnknownClauseError(f"interpretation '{interp.name}' names clause '{cid}', which does not exist",
                                         file=interp.file, line=interp.line, clause=cid,
                                         suggestion=closest(cid, clauses.ids()))
    program = build_program(rule_files, vocabulary, clauses)
    consulted = set(_interpretation_users(program))
    for name, interp in sorted(vocabulary.interpretations.items()):
        if name not in consulted:
            raise VocabularyError(f"interpretation '{name}' is consulted by no rule: switching it on would change "
                                  f"nothing", file=interp.file, line=interp.line)
    omissions = _load_omissions(path_of("coverage"), clauses) if "coverage" in items else {}
    scenarios = path_of("scenarios") if "scenarios" in items else None
    constraints, outcomes = [], []
    if "constraints" in items:
        from .constraints import load_constraints_and_outcomes

        constraints, outcomes = load_constraints_and_outcomes(path_of("constraints"), vocabulary, clauses,
                                                              display=_display_path)
    kb = KnowledgeBase(root, items["name"].text("name"), items["title"].text("title"), clauses, vocabulary,
                       program, scenarios, omissions, constraints, backend=backend)
    kb.outcomes = outcomes
    kb.text_path = path_of("text")
    return kb


def _load_omissions(path: Path, clauses: ClauseTree) -> dict[str, str]:
    """Clauses deliberately not encoded, each with its reason (a file, or a folder of *.yaml)."""
    out: dict[str, str] = {}
    for file in yaml_files(path):
        root = read_yaml(file, file=_display_path(file), error=CitationError)
        if root.value is not None:
            _add_omissions(root, clauses, out)
    return out


def _add_omissions(root, clauses: ClauseTree, out: dict[str, str]) -> None:
    for cid, node in root.mapping("the coverage file", CitationError).items():
        if cid not in clauses:
            raise UnknownClauseError(f"the coverage file names clause '{cid}', which does not exist",
                                     file=node.file, line=node.line, clause=cid,
                                     suggestion=closest(cid, clauses.ids()))
        reason = node.text(f"the reason for {cid}", CitationError) if node.value is not None else ""
        if not reason.strip():
            raise CitationError(f"clause {cid} is listed as not encoded without a reason",
                                file=node.file, line=node.line)
        key = clauses.normalise_id(cid)
        if key in out:
            raise CitationError(f"clause {cid} is listed twice as not encoded", file=node.file, line=node.line)
        out[key] = reason.strip()


_cache: dict[str, KnowledgeBase] = {}
_cache_lock = threading.Lock()


def load_agreement(name: str = DEFAULT_AGREEMENT, backend: str = "pydatalog") -> KnowledgeBase:
    """The built-in agreement ``name``, loaded once per process and back end ("pydatalog", the
    default, or "clingo")."""
    from .clingo_engine import check_backend

    check_backend(backend)
    key = name if backend == "pydatalog" else f"{name}@{backend}"
    with _cache_lock:
        if key not in _cache:
            root = AGREEMENTS_DIR / name
            if not (root / "agreement.yaml").exists():
                available = sorted(p.name for p in AGREEMENTS_DIR.iterdir() if (p / "agreement.yaml").exists())
                raise KbError(f"no built-in agreement '{name}' (available: {', '.join(available)})",
                              suggestion=closest(name, available))
            _cache[key] = load_knowledge_base(root, backend=backend)
        return _cache[key]
