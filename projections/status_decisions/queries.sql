-- name: dashboard
-- Applications by region and month of application, their latest outcome, the approval rate
-- among decided ones, and nearest-rank median and 90th percentile of days from application to
-- decision (granted or refused), all from the trigger-kept summary.
with s as (
    select region, month, outcome, days, sum(cases) as cases
    from decision_summary
    where cases <> 0
      and (%(region)s::text is null or region = %(region)s)
      and (%(from)s::date is null or month >= date_trunc('month', %(from)s::date))
      and (%(to)s::date is null or month <= %(to)s)
    group by 1, 2, 3, 4
), counts as (
    select region, month,
           sum(cases)::bigint as applications,
           coalesce(sum(cases) filter (where outcome = 'granted'), 0)::bigint as granted,
           coalesce(sum(cases) filter (where outcome = 'refused'), 0)::bigint as refused,
           coalesce(sum(cases) filter (where outcome = 'incomplete'), 0)::bigint as incomplete,
           coalesce(sum(cases) filter (where outcome = 'pending'), 0)::bigint as pending
    from s group by 1, 2
), ranked as (
    select region, month, days,
           sum(cases) over (partition by region, month order by days) as upto,
           sum(cases) over (partition by region, month) as total
    from s where outcome in ('granted', 'refused')
)
select c.*,
       round(c.granted::numeric / nullif(c.granted + c.refused, 0), 3) as approval_rate,
       (select min(days) from ranked r where r.region = c.region and r.month = c.month
          and r.upto >= 0.5 * r.total) as median_days_to_decision,
       (select min(days) from ranked r where r.region = c.region and r.month = c.month
          and r.upto >= 0.9 * r.total) as p90_days_to_decision
from counts c
where c.applications > 0
order by 1, 2
