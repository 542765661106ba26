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
    child boolean,
    changed_at timestamptz,
    changed_position bigint
    -- the latest change's recording time and log position: a profile not changed since a
    -- moment is, as of that moment, the current one
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
-- incomplete, status_ended, assistance (item: the indicator or the assistance type), outcome
-- (at closure) and follow_up (item: the outcome), feedback (item: the rating) and feedback_reason
-- (one per reason given; these two name their referral).
create table stat_events (
    position bigint not null,
    kind text not null,
    item text not null default '',
    referral_id text not null default '',
    case_id uuid not null,
    recorded_at timestamptz not null,
    occurred_on date not null,
    region text not null,
    primary key (position, kind, item)
);
create index stat_events_kind_on on stat_events (kind, occurred_on) include (case_id, recorded_at, region, item);
create index stat_events_case on stat_events (case_id);

-- One row per referral: sent (when, where, to whom, for what), its first answer, its first
-- assistance and the first feedback on it.
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
    assisted_on date,
    assisted_at timestamptz,
    assisted_position bigint,
    feedback_at timestamptz,
    feedback_position bigint,
    primary key (case_id, referral_id)
);

-- Links of two cases to one person, and their undoing (domain/person_links.py), as recorded:
-- a pair is linked as of a moment when its latest row recorded by then says so. Linked cases,
-- directly or through others, are one person for the persons basis.
create table stat_links (
    position bigint primary key,
    low uuid not null,
    high uuid not null,
    linked boolean not null,
    recorded_at timestamptz not null
);
create index stat_links_low on stat_links (low);
create index stat_links_high on stat_links (high);

-- The cases linked (now) to one person with any of `cases`, and those cases: what a change of
-- a case's facts or links recomputes (its first application may be the person's, or stop being).
create function stat_members(cases uuid[]) returns uuid[] language sql stable
set search_path from current as $$
    with recursive pairs as (
        select distinct on (l.low, l.high) l.low, l.high, l.linked
        from stat_links l order by l.low, l.high, l.position desc
    ), edges as (
        select low as a, high as b from pairs where linked
        union all
        select high, low from pairs where linked
    ), reach(case_id) as (
        select unnest(cases)
        union
        select e.b from reach r join edges e on e.a = r.case_id
    )
    select coalesce(array_agg(case_id), array[]::uuid[]) from reach
$$;

-- The profiles as recorded up to `as_of` and `upto` (a log position: a published report pins
-- both; both null: the current profiles): those not changed since are the current ones, the
-- others are folded from their changes recorded by then.
create function stat_profiles(as_of timestamptz, upto bigint) returns table (
    case_id uuid, region text, workflow_id text, screened_on date, screening_actor text,
    sex text, citizenship text, form text, age_group text, age_at_exploitation text, child boolean
) language sql stable set search_path from current as $$
    select case_id, region, workflow_id, screened_on, screening_actor, sex, citizenship, form,
           age_group, age_at_exploitation, child
    from stat_cases
    where (as_of is null or changed_at <= as_of) and (upto is null or changed_position <= upto)
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
    from stat_case_changes h
    where (as_of is not null or upto is not null)
      and (as_of is null or recorded_at <= as_of) and (upto is null or position <= upto)
      and case_id in (  -- only the profiles changed since: the others are the current ones
          select c.case_id from stat_cases c
          where c.changed_at > as_of or c.changed_position > upto
      )
    group by case_id
$$;

