"""The what-if explorer: build a scenario by clicking, see what the agreement says, why, and
what would change the answer, all in sentences.

A thin view over :mod:`kb` and :mod:`kb.whatif`: the builder is generated from the
vocabulary (a predicate added there gets its line here with no code: :mod:`widgets.fact_line`),
answers come from ``KnowledgeBase.evaluate``, explanations from ``Evaluation.explain``/``why_not``,
flip sets from ``kb.whatif.flip_search``. The explorer's only state is its scenario and the
widgets' values (plain data); it observes named traits only; every callback shows its errors in
the status line instead of losing them.

Layout: the scenario's title (editable; a separate *(changed)* marker), the file row, the status
line; then side by side the builder (areas, each with its fact lines and its readings, in a box
of fixed height that scrolls) and the panel of this scenario's facts and of what the agreement
says (sticky, so it stays in view); below, the explanation, *What would flip this?* and the
clause graph. Every panel that depends on the scenario is recomputed or cleared on each change.

Use from Python (tests, notebooks) exactly as a user clicks::

    ex = Explorer()                                   # blank scenario, built-in agreement
    ex.set_fact("event(quake, earthquake)")            # ticks (or adds) the line
    ex.conclusions_panel.value                         # HTML of the answers
    ex.select("liable(jd_cloud, outage)")              # explanation or why-not
"""
from __future__ import annotations

import html
import traceback
from pathlib import Path

import ipywidgets as ipw

import kb as kbase
from kb import whatif
from kb.errors import KbError, ScenarioError
from kb.files import write_new, write_replace
from kb.scenario import Scenario, denial_text, scenario_to_yaml
from kb.sentences import atom_sentence
from kb.terms import Const, Var

from .fact_line import STATUSES, FactLine

UNTITLED = "untitled scenario"

STYLE = """<style>
.kb-explorer .kb-added { color: #2b8a3e; font-weight: 600; }
.kb-explorer .kb-removed { color: #c92a2a; text-decoration: line-through; }
.kb-explorer .kb-error { color: #c92a2a; white-space: pre-wrap; }
.kb-explorer .kb-ok { color: #2b8a3e; }
.kb-explorer .kb-area { font-weight: 600; margin-top: 0.4em; }
.kb-explorer .kb-open { color: #9c6500; }
.kb-explorer .kb-changed { color: #9c6500; font-style: italic; }
.kb-explorer .kb-tag { font-size: 85%; color: #555; border: 1px solid #bbb; border-radius: 3px; padding: 0 0.3em; margin-right: 0.3em; }
.kb-explorer .kb-question { color: #555; font-size: 90%; }
.kb-explorer .widget-html-content { white-space: normal; overflow-wrap: anywhere; line-height: 1.35; }
.kb-explorer .widget-html, .kb-explorer .widget-html-content { height: auto; }
.kb-explorer .kb-answer-column { position: sticky; top: 0; align-self: flex-start; }
.kb-explorer .kb-value { font-weight: 600; }
.kb-explorer .widget-dropdown select { text-overflow: ellipsis; }
</style>"""


