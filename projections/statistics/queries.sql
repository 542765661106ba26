-- Each named query returns one row per counted fact of a report's measure (see REPORTS in
-- projection.py): its date (`on_date`), the dimensions it can be cut by and, for durations,
-- `days`. The engine groups them by the dimensions asked for, with every total.
-- Parameters: from, to (dates), as_of (timestamptz or null), upto (log position or null).

-- name: applications
select * from stat_facts(array['applied'], %(from)s, %(to)s, %(as_of)s, %(upto)s)

-- name: granted
select * from stat_facts(array['granted'], %(from)s, %(to)s, %(as_of)s, %(upto)s)

-- name: refused
select * from stat_facts(array['refused'], %(from)s, %(to)s, %(as_of)s, %(upto)s)

-- name: incomplete
select * from stat_facts(array['incomplete'], %(from)s, %(to)s, %(as_of)s, %(upto)s)

-- name: pending_at_end
-- Applications not decided at the end of the period: the case's latest application or decision
-- dated up to then is an application.
select * from stat_latest(
    array['applied', 'granted', 'refused', 'incomplete'], %(to)s, %(as_of)s, %(upto)s
) where kind = 'applied'

-- name: holding_at_end
-- Cases holding the status at the end of the period: granted, and not ended since.
select * from stat_latest(array['granted', 'status_ended'], %(to)s, %(as_of)s, %(upto)s)
where kind = 'granted'

-- name: screened
select * from stat_facts(array['screened'], %(from)s, %(to)s, %(as_of)s, %(upto)s)

-- name: indicator_mentions
select *, item as indicator
from stat_facts(array['indicator'], %(from)s, %(to)s, %(as_of)s, %(upto)s)

-- name: identified
select * from stat_facts(array['identified'], %(from)s, %(to)s, %(as_of)s, %(upto)s)

-- name: assistance_delivered
select *, item as service
from stat_facts(array['assistance'], %(from)s, %(to)s, %(as_of)s, %(upto)s)

-- name: referrals_sent
select r.sent_on as on_date, r.region, r.service, r.agency, p.screening_actor, p.sex, p.citizenship, p.form, p.age_group, p.age_at_exploitation,
       p.child
from stat_referrals r
left join stat_profiles(%(as_of)s, %(upto)s) p on p.case_id = r.case_id
where r.sent_on between %(from)s and %(to)s
  and (%(as_of)s::timestamptz is null or r.sent_at <= %(as_of)s)
  and (%(upto)s::bigint is null or r.sent_position <= %(upto)s)

-- name: referral_answers
-- Referrals answered in the period (by the day of their first answer), with days to answer.
select r.answered_on as on_date, r.region, r.service, r.agency, r.answer,
       r.answered_on - r.sent_on as days, p.screening_actor, p.sex, p.citizenship, p.form, p.age_group, p.age_at_exploitation,
       p.child
from stat_referrals r
left join stat_profiles(%(as_of)s, %(upto)s) p on p.case_id = r.case_id
where r.answered_on between %(from)s and %(to)s
  and (%(as_of)s::timestamptz is null or r.answered_at <= %(as_of)s)
  and (%(upto)s::bigint is null or r.answered_position <= %(upto)s)

-- name: first_assistance
-- Cases first assisted in the period, with days from their first application to that day.
with firsts as (
    select case_id,
           min(occurred_on) filter (where kind = 'assistance') as assisted_on,
           min(occurred_on) filter (where kind = 'applied') as applied_on
    from stat_occurrences(%(as_of)s, %(upto)s)
    where kind in ('assistance', 'applied')
    group by case_id
)
select f.assisted_on as on_date, f.assisted_on - f.applied_on as days, p.*
from firsts f
left join stat_profiles(%(as_of)s, %(upto)s) p using (case_id)
where f.assisted_on between %(from)s and %(to)s

-- name: revisions
-- What was recorded after a publication (position > upto) that falls in its period: the events
-- that can have changed its figures.
select position, kind, item, occurred_on, recorded_at, region
from stat_events
where position > %(upto)s and occurred_on <= %(to)s
  and (%(from)s::date is null or occurred_on >= %(from)s)
  and (%(region)s::text is null or region = %(region)s)
union all
select position, 'profile_changed', '', screened_on, recorded_at, region
from stat_case_changes
where position > %(upto)s and case_id in (select case_id from stat_events where position <= %(upto)s)
order by position