-- What each case contributes to the figures, with the case's profile: one row per counted
-- occurrence (n = 1), and for the stocks (pending, holding the status) the change it makes on its
-- day (n = +1 or -1: the stock at the end of a day is the sum of the changes up to it). Current
-- figures read these summed in stat_cube; figures as of a past moment compute them from the facts
-- recorded by then with the same function, so both count alike.
create function stat_contributions(
    cases uuid[], kinds text[], start date, finish date, as_of timestamptz, upto bigint
) returns table (
    case_id uuid, kind text, item text, agency text, detail text, on_date date, days int,
    region text, sex text, age_group text, age_at_exploitation text, child text, form text,
    citizenship text, screening_actor text, n int
) language sql stable set search_path from current as $$
    with recursive events as (
        select e.* from stat_events e
        where (cases is null or e.case_id = any(cases))
          and (as_of is null or e.recorded_at <= as_of) and (upto is null or e.position <= upto)
          and e.occurred_on <= finish
    ), referrals as (
        select r.case_id, r.referral_id, r.region, r.service, r.agency, r.sent_on,
               case when (as_of is null or r.answered_at <= as_of)
                     and (upto is null or r.answered_position <= upto) then r.answer end as answer,
               r.answered_on,
               case when (as_of is null or r.assisted_at <= as_of)
                     and (upto is null or r.assisted_position <= upto) then r.assisted_on
               end as assisted_on,
               r.feedback_at is not null and (as_of is null or r.feedback_at <= as_of)
                   and (upto is null or r.feedback_position <= upto) as has_feedback
        from stat_referrals r
        where (cases is null or r.case_id = any(cases))
          and (as_of is null or r.sent_at <= as_of) and (upto is null or r.sent_position <= upto)
    ), stocks as (
        select s.case_id, s.stock, s.occurred_on, s.region, s.state,
               lag(s.state, 1, 0) over w as before, lag(s.region) over w as region_before
        from (
            select e.case_id, 'pending' as stock, e.occurred_on, e.position, e.region,
                   (e.kind = 'applied')::int as state
            from events e
            where e.kind in ('applied', 'granted', 'refused', 'incomplete') and 'pending' = any(kinds)
            union all
            select e.case_id, 'holding', e.occurred_on, e.position, e.region,
                   (e.kind = 'granted')::int
            from events e
            where e.kind in ('granted', 'status_ended') and 'holding' = any(kinds)
        ) s
        window w as (partition by s.case_id, s.stock order by s.occurred_on, s.position)
    ), firsts as (
        select e.case_id,
               min(e.occurred_on) filter (where e.kind = 'assistance') as assisted_on,
               min(e.occurred_on) filter (where e.kind = 'applied') as applied_on,
               (array_agg(e.region order by e.occurred_on, e.position)
                   filter (where e.kind = 'assistance'))[1] as region
        from events e
        where e.kind in ('assistance', 'applied') and 'first_assistance' = any(kinds)
        group by e.case_id
    ), pairs as (  -- the links as recorded by then (the persons basis)
        select distinct on (l.low, l.high) l.low, l.high, l.linked
        from stat_links l
        where 'person_applied' = any(kinds)
          and (as_of is null or l.recorded_at <= as_of) and (upto is null or l.position <= upto)
        order by l.low, l.high, l.position desc
    ), edges as (
        select low as a, high as b from pairs where linked
        union all
        select high, low from pairs where linked
    ), reach(case_id, other) as (
        select a, b from edges
        union
        select r.case_id, e.b from reach r join edges e on e.a = r.other
    ), persons as (  -- each linked case's person: the smallest case id linked to it
        select r.case_id, least(r.case_id::text, min(r.other::text)) as person
        from reach r group by r.case_id
    ), person_firsts as (  -- each person's first application (by its day, then the log)
        select distinct on (coalesce(p.person, e.case_id::text)) e.case_id, e.occurred_on, e.region
        from events e
        left join persons p on p.case_id = e.case_id
        where e.kind = 'applied' and 'person_applied' = any(kinds)
        order by coalesce(p.person, e.case_id::text), e.occurred_on, e.position
    ), counted as (
        select e.case_id, e.kind, e.item, '' as agency, '' as detail, e.occurred_on as on_date,
               -1 as days, e.region, 1 as n
        from events e
        where e.kind = any(kinds) and e.occurred_on >= start and e.referral_id = ''
        union all
        select s.case_id, s.stock, '', '', '', s.occurred_on, -1, s.region, s.state
        from stocks s where s.state <> 0
        union all
        select s.case_id, s.stock, '', '', '', s.occurred_on, -1, s.region_before, -s.before
        from stocks s where s.before <> 0
        union all
        select r.case_id, 'referral_sent', coalesce(r.service, ''), coalesce(r.agency, ''), '',
               r.sent_on, -1, r.region, 1
        from referrals r
        where 'referral_sent' = any(kinds) and r.sent_on between start and finish
        union all
        select r.case_id, 'referral_' || r.answer, coalesce(r.service, ''), coalesce(r.agency, ''),
               '', r.answered_on, coalesce(r.answered_on - r.sent_on, -1), r.region, 1
        from referrals r
        where r.answer is not null and 'referral_' || r.answer = any(kinds)
          and r.answered_on between start and finish
        union all
        select f.case_id, 'first_assistance', '', '', '', f.assisted_on,
               coalesce(f.assisted_on - f.applied_on, -1), f.region, 1
        from firsts f
        where f.assisted_on between start and finish
        union all
        -- each feedback (detail: the rating) and each reason given (detail: the reason), by the
        -- service and agency of the referral it judges
        select e.case_id, e.kind, coalesce(r.service, ''), coalesce(r.agency, ''), e.item,
               e.occurred_on, -1, e.region, 1
        from events e
        left join referrals r on r.case_id = e.case_id and r.referral_id = e.referral_id
        where e.referral_id <> '' and e.kind = any(kinds) and e.occurred_on >= start
        union all
        -- each referral assisted, by the day of its first assistance: days 1 if it has feedback
        select r.case_id, 'feedback_share', coalesce(r.service, ''), coalesce(r.agency, ''), '',
               r.assisted_on, r.has_feedback::int, r.region, 1
        from referrals r
        where 'feedback_share' = any(kinds) and r.assisted_on between start and finish
        union all
        -- each person once, by their first application (linked cases are one person)
        select f.case_id, 'person_applied', '', '', '', f.occurred_on, -1, f.region, 1
        from person_firsts f
        where f.occurred_on >= start
    )
    select c.case_id, c.kind, c.item, c.agency, c.detail, c.on_date, c.days,
           coalesce(c.region, ''),
           coalesce(p.sex, ''), coalesce(p.age_group, ''), coalesce(p.age_at_exploitation, ''),
           case when p.child then 'child' when not p.child then 'adult' else '' end,
           coalesce(p.form, ''), coalesce(p.citizenship, ''), coalesce(p.screening_actor, ''),
           c.n
    from counted c
    left join stat_profiles(as_of, upto) p on p.case_id = c.case_id
