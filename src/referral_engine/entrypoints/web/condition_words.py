"""Conditions on a case's data in a page's words (a refusal naming the conditions a step or a
value needs: ConditionNotMet, or a value's `value_condition` problem)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from referral_engine.entrypoints.web.i18n import Translator
from referral_engine.entrypoints.web.workflow_text import WorkflowText


def conditions_said(unmet: object, t: Translator, text: WorkflowText | None) -> str:
    """Conditions on the case's data (as ConditionNotMet names them), each as its field's
    title and the value (or values) it must hold, in the workflow's words."""
    conditions = unmet if isinstance(unmet, Iterable) else ()
    return ", ".join(_condition(c, t, text) for c in conditions if isinstance(c, Mapping))


def _condition(c: Mapping[str, object], t: Translator, text: WorkflowText | None) -> str:
    """One unmet condition in the page's words: `Title = value`, `Title: value / value`,
    `Title ≠ value`, or the age a date of birth must give."""
    name = str(c["field"])
    title = text.data_title(name) if text else name
    if "age_below" in c:
        words = t("condition.age_below").format(age=c["age_below"], on=c.get("on", ""))
        return f"{title}: {words}"
    if isinstance(values := c.get("one_of"), list):
        return f"{title}: {' / '.join(_said(v, t, text) for v in values)}"
    sign, value = ("≠", c["not_equals"]) if "not_equals" in c else ("=", c.get("equals"))
    return f"{title} {sign} {_said(value, t, text)}"


def _said(value: object, t: Translator, text: WorkflowText | None) -> str:
    """A condition's value: yes or no for a flag, else the value in the workflow's words."""
    if isinstance(value, bool):
        return t("yes") if value else t("no")
    return text.value(str(value)) if text else str(value)
