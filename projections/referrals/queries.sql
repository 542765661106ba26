-- name: dashboard
-- Referrals by receiving agency and service: sent, accepted (ever), rejected, revoked, done.
select agency, service,
       count(*) as sent,
       count(accepted_on) as accepted,
       count(*) filter (where outcome = 'rejected') as rejected,
       count(*) filter (where outcome = 'revoked') as revoked,
       count(*) filter (where outcome = 'done') as done,
       round(count(accepted_on)::numeric / nullif(count(*), 0), 3) as acceptance_rate,
       percentile_cont(0.5) within group (order by accepted_on - sent_on) as median_days_to_accept
from referrals
where sent_on is not null
  and (%(region)s::text is null or region = %(region)s)
  and (%(from)s::date is null or sent_on >= %(from)s)
  and (%(to)s::date is null or sent_on <= %(to)s)
group by 1, 2
order by 1, 2

-- name: rejections
-- Rejected referrals by agency and reason.
select agency, rejection_reason as reason, count(*) as rejected
from referrals
where outcome = 'rejected'
  and (%(region)s::text is null or region = %(region)s)
  and (%(from)s::date is null or sent_on >= %(from)s)
  and (%(to)s::date is null or sent_on <= %(to)s)
group by 1, 2
order by 1, 2
