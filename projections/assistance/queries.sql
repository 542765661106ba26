-- name: dashboard
-- Assistance delivered by region, month and type.
select region, month, assistance_type, sum(deliveries)::bigint as deliveries
from assistance_counts
where (%(region)s::text is null or region = %(region)s)
  and (%(from)s::date is null or month >= date_trunc('month', %(from)s::date))
  and (%(to)s::date is null or month <= %(to)s)
group by 1, 2, 3
order by 1, 2, 3

-- name: time_to_service
-- Days from status granted to the first service, by region (services before the status count
-- as day 0: pre-decision assistance reached the person first).
select region, count(*) as cases,
       percentile_cont(0.5) within group (order by greatest(first_service_on - granted_on, 0))
           as median_days,
       percentile_cont(0.9) within group (order by greatest(first_service_on - granted_on, 0))
           as p90_days
from case_services
where granted_on is not null and first_service_on is not null
  and (%(region)s::text is null or region = %(region)s)
  and (%(from)s::date is null or granted_on >= %(from)s)
  and (%(to)s::date is null or granted_on <= %(to)s)
group by 1
order by 1
