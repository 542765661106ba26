-- Deliveries per person, type and month; each person's first service of each type; and the day
-- each person's status was granted. Only ids, regions, dates and the workflow's assistance enum.
create table deliveries (
    case_id uuid not null,
    assistance_type text not null,
    month date not null,
    region text,
    deliveries int,
    primary key (case_id, assistance_type, month)
);

create table first_services (
    case_id uuid not null,
    assistance_type text not null,
    region text,
    first_on date,
    granted_on date, -- copied from status_grants by triggers, never by the handler
    primary key (case_id, assistance_type)
);

create table status_grants (
    case_id uuid primary key,
    granted_on date
);

-- The dashboard reads two summaries kept by triggers, small however many cases there are:
-- people and deliveries by region, month and type; and first services by region, month, type
-- and days since the status was granted (-1: no status by then).
create table served_summary (
    region text not null,
    month date not null,
    assistance_type text not null,
    people int not null,
    deliveries bigint not null,
    primary key (region, month, assistance_type)
);

create table first_summary (
    region text not null,
    month date not null,
    assistance_type text not null,
    days int not null,
    people int not null,
    primary key (region, month, assistance_type, days)
);

-- Folded per write statement (SUMMARIES in projection.py: the engine adds the triggers): the rows
-- a statement wrote (+1) or removed (-1) are grouped and merged in one go, which keeps rebuilds fast.
-- A count back to zero leaves no row, so live and rebuilt summaries match row for row.
create function served_summary_add(changed deliveries[], n int) returns void language sql
set search_path from current as $$
    merge into served_summary s
    using (
        select region, month, assistance_type,
               count(*) * n as people, sum(coalesce(deliveries, 0)) * n as deliveries
        from unnest(changed) where region is not null
        group by 1, 2, 3
    ) v
    on (s.region, s.month, s.assistance_type) = (v.region, v.month, v.assistance_type)
    when matched and s.people + v.people = 0 then delete
    when matched then update
        set people = s.people + v.people, deliveries = s.deliveries + v.deliveries
    when not matched then insert
        values (v.region, v.month, v.assistance_type, v.people, v.deliveries)
$$;

create function first_summary_add(changed first_services[], n int) returns void language sql
set search_path from current as $$
    merge into first_summary s
    using (
        select region, date_trunc('month', first_on)::date as month, assistance_type,
               case when granted_on <= first_on then first_on - granted_on else -1 end as days,
               count(*) * n as people
        from unnest(changed) where region is not null and first_on is not null
        group by 1, 2, 3, 4
    ) v
    on (s.region, s.month, s.assistance_type, s.days)
     = (v.region, v.month, v.assistance_type, v.days)
    when matched and s.people + v.people = 0 then delete
    when matched then update set people = s.people + v.people
    when not matched then insert values (v.region, v.month, v.assistance_type, v.days, v.people)
$$;

-- A person's status day reaches their first services whichever is written first.
create function first_services_granted() returns trigger language plpgsql
set search_path from current as $$
begin
    new.granted_on := (select granted_on from status_grants where case_id = new.case_id);
    return new;
end $$;

create trigger first_services_granted before insert or update on first_services
    for each row execute function first_services_granted();

create function status_grants_copy() returns trigger language plpgsql
set search_path from current as $$
begin
    update first_services f set granted_on = g.granted_on
    from new_rows g
    where f.case_id = g.case_id and f.granted_on is distinct from g.granted_on;
    return null;
end $$;

create trigger status_grants_inserted after insert on status_grants
    referencing new table as new_rows
    for each statement execute function status_grants_copy();
create trigger status_grants_updated after update on status_grants
    referencing old table as old_rows new table as new_rows
    for each statement execute function status_grants_copy();

create index first_services_case on first_services (case_id);
