-- name: totals
select count(*) as cases, coalesce(sum(events), 0) as events from event_counts
