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
