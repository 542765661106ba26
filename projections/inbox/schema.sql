-- What waits for an agency's answer (the inbox): referrals sent to it until they end, and cases a
-- step sent to it (a transition's `names_agency`, e.g. a police verification request) while they
-- stay in the state that step put them in; with each case's current state and workflow version,
-- which say whether the agency can still answer. No personal data: codes, states and days only.
create table inbox_referrals (
    case_id uuid not null,
    referral_id text not null,
    agency text,
    service text,
    state text,
    sent_on date,
    due_on date,        -- the earliest deadline the sending started for this referral
    answered_on date,   -- the day of its first step after the sending (accepted)
    ended_on date,      -- the day it was rejected, revoked or done
    primary key (case_id, referral_id)
);
create index inbox_referrals_open on inbox_referrals (agency, due_on) where ended_on is null;

-- One row per case; the request columns are those of the last step that sent it to an agency.
create table inbox_cases (
    case_id uuid primary key,
    region text,
    workflow_id text,
    workflow_version int,
    state text,
    entered_as text,    -- the name the state had when the case entered it (a migration renames
                        -- `state` only): the request waits while it is `requested_state`
    agency text,        -- the agency the last such step sent the case to
    trigger text,       -- that step
    requested_state text, -- the state it put the case in: a request while the case is there
    deadline text,      -- the deadline it started (its name), if any
    sent_on date,
    due_on date
);
create index inbox_cases_requests on inbox_cases (agency, due_on) where requested_state = entered_as;
