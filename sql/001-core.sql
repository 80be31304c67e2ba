-- 001-core: the dossier store's core tables. Pages keep their metadata and
-- OCR results in `page`; their bytes (searchable PDF, original image) live in
-- `page_blob` so that listing and searching pages never reads megabytes.
-- Idempotent: every object is created only when missing. `sohoactl db
-- migrate` runs this file in one transaction and records it in
-- schema_migrations.

CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
);

-- Agencies are keyed by their 13-character organ code (NNN.NN.NN.XNN).
CREATE TABLE IF NOT EXISTS agency (
        agency_code text PRIMARY KEY CHECK (agency_code ~ '^[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}$'),
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS station (
        station_id text PRIMARY KEY,            -- Hello.peer_id of the capture daemon
        agency_code text REFERENCES agency,
        name text,
        created_at timestamptz NOT NULL DEFAULT now()
);

-- A dossier (hồ sơ TTHC): code <OrganId>-<yymmdd>-<NNNN>, metadata of
-- Decree 30/2020 Appendix VI.
CREATE TABLE IF NOT EXISTS dossier (
        dossier_code text PRIMARY KEY,
        agency_code text REFERENCES agency,
        title text,
        received_at timestamptz,
        resolved_at timestamptz,
        received_online boolean NOT NULL DEFAULT false,
        maintenance text,
        rights text,
        language text DEFAULT 'vi',
        start_date date,
        end_date date,
        doc_total integer,
        page_total integer,
        created_at timestamptz NOT NULL DEFAULT now()
);

-- A component (thành phần hồ sơ): one document of a dossier.
CREATE TABLE IF NOT EXISTS component (
        component_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        dossier_code text NOT NULL REFERENCES dossier ON DELETE CASCADE,
        doc_ordinal integer NOT NULL,
        type_name text,
        code_number text,
        code_notation text,
        issued_date date,
        organ_name text,
        subject text,
        page_amount integer,
        is_result boolean NOT NULL DEFAULT false,          -- kết quả giải quyết
        digitized boolean NOT NULL DEFAULT false,
        reused_from bigint REFERENCES component,           -- taken from the owner's store, not scanned
        digitization_code text,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (dossier_code, doc_ordinal)
);

-- A batch: one feeder load, or one imported file set. Filled by the first
-- page stored; what the last page tells (its sequence, the image count,
-- the declared sheets) is kept when it arrives.
CREATE TABLE IF NOT EXISTS batch (
        batch_uuid uuid PRIMARY KEY,
        origin_id text,
        page_class text CHECK (page_class IN ('interactive', 'bulk')),
        dossier_code text,
        declared_sheets integer,
        expected_pages integer,                 -- Page.batch_pages of the last page
        last_sequence integer,                  -- sequence of the page marked last_in_batch
        first_stored_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS batch_dossier_idx ON batch (dossier_code);

CREATE TABLE IF NOT EXISTS page (
        page_uuid uuid PRIMARY KEY,
        batch_uuid uuid NOT NULL REFERENCES batch,
        sequence integer NOT NULL CHECK (sequence >= 1),
        sheet integer,
        side text NOT NULL DEFAULT 'unknown' CHECK (side IN ('unknown', 'front', 'back')),
        sha256 bytea NOT NULL CHECK (length(sha256) = 32),
        image_bytes bigint,
        format text,
        dpi integer,
        mode text,
        captured_at timestamptz,
        origin_id text,
        page_class text CHECK (page_class IN ('interactive', 'bulk')),
        dossier_code text,
        source_name text,
        source_index integer,
        status text NOT NULL CHECK (status IN ('stored', 'failed')),
        failure_reason text,
        ocr_text text,
        ocr_confidence real,                    -- mean word confidence, 0..100
        skew_angle real,                        -- degrees, as corrected
        skew_confidence real,
        orientation smallint CHECK (orientation IN (0, 90, 180, 270)),
        orientation_confidence real,
        orientation_method text,
        blank boolean,
        blank_score real,
        low_dpi boolean NOT NULL DEFAULT false,
        barcodes jsonb,
        word_boxes jsonb,
        stage_ms jsonb,                         -- processing time per stage
        worker_id text,
        stored_at timestamptz NOT NULL DEFAULT now(),
        CHECK (status = 'stored' OR failure_reason IS NOT NULL)
);
CREATE INDEX IF NOT EXISTS page_batch_idx ON page (batch_uuid, sequence);
CREATE INDEX IF NOT EXISTS page_dossier_idx ON page (dossier_code);
CREATE INDEX IF NOT EXISTS page_failed_idx ON page (stored_at) WHERE status = 'failed';

CREATE TABLE IF NOT EXISTS page_blob (
        page_uuid uuid NOT NULL REFERENCES page ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('pdf', 'original')),
        bytes bytea NOT NULL,
        sha256 bytea NOT NULL CHECK (length(sha256) = 32),
        PRIMARY KEY (page_uuid, kind)
);
-- Blobs are already compressed (JPEG, PDF streams): do not try again.
ALTER TABLE page_blob ALTER COLUMN bytes SET STORAGE EXTERNAL;

-- The verdict on a batch, recomputed from its page rows (never counted up)
-- by sohoa_batch_verdict() each time a page of a batch whose end is known
-- is stored.
CREATE TABLE IF NOT EXISTS batch_verdict (
        batch_uuid uuid PRIMARY KEY REFERENCES batch ON DELETE CASCADE,
        computed_at timestamptz NOT NULL DEFAULT now(),
        expected_pages integer,
        declared_sheets integer,
        pages_present integer NOT NULL,
        pages_stored integer NOT NULL,
        pages_failed integer NOT NULL,
        pages_blank integer NOT NULL,
        sheets_present integer NOT NULL,
        duplex boolean NOT NULL,
        missing_sequences integer[] NOT NULL,
        duplicate_sequences integer[] NOT NULL,
        out_of_order_sequences integer[] NOT NULL,
        sheets_missing_front integer[] NOT NULL,
        sheets_missing_back integer[] NOT NULL,
        count_ok boolean NOT NULL,
        order_ok boolean NOT NULL,
        duplex_ok boolean NOT NULL,
        ok boolean NOT NULL
);

CREATE TABLE IF NOT EXISTS audit_log (
        audit_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        actor text NOT NULL,                    -- worker id, operator, sohoactl
        action text NOT NULL,                   -- 'page.stored', 'page.failed', 'page.rejected', ...
        object_kind text NOT NULL,
        object_id text NOT NULL,
        detail jsonb
);
CREATE INDEX IF NOT EXISTS audit_log_object_idx ON audit_log (object_kind, object_id);
