-- 004-verdict-bounds: the batch verdict of 002 with its counts bounded.
-- The counts that drive it (the image count and last sequence a station
-- states, declared sheets, the highest sheet number) come from peers, up to
-- 2^31 - 1: enumerating that many sequences under the batch's lock would hold
-- every worker storing a page of the batch for hours. Beyond 100000 the
-- verdict says so in `note` ('count out of range') and enumerates nothing.
-- Missing sequences and sheets are found by anti-joins, not one look-up per
-- number, so a bounded batch of many sheets stays quick.

ALTER TABLE batch_verdict ADD COLUMN IF NOT EXISTS note text;

CREATE OR REPLACE FUNCTION sohoa_batch_verdict(b uuid) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
        bound CONSTANT integer := 100000;
        bt batch%ROWTYPE;
        expected integer;
        nsheets integer;
        v_present integer;
        v_stored integer;
        v_failed integer;
        v_blank integer;
        v_sheets integer;
        v_duplex boolean;
        v_missing integer[] := '{}';
        v_dups integer[];
        v_order integer[];
        v_no_front integer[] := '{}';
        v_no_back integer[] := '{}';
        v_count_ok boolean;
        v_note text;
BEGIN
        SELECT * INTO bt FROM batch WHERE batch_uuid = b;
        IF NOT FOUND OR (bt.expected_pages IS NULL AND bt.last_sequence IS NULL) THEN
                RETURN false;
        END IF;

        SELECT count(*),
               count(*) FILTER (WHERE status = 'stored'),
               count(*) FILTER (WHERE status = 'failed'),
               count(*) FILTER (WHERE blank),
               count(DISTINCT sheet),
               coalesce(bool_or(side = 'back'), false),
               greatest(coalesce(bt.declared_sheets, 0), coalesce(max(sheet), 0))
          INTO v_present, v_stored, v_failed, v_blank, v_sheets, v_duplex, nsheets
          FROM page WHERE batch_uuid = b;

        expected := coalesce(bt.expected_pages, bt.last_sequence);

        IF expected > bound OR nsheets > bound OR expected < 0 OR nsheets < 0 THEN
                v_note := 'count out of range';
        ELSE
                SELECT coalesce(array_agg(s ORDER BY s), '{}') INTO v_missing
                  FROM generate_series(1, expected) s
                  LEFT JOIN (SELECT DISTINCT sequence FROM page WHERE batch_uuid = b) p ON p.sequence = s
                 WHERE p.sequence IS NULL;

                SELECT coalesce(array_agg(s ORDER BY s), '{}') INTO v_no_front
                  FROM generate_series(1, nsheets) s
                  LEFT JOIN (SELECT DISTINCT sheet FROM page
                              WHERE batch_uuid = b AND side IN ('front', 'unknown')) p ON p.sheet = s
                 WHERE p.sheet IS NULL;

                -- A simplex batch (no back side at all) needs no backs.
                IF v_duplex THEN
                        SELECT coalesce(array_agg(s ORDER BY s), '{}') INTO v_no_back
                          FROM generate_series(1, nsheets) s
                          LEFT JOIN (SELECT DISTINCT sheet FROM page
                                      WHERE batch_uuid = b AND side = 'back') p ON p.sheet = s
                         WHERE p.sheet IS NULL;
                END IF;
        END IF;

        SELECT coalesce(array_agg(sequence ORDER BY sequence), '{}') INTO v_dups
          FROM (SELECT sequence FROM page WHERE batch_uuid = b
                 GROUP BY sequence HAVING count(*) > 1) d;

        -- In order: walking the images by sequence, (sheet, side) never goes
        -- back. A sheet scanned twice (sticky note) repeats, which is fine.
        SELECT coalesce(array_agg(sequence ORDER BY sequence), '{}') INTO v_order
          FROM (SELECT sequence, sheet, side_rank,
                       lag(sheet) OVER w AS prev_sheet, lag(side_rank) OVER w AS prev_rank
                  FROM (SELECT sequence, sheet, page_uuid,
                               CASE side WHEN 'back' THEN 1 ELSE 0 END AS side_rank
                          FROM page WHERE batch_uuid = b AND sheet IS NOT NULL) p
                WINDOW w AS (ORDER BY sequence, page_uuid)) o
         WHERE prev_sheet IS NOT NULL AND (sheet, side_rank) < (prev_sheet, prev_rank);

        v_count_ok := v_note IS NULL AND v_present = expected AND cardinality(v_missing) = 0
                      AND cardinality(v_dups) = 0
                      AND (bt.declared_sheets IS NULL OR v_sheets = bt.declared_sheets);

        INSERT INTO batch_verdict AS bv (batch_uuid, computed_at, expected_pages, declared_sheets,
                                         pages_present, pages_stored, pages_failed, pages_blank,
                                         sheets_present, duplex, missing_sequences, duplicate_sequences,
                                         out_of_order_sequences, sheets_missing_front, sheets_missing_back,
                                         count_ok, order_ok, duplex_ok, ok, note)
        VALUES (b, now(), expected, bt.declared_sheets, v_present, v_stored, v_failed, v_blank,
                v_sheets, v_duplex, v_missing, v_dups, v_order, v_no_front, v_no_back,
                v_count_ok, cardinality(v_order) = 0,
                v_note IS NULL AND cardinality(v_no_front) = 0 AND cardinality(v_no_back) = 0,
                v_count_ok AND cardinality(v_order) = 0
                        AND cardinality(v_no_front) = 0 AND cardinality(v_no_back) = 0,
                v_note)
        ON CONFLICT (batch_uuid) DO UPDATE SET
                computed_at = EXCLUDED.computed_at,
                expected_pages = EXCLUDED.expected_pages,
                declared_sheets = EXCLUDED.declared_sheets,
                pages_present = EXCLUDED.pages_present,
                pages_stored = EXCLUDED.pages_stored,
                pages_failed = EXCLUDED.pages_failed,
                pages_blank = EXCLUDED.pages_blank,
                sheets_present = EXCLUDED.sheets_present,
                duplex = EXCLUDED.duplex,
                missing_sequences = EXCLUDED.missing_sequences,
                duplicate_sequences = EXCLUDED.duplicate_sequences,
                out_of_order_sequences = EXCLUDED.out_of_order_sequences,
                sheets_missing_front = EXCLUDED.sheets_missing_front,
                sheets_missing_back = EXCLUDED.sheets_missing_back,
                count_ok = EXCLUDED.count_ok,
                order_ok = EXCLUDED.order_ok,
                duplex_ok = EXCLUDED.duplex_ok,
                ok = EXCLUDED.ok,
                note = EXCLUDED.note;
        RETURN true;
END;
$$;
