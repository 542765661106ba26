-- Each named query returns a measure's rows (see REPORTS in projection.py) from `stat_rows`:
-- the cube for current figures, or the contributions of the facts recorded up to `as_of`/`upto`.
-- Each row has its date (`on_date`), the dimensions it can be cut by, its weight `n` (the number
-- of facts it stands for; a stock's change is +1 or -1) and, for durations, `days`. The engine
-- sums `n` by the dimensions asked for, with every total (tallies.py).
-- Parameters: from, to (dates), as_of (timestamptz or null), upto (log position or null).

-- name: applications
select *
from stat_rows(array['applied'], %(from)s, %(to)s, %(as_of)s, %(upto)s)

-- name: persons_applied
-- Persons who applied, each once, by their first application: cases linked to one person
-- (domain/person_links.py, as linked by then) count once.
select *
from stat_rows(array['person_applied'], %(from)s, %(to)s, %(as_of)s, %(upto)s)

-- name: granted
select *
from stat_rows(array['granted'], %(from)s, %(to)s, %(as_of)s, %(upto)s)

-- name: refused
select *
from stat_rows(array['refused'], %(from)s, %(to)s, %(as_of)s, %(upto)s)

-- name: incomplete
select *
from stat_rows(array['incomplete'], %(from)s, %(to)s, %(as_of)s, %(upto)s)

-- name: screened
select *
from stat_rows(array['screened'], %(from)s, %(to)s, %(as_of)s, %(upto)s)

-- name: indicator_mentions
select *, item as indicator
from stat_rows(array['indicator'], %(from)s, %(to)s, %(as_of)s, %(upto)s)

-- name: identified
select *
from stat_rows(array['identified'], %(from)s, %(to)s, %(as_of)s, %(upto)s)

-- name: assistance_delivered
select *, item as service
from stat_rows(array['assistance'], %(from)s, %(to)s, %(as_of)s, %(upto)s)

-- name: referrals_sent
select *, item as service
from stat_rows(array['referral_sent'], %(from)s, %(to)s, %(as_of)s, %(upto)s)

-- name: referrals_accepted
select *, item as service
from stat_rows(array['referral_accepted'], %(from)s, %(to)s, %(as_of)s, %(upto)s)

-- name: referrals_rejected
select *, item as service
from stat_rows(array['referral_rejected'], %(from)s, %(to)s, %(as_of)s, %(upto)s)

-- name: pending_at_end
-- Applications not decided at the end of the period: the case's latest application or decision
-- dated up to then is an application (the sum of the changes of the stock up to that day).
select * from stat_rows(array['pending'], '-infinity', %(to)s, %(as_of)s, %(upto)s)

-- name: holding_at_end
-- Cases holding the status at the end of the period: granted, and not ended since.
select * from stat_rows(array['holding'], '-infinity', %(to)s, %(as_of)s, %(upto)s)

-- name: days_to_answer
-- Days from sending a referral to its first answer, for those answered in the period.
select r.*, r.item as service
from stat_rows(array['referral_accepted', 'referral_rejected'], %(from)s, %(to)s, %(as_of)s, %(upto)s) r
where r.days >= 0

-- name: first_assistance
-- Days from the first application to the first assistance, for cases first assisted in the period.
select * from stat_rows(array['first_assistance'], %(from)s, %(to)s, %(as_of)s, %(upto)s)

-- name: acceptance
-- Referrals answered in the period, days 1 where the (first) answer was to accept: the share
-- accepted.
select r.on_date, r.region, r.sex, r.age_group, r.age_at_exploitation, r.child, r.form,
       r.citizenship, r.screening_actor, r.agency, r.item as service, r.n,
       (r.kind = 'referral_accepted')::int as days
from stat_rows(array['referral_accepted', 'referral_rejected'], %(from)s, %(to)s, %(as_of)s, %(upto)s) r

-- name: feedback_share
-- Referrals first assisted in the period, days 1 where feedback on them is recorded.
select *, item as service
from stat_rows(array['feedback_share'], %(from)s, %(to)s, %(as_of)s, %(upto)s)

-- name: feedback_ratings
-- Each feedback recorded in the period, by its rating and the service and agency judged.
select *, item as service, detail as rating
from stat_rows(array['feedback'], %(from)s, %(to)s, %(as_of)s, %(upto)s)

-- name: feedback_reasons
-- Each reason given with a feedback (a feedback may give several).
select *, item as service, detail as reason
from stat_rows(array['feedback_reason'], %(from)s, %(to)s, %(as_of)s, %(upto)s)

-- name: closure_outcomes
-- Each closure in the period, by where the person stood.
select *, item as outcome
from stat_rows(array['outcome'], %(from)s, %(to)s, %(as_of)s, %(upto)s)

-- name: follow_up_outcomes
-- Each follow-up in the period, by where the person stood.
select *, item as outcome
from stat_rows(array['follow_up'], %(from)s, %(to)s, %(as_of)s, %(upto)s)

-- name: revisions
-- What was recorded after a publication (position > upto) that falls in its period: the events
-- that can have changed its figures.
select position, kind, item, occurred_on, recorded_at, region
from stat_events
where position > %(upto)s and occurred_on <= %(to)s
  and (%(from)s::date is null or occurred_on >= %(from)s)
  and (%(region)s::text is null or region = %(region)s)
union all
-- and the profile changes of the cases with an occurrence in its period and region
select h.position, 'profile_changed', '', h.screened_on, h.recorded_at, c.region
from stat_case_changes h
join stat_cases c on c.case_id = h.case_id
where h.position > %(upto)s and h.case_id in (
    select e.case_id from stat_events e
    where e.occurred_on <= %(to)s
      and (%(from)s::date is null or e.occurred_on >= %(from)s)
      and (%(region)s::text is null or e.region = %(region)s)
)
order by position
