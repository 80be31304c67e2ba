-- roles.sql: the least-privilege roles of sohoa. Not a numbered migration:
-- creating roles needs CREATEROLE, which the database's owner may lack, so
-- `sohoactl db roles` runs it (as a role that has it) once; afterwards
-- `sohoactl db migrate` runs it again after applying migrations, so that
-- new tables get their grants (creating nothing: the roles exist). Running
-- it again changes nothing.
--
--   sohoa_worker  the OCR workers: read what a store looks up, insert pages,
--                 their blobs, batches, verdicts and audit rows, update
--                 batches, verdicts and pages; delete, truncate or change
--                 the schema: never.
--   sohoa_search  sohoactl search, export and verify: read only.
--
-- Both may log in but have no password: give one (ALTER ROLE ... PASSWORD)
-- or map an operating-system user to them (pg_ident.conf) as the site
-- authenticates; or GRANT them to the login roles the site already has.

DO $$
BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sohoa_worker') THEN
                CREATE ROLE sohoa_worker LOGIN;
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sohoa_search') THEN
                CREATE ROLE sohoa_search LOGIN;
        END IF;
END
$$;

-- Only the owner creates objects (PostgreSQL 15's default; older clusters
-- let every role create in public).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO sohoa_worker, sohoa_search;

REVOKE ALL ON ALL TABLES IN SCHEMA public FROM sohoa_worker;
GRANT SELECT ON page, batch, batch_verdict, schema_migrations TO sohoa_worker;
GRANT INSERT ON page, page_blob, batch, batch_verdict, audit_log TO sohoa_worker;
GRANT UPDATE ON page, batch, batch_verdict TO sohoa_worker;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO sohoa_worker;

REVOKE ALL ON ALL TABLES IN SCHEMA public FROM sohoa_search;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO sohoa_search;
