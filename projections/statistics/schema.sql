-- The facts official statistics count (no personal data: coded values and dates of steps only).
-- Each row keeps the position and the time its event was recorded, so that figures can be given
-- exactly as the event log stood at any recorded moment (`as_of`), backdated steps included.

-- A case's reportable profile as it stands now: the current figures read this.
create table stat_cases (
    case_id uuid primary key,
    region text,
    workflow_id text,
    screened_on date,
    screening_actor text,
    sex text,
    citizenship text,
    form text,
    age_group text,
    age_at_exploitation text,
    child boolean
);

-- Every change of a profile, as recorded: `as_of` folds the changes recorded up to that moment.
create table stat_case_changes (
    position bigint primary key,
    case_id uuid not null,
    recorded_at timestamptz not null,
    region text,
    workflow_id text,
    screened_on date,
    screening_actor text,
    sex text,
    citizenship text,
    form text,
    age_group text,
    age_at_exploitation text,
    child boolean
);
create index stat_case_changes_recorded on stat_case_changes (recorded_at);

-- Every counted occurrence: screened, indicator, identified, applied, granted, refused,
-- incomplete, status_ended, assistance (item: the indicator or the assistance type).
create table stat_events (
    position bigint not null,
    kind text not null,
    item text not null default '',
    case_id uuid not null,
    recorded_at timestamptz not null,
    occurred_on date not null,
    region text not null,
    primary key (position, kind, item)
);
create index stat_events_kind_on on stat_events (kind, occurred_on) include (case_id, recorded_at, region, item);

-- One row per referral: sent (when, where, to whom, for what) and its first answer.
create table stat_referrals (
    case_id uuid not null,
    referral_id text not null,
    region text,
    service text,
    agency text,
    sent_on date,
    sent_at timestamptz,
    sent_position bigint,
    answer text,
    answered_on date,
    answered_at timestamptz,
    answered_position bigint,
    primary key (case_id, referral_id)
);

-- The profiles as recorded up to `as_of` (every change when null: the current profiles are read
-- from stat_cases directly) and `upto` (a log position: a published report pins both).
create function stat_profiles(as_of timestamptz, upto bigint) returns table (
    case_id uuid, region text, workflow_id text, screened_on date, screening_actor text,
    sex text, citizenship text, form text, age_group text, age_at_exploitation text, child boolean
) language sql stable set search_path from current as $$
    select case_id, region, workflow_id, screened_on, screening_actor, sex, citizenship, form,
           age_group, age_at_exploitation, child
    from stat_cases
    where as_of is null and upto is null
    union all
    select case_id,
           (array_agg(region order by position desc) filter (where region is not null))[1],
           (array_agg(workflow_id order by position desc) filter (where workflow_id is not null))[1],
           (array_agg(screened_on order by position desc) filter (where screened_on is not null))[1],
           (array_agg(screening_actor order by position desc)
               filter (where screening_actor is not null))[1],
           (array_agg(sex order by position desc) filter (where sex is not null))[1],
           (array_agg(citizenship order by position desc) filter (where citizenship is not null))[1],
           (array_agg(form order by position desc) filter (where form is not null))[1],
           (array_agg(age_group order by position desc) filter (where age_group is not null))[1],
           (array_agg(age_at_exploitation order by position desc)
               filter (where age_at_exploitation is not null))[1],
           (array_agg(child order by position desc) filter (where child is not null))[1]
    from stat_case_changes
    where (as_of is not null or upto is not null)
      and (as_of is null or recorded_at <= as_of) and (upto is null or position <= upto)
    group by case_id
$$;

-- The occurrences recorded up to `as_of` and `upto`.
create function stat_occurrences(as_of timestamptz, upto bigint) returns setof stat_events
language sql stable set search_path from current as $$
    select * from stat_events
    where (as_of is null or recorded_at <= as_of) and (upto is null or position <= upto)
$$;

-- The occurrences of some kinds dated in a period, each with its case's profile as recorded up to
-- `as_of` and `upto`: what most measures count. Kinds and period are applied to stat_events
-- first (its index), and current figures join the current profiles: a function with a SET clause
-- is never inlined, so a filter applied to another function's result would come after that
-- function had read every fact and every case (docs/benchmarks.md, #15 reports).
create function stat_facts(kinds text[], start date, finish date, as_of timestamptz, upto bigint)
returns table (
    kind text, item text, on_date date, case_id uuid, region text, screening_actor text,
    sex text, citizenship text, form text, age_group text, age_at_exploitation text, child boolean
) language sql stable set search_path from current as $$
    select e.kind, e.item, e.occurred_on, e.case_id, e.region, p.screening_actor, p.sex,
           p.citizenship, p.form, p.age_group, p.age_at_exploitation, p.child
    from stat_events e
    left join stat_cases p on p.case_id = e.case_id
    where as_of is null and upto is null
      and e.kind = any(kinds) and e.occurred_on between start and finish
    union all
    select e.kind, e.item, e.occurred_on, e.case_id, e.region, p.screening_actor, p.sex,
           p.citizenship, p.form, p.age_group, p.age_at_exploitation, p.child
    from stat_events e
    left join stat_profiles(as_of, upto) p on p.case_id = e.case_id
    where (as_of is not null or upto is not null)
      and e.kind = any(kinds) and e.occurred_on between start and finish
      and (as_of is null or e.recorded_at <= as_of) and (upto is null or e.position <= upto)
$$;

-- Each case's latest occurrence among `kinds` dated up to `finish`, with its profile: what stock
-- measures (pending, holding the status) count at the end of a period.
create function stat_latest(kinds text[], finish date, as_of timestamptz, upto bigint)
returns table (
    kind text, item text, on_date date, case_id uuid, region text, screening_actor text,
    sex text, citizenship text, form text, age_group text, age_at_exploitation text, child boolean
) language sql stable set search_path from current as $$
    select l.kind, l.item, l.occurred_on, l.case_id, l.region, p.screening_actor, p.sex,
           p.citizenship, p.form, p.age_group, p.age_at_exploitation, p.child
    from (
        select distinct on (case_id) case_id, kind, item, occurred_on, region
        from stat_events
        where kind = any(kinds) and occurred_on <= finish
          and (as_of is null or recorded_at <= as_of) and (upto is null or position <= upto)
        order by case_id, occurred_on desc, position desc
    ) l
    left join stat_cases p on p.case_id = l.case_id
    where as_of is null and upto is null
    union all
    select l.kind, l.item, l.occurred_on, l.case_id, l.region, p.screening_actor, p.sex,
           p.citizenship, p.form, p.age_group, p.age_at_exploitation, p.child
    from (
        select distinct on (case_id) case_id, kind, item, occurred_on, region
        from stat_events
        where kind = any(kinds) and occurred_on <= finish
          and (as_of is null or recorded_at <= as_of) and (upto is null or position <= upto)
        order by case_id, occurred_on desc, position desc
    ) l
    left join stat_profiles(as_of, upto) p on p.case_id = l.case_id
    where as_of is not null or upto is not null
$$;
