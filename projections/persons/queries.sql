-- name: candidates
-- The recorded values sharing a term with a search, within the searcher's need-to-know, best
-- first: by how many of the query's parts each matches (`parts`: a row of hashed terms per
-- part, padded with `pad` to one length), then by case id; `limit` of them.
select v.case_id, v.field, v.sealed, c.region, c.workflow_id, c.workflow_version, c.state,
       c.opened_on, array(select r.mark from person_reach r where r.case_id = v.case_id) as marks,
       (select count(*) from generate_subscripts(%(parts)s::bytea[], 1) as i
        where v.terms && (%(parts)s::bytea[])[i:i]) as score
from person_values v
join person_cases c on c.case_id = v.case_id
where v.terms && %(terms)s::bytea[]
  and (%(regions)s::text[] is null or c.region = any(%(regions)s))
  and (%(whole)s::text[] is null or c.workflow_id = any(%(whole)s)
       or exists (select from person_reach r where r.case_id = v.case_id and r.mark = any(%(marks)s)))
order by score desc, v.case_id
limit %(limit)s

-- name: values_of
-- The recorded values of some cases (to rank and show a search's results, or compare two).
select v.case_id, v.field, v.sealed
from person_values v
where v.case_id = any(%(cases)s::uuid[])

-- name: matches
-- Cases anywhere (no need-to-know: a duplicate check) recording a date of birth sharing a term
-- with `birth` and a name sharing a term with `names` (the groups of hashed terms), but
-- `case_id`; each with its recorded values, to be opened and confirmed.
select b.case_id, c.region, c.workflow_id, c.workflow_version
from person_values b
join person_cases c on c.case_id = b.case_id
where b.field = any(%(birth_fields)s::text[])
  and b.terms && %(birth)s::bytea[]
  and b.case_id <> %(case_id)s
  and exists (select from person_values n where n.case_id = b.case_id
              and n.field = any(%(name_fields)s::text[])
              and n.terms && %(names)s::bytea[])
order by b.case_id
limit %(limit)s

-- name: person_of
-- The cases linked to one person with `case_id` (links are transitive), itself included.
with recursive linked(case_id) as (
    select %(case_id)s::uuid
    union
    select case when a.low = l.case_id then a.high else a.low end
    from linked l
    join person_alerts a on (a.low = l.case_id or a.high = l.case_id) and a.state = 'linked'
)
select case_id from linked

-- name: alerts
-- The pairs of cases (open alerts, or every state when `states` is null) with a side in one of
-- `regions` (null: every region), newest first; each side's region as it is now.
select a.low, a.high, a.case_id, a.other_case, a.state, a.reason, a.raised_at, a.decided_at,
       coalesce(c.region, a.region) as region, coalesce(o.region, a.other_region) as other_region
from person_alerts a
left join person_cases c on c.case_id = a.case_id
left join person_cases o on o.case_id = a.other_case
where (%(states)s::text[] is null or a.state = any(%(states)s))
  and (%(regions)s::text[] is null or coalesce(c.region, a.region) = any(%(regions)s)
       or coalesce(o.region, a.other_region) = any(%(regions)s))
order by a.raised_at desc, a.low, a.high
limit %(limit)s

-- name: alerts_of
-- Every pair one case is part of, as `alerts` gives them.
select a.low, a.high, a.case_id, a.other_case, a.state, a.reason, a.raised_at, a.decided_at,
       coalesce(c.region, a.region) as region, coalesce(o.region, a.other_region) as other_region
from person_alerts a
left join person_cases c on c.case_id = a.case_id
left join person_cases o on o.case_id = a.other_case
where a.low = %(case_id)s or a.high = %(case_id)s
order by a.raised_at desc
