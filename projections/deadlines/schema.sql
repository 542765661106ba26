-- Open deadlines with due dates, and which agency each referral went to (for referral clocks).
create table open_deadlines (
    case_id uuid not null,
    name text not null,
    referral_id text not null,
    region text,
    agency text,
    started_on date,
    due_on date,
    service_target boolean,
    primary key (case_id, name, referral_id)
);
create index open_deadlines_due on open_deadlines (due_on);

create table referral_agencies (
    case_id uuid not null,
    referral_id text not null,
    agency text,
    primary key (case_id, referral_id)
);
