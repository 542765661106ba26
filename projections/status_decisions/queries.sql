-- name: dashboard
-- Applications by region and month of application, their latest outcome, the approval rate
-- among decided ones, and days from application to decision (granted or refused).
select region,
       date_trunc('month', applied_on)::date as month,
       count(*) as applications,
       count(*) filter (where outcome = 'granted') as granted,
       count(*) filter (where outcome = 'refused') as refused,
       count(*) filter (where outcome = 'incomplete') as incomplete,
       count(*) filter (where outcome = 'pending') as pending,
       round(count(*) filter (where outcome = 'granted')::numeric
             / nullif(count(*) filter (where outcome in ('granted', 'refused')), 0), 3)
           as approval_rate,
       percentile_cont(0.5) within group (order by decided_on - applied_on)
           filter (where outcome in ('granted', 'refused')) as median_days_to_decision,
       percentile_cont(0.9) within group (order by decided_on - applied_on)
           filter (where outcome in ('granted', 'refused')) as p90_days_to_decision
from applications
where applied_on is not null
  and (%(region)s::text is null or region = %(region)s)
  and (%(from)s::date is null or applied_on >= %(from)s)
  and (%(to)s::date is null or applied_on <= %(to)s)
group by 1, 2
order by 1, 2
