-- name: referrals
-- Referrals sent to an agency in the caller's regions, still open, that the caller's role can
-- answer now (`%(moving)s`: the workflow|version|state keys of case states in which referrals
-- move; `%(answered)s`: those of referral states the role has a step from): those awaiting its
-- answer first, soonest due first; then those it accepted, oldest first. Filtered here, before
-- the limit, so that referrals of closed cases (kept: the case may be reopened) never crowd out
-- the others.
select r.case_id, r.referral_id, c.region, c.workflow_id, c.workflow_version,
       c.state as case_state, r.service, r.state, r.sent_on, r.due_on, r.answered_on
from inbox_referrals r
join inbox_cases c using (case_id)
where r.agency = %(agency)s and r.ended_on is null
  and (%(regions)s::text[] is null or c.region = any(%(regions)s))
  and concat_ws('|', c.workflow_id, c.workflow_version, c.state) = any(%(moving)s::text[])
  and concat_ws('|', c.workflow_id, c.workflow_version, r.state) = any(%(answered)s::text[])
order by r.answered_on is not null, r.due_on nulls last, r.answered_on, r.sent_on, r.case_id,
         r.referral_id
limit %(limit)s

-- name: requests
-- Cases a step sent to an agency in the caller's regions (e.g. for police verification), still
-- in the state that step put them in and in a state the caller's role has a step from
-- (`%(requested)s`: workflow|version|state keys), soonest due first.
select case_id, region, workflow_id, workflow_version, state as case_state, trigger, deadline,
       sent_on, due_on
from inbox_cases
where agency = %(agency)s and requested_state = entered_as
  and (%(regions)s::text[] is null or region = any(%(regions)s))
  and concat_ws('|', workflow_id, workflow_version, state) = any(%(requested)s::text[])
order by due_on nulls last, sent_on, case_id
limit %(limit)s
