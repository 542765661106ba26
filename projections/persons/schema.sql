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
