-- name: dashboard
-- Cases by region and cohort month (month opened), the stages they reached, and the share of
-- the cohort that reached each (conversion from screening), from the trigger-kept summary.
with c as (
    select region, cohort,
           sum(cases)::bigint as screened,
           coalesce(sum(cases) filter (where applied), 0)::bigint as applied,
           coalesce(sum(cases) filter (where identified), 0)::bigint as identified,
           coalesce(sum(cases) filter (where referred), 0)::bigint as referred,
           coalesce(sum(cases) filter (where granted), 0)::bigint as granted,
           coalesce(sum(cases) filter (where assisted), 0)::bigint as assisted
    from funnel_summary
    where cases <> 0
      and (%(region)s::text is null or region = %(region)s)
      and (%(from)s::date is null or cohort >= date_trunc('month', %(from)s::date))
      and (%(to)s::date is null or cohort <= %(to)s)
    group by 1, 2
)
select c.*,
       round(applied::numeric / screened, 3) as applied_rate,
       round(identified::numeric / screened, 3) as identified_rate,
       round(referred::numeric / screened, 3) as referred_rate,
       round(granted::numeric / screened, 3) as granted_rate,
       round(assisted::numeric / screened, 3) as assisted_rate
from c
where screened > 0
order by 1, 2