$$;

-- Every kind a case contributes, for keeping stat_contrib.
create function stat_kinds() returns text[] language sql immutable as $$
    select array['screened', 'indicator', 'identified', 'applied', 'granted', 'refused',
                 'incomplete', 'assistance', 'pending', 'holding', 'referral_sent',
                 'referral_accepted', 'referral_rejected', 'first_assistance', 'outcome',
                 'follow_up', 'feedback', 'feedback_reason', 'feedback_share', 'person_applied']
$$;

-- The current contributions of every case, kept by the triggers below as its facts change.
create table stat_contrib (
    case_id uuid not null,
    kind text not null,
    item text not null,
    agency text not null,
    detail text not null,
    on_date date not null,
    days int not null,
    region text not null,
    sex text not null,
    age_group text not null,
    age_at_exploitation text not null,
    child text not null,
    form text not null,
    citizenship text not null,
    screening_actor text not null,
    n int not null
);
create index stat_contrib_case on stat_contrib (case_id);

-- The contributions summed by everything a figure can be cut by: what current figures read.
create table stat_cube (
    kind text not null,
    item text not null,
    agency text not null,
    detail text not null,
    on_date date not null,
    days int not null,
    region text not null,
    sex text not null,
    age_group text not null,
    age_at_exploitation text not null,
    child text not null,
    form text not null,
    citizenship text not null,
    screening_actor text not null,
    n bigint not null,
    primary key (kind, on_date, region, item, agency, detail, days, sex, age_group,
                 age_at_exploitation, child, form, citizenship, screening_actor)
);

