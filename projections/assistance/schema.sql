-- Assistance delivered, counted by region, month and type; and per case the day the status was
-- granted and the first day a service was delivered.
create table assistance_counts (
    region text not null,
    month date not null,
    assistance_type text not null,
    deliveries bigint,
    primary key (region, month, assistance_type)
);

create table case_services (
    case_id uuid primary key,
    region text,
    granted_on date,
    first_service_on date
);
