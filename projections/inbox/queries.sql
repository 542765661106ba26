-- name: referrals
-- Referrals sent to an agency in the caller's regions, still open: those awaiting its answer
-- first, soonest due first; then those it accepted, oldest first.
select r.case_id, r.referral_id, c.region, c.workflow_id, c.workflow_version,
       c.state as case_state, r.service, r.state, r.sent_on, r.due_on, r.answered_on
from inbox_referrals r
join inbox_cases c using (case_id)
where r.agency = %(agency)s and r.ended_on is null
  and (%(regions)s::text[] is null or c.region = any(%(regions)s))
order by r.answered_on is not null, r.due_on nulls last, r.answered_on, r.sent_on, r.case_id,
         r.referral_id
limit %(limit)s

-- name: requests
-- Cases a step sent to an agency in the caller's regions (e.g. for police verification), still
-- in the state that step put them in, soonest due first.
select case_id, region, workflow_id, workflow_version, state as case_state, trigger, deadline,
       sent_on, due_on
from inbox_cases
where agency = %(agency)s and requested_state = state
  and (%(regions)s::text[] is null or region = any(%(regions)s))
order by due_on nulls last, sent_on, case_id
limit %(limit)s
