"""A UK register imported under uk-nrm 4: an adult's name, which the opening declares, goes to the
referral the adult consented to (the case holds nothing identifying before it, MSA 2015 s.52(3));
a child's goes to the opening; an adult's on a row that never reached a referral is refused."""

from __future__ import annotations

from referral_engine.application.importing import Imports
from referral_engine.application.registers import read_register
from referral_engine.bootstrap import build_in_memory
from referral_engine.domain.commands import Actor
from referral_engine.domain.imports import case_id_of
from tests.factories import FixedClock, with_synthetic_agencies

ADMIN = Actor("admin.import", "admin", "home-office")
MAPPING = """
register: uk-past-referrals
row_id: ref
region: {column: region}
columns:
  name: person_name
  child: is_child
  responder: first_responder_type
  forms: {field: exploitation_forms, separator: ";"}
  sex: sex
  citizenship: citizenship
  reference: referral_reference
  found: {date: found}
  consented: {date: consented}
  referred: {date: referred}
state:
  column: state
  values: {identified: identified, referred: referred}
opening: {on: found}
paths:
  referred:
    - {step: record_consent, on: consented, data: {signed_on: $consented}}
    - {step: refer_adult, on: referred}
"""
HEADER = (
    "ref,region,name,child,responder,forms,sex,citizenship,reference,found,consented,referred,state"
)
ROWS = [
    "1,GB-ENG,Synthetic Adult One,no,police,labour,female,VN,NRM-SYN-1,"
    "2025-03-02,2025-03-03,2025-03-04,referred",
    "2,GB-ENG,Synthetic Child Two,yes,police,sexual,female,AL,,2025-03-02,,,identified",
    "3,GB-ENG,Synthetic Adult Three,no,police,labour,male,AL,,2025-03-02,,,identified",
]


def test_an_adults_name_goes_to_the_referral_and_is_refused_where_no_referral_follows() -> None:
    engine = with_synthetic_agencies(build_in_memory(clock=FixedClock()))
    importer = Imports(engine.store, engine.workflows, engine.clock)
    register = read_register("\n".join([HEADER, *ROWS]).encode(), "uk.csv")

    report = importer.run(register, "uk-nrm", MAPPING, actor=ADMIN)

    assert dict(report.counts) == {"imported": 2, "refused": 1}, report.listed
    [refused] = [row for row in report.listed if row.outcome == "refused"]
    assert refused.row_id == "3"
    assert [column for column, _ in refused.problems] == ["name"]
    assert "s.52(3)" in refused.problems[0][1]
    adult = importer.store.repository.get(case_id_of("uk-past-referrals", "1"))
    assert adult.state == "referred" and adult.data["person_name"] == "Synthetic Adult One"
    opening = importer.store.repository.get(case_id_of("uk-past-referrals", "1"), version=1)
    assert "person_name" not in opening.data  # recorded by the referral, not at the opening
    child = importer.store.repository.get(case_id_of("uk-past-referrals", "2"))
    assert child.data["person_name"] == "Synthetic Child Two"
