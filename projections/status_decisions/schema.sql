-- One row per application for status: where, when, and its latest outcome.
create table applications (
    case_id uuid primary key,
    region text,
    applied_on date,
    outcome text,
    decided_on date
);
create index applications_region_applied on applications (region, applied_on);

-- The dashboard reads this summary, kept by a trigger as applications change: counts by region,
-- month of application, latest outcome and days to decision (-1: not decided). It stays a few
-- thousand rows however many cases there are.
create table decision_summary (
    region text not null,
    month date not null,
    outcome text not null,
    days int not null,
    cases bigint not null,
    primary key (region, month, outcome, days)
);

-- Folded per write statement (SUMMARIES in projection.py: the engine adds the triggers): the rows
-- a statement wrote (+1) or removed (-1) are grouped and merged in one go, which keeps rebuilds fast.
create function decision_summary_add(changed applications[], n int) returns void language sql
set search_path from current as $$
    merge into decision_summary s
    using (
        select region, date_trunc('month', applied_on)::date as month,
               coalesce(outcome, 'pending') as outcome,
               coalesce(decided_on - applied_on, -1) as days, count(*) * n as cases
        from unnest(changed) where region is not null and applied_on is not null
        group by 1, 2, 3, 4
    ) v
    on (s.region, s.month, s.outcome, s.days) = (v.region, v.month, v.outcome, v.days)
    -- a count back to zero leaves no row, so live and rebuilt summaries match row for row
    when matched and s.cases + v.cases = 0 then delete
    when matched then update set cases = s.cases + v.cases
    when not matched then insert values (v.region, v.month, v.outcome, v.days, v.cases)
$$;
