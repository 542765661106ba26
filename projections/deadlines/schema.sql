-- Open deadlines with due dates (the deadline board), open deadlines counted by region,
-- responsible agency, deadline name and due date (the dashboard: a few thousand rows at most),
-- and steps held back by an earliest-date guard with the date each becomes legal.
create table open_deadlines (
    case_id uuid not null,
    name text not null,
    referral_id text not null,
    region text,
    agency text,
    workflow_id text,
    workflow_version int,
    started_on date,
    due_on date,
    service_target boolean,
    primary key (case_id, name, referral_id)
);
create index open_deadlines_due on open_deadlines (due_on);

create table deadline_counts (
    region text not null,
    agency text not null,
    name text not null,
    due_on date not null,
    open bigint,
    primary key (region, agency, name, due_on)
);

create table not_yet_allowed (
    case_id uuid not null,
    trigger text not null,
    region text,
    agency text,
    workflow_id text,
    workflow_version int,
    counted_from text,
    started_on date,
    earliest_on date,
    primary key (case_id, trigger)
);
create index not_yet_allowed_earliest on not_yet_allowed (earliest_on);
