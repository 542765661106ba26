-- name: queue
-- A caseworker's queue: cases of the caller's regions (and reach), and those whose transfer into
-- them waits for the caller's answer (`%(answering)s`: the workflows whose transfers the role
-- answers), filtered (`%(mine)s`: the caller's user, for "my cases"), keyset-paginated by case id.
select q.case_id, q.region, q.workflow_id, q.workflow_version, q.state, q.assigned_agency,
       q.assigned_to, q.transfer_to, q.transfer_reason, q.transfer_asked_on,
       q.last_step, q.last_step_on, q.opened_on, d.next_deadline,
       coalesce(d.next_deadline < %(today)s, false) as overdue
from case_queue q
left join lateral (
    select min(due_on) as next_deadline from case_deadlines where case_id = q.case_id
) d on true
where (((%(regions)s::text[] is null or q.region = any(%(regions)s))
  -- need-to-know: a workflow listed whole, or a case shared with the caller's agency
  and (%(whole)s::text[] is null or q.workflow_id = any(%(whole)s)
       or exists (select from case_reach r where r.case_id = q.case_id and r.mark = any(%(marks)s))))
  or (q.transfer_to = any(%(regions)s) and q.workflow_id = any(%(answering)s)))
  and (%(mine)s::text is null or q.assigned_to = %(mine)s)
  and (%(region)s::text is null or q.region = %(region)s)
  and (%(state)s::text is null or q.state = %(state)s)
  and (%(from)s::date is null or q.opened_on >= %(from)s)
  and (%(to)s::date is null or q.opened_on <= %(to)s)
  and (%(overdue)s::boolean is null
       or coalesce(d.next_deadline < %(today)s, false) = %(overdue)s)
  and (%(after)s::uuid is null or q.case_id > %(after)s)
order by q.case_id
limit %(limit)s

-- name: transfers_waiting
-- Transfers into the caller's regions waiting for their answer (`%(answering)s`: the workflows
-- whose transfers the caller's role answers; null regions or answering: every one), oldest first.
select q.case_id, q.region, q.workflow_id, q.workflow_version, q.state, q.transfer_to,
       q.transfer_reason, q.transfer_asked_on
from case_queue q
where q.transfer_to is not null
  and (%(regions)s::text[] is null or q.transfer_to = any(%(regions)s))
  and (%(answering)s::text[] is null or q.workflow_id = any(%(answering)s))
order by q.transfer_asked_on, q.case_id
limit %(limit)s

-- name: audit_cases
-- The workflow version of each of these cases (the audit log words their steps and fields in its
-- labels) and whether the reader may open the case: the queue's need-to-know, as `queue` above.
select q.case_id, q.workflow_id, q.workflow_version,
       (((%(regions)s::text[] is null or q.region = any(%(regions)s))
         and (%(whole)s::text[] is null or q.workflow_id = any(%(whole)s)
              or exists (select from case_reach r
                         where r.case_id = q.case_id and r.mark = any(%(marks)s))))
        or (q.transfer_to = any(%(regions)s) and q.workflow_id = any(%(answering)s))) as openable
from case_queue q
where q.case_id = any(%(cases)s)
