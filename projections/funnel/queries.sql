-- name: dashboard
-- Cases by region and cohort month (month opened) and the stages they reached.
select region, cohort,
       count(*) as screened,
       count(*) filter (where applied) as applied,
       count(*) filter (where identified) as identified,
       count(*) filter (where referred) as referred,
       count(*) filter (where granted) as granted,
       count(*) filter (where assisted) as assisted,
       round(count(*) filter (where applied)::numeric / count(*), 3) as applied_rate,
       round(count(*) filter (where identified)::numeric / count(*), 3) as identified_rate,
       round(count(*) filter (where granted)::numeric / count(*), 3) as granted_rate,
       round(count(*) filter (where assisted)::numeric / count(*), 3) as assisted_rate
from funnel
where cohort is not null
  and (%(region)s::text is null or region = %(region)s)
  and (%(from)s::date is null or cohort >= date_trunc('month', %(from)s::date))
  and (%(to)s::date is null or cohort <= %(to)s)
group by 1, 2
order by 1, 2
