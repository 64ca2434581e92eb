-- Creates one schema per CRM module. Idempotent: safe to run on every start.
-- Used by docker-compose.yml (mounted into /docker-entrypoint-initdb.d) and can be
-- applied to a local Postgres with:  psql "$DATABASE_URL" -f infra/postgres/init.sql
CREATE SCHEMA IF NOT EXISTS contacts;
CREATE SCHEMA IF NOT EXISTS sales;
CREATE SCHEMA IF NOT EXISTS marketing;
CREATE SCHEMA IF NOT EXISTS support;
CREATE SCHEMA IF NOT EXISTS loyalty;
