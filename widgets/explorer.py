"""The what-if explorer: build a scenario by clicking, see what the agreement says, why, and
what would change the answer.

A thin view over :mod:`kb` and :mod:`kb.whatif`: the builder is generated from the
vocabulary (a predicate added there gets its line here with no code), answers come from
``KnowledgeBase.evaluate``, explanations from ``Evaluation.explain``/``why_not``, flip sets
from ``kb.whatif.flip_search``. The explorer's only state is its scenario and the widgets'
values; every callback shows its errors in the status line instead of losing them.

Use from Python (tests, notebooks) exactly as a user clicks::

    ex = Explorer()                                   # blank scenario, built-in agreement
    ex.set_fact("event(quake, earthquake)")            # ticks (or adds) the line
    ex.conclusions_panel.value                         # HTML of the answers
    ex.select("liable(jd_cloud, outage)")              # explanation or why-not
"""
from __future__ import annotations

import html
import os
import tempfile
import traceback
from pathlib import Path
from typing import Iterable

import ipywidgets as ipw

import kb as kbase
from kb import whatif
from kb.errors import KbError, ScenarioError
from kb.scenario import Scenario, denial_text, scenario_to_yaml

STYLE = """<style>
.kb-explorer .kb-added { color: #2b8a3e; font-weight: 600; }
.kb-explorer .kb-removed { color: #c92a2a; text-decoration: line-through; }
.kb-explorer .kb-error { color: #c92a2a; white-space: pre-wrap; }
.kb-explorer .kb-area { font-weight: 600; margin-top: 0.4em; }
.kb-explorer .kb-conclusions { font-family: var(--jp-code-font-family, monospace); font-size: 12px; }
.kb-explorer .kb-open { color: #9c6500; }
</style>"""


STATUSES = (("stated", "stated"), ("denied", "denied"), ("in question", "unknown"))


class FactLine(ipw.HBox):
    """One line of the builder: a checkbox naming the predicate, whether the ticked fact is
    stated, denied or in question, and one control per argument (a combobox for names, a
    dropdown for enumerations, a date picker, a number for amounts)."""

    def __init__(self, field: whatif.PredicateField, index: int):
        self.field = field
        self.index = index
        self.checkbox = ipw.Checkbox(value=False, description=field.name, indent=False,
                                     description_allow_html=False, tooltip=field.doc,
                                     layout=ipw.Layout(width="auto", min_width="16em"))
        self.checkbox.add_class(f"kb-fact-{field.name}")
        self.checkbox.add_class(f"kb-fact-{field.name}-{index}")
        self.status = ipw.Dropdown(options=STATUSES, value="stated", layout=ipw.Layout(width="8.5em"),
                                   tooltip="stated: established; denied: established as not so (a name may be _ "
                                           "for any); in question: may turn out either way")
        self.status.add_class("kb-fact-status")
        self.controls = [_control(arg) for arg in field.args]
        super().__init__(children=[self.checkbox, self.status, *self.controls])
        self.add_class("kb-fact-line")

    @property
    def checked(self) -> bool:
        return self.checkbox.value

    def fact_text(self) -> str:
        return whatif.fact_text(self.field.name, [c.value for c in self.controls])

    def set_values(self, values: list) -> None:
        for control, value in zip(self.controls, values):
            if isinstance(control, ipw.Dropdown) and value not in control.options:
                raise KbError(f"{self.field.name}: {value} is not one of its values")
            control.value = value


