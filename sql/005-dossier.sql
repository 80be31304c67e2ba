-- 005-dossier: dossiers as the one-stop-shop desk files them (docs/DOSSIERS.md).
-- Applicants (owner), gap-free dossier codes, components linked to the
-- batches that digitized them, the owner's electronic data store (kho dữ
-- liệu) and reuse from it, and the views of the monthly report. Every
-- figure is computed from rows; nothing is counted up.
-- Idempotent: objects are created only when missing, views and functions
-- replaced.

-- An owner: the person or organisation documents are filed under, keyed
-- by the identifier lib/ident.c accepted (CCCD, CMND or MST as written).
CREATE TABLE IF NOT EXISTS owner (
        owner_id text PRIMARY KEY,
        id_kind text NOT NULL CHECK (id_kind IN ('cccd', 'cmnd', 'mst')),
        name text,
        created_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE dossier ADD COLUMN IF NOT EXISTS owner_id text REFERENCES owner;
ALTER TABLE dossier ADD COLUMN IF NOT EXISTS description text;          -- Appendix VI: Description (ghi chú)
CREATE INDEX IF NOT EXISTS dossier_owner_idx ON dossier (owner_id);
CREATE INDEX IF NOT EXISTS dossier_received_idx ON dossier (agency_code, received_at);
CREATE INDEX IF NOT EXISTS dossier_resolved_idx ON dossier (agency_code, resolved_at);

DO $$
BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'dossier_dates_order') THEN
                ALTER TABLE dossier ADD CONSTRAINT dossier_dates_order CHECK (end_date >= start_date);
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'dossier_resolved_after_received') THEN
                ALTER TABLE dossier ADD CONSTRAINT dossier_resolved_after_received
                        CHECK (resolved_at >= received_at);
        END IF;
END $$;

-- The last number given out per agency and day. The row is locked by the
-- update of the transaction that inserts the dossier, so numbers come out
-- one at a time, and a dossier that is not inserted takes its number back
-- with it (a sequence would keep it: a gap).
CREATE TABLE IF NOT EXISTS dossier_counter (
        agency_code text NOT NULL REFERENCES agency,
        day date NOT NULL,
        last integer NOT NULL CHECK (last BETWEEN 1 AND 9999),
        PRIMARY KEY (agency_code, day)
);

-- The next code <OrganId>-<yymmdd>-<NNNN> of an agency for the day `at`
-- falls on in Vietnam (UTC+7). Call it in the statement that inserts the
-- dossier. The 10000th dossier of a day fails the counter's CHECK.
CREATE OR REPLACE FUNCTION sohoa_dossier_code(agency text, at timestamptz) RETURNS text
LANGUAGE sql VOLATILE AS $$
        INSERT INTO dossier_counter AS c (agency_code, day, last)
        VALUES (agency, (at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, 1)
        ON CONFLICT (agency_code, day) DO UPDATE SET last = c.last + 1
        RETURNING c.agency_code || '-' || to_char(c.day, 'YYMMDD') || '-' || lpad(c.last::text, 4, '0')
$$;

-- Components: what Appendix VI has beyond 001's columns.
ALTER TABLE component ADD COLUMN IF NOT EXISTS description text;
ALTER TABLE component ADD COLUMN IF NOT EXISTS language text;
-- A digitization code names one digitized document or result, everywhere.
CREATE UNIQUE INDEX IF NOT EXISTS component_digitization_code_key ON component (digitization_code);
CREATE INDEX IF NOT EXISTS component_reused_from_idx ON component (reused_from);

-- Which batch digitized a component: the whole batch, or the sequences
-- first..last of it (a feeder load holding several documents, split by the
-- officer or, later, by separator sheets). No foreign key to batch: a link
-- may name a batch whose pages are still on their way (a cover sheet's QR
-- code read at the desk); the pages join the component when stored.
CREATE TABLE IF NOT EXISTS component_batch (
        component_id bigint NOT NULL REFERENCES component ON DELETE CASCADE,
        batch_uuid uuid NOT NULL,
        first_sequence integer CHECK (first_sequence >= 1),
        last_sequence integer CHECK (last_sequence >= first_sequence),
        linked_at timestamptz NOT NULL DEFAULT now(),
        linked_by text,
        PRIMARY KEY (component_id, batch_uuid)
);
CREATE INDEX IF NOT EXISTS component_batch_batch_idx ON component_batch (batch_uuid);

-- The owner's electronic data store: each digitized document or result,
-- filed under its owner. The component is the document's origin (the one
-- that was scanned); a later dossier reuses it through component.reused_from.
CREATE TABLE IF NOT EXISTS store_item (
        store_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        owner_id text NOT NULL REFERENCES owner,
        component_id bigint NOT NULL UNIQUE REFERENCES component,
        filed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS store_item_owner_idx ON store_item (owner_id);

-- A component's pages: those of its batches (within their ranges); a reused
-- component's are its origin's. Failed pages are listed with their status.
CREATE OR REPLACE VIEW component_page AS
SELECT c.component_id, p.page_uuid, p.batch_uuid, p.sequence, p.status
FROM component c
JOIN component_batch cb ON cb.component_id = coalesce(c.reused_from, c.component_id)
JOIN page p ON p.batch_uuid = cb.batch_uuid
        AND (cb.first_sequence IS NULL OR p.sequence >= cb.first_sequence)
        AND (cb.last_sequence IS NULL OR p.sequence <= cb.last_sequence);

-- A component's state, from the rows: reused (taken from the store, not
-- scanned), digitized (at least one stored page), or not digitized.
-- component.digitized of 001 is not read: the pages decide.
CREATE OR REPLACE VIEW component_state AS
SELECT c.component_id, c.dossier_code, c.doc_ordinal, c.is_result, c.reused_from,
        coalesce(n.pages, 0) AS pages,
        CASE WHEN c.reused_from IS NOT NULL THEN 'reused'
             WHEN coalesce(n.pages, 0) > 0 THEN 'digitized'
             ELSE 'not_digitized' END AS state
