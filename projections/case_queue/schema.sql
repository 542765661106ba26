-- One row per case for caseworkers' queues, and each case's open deadlines (for the next one).
-- Only key columns are NOT NULL: an upsert proposes partial rows.
create table case_queue (
    case_id uuid primary key,
    region text,
    workflow_id text,
    workflow_version int,
    state text,
    assigned_agency text,
    last_step text,
    last_step_on date,
    opened_on date,
    last_position bigint,
    assigned_to text,           -- the user the case is assigned to
    transfer_to text,           -- the region a transfer waiting for an answer goes to
    transfer_reason text,
    transfer_asked_on date
);
create index case_queue_region_case on case_queue (region, case_id);
create index case_queue_assigned on case_queue (assigned_to, case_id) where assigned_to is not null;
create index case_queue_transfer on case_queue (transfer_to, case_id) where transfer_to is not null;
create index case_queue_state on case_queue (state, case_id);

create table case_deadlines (
    case_id uuid not null,
    name text not null,
    referral_id text not null,
    due_on date,
    primary key (case_id, name, referral_id)
);
create index case_deadlines_due on case_deadlines (due_on);

-- Who a case is shared with beyond its region (`workflow|reach|agency`, reach acted, referred
-- or named; domain/access.py reach_mark):
-- the queue of a role that reaches only such cases lists those carrying one of its marks.
create table case_reach (
    case_id uuid not null,
    mark text not null,
    primary key (case_id, mark)
);
create index case_reach_mark on case_reach (mark, case_id);
