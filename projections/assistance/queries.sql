-- name: dashboard
-- People assisted (and deliveries) by region, month and type; of the people served a type for
-- the first time that month, those who held the status by then, and the nearest-rank median and
-- 90th percentile of days from the status to that first service.
with served as (
    select region, month, assistance_type,
           sum(people)::bigint as people, sum(deliveries)::bigint as deliveries
    from served_summary
    where people <> 0
      and (%(region)s::text is null or region = %(region)s)
      and (%(from)s::date is null or month >= date_trunc('month', %(from)s::date))
      and (%(to)s::date is null or month <= %(to)s)
    group by 1, 2, 3
), firsts as (
    select region, month, assistance_type, days, sum(people) as n
    from first_summary
    where people <> 0
      and (%(region)s::text is null or region = %(region)s)
      and (%(from)s::date is null or month >= date_trunc('month', %(from)s::date))
      and (%(to)s::date is null or month <= %(to)s)
    group by 1, 2, 3, 4
), counted as (
    select region, month, assistance_type,
           sum(n)::bigint as first_served,
           coalesce(sum(n) filter (where days >= 0), 0)::bigint as first_served_after_status
    from firsts group by 1, 2, 3
), ranked as (
    select region, month, assistance_type, days,
           sum(n) over (partition by region, month, assistance_type order by days) as upto,
           sum(n) over (partition by region, month, assistance_type) as total
    from firsts where days >= 0
), percentiles as (
    select region, month, assistance_type,
           min(days) filter (where upto >= 0.5 * total) as median_days_from_status,
           min(days) filter (where upto >= 0.9 * total) as p90_days_from_status
    from ranked group by 1, 2, 3
)
select s.region, s.month, s.assistance_type, s.people, s.deliveries,
       coalesce(c.first_served, 0) as first_served,
       coalesce(c.first_served_after_status, 0) as first_served_after_status,
       p.median_days_from_status, p.p90_days_from_status
from served s
left join counted c using (region, month, assistance_type)
left join percentiles p using (region, month, assistance_type)
where s.people > 0
order by 1, 2, 3
