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

create function decision_summary_add(r text, applied date, outcome text, decided date, n int)
returns void language sql set search_path from current as $$
    merge into decision_summary s
    using (select r as region, date_trunc('month', applied)::date as month,
                  coalesce(outcome, 'pending') as outcome, coalesce(decided - applied, -1) as days) v
    on (s.region, s.month, s.outcome, s.days) = (v.region, v.month, v.outcome, v.days)
    -- a count back to zero leaves no row, so live and rebuilt summaries match row for row
    when matched and s.cases + n = 0 then delete
    when matched then update set cases = s.cases + n
    when not matched then insert values (v.region, v.month, v.outcome, v.days, n)
$$;

create function applications_summarise() returns trigger language plpgsql
set search_path from current as $$
begin
    if tg_op <> 'INSERT' and old.region is not null and old.applied_on is not null then
        perform decision_summary_add(old.region, old.applied_on, old.outcome, old.decided_on, -1);
    end if;
    if tg_op <> 'DELETE' and new.region is not null and new.applied_on is not null then
        perform decision_summary_add(new.region, new.applied_on, new.outcome, new.decided_on, 1);
    end if;
    return null;
end $$;

create trigger applications_summarise after insert or update or delete on applications
    for each row execute function applications_summarise();
