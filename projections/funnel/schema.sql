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

-- Folded per write statement (SUMMARIES in projection.py: the engine adds the triggers): the rows
-- a statement wrote (+1) or removed (-1) are grouped and merged in one go, which keeps rebuilds fast.
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