def _control(arg: whatif.ArgumentField) -> ipw.Widget:
    tip = f"{arg.name}: {arg.doc}" if arg.doc else arg.name
    small = ipw.Layout(width="11em")
    if arg.kind == "enum":
        return ipw.Dropdown(options=[name for name, _ in arg.options], value=arg.options[0][0],
                            tooltip=tip, layout=ipw.Layout(width="16em"))
    if arg.kind == "date":
        return ipw.DatePicker(value=None, tooltip=tip, layout=small)
    if arg.kind == "amount":
        return ipw.BoundedFloatText(value=0.0, min=0, max=1e12, step=0.01, tooltip=tip, layout=small)
    if arg.kind == "integer":
        return ipw.IntText(value=0, tooltip=tip, layout=small)
    return ipw.Combobox(value=arg.name, placeholder=arg.name, options=[], ensure_option=False,
                        tooltip=tip, layout=small)


class Explorer(ipw.VBox):
    """The what-if explorer over a knowledge base (the built-in agreement by default), starting
    from a blank scenario, a :class:`kb.Scenario` or a scenario file."""

    def __init__(self, agreement: kbase.KnowledgeBase | None = None, scenario=None, *, graph: bool = True,
                 flip_time_budget: float | None = 2.0):
        self.kb = agreement if agreement is not None else kbase.load_agreement()
        self.form = whatif.fact_form(self.kb)
        self.flip_time_budget = flip_time_budget
        self._quiet = False
        self.scenario: Scenario = self.kb.scenario([], name="blank scenario")
        self.evaluation = self.kb.evaluate(self.scenario)
        self.previous = self.evaluation
        self.baseline = None  # a pinned evaluation, when the analyst pins one
        self.flip_result: whatif.FlipResult | None = None
        self.explanation = None  # the Explanation or WhyNot the explanation panel shows
        self._origin = ("blank scenario", ([], [], []))  # the name and (stated, denied, unknown) last loaded

        # -- header: file, pin, status
        self.status = _html("kb-status")
        self.path = ipw.Text(placeholder="scenario file (.yaml)", layout=ipw.Layout(width="28em"))
        self.load_button = _button("Load", "kb-load", self._on_load)
        self.save_button = _button("Save", "kb-save", self._on_save)
        self.blank_button = _button("Blank", "kb-blank", lambda _: self._guard(self.clear))
        self.overwrite = ipw.Checkbox(value=False, description="overwrite", indent=False,
                                      layout=ipw.Layout(width="auto"))
        self.overwrite.add_class("kb-overwrite")
        self.pin_button = ipw.ToggleButton(value=False, description="Pin baseline",
                                           tooltip="compare every change with the scenario as it is now")
        self.pin_button.add_class("kb-pin")
        self.pin_button.observe(self._on_pin, names="value")
        self.title = _html("kb-title")

        # -- builder, grouped by area; an area's lines are built when first needed
        self.lines: dict[str, list[FactLine]] = {}
        self._fields = {f.name: f for f in self.form}
        self._areas = sorted({(f.area_title, f.area) for f in self.form})
        self._area_boxes = {area: ipw.VBox() for _, area in self._areas}
        self.builder = ipw.Accordion(children=[self._area_boxes[a] for _, a in self._areas],
                                     titles=tuple(t for t, _ in self._areas), selected_index=None)
        self.builder.add_class("kb-builder")
        self.builder.observe(self._on_area_opened, names="selected_index")

        # -- interpretations
        self.toggles = {}
        for item in self.kb.interpretations():
            box = ipw.Checkbox(value=False, description=item["name"], indent=False,
                               tooltip=f"[{', '.join(item['clauses'])}] {item['question']}")
            box.add_class(f"kb-interpretation-{item['name']}")
            box.observe(self._on_fact_change, names="value")
            self.toggles[item["name"]] = box
        self.effects_button = _button("Which answers depend on each reading?", "kb-effects", self._on_effects)
        self.effects_panel = _html("kb-effects-panel")
        interpretations = ipw.VBox([ipw.HTML("Each box adopts the alternative reading of an ambiguous clause."),
                                    *self.toggles.values(), self.effects_button, self.effects_panel])

        # -- answers, explanation, flips, graph
        self.conclusions_panel = _html("kb-conclusions")
        self.selector = ipw.Dropdown(options=[], description="Conclusion", layout=ipw.Layout(width="40em"))
        self.selector.add_class("kb-select")
        self.selector.observe(self._on_select, names="value")
        self.question = ipw.Text(placeholder="or type a conclusion to ask why (not), with its arguments",
                                 layout=ipw.Layout(width="28em"))
        self.ask_button = _button("Why / why not", "kb-ask", self._on_ask)
        self.explanation_panel = _html("kb-explanation")
        self.flip_button = _button("What would flip this?", "kb-flip", self._on_flip)
        self.flip_panel = _html("kb-flip-panel")
        self.flip_actions = ipw.VBox()
        self.graph_view = None
        if graph:
            from .graph_view import ClauseGraphView

            self.clause_graph = kbase.clause_graph(self.kb)
            self.graph_view = ClauseGraphView(self.clause_graph, nodes=[], height=360)

        tabs = ipw.Tab(children=[self.builder, interpretations], titles=("Facts", "Interpretations"),
                       layout=ipw.Layout(width="58%"))
        answer = ipw.VBox([ipw.HTML("<b>What the agreement says</b>"), self.conclusions_panel],
                          layout=ipw.Layout(width="42%", padding="0 0 0 1em"))
        explain = ipw.VBox([ipw.HBox([self.selector]), ipw.HBox([self.question, self.ask_button]),
                            self.explanation_panel, self.flip_button, self.flip_panel, self.flip_actions]
                           + ([ipw.HTML("<b>Clauses of this answer</b>"), self.graph_view] if graph else []))
        super().__init__(children=[
            ipw.HTML(STYLE), self.title,
            ipw.HBox([self.path, self.load_button, self.save_button, self.overwrite, self.blank_button,
                      self.pin_button]),
            self.status, ipw.HBox([tabs, answer]), explain])
        self.add_class("kb-explorer")
        if scenario is not None:
            self.load(scenario)
        else:
            self._refresh()

    # -- the scenario --------------------------------------------------------------------
    def facts(self, status: str = "stated") -> list[str]:
        """The facts the builder's ticked lines of this status say (``stated``, ``denied`` or
        ``unknown``: in question), sorted; the stated ones include the interpretations switched on."""
        out = []
        for lines in self.lines.values():
            out += [line.fact_text() for line in lines if line.checked and line.status.value == status]
        if status == "stated":
            out += [f"interpretation({name})" for name, box in self.toggles.items() if box.value]
        return sorted(out)

    def set_fact(self, fact: str, on: bool = True, status: str = "stated") -> None:
        """Tick the line of ``fact`` as stated, denied or in question (``unknown``), filling a free
        line of its predicate or adding one, or untick it: what clicking does, from Python. A
        denied fact may hold ``_`` for any value."""
        if status not in dict(STATUSES).values():
            raise KbError(f"a fact is stated, denied or unknown (in question), not {status!r}")
        atom = self.kb.parse_pattern(fact)
        if not atom.is_ground() and (status != "denied" or any(
                not a.name.startswith("_") for a in atom.args if not hasattr(a, "value"))):
            raise KbError(f"{fact}: a fact has no variables; name every argument (a denied fact may use _)")
        if atom.pred == "interpretation":
            self.toggles[atom.args[0].value].value = on
            return
        if atom.pred not in self._fields:
            raise KbError(f"{atom.pred} is not a fact of the builder")
        values = [getattr(a, "value", None) for a in atom.args]
        lines = self._lines(atom.pred)
        for line in lines:
            if line.checked and self._line_values(line) == values:
                if not on:
                    line.checkbox.value = False
                elif line.status.value != status:
                    line.status.value = status
                return
        if not on:
            raise KbError(f"{fact} is not in the scenario")
        line = next((line for line in lines if not line.checked), None) or self.add_line(atom.pred)
        with self._hold():
            line.set_values(self._form_values(atom.pred, values))
            line.status.value = status
        line.checkbox.value = True

    def add_line(self, pred: str) -> FactLine:
        """A new, unticked line for another fact of ``pred``."""
        lines = self._lines(pred)
        line = FactLine(self._fields[pred], len(lines))
        self._watch(line)
        lines.append(line)
        self._render_area(self._fields[pred].area)
        return line

    def load(self, source) -> None:
        """Show a scenario (a :class:`kb.Scenario` or a scenario file): its stated, denied and in
        question facts. A file that does not load leaves the current scenario as it was and raises
        the validation error."""
        scenario = source if isinstance(source, Scenario) else self.kb.load_scenario(source)
        render = self.kb.vocabulary.render
        entries = [(render(*f.key), f.key[0], list(f.key[1]), "stated") for f in scenario.facts]
        entries += [(render(*f.key), f.key[0], list(f.key[1]), "unknown") for f in scenario.unknown]
        entries += [(denial_text(d, self.kb.vocabulary), d.atom.pred,
                     [getattr(a, "value", None) for a in d.atom.args], "denied") for d in scenario.denied]
        with self._hold():
            for lines in self.lines.values():
                for line in lines:
                    line.checkbox.value = False
                    line.status.value = "stated"
            for box in self.toggles.values():
                box.value = False
            for _, pred, values, status in sorted(entries):
                if pred == "interpretation":
                    self.toggles[values[0]].value = True
                    continue
                lines = self._lines(pred)
                line = next((x for x in lines if not x.checked), None) or self.add_line(pred)
                line.set_values(self._form_values(pred, values))
                line.status.value = status
                line.checkbox.value = True
        self._refresh(name=scenario.name)

    def clear(self) -> None:
        """Back to a blank scenario."""
        self.load(self.kb.scenario([], name="blank scenario"))

    def save(self, path, overwrite: bool | None = None) -> Path:
        """Write the scenario the builder shows as YAML, atomically: a temporary file in the same
        folder, flushed to disk, then renamed, so a failure never leaves a half-written file.
        An existing file is replaced only with ``overwrite`` (the *overwrite* box): a scenario
        file may hold a description and expectations, which the explorer does not keep."""
        path = Path(path)
        if overwrite is None:
            overwrite = self.overwrite.value
        if path.suffix not in (".yaml", ".yml"):
            raise ScenarioError("a scenario file name ends in .yaml", file=str(path))
        if path.is_dir():
            raise ScenarioError("is a folder; give a file name ending in .yaml", file=str(path))
        if not path.parent.is_dir():
            raise ScenarioError(f"the folder {path.parent} does not exist", file=str(path))
        if path.exists() and not overwrite:
            raise ScenarioError("the file exists; tick 'overwrite' to replace it (its description and "
                                "expectations, if any, would be lost)", file=str(path))
        self._refresh()  # the builder as it is now: an incomplete line is an error, not a stale save
        text = scenario_to_yaml(self.scenario, self.kb.vocabulary)
        mode = (path.stat().st_mode & 0o777) if path.exists() else (0o666 & ~_umask())
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, mode)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    def pin(self, on: bool = True) -> None:
        self.pin_button.value = on

    # -- questions -------------------------------------------------------------------------
    def select(self, conclusion: str) -> None:
        """Explain a conclusion that holds, or say why one does not."""
        self.question.value = conclusion
        self._explain(conclusion)

    def flip(self, conclusion: str | None = None) -> whatif.FlipResult:
        """The smallest changes that would flip the selected (or given) conclusion."""
        target = conclusion or self.question.value.strip() or self.selector.value
        if not target:
            raise KbError("select a conclusion first")
        result = whatif.flip_search(self.kb, self.scenario, target, time_budget=self.flip_time_budget)
        self.flip_result = result
        self.flip_panel.value = f"<pre>{html.escape(result.to_text())}</pre>"
        buttons = []
        for i, flip_set in enumerate(result.flips[:20], start=1):
            b = _button(f"Apply {i}", f"kb-apply-{i}", lambda _, f=flip_set: self._guard(self.apply, f))
            b.tooltip = str(flip_set)
            buttons.append(b)
        self.flip_actions.children = buttons
        return result

    def apply(self, flip_set: whatif.FlipSet) -> None:
        """Make the changes of a flip set to the scenario."""
        self.load(flip_set.apply(self.kb, self.scenario))

    # -- internals ---------------------------------------------------------------------------
    def _lines(self, pred: str) -> list[FactLine]:
        if pred not in self.lines:
            line = FactLine(self._fields[pred], 0)
            self._watch(line)
            self.lines[pred] = [line]
            self._render_area(self._fields[pred].area)
        return self.lines[pred]

    def _line_values(self, line: FactLine) -> list | None:
        """The engine values of a line (None for a '_'), or None if the line does not parse."""
        try:
            atom = self.kb.parse_pattern(line.fact_text())
        except KbError:
            return None
        return [getattr(a, "value", None) for a in atom.args]

    def _form_values(self, pred: str, values: list) -> list:
        """Form values of a fact's engine values; None (a denied fact's "any value") shows as _."""
        ground = [v if v is not None else 0 for v in values]
        shown = whatif.form_values(self.kb, (pred, tuple(ground)))
        return ["_" if v is None else f for v, f in zip(values, shown)]

    def _watch(self, line: FactLine) -> None:
        line.checkbox.observe(self._on_fact_change, names="value")
        line.status.observe(lambda change, ln=line: ln.checked and self._on_fact_change(change), names="value")
        for control in line.controls:
            control.observe(lambda change, ln=line: ln.checked and self._on_fact_change(change), names="value")

    def _render_area(self, area: str) -> None:
        rows = []
        for f in self.form:
            if f.area != area:
                continue
            rows += self.lines.get(f.name, [])
        self._area_boxes[area].children = rows

    def _build_area(self, area: str) -> None:
        for f in self.form:
            if f.area == area and f.name not in self.lines:
                line = FactLine(f, 0)
                self._watch(line)
                self.lines[f.name] = [line]
        self._render_area(area)

    def _on_area_opened(self, change) -> None:
        def build():
            if change["new"] is not None:
                self._build_area(self._areas[change["new"]][1])
        self._guard(build)

    class _Hold:
        def __init__(self, explorer):
            self.explorer = explorer

        def __enter__(self):
            self.before = self.explorer._quiet
            self.explorer._quiet = True

        def __exit__(self, *exc):
            self.explorer._quiet = self.before

    def _hold(self):
        return Explorer._Hold(self)

    def _on_fact_change(self, change) -> None:
        if not self._quiet:
            self._guard(self._refresh)

    def _refresh(self, name: str | None = None) -> None:
        facts, denied, unknown = self.facts(), self.facts("denied"), self.facts("unknown")
        state = (facts, denied, unknown)
        if name is not None:
            self._origin = (name, state)
        origin_name, origin_state = self._origin
        shown = origin_name if state == origin_state else f"{origin_name} (changed)"
        scenario = self.kb.scenario(facts, name=shown, denied=denied, unknown=unknown)
        evaluation = self.kb.evaluate(scenario)
        evaluation.open_conclusions  # computed now: more than 8 facts in question is an error here
        changed = (scenario.fact_keys(), scenario.unknown_keys(), scenario.denied) != (
            self.scenario.fact_keys(), self.scenario.unknown_keys(), self.scenario.denied)
        self.previous, self.scenario, self.evaluation = self.evaluation, scenario, evaluation
        self.status.value = ""
        if changed:  # flip sets computed for another scenario no longer apply
            self.flip_result = None
            self.flip_panel.value = ""
            self.flip_actions.children = []
        self._render()

    def _render(self) -> None:
        base = self.baseline if self.baseline is not None else self.previous
        change = kbase.diff(base, self.evaluation)
        counts = f"{len(self.scenario.facts)} facts"
        if self.scenario.denied:
            counts += f", {len(self.scenario.denied)} denied"
        if self.scenario.unknown:
            counts += f", {len(self.scenario.unknown)} in question"
        self.title.value = f"<b>{html.escape(self.kb.title)}</b> — {html.escape(self.scenario.name)}: {counts}"
        self.conclusions_panel.value = conclusions_html(self.kb, self.evaluation, change,
                                                        "pinned baseline" if self.baseline is not None
                                                        else "last change")
        lost = [c.text for c in change.lost]
        held = [c.text for c in self.evaluation.specific] + [r.text for r in self.evaluation.open_conclusions]
        options = held + [t for t in lost if t not in set(held)]
        with self._hold():
            current = self.selector.value
            self.selector.options = options
            self.selector.value = current if current in options else None
        if self.question.value.strip():
            self._explain(self.question.value.strip())

    def _explain(self, conclusion: str) -> None:
        self.explanation = None
        self.explanation_panel.value = ""
        if not conclusion:
            raise KbError("type a conclusion, e.g. one from the list above, to ask why (not)")
        atom = self.kb.parse_pattern(conclusion)
        if atom.is_ground() and self.evaluation.holds(atom):
            explanation = self.evaluation.explain(atom)
        else:
            explanation = self.evaluation.why_not(atom)
        self.explanation = explanation
        self.explanation_panel.value = explanation.to_html()
        if self.graph_view is not None:
            from kb import graph as kg

            clauses = [c for c in explanation.clause_ids() if c in self.clause_graph]
            nodes = set(clauses)
            if hasattr(explanation, "root"):
                nodes |= set(kg.explanation_subgraph(self.clause_graph, explanation))
            if (kg.sort_nodes(nodes), sorted(clauses)) != (self.graph_view.nodes, self.graph_view.highlighted):
                self.graph_view.show(nodes, highlight=clauses)

    def _on_select(self, change) -> None:
        if not self._quiet and change["new"]:
            self._guard(self.select, change["new"])

    def _on_ask(self, _) -> None:
        self._guard(self._explain, self.question.value.strip())

    def _on_flip(self, _) -> None:
        self._guard(self.flip)

    def _on_effects(self, _) -> None:
        def run():
            rows = []
            for name, adopted, change in whatif.interpretation_effects(self.kb, self.scenario):
                if change.gained or change.lost:
                    items = "".join(f"<li class='kb-added'>+ {html.escape(c.text)}</li>" for c in change.gained)
                    items += "".join(f"<li class='kb-removed'>- {html.escape(c.text)}</li>" for c in change.lost)
                    verb = "switching it off" if adopted else "switching it on"
                    rows.append(f"<div><b>{html.escape(name)}</b> ({verb}):</div><ul>{items}</ul>")
            self.effects_panel.value = "".join(rows) or "<i>No answer of this scenario depends on a reading.</i>"
        self._guard(run)

    def _on_pin(self, change) -> None:
        def run():
            self.baseline = self.evaluation if change["new"] else None
            self._render()
        self._guard(run)

    def _on_load(self, _) -> None:
        def run():
            path = self.path.value.strip()
            if not path:
                raise KbError("type the scenario file to load (a path, or a file name of the agreement's scenarios)")
            self.load(path)
            self._say(f"loaded {path}")
        self._guard(run)

    def _on_save(self, _) -> None:
        def run():
            path = self.path.value.strip()
            if not path:
                raise KbError("type the file to save to (ending in .yaml)")
            self._say(f"saved {self.save(path).name}")
        self._guard(run)

    def _say(self, text: str) -> None:
        self.status.value = f"<span class='kb-ok'>{html.escape(text)}</span>"

    def _guard(self, fn, *args) -> None:
        """Run a callback; show any error in the status line (a callback has no caller). The
        status is cleared first, so an old error never sits beside a new answer."""
        self.status.value = ""
        try:
            fn(*args)
        except KbError as exc:
            self.status.value = f"<div class='kb-error'>{html.escape(str(exc))}</div>"
        except Exception as exc:  # a bug: shown with its type and traceback, never swallowed
            trace = html.escape("".join(traceback.format_exception(exc)))
            self.status.value = (f"<div class='kb-error'>{html.escape(type(exc).__name__ + ': ' + str(exc))}"
                                 f"<details><summary>traceback</summary><pre>{trace}</pre></details></div>")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def conclusions_html(kb, evaluation, change, against: str) -> str:
    """The conclusions the facts bring, grouped by area, with what ``change`` gained marked
    (+) and what it lost listed struck through (-); then the open conclusions, each with the facts
    in question that decide it (one that became open is listed there, not as lost); the standing
    terms counted apart."""
    gained = set(change.gained)
    open_rows = evaluation.open_conclusions
    now_open = {r.conclusion for r in open_rows}
    lost = [c for c in change.lost if c not in now_open]  # an open conclusion is listed as open, not lost
    parts = [f"<div class='kb-diff-note'>+{len(change.gained)} -{len(lost)} since the "
             f"{html.escape(against)}</div>"]
    lost_by_area = dict(whatif.by_area(kb, lost))
    shown = whatif.by_area(kb, evaluation.specific)
    titles = sorted({t for t, _ in shown} | set(lost_by_area), key=str.lower)
    items = dict(shown)
    for title in titles:
        parts.append(f"<div class='kb-area'>{html.escape(title)}</div>")
        for c in items.get(title, []):
            cls = "kb-added" if c in gained else "kb-held"
            mark = "+ " if c in gained else "&nbsp;&nbsp;"
            parts.append(f"<div class='{cls}'>{mark}{html.escape(c.text)}</div>")
        for c in lost_by_area.get(title, []):
            parts.append(f"<div class='kb-removed'>- {html.escape(c.text)}</div>")
    if open_rows:
        parts.append(f"<div class='kb-area kb-open-title'>Open: depends on the {len(evaluation.in_question)} "
                     f"fact{'s' if len(evaluation.in_question) != 1 else ''} in question</div>")
        for row in open_rows:
            conditions = "".join(f"<li>holds if {html.escape(str(c))}</li>" for c in row.holds_if)
            conditions += "".join(f"<li>does not hold if {html.escape(str(c))}</li>" for c in row.fails_if)
            parts.append(f"<div class='kb-open'><div>? {html.escape(row.text)}</div><ul>{conditions}</ul></div>")
    if not evaluation.specific and not lost and not open_rows:
        parts.append("<div><i>No conclusion from these facts yet.</i></div>")
    standing = "".join(f"<li>{html.escape(c.text)}</li>" for c in evaluation.standing)
    parts.append(f"<details class='kb-standing'><summary>and {len(evaluation.standing)} standing terms that "
                 f"hold on the text alone (unless a prevailing text provides otherwise)</summary><ul>{standing}</ul></details>")
    return "\n".join(parts)


def conclusions_text(panel_html: str) -> str:
    """The panel's text as it reads on screen (tags dropped), for printing and tests."""
    import re

    broken = re.sub(r"</(div|li|summary|p)>", "\n", panel_html)
    text = html.unescape(re.sub(r"<[^>]+>", "", broken)).replace("\xa0", " ")
    return "\n".join(line.rstrip() for line in text.splitlines() if line.strip())


def _html(cls: str) -> ipw.HTML:
    w = ipw.HTML(value="")
    w.add_class(cls)
    return w


def _button(label: str, cls: str, handler) -> ipw.Button:
    b = ipw.Button(description=label, layout=ipw.Layout(width="auto"))
    b.add_class(cls)
    b.on_click(handler)
    return b
