-- name: positions
select position, agency from folded order by position
