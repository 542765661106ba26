-- name: open
-- Open deadlines of the caller's regions (and a region, an agency), soonest first (the board).
select case_id, name, nullif(referral_id, '') as referral_id, region, agency, workflow_id,
       workflow_version, started_on, due_on, service_target, due_on < %(today)s as overdue
from open_deadlines
where (%(regions)s::text[] is null or region = any(%(regions)s))
  and (%(region)s::text is null or region = %(region)s)
  and (%(agency)s::text is null or agency = %(agency)s)
  and (%(from)s::date is null or due_on >= %(from)s)
  and (%(to)s::date is null or due_on <= %(to)s)
order by due_on, case_id, name
limit %(limit)s

-- name: dashboard
-- Open and overdue deadlines by region, agency and deadline name.
select region, agency, name as deadline,
       sum(open)::bigint as open,
       coalesce(sum(open) filter (where due_on < %(today)s), 0)::bigint as overdue
from deadline_counts
where open <> 0
  and (%(region)s::text is null or region = %(region)s)
  and (%(from)s::date is null or due_on >= %(from)s)
  and (%(to)s::date is null or due_on <= %(to)s)
group by 1, 2, 3
having sum(open) > 0
order by 1, 2, 3

-- name: waiting
-- Steps of the caller's regions not allowed yet (e.g. a decision during a recovery period), with
-- the date each becomes legal, soonest first. A guard whose date has passed no longer holds.
select case_id, trigger, region, agency, workflow_id, workflow_version, counted_from,
       started_on, earliest_on
from not_yet_allowed
where earliest_on > %(today)s
  and (%(regions)s::text[] is null or region = any(%(regions)s))
  and (%(region)s::text is null or region = %(region)s)
  and (%(agency)s::text is null or agency = %(agency)s)
order by earliest_on, case_id, trigger
limit %(limit)s

-- name: notices
-- Open deadlines of every region due between two days (the notification worker's reminders and
-- passed deadlines), soonest first.
select case_id, name, nullif(referral_id, '') as referral_id, region, agency, workflow_id,
       workflow_version, due_on
from open_deadlines
where due_on >= %(from)s and due_on <= %(to)s
order by due_on, case_id, name
