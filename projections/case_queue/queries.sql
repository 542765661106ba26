-- name: queue
-- A caseworker's queue: cases of the caller's regions (and reach), filtered, keyset-paginated by case id.
select q.case_id, q.region, q.workflow_id, q.workflow_version, q.state, q.assigned_agency,
       q.last_step, q.last_step_on, q.opened_on, d.next_deadline,
       coalesce(d.next_deadline < %(today)s, false) as overdue
from case_queue q
left join lateral (
    select min(due_on) as next_deadline from case_deadlines where case_id = q.case_id
) d on true
where (%(regions)s::text[] is null or q.region = any(%(regions)s))
  -- need-to-know: a workflow listed whole, or a case shared with the caller's agency
  and (%(whole)s::text[] is null or q.workflow_id = any(%(whole)s)
       or exists (select from case_reach r where r.case_id = q.case_id and r.mark = any(%(marks)s)))
  and (%(region)s::text is null or q.region = %(region)s)
  and (%(state)s::text is null or q.state = %(state)s)
  and (%(from)s::date is null or q.opened_on >= %(from)s)
  and (%(to)s::date is null or q.opened_on <= %(to)s)
  and (%(overdue)s::boolean is null
       or coalesce(d.next_deadline < %(today)s, false) = %(overdue)s)
  and (%(after)s::uuid is null or q.case_id > %(after)s)
order by q.case_id
limit %(limit)s