class Explorer(ipw.VBox):
    """The what-if explorer over a knowledge base (the built-in agreement by default), starting
    from a blank scenario, a :class:`kb.Scenario` or a scenario file."""

    def __init__(self, agreement: kbase.KnowledgeBase | None = None, scenario=None, *, graph: bool = True,
                 flip_time_budget: float | None = 2.0, agreements: dict | None = None):
        if agreement is None and agreements:  # several versions (kb.amend): the first is shown first
            agreement = next(iter(agreements.values()))
        self.kb = agreement if agreement is not None else kbase.load_agreement()
        self.vocab = self.kb.vocabulary
        self.form = whatif.fact_form(self.kb)
        self.flip_time_budget = flip_time_budget
        self._quiet = False
        self.scenario: Scenario = self.kb.scenario([], name=UNTITLED)
        self.evaluation = self.kb.evaluate(self.scenario)
        self.previous = self.evaluation
        self.baseline = None  # a pinned evaluation, when the analyst pins one
        self.flip_result: whatif.FlipResult | None = None
        self.flip_buttons: list[ipw.Button] = []
        self.explanation = None  # the Explanation or WhyNot the explanation panel shows
        self._origin = ([], [], [])  # the (stated, denied, unknown) facts last loaded or saved
        self.changed = False
        self._names: tuple = ()  # the names the scenario uses, offered by every name box
        self._removable: list[str] = []  # the facts of the facts panel's rows, in order

        # -- header: title, file, pin, status
        self.title = ipw.Text(value="", placeholder="scenario title", description="Scenario",
                              layout=ipw.Layout(width="auto", flex="1 1 24em", min_width="12em"))
        self.title.add_class("kb-title")
        self.title.observe(self._on_title, names="value")
        self.changed_marker = _html("kb-changed")
        self.summary = _html("kb-summary")
        self.status = _html("kb-status")
        self.path = ipw.Text(placeholder="scenario file (.yaml)",
                             layout=ipw.Layout(width="auto", flex="1 1 20em", min_width="10em"))
        self.path.add_class("kb-path")
        self.load_button = _button("Load", "kb-load", self._on_load)
        self.save_button = _button("Save", "kb-save", self._on_save)
        self.blank_button = _button("Blank", "kb-blank", lambda _: self._guard(self.clear))
        self.blank_button.tooltip = "start again from an empty scenario: every line cleared"
        self.overwrite = ipw.Checkbox(value=False, description="overwrite", indent=False,
                                      layout=ipw.Layout(width="auto"))
        self.overwrite.add_class("kb-overwrite")
        self.pin_button = ipw.ToggleButton(value=False, description="Pin baseline",
                                           tooltip="compare every change with the scenario as it is now")
        self.pin_button.add_class("kb-pin")
        self.pin_button.observe(self._on_pin, names="value")

        # -- builder: one section per area, its fact lines (built when first needed) and its readings
        self.lines: dict[str, list[FactLine]] = {}
        self._fields = {f.name: f for f in self.form}
        interpretations = self.kb.interpretations()
        self._reading_area = {item["name"]: self._area_of_reading(item["name"]) for item in interpretations}
        area_ids = {f.area for f in self.form} | set(self._reading_area.values())
        self._areas = sorted(((self.vocab.areas.get(a, a), a) for a in area_ids), key=lambda x: x[0].lower())
        self._area_titles = dict((a, t) for t, a in self._areas)
        self._lines_boxes = {a: ipw.VBox() for _, a in self._areas}
        self.toggles: dict[str, ipw.Checkbox] = {}
        readings: dict[str, list] = {}
        for item in interpretations:
            box = ipw.Checkbox(value=False, indent=False, tooltip=f"adopt this reading ({item['name']})",
                               layout=ipw.Layout(width="auto", flex="0 0 auto", margin="0 0.3em 0 0"))
            box.add_class(f"kb-interpretation-{item['name']}")
            box.observe(self._on_fact_change, names="value")
            self.toggles[item["name"]] = box
            words = ipw.HTML(
                f"<b>{html.escape(item['title'] or item['name'])}</b> "
                f"<span class='kb-question'>[{html.escape(', '.join(item['clauses']))}] "
                f"{html.escape(item['question'])} ({html.escape(item['name'])})</span>",
                layout=ipw.Layout(flex="1 1 0", min_width="0"))
            readings.setdefault(self._reading_area[item["name"]], []).append(
                ipw.HBox([box, words], layout=ipw.Layout(align_items="flex-start", width="100%")))
        self._area_boxes = {}
        for _, area in self._areas:
            parts = [self._lines_boxes[area]]
            if readings.get(area):
                parts += [ipw.HTML("<div class='kb-area'>Readings of ambiguous clauses (tick to adopt the "
                                   "alternative)</div>"), *readings[area]]
            self._area_boxes[area] = ipw.VBox(parts)
        self._shown_titles = [t for t, _ in self._areas]
        self.builder = ipw.Accordion(children=[self._area_boxes[a] for _, a in self._areas],
                                     titles=tuple(self._shown_titles), selected_index=None)
        self.builder.add_class("kb-builder")
        self.builder.observe(self._on_area_opened, names="selected_index")
        self.effects_button = _button("Which answers depend on each reading?", "kb-effects", self._on_effects)
        self.effects_panel = _html("kb-effects-panel")

        # -- this scenario's facts, each removable; the answers
        self.facts_title = _html("kb-facts-title")
        self.facts_panel = ipw.VBox()
        self.facts_panel.add_class("kb-facts-panel")
        self._fact_rows: list[tuple[ipw.HBox, ipw.HTML, ipw.Button]] = []
        self.conclusions_panel = _html("kb-conclusions")

        # -- explanation, flips, graph
        self.selector = ipw.Dropdown(options=[], description="Explain", layout=ipw.Layout(width="100%"))
        self.selector.add_class("kb-select")
        self.selector.observe(self._on_select, names="value")
        self.question = ipw.Text(placeholder="or type a conclusion to ask why (not), with its arguments",
                                 layout=ipw.Layout(width="auto", flex="1 1 24em", min_width="10em"))
        self.ask_button = _button("Why / why not", "kb-ask", self._on_ask)
        self.explanation_panel = _html("kb-explanation")
        self.flip_button = _button("What would flip this?", "kb-flip", self._on_flip)
        self.flip_panel = _html("kb-flip-panel")
        self.flip_actions = ipw.VBox()
        self.flip_actions.add_class("kb-flip-rows")
        self.graph_view = None
        if graph:
            from .graph_view import ClauseGraphView

            self.clause_graph = kbase.clause_graph(self.kb)
            self.graph_view = ClauseGraphView(self.clause_graph, nodes=[], height=360)

        builder_column = ipw.VBox(
            [ipw.HTML("<b>Build the scenario</b>: open an area, fill in a sentence (it is ticked once its names "
                      "are typed) or tick it; say whether it is stated, denied or in question."),
             self.builder, self.effects_button, self.effects_panel],
            layout=ipw.Layout(width="55%", min_width="0", max_height="75vh", overflow="auto",
                              padding="0 0.5em 0 0"))
        builder_column.add_class("kb-builder-column")
        answer_column = ipw.VBox(
            [self.facts_title, self.facts_panel, ipw.HTML("<b>What the agreement says</b>"), self.conclusions_panel],
            layout=ipw.Layout(width="45%", min_width="0", max_height="75vh", overflow="auto",
                              padding="0 0 0 1em"))
        answer_column.add_class("kb-answer-column")
        explain = ipw.VBox([self.selector, ipw.HBox([self.question, self.ask_button],
                                                    layout=ipw.Layout(flex_flow="row wrap")),
                            self.explanation_panel, self.flip_button, self.flip_panel, self.flip_actions]
                           + ([ipw.HTML("<b>Clauses of this answer</b>"), self.graph_view] if graph else []))
        explain.add_class("kb-explain-column")
        super().__init__(children=[
            ipw.HTML(STYLE),
            ipw.HBox([self.title, self.changed_marker], layout=ipw.Layout(align_items="center", flex_flow="row wrap")),
            self.summary,
            ipw.HBox([self.path, self.load_button, self.save_button, self.overwrite, self.blank_button,
                      self.pin_button], layout=ipw.Layout(flex_flow="row wrap", align_items="center")),
            *self._agreement_row(agreements),
            self.status, ipw.HBox([builder_column, answer_column], layout=ipw.Layout(width="100%")), explain])
        self.add_class("kb-explorer")
        if scenario is not None:
            self.load(scenario)
        else:
            self._refresh(loaded=True)

    # -- the agreement (original or amended: kb.amend, %%kb_rules) ------------------------
    def _agreement_row(self, agreements: dict | None) -> list:
        """The dropdown of the agreement's versions (``kb-agreement``), when several are given."""
        self.agreement_choice = None
        if not agreements:
            return []
        if self.kb not in agreements.values():
            agreements = {self.kb.title: self.kb, **agreements}
        self.agreement_choice = ipw.Dropdown(options=[(str(label), k) for label, k in agreements.items()],
                                             value=self.kb, description="Agreement")
        self.agreement_choice.add_class("kb-agreement")
        self.agreement_choice.observe(lambda change: self._guard(self.use_agreement, change["new"]), names="value")
        return [self.agreement_choice]

    def use_agreement(self, agreement: kbase.KnowledgeBase) -> None:
        """Evaluate the scenario under another version of the agreement (an amended copy, from
        :mod:`kb.amend` or ``%%kb_rules``): the facts stay, every answer is recomputed, and the
        answers panel marks what the switch gained and lost (against the pinned baseline, if
        any). The builder is generated from the vocabulary, so both versions must declare the
        same inputs and readings: otherwise a KbError, and nothing changes."""
        if agreement is self.kb:
            return
        if (sorted(agreement.vocabulary.inputs) != sorted(self.vocab.inputs)
                or sorted(agreement.vocabulary.interpretations) != sorted(self.vocab.interpretations)):
            raise KbError("this version of the agreement declares other facts or readings than the explorer's: "
                          "open a new Explorer on it")
        self.kb, self.vocab = agreement, agreement.vocabulary
        if self.graph_view is not None:
            self.clause_graph = kbase.clause_graph(agreement)
            self.graph_view.graph = self.clause_graph
        self.flip_result = None  # computed under the other version
        self.flip_panel.value = ""
        self.flip_actions.children = []
        self.flip_buttons = []
        self.effects_panel.value = ""
        if self.agreement_choice is not None and self.agreement_choice.value is not agreement:
            with self._hold():
                if agreement in [k for _, k in self.agreement_choice.options]:
                    self.agreement_choice.value = agreement
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

    def remove(self, fact: str) -> None:
        """Take a fact (stated, denied or in question) or an adopted reading out of the scenario:
        what a row's *Remove* button does."""
        self.set_fact(fact, on=False, status="stated" if self.kb.parse_pattern(fact).is_ground() else "denied")

    def fact_rows(self) -> list[str]:
        """The facts panel as it reads: one sentence per row (``denied:``, ``in question:`` or
        ``reading:`` before those that are not plainly stated)."""
        return [conclusions_text(words.value.replace("</span><span", "</span>: <span", 1)
                                 if "kb-tag" in words.value else words.value)
                for row, words, _ in self._fact_rows[:len(self._removable)]]

    def add_line(self, pred: str) -> FactLine:
        """A new, unticked line for another fact of ``pred``."""
        lines = self._lines(pred)
        line = self._new_line(self._fields[pred], len(lines))
        lines.append(line)
        self._render_area(self._fields[pred].area)
        return line

    def load(self, source) -> None:
        """Show a scenario (a :class:`kb.Scenario` or a scenario file): its title and its stated,
        denied and in question facts, every other line cleared. A file that does not load leaves
        the current scenario as it was and raises the validation error."""
        scenario = source if isinstance(source, Scenario) else self.kb.load_scenario(source)
        self._fill(scenario)
        self._refresh(loaded=True)

    def _fill(self, scenario: Scenario, title: str | None = None) -> None:
        """The builder's lines, readings and title set to show ``scenario``, without a refresh."""
        render = self.vocab.render
        entries = [(render(*f.key), f.key[0], list(f.key[1]), "stated") for f in scenario.facts]
        entries += [(render(*f.key), f.key[0], list(f.key[1]), "unknown") for f in scenario.unknown]
        entries += [(denial_text(d, self.vocab), d.atom.pred,
                     [getattr(a, "value", None) for a in d.atom.args], "denied") for d in scenario.denied]
        with self._hold():
            self._clear_lines()
            self.title.value = title if title is not None else "" if scenario.name == UNTITLED else scenario.name
            for _, pred, values, status in sorted(entries):
                if pred == "interpretation":
                    self.toggles[values[0]].value = True
                    continue
                lines = self._lines(pred)
                line = next((x for x in lines if not x.checked), None) or self.add_line(pred)
                line.set_values(self._form_values(pred, values))
                line.status.value = status
                line.checkbox.value = True

    def clear(self) -> None:
        """Back to a blank scenario: every line unticked and emptied, every reading off, no title."""
        self.load(self.kb.scenario([], name=UNTITLED))

    def save(self, path, overwrite: bool | None = None) -> Path:
        """Write the scenario the builder shows as YAML, atomically (:mod:`kb.files`): a temporary
        file in the same folder, flushed to disk, then linked or renamed into place, so a failure
        never leaves a half-written file. An existing file is replaced only with ``overwrite`` (the
        *overwrite* box): a scenario file may hold a description and expectations, which the
        explorer does not keep. Without it, creating the file is one atomic step: of several
        saves to the same new path at once exactly one succeeds, the others get the "exists"
        error."""
        path = Path(path)
        if overwrite is None:
            overwrite = self.overwrite.value
        if path.suffix not in (".yaml", ".yml"):
            raise ScenarioError("a scenario file name ends in .yaml", file=str(path))
        if path.is_dir():
            raise ScenarioError("is a folder; give a file name ending in .yaml", file=str(path))
        if not path.parent.is_dir():
            raise ScenarioError(f"the folder {path.parent} does not exist", file=str(path))
        exists = ScenarioError("the file exists; tick 'overwrite' to replace it (its description and "
                               "expectations, if any, would be lost)", file=str(path))
        if path.exists() and not overwrite:
            raise exists
        self._refresh()  # the builder as it is now: an incomplete line is an error, not a stale save
        text = scenario_to_yaml(self.scenario, self.kb.vocabulary)
        if overwrite:
            write_replace(path, text)
        else:
            try:
                write_new(path, text)
            except FileExistsError:  # created by someone else since the check above
                raise exists from None
        self._origin = self._state()  # saved: the scenario as the file now has it
        self.changed = False
        self._render()
        return path

    def pin(self, on: bool = True) -> None:
        self.pin_button.value = on

    # -- questions -------------------------------------------------------------------------
    def select(self, conclusion: str) -> None:
        """Explain a conclusion that holds, or say why one does not."""
        self.question.value = conclusion
        self._explain(conclusion)

    def flip(self, conclusion: str | None = None) -> whatif.FlipResult:
        """The smallest changes (to the facts, and to the readings adopted) that would flip the
        selected (or given) conclusion, shown one row per group of alternatives, each row with
        its own *Apply* button."""
        target = conclusion or self.question.value.strip() or self.selector.value
        if not target:
            raise KbError("select a conclusion first")
        result = whatif.flip_search(self.kb, self.scenario, target, time_budget=self.flip_time_budget)
        self.flip_result = result
        head = html.escape(result.heading())
        if not result.candidates:
            self.flip_panel.value = f"<div class='kb-flip-head'>{head}: {html.escape(result.reason)}</div>"
        else:
            n = len(result.flips)
            cut = (f"<div class='kb-flip-cut'>(search cut short: {html.escape(result.reason)})</div>"
                   if result.truncated else "")
            found = f"{n} change set{'s' if n != 1 else ''}" if n else "no change set found"
            self.flip_panel.value = (f"<div class='kb-flip-head'><b>{head}</b>: {found}</div>"
                                     f"<div class='kb-flip-tried'>{html.escape(result.tried_text())}.</div>{cut}")
        rows, self.flip_buttons = [], []
        for i, group in enumerate(result.groups, start=1):
            text = ipw.HTML(f"{i}. {whatif.group_sentence(self.kb, group, html=True)}",
                            layout=ipw.Layout(flex="1 1 0", min_width="0"))
            button = _button("Apply", f"kb-apply-{i}", None)
            button.tooltip = str(group.first)
            parts = [text]
            if len(group.sets) > 1:
                choice = ipw.Dropdown(options=[(_alternative(self.kb, group, k), k) for k in range(len(group.sets))],
                                      value=0, tooltip="which of them to apply",
                                      layout=ipw.Layout(width="16em", flex="0 1 auto"))
                choice.add_class(f"kb-apply-choice-{i}")
                parts.append(choice)
                button.on_click(lambda _, g=group, c=choice: self._guard(self.apply, g.sets[c.value]))
            else:
                button.on_click(lambda _, g=group: self._guard(self.apply, g.first))
            parts.append(button)
            self.flip_buttons.append(button)
            row = ipw.HBox(parts, layout=ipw.Layout(align_items="center", width="100%"))
            row.add_class("kb-flip-row")
            rows.append(row)
        self.flip_actions.children = rows
        return result

    def apply(self, flip_set: whatif.FlipSet) -> None:
        """Make the changes of a flip set to the scenario (its title kept)."""
        self._fill(flip_set.apply(self.kb, self.scenario), title=self.title.value)
        self._refresh()

    # -- internals ---------------------------------------------------------------------------
    def _area_of_reading(self, name: str) -> str:
        interp = self.vocab.interpretations.get(name)
        stem = Path(interp.file).stem if interp is not None and interp.file else ""
        return stem if stem in self.vocab.areas else "other"

    def _new_line(self, field, index: int) -> FactLine:
        line = FactLine(field, index, self.vocab)
        for control in line.controls:
            if isinstance(control, ipw.Combobox):
                control.options = self._names
        self._watch(line)
        return line

    def _lines(self, pred: str) -> list[FactLine]:
        if pred not in self.lines:
            self.lines[pred] = [self._new_line(self._fields[pred], 0)]
            self._render_area(self._fields[pred].area)
        return self.lines[pred]

    def _clear_lines(self) -> None:
        """Every line unticked and emptied (a predicate keeps one line), every reading off."""
        for pred, lines in self.lines.items():
            for extra in lines[1:]:
                extra.close()
            del lines[1:]
            lines[0].reset()
        for area in {self._fields[p].area for p in self.lines}:
            self._render_area(area)
        for box in self.toggles.values():
            box.value = False

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
            control.observe(lambda change, ln=line: self._on_control(ln, change), names="value")

    def _on_control(self, line: FactLine, change) -> None:
        """A value typed or chosen: a ticked line refreshes the answers; an unticked line is
        ticked once its names are typed and its dates picked (filling a sentence states it)."""
        if self._quiet:
            return
        if line.checked:
            self._on_fact_change(change)
        elif line.complete:
            line.checkbox.value = True

    def _render_area(self, area: str) -> None:
        rows = []
        for f in self.form:
            if f.area == area:
                rows += self.lines.get(f.name, [])
        self._lines_boxes[area].children = rows

    def _build_area(self, area: str) -> None:
        for f in self.form:
            if f.area == area and f.name not in self.lines:
                self.lines[f.name] = [self._new_line(f, 0)]
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

    def _on_title(self, change) -> None:
        if not self._quiet:
            self._guard(self._refresh)

    def _state(self) -> tuple:
        return (self.facts(), self.facts("denied"), self.facts("unknown"))

    def _refresh(self, loaded: bool = False) -> None:
        """Recompute every panel that depends on the scenario: the answers and their diff, the
        facts panel and the areas' counts, the title's marker, the names offered, the list of
        conclusions to explain and the asked question's explanation; clear the flip sets and the
        readings' effects, which belong to the scenario they were computed for."""
        facts, denied, unknown = state = self._state()
        if loaded:
            self._origin = state
        name = self.title.value.strip() or UNTITLED
        scenario = self.kb.scenario(facts, name=name, denied=denied, unknown=unknown)
        evaluation = self.kb.evaluate(scenario)
        evaluation.open_conclusions  # computed now: more than 8 facts in question is an error here
        changed = (scenario.fact_keys(), scenario.unknown_keys(), scenario.denied) != (
            self.scenario.fact_keys(), self.scenario.unknown_keys(), self.scenario.denied)
        self.previous, self.scenario, self.evaluation = self.evaluation, scenario, evaluation
        self.status.value = ""
        if changed or loaded:  # computed for another scenario: no longer right
            self.flip_result = None
            self.flip_panel.value = ""
            self.flip_actions.children = []
            self.flip_buttons = []
            self.effects_panel.value = ""
        self.changed = state != self._origin
        self._render()

    def _render(self) -> None:
        base = self.baseline if self.baseline is not None else self.previous
        change = kbase.diff(base, self.evaluation)
        self.changed_marker.value = "<span class='kb-changed'>(changed)</span>" if self.changed else ""
        counts = f"{len(self.scenario.facts)} fact{'s' if len(self.scenario.facts) != 1 else ''} stated"
        if self.scenario.denied:
            counts += f", {len(self.scenario.denied)} denied"
        if self.scenario.unknown:
            counts += f", {len(self.scenario.unknown)} in question"
        self.summary.value = f"<b>{html.escape(self.kb.title)}</b>: {counts}"
        self._render_facts()
        self.conclusions_panel.value = conclusions_html(self.kb, self.evaluation, change,
                                                        "pinned baseline" if self.baseline is not None
                                                        else "last change")
        lost = [c for c in change.lost]
        held = list(self.evaluation.specific) + [r.conclusion for r in self.evaluation.open_conclusions]
        seen, options = set(), []
        for c in held + lost:
            if c.text not in seen:
                seen.add(c.text)
                options.append((conclusions_text(_capitalised_html(
                    atom_sentence(self.vocab, c.pred, c.args, html_out=True))), c.text))
        with self._hold():
            current = self.selector.value
            if tuple(options) != tuple(self.selector.options):
                self.selector.options = options
            asked = self.question.value.strip()
            self.selector.value = current if current in seen else asked if asked in seen else None
        if self.question.value.strip():
            self._explain(self.question.value.strip())
        else:
            self._clear_explanation()

    def _render_facts(self) -> None:
        """The facts panel (a row per fact, with its *Remove* button), the areas' counts and the
        names offered by every name box."""
        entries = []  # (area, order, fact, status)
        names = set()
        for pred, lines in self.lines.items():
            for line in lines:
                if line.checked:
                    entries.append((self._fields[pred].area, line.status.value, line.fact_text()))
                    names |= {str(c.value).strip() for c in line.controls
                              if isinstance(c, ipw.Combobox) and str(c.value).strip() not in ("", "_")}
        for name, box in self.toggles.items():
            if box.value:
                entries.append((self._reading_area[name], "reading", f"interpretation({name})"))
        order = {"stated": 0, "denied": 1, "unknown": 2, "reading": 3}
        entries.sort(key=lambda e: (order[e[1]], self._area_titles.get(e[0], e[0]).lower(), e[2]))
        while len(self._fact_rows) < len(entries):
            i = len(self._fact_rows)
            words = ipw.HTML(layout=ipw.Layout(flex="1 1 0", min_width="0"))
            button = _button("Remove", "kb-remove-fact", lambda _, i=i: self._guard(self.remove, self._removable[i]))
            row = ipw.HBox([words, button], layout=ipw.Layout(align_items="center", width="100%"))
            row.add_class("kb-fact-row")
            self._fact_rows.append((row, words, button))
        self._removable = [fact for _, _, fact in entries]
        tags = {"denied": "denied", "unknown": "in question", "reading": "reading"}
        for (row, words, button), (_, status, fact) in zip(self._fact_rows, entries):
            tag = f"<span class='kb-tag'>{tags[status]}</span>" if status in tags else ""
            value = f"{tag}<span title='{html.escape(fact)}'>{self._fact_sentence(fact)}</span>"
            if words.value != value:
                words.value = value
                button.tooltip = f"remove {fact}"
        rows = tuple(r for r, _, _ in self._fact_rows[:len(entries)])
        if self.facts_panel.children != rows:
            self.facts_panel.children = rows
        n = len(entries)
        self.facts_title.value = (f"<b>Facts of this scenario</b> ({n})" if n else
                                  "<b>Facts of this scenario</b>: none yet. Open an area on the left and "
                                  "fill in or tick a sentence, or load a file.")
        per_area: dict[str, int] = {}
        for area, _, _ in entries:
            per_area[area] = per_area.get(area, 0) + 1
        titles = [t + (f" \u2014 {per_area[a]} fact{'s' if per_area[a] != 1 else ''}" if per_area.get(a) else "")
                  for t, a in self._areas]
        if titles != self._shown_titles:
            self._shown_titles = titles
            self.builder.titles = tuple(titles)
        names = tuple(sorted(names))
        if names != self._names:
            self._names = names
            for lines in self.lines.values():
                for line in lines:
                    for control in line.controls:
                        if isinstance(control, ipw.Combobox):
                            control.options = names

    def _fact_sentence(self, fact: str) -> str:
        atom = self.kb.parse_pattern(fact)
        decl = self.vocab.predicate(atom.pred)
        specs = decl.args if decl is not None else [None] * len(atom.args)
        # a denied fact's "_" reads "any <argument>": no failure of any kind
        args = tuple(a.value if isinstance(a, Const) else Var("any " + (s.name.replace("_", " ") if s else "value"))
                     for a, s in zip(atom.args, specs))
        return _capitalised_html(atom_sentence(self.vocab, atom.pred, args, html_out=True))

    def _clear_explanation(self) -> None:
        self.explanation = None
        self.explanation_panel.value = ""
        if self.graph_view is not None and self.graph_view.nodes:
            self.graph_view.show([], highlight=[])

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
                    items = "".join(f"<li class='kb-added'>+ {_sentence_html(self.vocab, c)}</li>" for c in change.gained)
                    items += "".join(f"<li class='kb-removed'>- {_sentence_html(self.vocab, c)}</li>"
                                     for c in change.lost)
                    verb = "dropping it" if adopted else "adopting it"
                    title = whatif.reading_title(self.kb, name)
                    rows.append(f"<div><b>{html.escape(title)}</b> ({html.escape(name)}; {verb}):</div><ul>{items}</ul>")
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


