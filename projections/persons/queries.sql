-- The candidates of a search, within the searcher's need-to-know (`person_visible`), at most
-- `limit` cases: a value matching each of the given parts of a name (`p1`..`p4`, each the
-- hashed terms of one word of the query: any of them), or one of `terms` (a date of birth, a
-- phone, a number). Each part is a GIN index condition, so PostgreSQL intersects their
-- bitmaps: a common first name alone never makes thousands of rows to score. (A case may come
-- twice, once per value matching: the application keeps it once.)

-- name: name_1
select v.case_id from person_values v join person_cases c on c.case_id = v.case_id
where v.terms && %(p1)s::bytea[]
  and person_visible(c, %(regions)s, %(whole)s, %(marks)s)
limit %(limit)s

-- name: name_2
select v.case_id from person_values v join person_cases c on c.case_id = v.case_id
where v.terms && %(p1)s::bytea[] and v.terms && %(p2)s::bytea[]
  and person_visible(c, %(regions)s, %(whole)s, %(marks)s)
limit %(limit)s

-- name: name_3
select v.case_id from person_values v join person_cases c on c.case_id = v.case_id
where v.terms && %(p1)s::bytea[] and v.terms && %(p2)s::bytea[] and v.terms && %(p3)s::bytea[]
  and person_visible(c, %(regions)s, %(whole)s, %(marks)s)
limit %(limit)s

-- name: name_4
select v.case_id from person_values v join person_cases c on c.case_id = v.case_id
where v.terms && %(p1)s::bytea[] and v.terms && %(p2)s::bytea[] and v.terms && %(p3)s::bytea[]
  and v.terms && %(p4)s::bytea[]
  and person_visible(c, %(regions)s, %(whole)s, %(marks)s)
limit %(limit)s

-- name: any_term
select v.case_id from person_values v join person_cases c on c.case_id = v.case_id
where v.terms && %(terms)s::bytea[]
  and person_visible(c, %(regions)s, %(whole)s, %(marks)s)
limit %(limit)s

-- name: values_of
-- The recorded values of some cases, with where each case is and who it is shared with (to
-- rank and show a search's results, or compare two cases): one index look-up per case; only
-- the `fields` asked for (null: all).
select v.case_id, v.field, v.sealed, v.terms, c.region, c.workflow_id, c.workflow_version,
       c.state, c.opened_on,
       array(select r.mark from person_reach r where r.case_id = c.case_id) as marks
from unnest(%(cases)s::uuid[]) as x(case_id)
cross join lateral (select * from person_cases c where c.case_id = x.case_id) c
cross join lateral (select * from person_values v where v.case_id = x.case_id
                     and (%(fields)s::text[] is null or v.field = any(%(fields)s))) v

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
