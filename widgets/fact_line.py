"""One line of the explorer's builder: a fact of the vocabulary written as its sentence, with the
argument controls standing where the sentence names them.

``the event [att    ] is [a DDoS attack ▾]``: a tick box (is the fact part of the scenario?),
whether it is stated, denied or in question, then the sentence template (``says:``) with a
control in place of each placeholder: a combobox for a name (empty, its placeholder the
argument's name, offering the names the scenario already uses), a dropdown for an enumeration
(its labels shown, its value the value's name), a date picker, a number box for amounts and
integers. The predicate's documentation is the tooltip of the line's words.
"""
from __future__ import annotations

import html

import ipywidgets as ipw

from kb import whatif
from kb.errors import KbError
from kb.sentences import PLACEHOLDER_RE, capitalised

STATUSES = (("stated", "stated"), ("denied", "denied"), ("in question", "unknown"))
STATUS_TIP = ("stated: established; denied: established as not so (a name may be _ for any); "
              "in question: may turn out either way")


class FactLine(ipw.HBox):
    """A builder line for one fact of ``field`` (a :class:`kb.whatif.PredicateField`);
    ``controls`` are in argument order (not sentence order)."""

    def __init__(self, field: whatif.PredicateField, index: int, vocab):
        self.field = field
        self.index = index
        decl = vocab.predicate(field.name)
        tip = f"{field.name}: {field.doc}" if field.doc else field.name
        self.checkbox = ipw.Checkbox(value=False, indent=False, tooltip=tip,
                                     layout=ipw.Layout(width="auto", flex="0 0 auto", margin="0 0.3em 0 0"))
        self.checkbox.add_class(f"kb-fact-{field.name}")
        self.checkbox.add_class(f"kb-fact-{field.name}-{index}")
        self.status = ipw.Dropdown(options=STATUSES, value="stated", tooltip=STATUS_TIP,
                                   layout=ipw.Layout(width="8.5em", flex="0 0 auto"))
        self.status.add_class("kb-fact-status")
        types = {a.name: a.type for a in decl.args} if decl is not None else {}
        self.controls = [_control(arg, types.get(arg.name)) for arg in field.args]
        for control, arg in zip(self.controls, field.args):
            control.add_class(f"kb-arg-{arg.name}")
        by_name = {arg.name: control for arg, control in zip(field.args, self.controls)}
        template = (decl.says if decl is not None and decl.says
                    else f"{field.name}({', '.join('{' + a.name + '}' for a in field.args)})")
        pieces: list[ipw.Widget] = []
        placed: set = set()
        last = 0
        for m in PLACEHOLDER_RE.finditer(template):
            pieces += _words(template[last:m.start()], tip, first=not pieces)
            name = m.group(1)
            if name in by_name and name not in placed:
                pieces.append(by_name[name])
                placed.add(name)
            else:  # a name the sentence repeats: the control stands at its first place
                pieces += _words(f"(the same {name.replace('_', ' ')})", tip, first=False)
            last = m.end()
        pieces += _words(template[last:], tip, first=not pieces)
        self.words = [p for p in pieces if isinstance(p, ipw.HTML)]
        super().__init__(children=[self.checkbox, self.status, *pieces],
                         layout=ipw.Layout(flex_flow="row wrap", align_items="center", width="100%",
                                           margin="0 0 0.2em 0"))
        self.add_class("kb-fact-line")
        self.add_class(f"kb-line-{field.name}")

    @property
    def checked(self) -> bool:
        return self.checkbox.value

    @property
    def complete(self) -> bool:
        """Every name typed and every date picked (numbers and enumerations always have a value)."""
        for control in self.controls:
            if isinstance(control, ipw.Combobox) and not str(control.value).strip():
                return False
            if isinstance(control, ipw.DatePicker) and control.value is None:
                return False
        return True

    def fact_text(self) -> str:
        return whatif.fact_text(self.field.name, [c.value for c in self.controls])

    def set_values(self, values: list) -> None:
        for control, value in zip(self.controls, values):
            if isinstance(control, ipw.Dropdown) and value not in {v for _, v in control.options}:
                raise KbError(f"{self.field.name}: {value} is not one of its values")
            control.value = value

    def reset(self) -> None:
        """Unticked, stated, and every control back to its empty or first value."""
        self.checkbox.value = False
        self.status.value = "stated"
        for control in self.controls:
            control.value = _empty(control)


def _words(text: str, tip: str, first: bool) -> list[ipw.Widget]:
    text = text.strip()
    if not text:
        return []
    w = ipw.HTML(value=html.escape(capitalised(text) if first else text), tooltip=tip,
                 layout=ipw.Layout(width="auto", margin="0 0.3em"))
    w.add_class("kb-fact-words")
    return [w]


def _empty(control):
    if isinstance(control, ipw.Dropdown):
        return control.options[0][1]
    if isinstance(control, ipw.Combobox):
        return ""
    if isinstance(control, ipw.DatePicker):
        return None
    if isinstance(control, ipw.IntText):
        return 0
    return 0.0


def _control(arg: whatif.ArgumentField, vtype) -> ipw.Widget:
    words = arg.name.replace("_", " ")
    tip = f"{words}: {arg.doc}" if arg.doc else words
    if arg.kind == "enum":
        label = vtype.label if vtype is not None else (lambda v: v)
        options = [(label(name), name) for name, _ in arg.options]
        return ipw.Dropdown(options=options, value=options[0][1], tooltip=tip,
                            layout=ipw.Layout(width="auto", max_width="100%"))
    if arg.kind == "date":
        return ipw.DatePicker(value=None, tooltip=tip, layout=ipw.Layout(width="11em"))
    if arg.kind == "amount":
        return ipw.BoundedFloatText(value=0.0, min=0, max=1e12, step=0.01, tooltip=tip, layout=ipw.Layout(width="9em"))
    if arg.kind == "integer":
        return ipw.IntText(value=0, tooltip=tip, layout=ipw.Layout(width="7em"))
    return ipw.Combobox(value="", placeholder=words, options=[], ensure_option=False, continuous_update=False,
                        tooltip=tip, layout=ipw.Layout(width="9em"))
