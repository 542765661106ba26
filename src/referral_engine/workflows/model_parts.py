"""Parts of a workflow file's models (model.py): the base that refuses unknown keys, the words
of the `labels:` block, and the rules a step carries on the case's data (conditions, limits on
the dates it records, the states referrals are sent from under conditions)."""

from __future__ import annotations

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StepLabels(_Model):
    title: str = ""
    fields: dict[str, str] = {}


class DeadlineLabels(_Model):
    title: str = ""
    source: str = ""


class ReferralLabels(_Model):
    send: StepLabels = StepLabels()
    states: dict[str, str] = {}
    transitions: dict[str, StepLabels] = {}


class LanguageLabels(_Model):
    """One language's words for a workflow (every key optional)."""

    title: str = ""
    description: str = ""
    source: str = ""
    roles: dict[str, str] = {}
    states: dict[str, str] = {}
    opening: StepLabels = StepLabels()
    transitions: dict[str, StepLabels] = {}
    referrals: ReferralLabels = ReferralLabels()
    deadlines: dict[str, DeadlineLabels] = {}
    values: dict[str, str] = Field(default={}, description="enum value: its label")


class ConditionModel(_Model):
    """One condition on the case's data: the field `equals` a value, holds `one_of` several,
    holds a value other than `not_equals`, or (`age_below`) is the date of birth of a person
    younger than that on the day of the step (exactly one test)."""

    field: str = Field(min_length=1)
    equals: StrictBool | StrictInt | StrictStr | None = None
    one_of: list[StrictBool | StrictInt | StrictStr] = []
    not_equals: StrictBool | StrictInt | StrictStr | None = None
    age_below: int | None = Field(default=None, gt=0, le=150, description="a date of birth")
    source: str = Field(default="", description="where the condition comes from (the law)")

    @model_validator(mode="after")
    def _one_test(self) -> ConditionModel:
        tests = [k for k in ("equals", "not_equals", "age_below") if getattr(self, k) is not None]
        if len([*tests, *(["one_of"] if self.one_of else [])]) != 1:
            raise ValueError("give exactly one of equals, one_of, not_equals, age_below")
        return self


def one_or_many(value: object) -> object:
    """`when:` takes one condition or a list of them (all must hold)."""
    return [value] if isinstance(value, dict) else value


class BoundModel(_Model):
    """A reference date moved by a term: `after` a recorded date field, or `$step`."""

    after: str = Field(min_length=1)
    years: int = Field(default=0, ge=0, le=100)
    months: int = Field(default=0, ge=0, le=1200)
    days: int = Field(default=0, ge=0, le=36600)


class LimitModel(_Model):
    """Bounds on a date the step records: not later (`at_most`), not earlier (`at_least`)."""

    field: str = Field(min_length=1)
    at_most: BoundModel | None = None
    at_least: BoundModel | None = None
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _a_bound(self) -> LimitModel:
        if self.at_most is None and self.at_least is None:
            raise ValueError("give at_most, at_least or both")
        return self


class AllowedInModel(_Model):
    """A state from which referrals may be sent only while conditions hold."""

    state: str
    when: list[ConditionModel] = Field(min_length=1)
    source: str = ""

    _when = field_validator("when", mode="before")(one_or_many)


class DerivedModel(_Model):
    """A fact derived when a step records its sources, one of: an age band (domain/reporting.py)
    or an age in whole years, of a date of birth `at` a date; the country a free text names
    (domain/country_names.py)."""

    age_band_of: str | None = Field(default=None, description="the date-of-birth field")
    age_of: str | None = Field(default=None, description="the date-of-birth field (whole years)")
    country_named_in: str | None = Field(
        default=None, description="a free-text field naming a country: its ISO 3166-1 code"
    )
    at: str | None = Field(
        default=None, description="the date field the age is taken on, or $opened"
    )

    @model_validator(mode="after")
    def _one_kind(self) -> DerivedModel:
        given = [k for k in ("age_band_of", "age_of", "country_named_in") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("give exactly one of age_band_of, age_of, country_named_in")
        if (self.at is None) != (self.country_named_in is not None):
            raise ValueError("`at` goes with age_band_of or age_of, and only with them")
        return self

    @property
    def kind(self) -> str:
        """`age_band`, `age` or `country` (domain/workflow_parts.DerivedSpec)."""
        if self.age_band_of:
            return "age_band"
        return "age" if self.age_of else "country"

    @property
    def source(self) -> str:
        """The field the fact is derived from (the date of birth, or the free text)."""
        return self.age_band_of or self.age_of or self.country_named_in or ""


class WithheldModel(_Model):
    """Fields a case may not hold in `states` unless one of the flags `unless` is set, on a
    case where `when` holds (domain/conditions.py, WithheldSpec)."""

    fields: list[str] = Field(min_length=1)
    states: list[str] = Field(min_length=1)
    unless: list[str] = []
    when: list[ConditionModel] = []
    source: str = Field(min_length=1)

    _when = field_validator("when", mode="before")(one_or_many)


class HappenedModel(_Model):
    """A migration's move for a case whose history holds `event` (domain HappenedMove)."""

    event: str = Field(pattern=r"^[A-Z][A-Za-z0-9]*$")
    states: dict[str, str] = {}
    refused: list[str] = []
    source: str = Field(min_length=1)
