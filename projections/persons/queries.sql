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
-- rank and show a search's results, or compare two cases): one index look-up per case.
select v.case_id, v.field, v.sealed, v.terms, c.region, c.workflow_id, c.workflow_version,
       c.state, c.opened_on,
       array(select r.mark from person_reach r where r.case_id = c.case_id) as marks
from unnest(%(cases)s::uuid[]) as x(case_id)
cross join lateral (select * from person_cases c where c.case_id = x.case_id) c
cross join lateral (select * from person_values v where v.case_id = x.case_id) v

-- name: matches
-- Cases anywhere (no need-to-know: a duplicate check) whose values share a term with each of
-- the given groups (`birth`: the date of birth's terms; `names`: the name's), but `case_id`.
select b.case_id, c.region, c.workflow_id
from person_values b
join person_cases c on c.case_id = b.case_id
where b.terms && %(birth)s::bytea[]
  and b.case_id <> %(case_id)s
  and exists (select from person_values n where n.case_id = b.case_id
              and n.terms && %(names)s::bytea[])
order by b.case_id
limit %(limit)s
