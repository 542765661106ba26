-- One row per referral: to which agency and service, what became of it and when.
create table referrals (
    case_id uuid not null,
    referral_id text not null,
    region text,
    agency text,
    service text,
    sent_on date,
    accepted_on date,
    outcome text,
    rejection_reason text,
    primary key (case_id, referral_id)
);
create index referrals_agency on referrals (agency, service);
