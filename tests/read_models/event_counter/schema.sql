-- Test-only read model: counts events per case with an additive counter, so a batch processed
-- twice, or an event skipped, shows up as a wrong count.
create table event_counts (
    case_id uuid primary key,
    events bigint,
    last_version bigint
);
