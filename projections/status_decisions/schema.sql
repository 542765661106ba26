-- One row per application for status: where, when, and its latest outcome.
create table applications (
    case_id uuid primary key,
    region text,
    applied_on date,
    outcome text,
    decided_on date
);
create index applications_region_applied on applications (region, applied_on);
