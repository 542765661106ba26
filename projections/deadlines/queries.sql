-- name: open
-- Open deadlines of the caller's regions, soonest first (the supervisors' deadline board).
select d.case_id, d.name, nullif(d.referral_id, '') as referral_id, d.region,
       coalesce(d.agency, r.agency) as agency, d.started_on, d.due_on, d.service_target,
       d.due_on < %(today)s as overdue
from open_deadlines d
left join referral_agencies r on r.case_id = d.case_id and r.referral_id = d.referral_id
where (%(regions)s::text[] is null or d.region = any(%(regions)s))
  and (%(region)s::text is null or d.region = %(region)s)
  and (%(from)s::date is null or d.due_on >= %(from)s)
  and (%(to)s::date is null or d.due_on <= %(to)s)
order by d.due_on, d.case_id, d.name
limit %(limit)s

-- name: dashboard
-- Open and overdue deadlines by region, agency and deadline name.
select d.region, coalesce(d.agency, r.agency) as agency, d.name as deadline,
       count(*) as open, count(*) filter (where d.due_on < %(today)s) as overdue
from open_deadlines d
left join referral_agencies r on r.case_id = d.case_id and r.referral_id = d.referral_id
where (%(region)s::text is null or d.region = %(region)s)
  and (%(from)s::date is null or d.due_on >= %(from)s)
  and (%(to)s::date is null or d.due_on <= %(to)s)
group by 1, 2, 3
order by 1, 2, 3
