-- Test-only read model: the positions it folded, so an event skipped or parked shows up.
create table folded (
    position bigint primary key,
    agency text
);
