-- name: dashboard
-- Referrals by region, month sent, agency and service; each counted once by its answer
-- (sent = accepted + rejected + revoked + awaiting), rejections split by reason, the acceptance
-- rate among answered referrals and the nearest-rank median of days to accept.
with s as (
    select region, month, agency, service, answer, reason, done, days, referrals as n
    from referral_summary
    where (%(region)s::text is null or region = %(region)s)
      and (%(from)s::date is null or month >= date_trunc('month', %(from)s::date))
      and (%(to)s::date is null or month <= %(to)s)
), counts as (
    select region, month, agency, service,
           sum(n)::bigint as sent,
           coalesce(sum(n) filter (where answer = 'accepted'), 0)::bigint as accepted,
           coalesce(sum(n) filter (where answer = 'rejected'), 0)::bigint as rejected,
           coalesce(sum(n) filter (where answer = 'revoked'), 0)::bigint as revoked,
           coalesce(sum(n) filter (where answer = 'awaiting'), 0)::bigint as awaiting,
           coalesce(sum(n) filter (where done), 0)::bigint as done
    from s group by 1, 2, 3, 4
), reasons as (
    select region, month, agency, service, jsonb_object_agg(reason, n) as rejected_by_reason
    from (select region, month, agency, service, reason, sum(n) as n
          from s where answer = 'rejected' group by 1, 2, 3, 4, 5) r
    group by 1, 2, 3, 4
), ranked as (
    select region, month, agency, service, days,
           sum(n) over (partition by region, month, agency, service order by days) as upto,
           sum(n) over (partition by region, month, agency, service) as total
    from (select region, month, agency, service, days, sum(n) as n
          from s where answer = 'accepted' group by 1, 2, 3, 4, 5) a
), medians as (
    select region, month, agency, service,
           min(days) filter (where upto >= 0.5 * total) as median_days_to_accept
    from ranked group by 1, 2, 3, 4
)
select c.*,
       coalesce(r.rejected_by_reason, '{}'::jsonb) as rejected_by_reason,
       round(c.accepted::numeric / nullif(c.accepted + c.rejected, 0), 3) as acceptance_rate,
       m.median_days_to_accept
from counts c
left join reasons r using (region, month, agency, service)
left join medians m using (region, month, agency, service)
where c.sent > 0
order by 1, 2, 3, 4
