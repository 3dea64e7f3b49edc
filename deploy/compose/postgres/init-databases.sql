-- One database per service, each owned by the service's own role, so that no service can
-- read another's tables (development passwords: docker-compose only).
-- Runs once, when the PostgreSQL volume is first initialised.

CREATE ROLE registration LOGIN PASSWORD 'registration-dev-password';
CREATE DATABASE registration OWNER registration;
REVOKE CONNECT, TEMPORARY ON DATABASE registration FROM PUBLIC;

CREATE ROLE training LOGIN PASSWORD 'training-dev-password';
CREATE DATABASE training OWNER training;
REVOKE CONNECT, TEMPORARY ON DATABASE training FROM PUBLIC;

CREATE ROLE credit LOGIN PASSWORD 'credit-dev-password';
CREATE DATABASE credit OWNER credit;
REVOKE CONNECT, TEMPORARY ON DATABASE credit FROM PUBLIC;

CREATE ROLE notification LOGIN PASSWORD 'notification-dev-password';
CREATE DATABASE notification OWNER notification;
REVOKE CONNECT, TEMPORARY ON DATABASE notification FROM PUBLIC;