FROM component c
LEFT JOIN (SELECT component_id, count(*) AS pages FROM component_page WHERE status = 'stored'
           GROUP BY component_id) n ON n.component_id = c.component_id;

-- A percentage with one decimal, NULL when there is nothing to divide.
CREATE OR REPLACE FUNCTION sohoa_rate(part bigint, whole bigint) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT round(100.0 * part / nullif(whole, 0), 1)
$$;

-- The monthly report, per agency and month (Vietnam time); the component
-- rate counts reused components as available electronically. Received and
-- component figures follow the month a dossier was received; resolved and
-- result figures the month it was resolved. Components of dossiers
-- received online are not scanned and not counted; results are counted
-- for every resolved dossier (a result may be paper either way).
CREATE OR REPLACE VIEW report_monthly AS
WITH received AS (
        SELECT d.agency_code, date_trunc('month', d.received_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS month,
                count(*) AS received,
                count(*) FILTER (WHERE d.received_online) AS received_online
        FROM dossier d WHERE d.received_at IS NOT NULL AND d.agency_code IS NOT NULL
        GROUP BY 1, 2
), components AS (
        SELECT d.agency_code, date_trunc('month', d.received_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS month,
                count(*) FILTER (WHERE s.state = 'digitized') AS components_digitized,
                count(*) FILTER (WHERE s.state = 'not_digitized') AS components_not_digitized,
                count(*) FILTER (WHERE s.state = 'reused') AS components_reused
        FROM dossier d JOIN component_state s ON s.dossier_code = d.dossier_code AND NOT s.is_result
        WHERE d.received_at IS NOT NULL AND d.agency_code IS NOT NULL AND NOT d.received_online
        GROUP BY 1, 2
), resolved AS (
        SELECT d.agency_code, date_trunc('month', d.resolved_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS month,
                count(*) AS resolved,
                count(*) FILTER (WHERE EXISTS (SELECT 1 FROM component_state s WHERE s.dossier_code = d.dossier_code
                                               AND s.is_result AND s.state = 'digitized')) AS results_digitized
        FROM dossier d WHERE d.resolved_at IS NOT NULL AND d.agency_code IS NOT NULL
        GROUP BY 1, 2
), keys AS (
        SELECT agency_code, month FROM received
        UNION SELECT agency_code, month FROM resolved
)
SELECT t.*,
        sohoa_rate(t.components_digitized + t.components_reused,
                   t.components_digitized + t.components_not_digitized + t.components_reused) AS component_rate,
        sohoa_rate(t.results_digitized, t.resolved) AS result_rate
FROM (
        SELECT k.agency_code, k.month,
                coalesce(r.received, 0) AS received,
                coalesce(r.received_online, 0) AS received_online,
                coalesce(c.components_digitized, 0) AS components_digitized,
                coalesce(c.components_not_digitized, 0) AS components_not_digitized,
                coalesce(c.components_reused, 0) AS components_reused,
                coalesce(v.resolved, 0) AS resolved,
                coalesce(v.results_digitized, 0) AS results_digitized,
                coalesce(v.resolved, 0) - coalesce(v.results_digitized, 0) AS results_not_digitized
        FROM keys k
        LEFT JOIN received r USING (agency_code, month)
        LEFT JOIN components c USING (agency_code, month)
        LEFT JOIN resolved v USING (agency_code, month)
) t;