-- Recompute the contributions of the cases a write statement touched (SUMMARIES in
-- projection.py: the engine calls these after each statement on the fact tables).
-- (With every case linked to them: the persons basis counts a person by the first application
-- of any of their cases.)
create function stat_recompute(changed uuid[]) returns void language sql
set search_path from current as $$
    delete from stat_contrib where case_id = any(stat_members(changed));
    insert into stat_contrib
    select * from stat_contributions(stat_members(changed), stat_kinds(), '-infinity',
                                     'infinity', null, null);
$$;
create function stat_links_touch(changed stat_links[], n int) returns void language sql
set search_path from current as $$
    select stat_recompute(array(select c.low from unnest(changed) c
                                union select c.high from unnest(changed) c))
$$;
create function stat_events_touch(changed stat_events[], n int) returns void language sql
set search_path from current as $$
    select stat_recompute(array(select distinct c.case_id from unnest(changed) c))
$$;
create function stat_referrals_touch(changed stat_referrals[], n int) returns void language sql
set search_path from current as $$
    select stat_recompute(array(select distinct c.case_id from unnest(changed) c))
$$;
create function stat_cases_touch(changed stat_cases[], n int) returns void language sql
set search_path from current as $$
    select stat_recompute(array(select distinct c.case_id from unnest(changed) c))
$$;

-- Folded per write statement on stat_contrib: the rows it wrote (+1) or removed (-1), summed.
create function stat_cube_add(changed stat_contrib[], sign int) returns void language sql
set search_path from current as $$
    merge into stat_cube s
    using (
        select kind, item, agency, detail, on_date, days, region, sex, age_group,
               age_at_exploitation, child, form, citizenship, screening_actor, sum(n) * sign as n
        from unnest(changed)
        group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14
    ) v
    on (s.kind, s.on_date, s.region, s.item, s.agency, s.detail, s.days, s.sex, s.age_group,
        s.age_at_exploitation, s.child, s.form, s.citizenship, s.screening_actor)
     = (v.kind, v.on_date, v.region, v.item, v.agency, v.detail, v.days, v.sex, v.age_group,
        v.age_at_exploitation, v.child, v.form, v.citizenship, v.screening_actor)
    when matched and s.n + v.n = 0 then delete
    when matched then update set n = s.n + v.n
    when not matched and v.n <> 0 then insert values (v.kind, v.item, v.agency, v.detail,
        v.on_date, v.days, v.region, v.sex, v.age_group, v.age_at_exploitation, v.child, v.form,
        v.citizenship, v.screening_actor, v.n)
$$;

-- A measure's rows: the cube's (current figures) or the contributions computed from the facts
-- recorded up to `as_of` and `upto`; dates from `start` (stocks: all of them) to `finish`.
create function stat_rows(kinds text[], start date, finish date, as_of timestamptz, upto bigint)
returns table (
    kind text, item text, agency text, detail text, on_date date, days int, region text,
    sex text, age_group text, age_at_exploitation text, child text, form text, citizenship text,
    screening_actor text, n bigint
) language sql stable set search_path from current as $$
    select kind, item, agency, detail, on_date, days, region, sex, age_group, age_at_exploitation,
           child, form, citizenship, screening_actor, n
    from stat_cube
    where as_of is null and upto is null
      and kind = any(kinds) and on_date between start and finish
    union all
    select kind, item, agency, detail, on_date, days, region, sex, age_group, age_at_exploitation,
           child, form, citizenship, screening_actor, n
    from stat_contributions(null, kinds, start, finish, as_of, upto)
    where as_of is not null or upto is not null
$$;

-- Once a rebuild has written every fact: every case's contributions and the cube, in one pass.
create function stat_rebuilt() returns void language sql set search_path from current as $$
    truncate stat_contrib, stat_cube;
    insert into stat_contrib
    select * from stat_contributions(null, stat_kinds(), '-infinity', 'infinity', null, null);
    insert into stat_cube
    select kind, item, agency, detail, on_date, days, region, sex, age_group,
           age_at_exploitation, child, form, citizenship, screening_actor, sum(n)
    from stat_contrib
    group by kind, item, agency, detail, on_date, days, region, sex, age_group,
             age_at_exploitation, child, form, citizenship, screening_actor
    having sum(n) <> 0;
$$;
