-- One row per case: its cohort (month opened) and the stages it has reached.
create table funnel (
    case_id uuid primary key,
    region text,
    cohort date,
    applied boolean,
    identified boolean,
    referred boolean,
    granted boolean,
    assisted boolean
);
create index funnel_region_cohort on funnel (region, cohort);
