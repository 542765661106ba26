-- One row per referral: where and when it was sent, to which agency and service, and the day of
-- each answer (no personal data: the rejection reason is an enum the workflow maps).
create table referrals (
    case_id uuid not null,
    referral_id text not null,
    region text,
    agency text,
    service text,
    sent_on date,
    accepted_on date,
    rejected_on date,
    rejection_reason text,
    revoked_on date,
    done_on date,
    primary key (case_id, referral_id)
);

-- The dashboard reads this summary, kept by a trigger as referrals change: referrals counted by
-- region, month sent, agency, service, answer, reason (rejected only), done, and days to accept
-- (-1 unless accepted). It stays small however many referrals there are.
create table referral_summary (
    region text not null,
    month date not null,
    agency text not null,
    service text not null,
    answer text not null,
    reason text not null,
    done boolean not null,
    days int not null,
    referrals int not null,
    primary key (region, month, agency, service, answer, reason, done, days)
);

-- Folded per write statement (SUMMARIES in projection.py: the engine adds the triggers): the rows
-- a statement wrote (+1) or removed (-1) are grouped and merged in one go, which keeps rebuilds fast.
create function referral_summary_add(changed referrals[], n int) returns void language sql
set search_path from current as $$
    merge into referral_summary s
    using (
        select region, month, agency, service, answer, reason, done, days, count(*) * n as n
        from (
            select r.region, date_trunc('month', r.sent_on)::date as month,
                   coalesce(r.agency, 'unspecified') as agency,
                   coalesce(r.service, 'unspecified') as service, a.answer,
                   case when a.answer = 'rejected'
                        then coalesce(r.rejection_reason, 'unspecified') else '' end as reason,
                   r.done_on is not null as done,
                   case when a.answer = 'accepted' then r.accepted_on - r.sent_on
                        else -1 end as days
            from unnest(changed) r
            cross join lateral (
                select case when r.accepted_on is not null then 'accepted'
                            when r.rejected_on is not null then 'rejected'
                            when r.revoked_on is not null then 'revoked'
                            else 'awaiting' end as answer
            ) a
            where r.region is not null and r.sent_on is not null
        ) keyed
        group by 1, 2, 3, 4, 5, 6, 7, 8
    ) v
    on (s.region, s.month, s.agency, s.service, s.answer, s.reason, s.done, s.days)
     = (v.region, v.month, v.agency, v.service, v.answer, v.reason, v.done, v.days)
    -- a count back to zero leaves no row, so live and rebuilt summaries match row for row
    when matched and s.referrals + v.n = 0 then delete
    when matched then update set referrals = s.referrals + v.n
    when not matched then insert values (
        v.region, v.month, v.agency, v.service, v.answer, v.reason, v.done, v.days, v.n)
$$;

