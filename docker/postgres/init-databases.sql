-- Runs once, when the PostgreSQL volume is first initialised (docker-entrypoint-initdb.d).
-- The gateway's database (POSTGRES_DB = xaso) exists already; Rasa's tracker store gets its own.
CREATE DATABASE xaso_rasa OWNER xaso;