def _alternative(kb, group: whatif.FlipGroup, k: int) -> str:
    """The value that set ``k`` of a group gives the varying fact, as words."""
    change = group.sets[k].changes[group.varying]
    return whatif.value_phrases(kb, change.add)[group.position]


def _capitalised_html(text: str) -> str:
    """An HTML sentence with its first letter (outside the tags) in capitals, unless the sentence
    starts with a name (a name is written as the scenario writes it: ``quake``, never ``Quake``)."""
    if text.startswith(('<span class="kb-value kb-id">', '<span class="kb-value kb-variable">', '<code')):
        return text
    i = 0
    while i < len(text) and text[i] == "<":
        i = text.find(">", i) + 1 or len(text)
    return text[:i] + text[i:i + 1].upper() + text[i + 1:]


def _sentence_html(vocab, c) -> str:
    """A conclusion as an HTML sentence, its atom in the tooltip and in ``data-atom``."""
    atom = html.escape(c.text)
    return (f"<span class='kb-sentence' title='{atom}' data-atom='{atom}'>"
            f"{_capitalised_html(atom_sentence(vocab, c.pred, c.args, html_out=True))}</span>")


def conclusions_html(kb, evaluation, change, against: str) -> str:
    """The conclusions the facts bring, as sentences (the atom in each one's tooltip), grouped by
    area, with what ``change`` gained marked (+) and what it lost listed struck through (-); then
    the open conclusions, each with the facts in question that decide it (one that became open
    is listed there, not as lost); the standing terms counted apart."""
    vocab = kb.vocabulary
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
            parts.append(f"<div class='{cls}' data-atom='{html.escape(c.text)}'>{mark}{_sentence_html(vocab, c)}</div>")
        for c in lost_by_area.get(title, []):
            parts.append(f"<div class='kb-removed' data-atom='{html.escape(c.text)}'>- {_sentence_html(vocab, c)}</div>")
    if open_rows:
        parts.append(f"<div class='kb-area kb-open-title'>Open: depends on the {len(evaluation.in_question)} "
                     f"fact{'s' if len(evaluation.in_question) != 1 else ''} in question</div>")
        for row in open_rows:
            conditions = "".join(f"<li>holds if {_condition_html(c)}</li>" for c in row.holds_if)
            conditions += "".join(f"<li>does not hold if {_condition_html(c)}</li>" for c in row.fails_if)
            parts.append(f"<div class='kb-open' data-atom='{html.escape(row.text)}'><div>? "
                         f"{_sentence_html(vocab, row.conclusion)}</div><ul>{conditions}</ul></div>")
    if not evaluation.specific and not lost and not open_rows:
        parts.append("<div><i>No conclusion from these facts yet.</i></div>")
    standing = "".join(f"<li>{_sentence_html(vocab, c)}</li>" for c in evaluation.standing)
    parts.append(f"<details class='kb-standing'><summary>and {len(evaluation.standing)} standing terms that "
                 f"hold on the text alone (unless a prevailing text provides otherwise)</summary><ul>{standing}</ul></details>")
    return "\n".join(parts)


def _condition_html(c) -> str:
    to_html = getattr(c, "to_html", None)
    return to_html() if to_html is not None else html.escape(str(c))


def conclusions_text(panel_html: str) -> str:
    """The panel's text as it reads on screen (tags dropped), for printing and tests."""
    import re

    broken = re.sub(r"</(div|li|summary|p)>", "\n", panel_html)
    text = html.unescape(re.sub(r"<[^>]+>", "", broken)).replace("\xa0", " ")
    return "\n".join(line.rstrip() for line in text.splitlines() if line.strip())


def panel_atoms(panel_html: str, cls: str = "kb-held|kb-added") -> list[str]:
    """The atoms of the conclusions a panel lists with these classes (``data-atom``), sorted."""
    import re

    return sorted(html.unescape(m.group(2)) for m in re.finditer(
        rf"<div class='({cls})' data-atom='([^']*)'>", panel_html))


def _html(cls: str) -> ipw.HTML:
    w = ipw.HTML(value="")
    w.add_class(cls)
    return w


def _button(label: str, cls: str, handler) -> ipw.Button:
    b = ipw.Button(description=label, layout=ipw.Layout(width="auto"))
    b.add_class(cls)
    if handler is not None:
        b.on_click(handler)
    return b
