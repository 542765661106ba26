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

-- The dashboard reads this summary, kept by a trigger as cases move: cases by region, cohort and
-- the combination of stages reached (at most 32 rows per region and cohort).
create table funnel_summary (
    region text not null,
    cohort date not null,
    applied boolean not null,
    identified boolean not null,
    referred boolean not null,
    granted boolean not null,
    assisted boolean not null,
    cases int not null,
    primary key (region, cohort, applied, identified, referred, granted, assisted)
);

-- Kept per write statement, not per row: the rows a statement inserted, updated or deleted
-- (transition tables) are grouped and merged in one go, which keeps rebuilds fast.
create function funnel_summary_add(changed funnel[], n int) returns void language sql
set search_path from current as $$
    merge into funnel_summary s
    using (
        select region, cohort, coalesce(applied, false) as applied,
               coalesce(identified, false) as identified, coalesce(referred, false) as referred,
               coalesce(granted, false) as granted, coalesce(assisted, false) as assisted,
               count(*) * n as cases
        from unnest(changed) where region is not null and cohort is not null
        group by 1, 2, 3, 4, 5, 6, 7
    ) v
    on (s.region, s.cohort, s.applied, s.identified, s.referred, s.granted, s.assisted)
     = (v.region, v.cohort, v.applied, v.identified, v.referred, v.granted, v.assisted)
    -- a count back to zero leaves no row, so live and rebuilt summaries match row for row
    when matched and s.cases + v.cases = 0 then delete
    when matched then update set cases = s.cases + v.cases
    when not matched then insert values (
        v.region, v.cohort, v.applied, v.identified, v.referred, v.granted, v.assisted, v.cases)
$$;

create function funnel_summarise() returns trigger language plpgsql
set search_path from current as $$
begin
    if tg_op in ('UPDATE', 'DELETE') then
        perform funnel_summary_add(array(select row(r.*)::funnel from old_rows r), -1);
    end if;
    if tg_op in ('INSERT', 'UPDATE') then
        perform funnel_summary_add(array(select row(r.*)::funnel from new_rows r), 1);
    end if;
    return null;
end $$;

create trigger funnel_inserted after insert on funnel
    referencing new table as new_rows
    for each statement execute function funnel_summarise();
create trigger funnel_updated after update on funnel
    referencing old table as old_rows new table as new_rows
    for each statement execute function funnel_summarise();
create trigger funnel_deleted after delete on funnel
    referencing old table as old_rows
    for each statement execute function funnel_summarise();
