-- The blind index (docs/persons.md): for each value that says who a case's person is (the
-- workflow's `persons:` fields), the keyed hashes of its search terms and the value sealed with
-- the case's key. No clear text: a dump of these tables holds no name.
-- Only key columns are NOT NULL: an upsert proposes partial rows.
create table person_values (
    case_id uuid not null,
    field text not null,
    terms bytea[],
    sealed text,
    primary key (case_id, field)
);
create index person_values_terms on person_values using gin (terms);

-- Each case's region, workflow and state, for the searcher's need-to-know (as case_queue).
create table person_cases (
    case_id uuid primary key,
    region text,
    workflow_id text,
    workflow_version int,
    state text,
    opened_on date
);

-- Who a case is shared with beyond its region (`workflow|reach|agency`, domain/access.py).
create table person_reach (
    case_id uuid not null,
    mark text not null,
    primary key (case_id, mark)
);

-- Whether a case is within a searcher's need-to-know: their regions (null: every region), and
-- a workflow they reach every case of (null: all) or a reach mark the case carries (as the
-- case queue's filter). Inlined by the planner into each query.
create function person_visible(c person_cases, regions text[], whole text[], marks text[])
returns boolean language sql stable as $$
    select (regions is null or c.region = any(regions))
       and (whole is null or c.workflow_id = any(whole)
            or exists (select from person_reach r where r.case_id = c.case_id
                       and r.mark = any(marks)))
$$;
-- Possible duplicates: one row per pair of cases (`low` < `high` by their text), raised on
-- `case_id` naming `other_case` (each with its region then); where the pair stands (`open`,
-- `linked`, `dismissed`, `unlinked`), the reason code of the last decision and when.
create table person_alerts (
    low uuid not null,
    high uuid not null,
    case_id uuid,
    region text,
    other_case uuid,
    other_region text,
    state text,
    reason text,
    raised_at timestamptz,
    raised_position bigint,
    decided_at timestamptz,
    decided_role text,
    primary key (low, high)
);
create index person_alerts_open on person_alerts (state, raised_at);
create index person_alerts_high on person_alerts (high);
