-- 006-verdict-rules: the province's rules in the batch verdict (issue 11,
-- items 1-4; docs/STATION.md, "The verdict"). Of 004's verdict this keeps the counts,
-- order and bounds, and adds:
--   * the both-sides rule as the guide states it: a document whose sheets
--     are all blank on one side is single-sided (said in the verdict);
--     otherwise every sheet needs both sides, and blank backs are flagged
--     but kept. Documents are split at separator sheets (page.role);
--   * pages under 200 dpi, failed and quarantined pages make the verdict
--     not ok, each named by sheet and side;
--   * rescans: a batch whose pages carry `rescan_of` replaces the sheets
--     rescan_first_sheet..rescan_last_sheet (NULL: to the end) of that
--     batch once its own end is known; the images it replaces stay, marked
--     superseded_by, and the verdict of the first batch is computed from
--     the images that are current;
--   * sticky notes: a note pass (page.note_pass) and the plain pass of the
--     same sheet are a pair, neither a duplicate nor an order error; a note
--     pass without its plain pass is not ok;
--   * a revision that grows with every computation (the newest verdict wins
--     wherever several travel), and the reason in Vietnamese and English.
-- Everything is recomputed from rows; nothing is counted up but revision.

ALTER TABLE page ADD COLUMN IF NOT EXISTS note_pass boolean NOT NULL DEFAULT false;
ALTER TABLE page ADD COLUMN IF NOT EXISTS superseded_by uuid;
ALTER TABLE page ADD COLUMN IF NOT EXISTS role text NOT NULL DEFAULT 'document';
DO $$
BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'page_role_check') THEN
                ALTER TABLE page ADD CONSTRAINT page_role_check CHECK (role IN ('document', 'cover', 'separator'));
        END IF;
END $$;

ALTER TABLE batch ADD COLUMN IF NOT EXISTS rescan_of uuid;
ALTER TABLE batch ADD COLUMN IF NOT EXISTS rescan_first_sheet integer;
ALTER TABLE batch ADD COLUMN IF NOT EXISTS rescan_last_sheet integer;
ALTER TABLE batch ADD COLUMN IF NOT EXISTS captured_at timestamptz;   -- its earliest image
CREATE INDEX IF NOT EXISTS batch_rescan_idx ON batch (rescan_of) WHERE rescan_of IS NOT NULL;
CREATE INDEX IF NOT EXISTS batch_origin_idx ON batch (origin_id, first_stored_at);

ALTER TABLE batch_verdict ADD COLUMN IF NOT EXISTS revision bigint NOT NULL DEFAULT 0;
ALTER TABLE batch_verdict ADD COLUMN IF NOT EXISTS images integer;            -- current document images
ALTER TABLE batch_verdict ADD COLUMN IF NOT EXISTS single_sided boolean NOT NULL DEFAULT false;
ALTER TABLE batch_verdict ADD COLUMN IF NOT EXISTS blank_backs integer[] NOT NULL DEFAULT '{}';
ALTER TABLE batch_verdict ADD COLUMN IF NOT EXISTS note_pairs integer[] NOT NULL DEFAULT '{}';
ALTER TABLE batch_verdict ADD COLUMN IF NOT EXISTS unpaired_notes integer[] NOT NULL DEFAULT '{}';
ALTER TABLE batch_verdict ADD COLUMN IF NOT EXISTS rescans integer NOT NULL DEFAULT 0;
ALTER TABLE batch_verdict ADD COLUMN IF NOT EXISTS superseded_pages integer NOT NULL DEFAULT 0;
ALTER TABLE batch_verdict ADD COLUMN IF NOT EXISTS flagged jsonb NOT NULL DEFAULT '[]';
ALTER TABLE batch_verdict ADD COLUMN IF NOT EXISTS problems text[] NOT NULL DEFAULT '{}';
ALTER TABLE batch_verdict ADD COLUMN IF NOT EXISTS rescan_sheets integer[] NOT NULL DEFAULT '{}';
ALTER TABLE batch_verdict ADD COLUMN IF NOT EXISTS reason_vi text;
ALTER TABLE batch_verdict ADD COLUMN IF NOT EXISTS reason_en text;

-- The batch whose verdict covers b: the batch a rescan amends, else b.
CREATE OR REPLACE FUNCTION sohoa_batch_root(b uuid) RETURNS uuid
LANGUAGE sql STABLE AS $$
        SELECT coalesce((SELECT coalesce(rescan_of, batch_uuid) FROM batch WHERE batch_uuid = b), b)
$$;

-- "4", "4, 6", "1-3, 5": a list of numbers for the officer, cut at 120
-- characters.
CREATE OR REPLACE FUNCTION sohoa_ranges(a integer[]) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
        SELECT CASE WHEN length(t) > 120 THEN left(t, 120) || '…' ELSE t END
          FROM (SELECT coalesce(string_agg(CASE WHEN lo = hi THEN lo::text ELSE lo || '-' || hi END, ', '
                                           ORDER BY lo), '') AS t
                  FROM (SELECT min(s) AS lo, max(s) AS hi
                          FROM (SELECT s, s - row_number() OVER (ORDER BY s) AS g
                                  FROM (SELECT DISTINCT unnest(a) AS s) u) n
                         GROUP BY g) r) x
$$;

-- Pages named for the officer: fronts and backs by sheet, the others
-- (no sheet or side known) by image number. "mặt trước tờ 1-3, mặt sau tờ 4".
CREATE OR REPLACE FUNCTION sohoa_sides_vi(fronts integer[], backs integer[], others integer[]) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
        SELECT concat_ws(', ',
                         CASE WHEN cardinality(fronts) > 0 THEN 'mặt trước tờ ' || sohoa_ranges(fronts) END,
                         CASE WHEN cardinality(backs) > 0 THEN 'mặt sau tờ ' || sohoa_ranges(backs) END,
                         CASE WHEN cardinality(others) > 0 THEN 'ảnh số ' || sohoa_ranges(others) END)
$$;

CREATE OR REPLACE FUNCTION sohoa_sides_en(fronts integer[], backs integer[], others integer[]) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
        SELECT concat_ws(', ',
                         CASE WHEN cardinality(fronts) = 1 THEN 'the front of sheet ' || sohoa_ranges(fronts)
                              WHEN cardinality(fronts) > 1 THEN 'the fronts of sheets ' || sohoa_ranges(fronts) END,
                         CASE WHEN cardinality(backs) = 1 THEN 'the back of sheet ' || sohoa_ranges(backs)
                              WHEN cardinality(backs) > 1 THEN 'the backs of sheets ' || sohoa_ranges(backs) END,
                         CASE WHEN cardinality(others) = 1 THEN 'image ' || sohoa_ranges(others)
                              WHEN cardinality(others) > 1 THEN 'images ' || sohoa_ranges(others) END)
$$;

-- The batches whose images make root's verdict: root itself (ord 0) and
-- its rescans whose end is known, oldest first (by their first image).
CREATE OR REPLACE FUNCTION sohoa_verdict_family(root uuid)
RETURNS TABLE (batch_uuid uuid, ord bigint, first_sheet integer, last_sheet integer, expected integer)
LANGUAGE sql STABLE AS $$
        SELECT b.batch_uuid, 0::bigint, NULL::integer, NULL::integer, coalesce(b.expected_pages, b.last_sequence)
          FROM batch b WHERE b.batch_uuid = root
        UNION ALL
        SELECT b.batch_uuid,
               row_number() OVER (ORDER BY b.captured_at NULLS LAST, b.first_stored_at, b.batch_uuid),
               b.rescan_first_sheet, b.rescan_last_sheet, coalesce(b.expected_pages, b.last_sequence)
          FROM batch b
         WHERE b.rescan_of = root AND b.batch_uuid <> root
           AND (b.expected_pages IS NOT NULL OR b.last_sequence IS NOT NULL)
$$;

-- The family's pages with what the verdict asks of them. in_range: a
-- rescan's page within the sheets it replaces (root's always are);
-- current: in range and not superseded; sheet_role: 'cover' or
-- 'separator' when any current page of its sheet is one, else 'document';
-- doc: the document of the sheet, counted from 0 by the separator sheets
-- before it.
CREATE OR REPLACE FUNCTION sohoa_verdict_pages(root uuid)
RETURNS TABLE (page_uuid uuid, batch_uuid uuid, ord bigint, sequence integer, sheet integer, side text,
               status text, quarantined boolean, blank boolean, low_dpi boolean, dpi integer, note_pass boolean,
               in_range boolean, current boolean, sheet_role text, doc bigint)
LANGUAGE sql STABLE AS $$
        WITH fam AS (SELECT * FROM sohoa_verdict_family(root)),
        pg AS (
                SELECT p.*, f.ord,
                       f.ord = 0 OR (p.sheet >= f.first_sheet
                                     AND (f.last_sheet IS NULL OR p.sheet <= f.last_sheet)) AS in_range
                  FROM fam f JOIN page p ON p.batch_uuid = f.batch_uuid
        ),
        cur AS (SELECT * FROM pg WHERE in_range AND superseded_by IS NULL),
        roles AS (
                SELECT c.sheet, CASE WHEN bool_or(c.role = 'cover') THEN 'cover'
                                     WHEN bool_or(c.role = 'separator') THEN 'separator' END AS role
                  FROM cur c WHERE c.sheet IS NOT NULL GROUP BY c.sheet
        ),
        seps AS (SELECT r.sheet FROM roles r WHERE r.role = 'separator')
        SELECT p.page_uuid, p.batch_uuid, p.ord, p.sequence, p.sheet, p.side, p.status,
               p.status = 'failed' AND p.failure_reason LIKE 'quarantined%', p.blank, p.low_dpi, p.dpi,
               p.note_pass, p.in_range, p.in_range AND p.superseded_by IS NULL,
               coalesce(r.role, 'document'),
               (SELECT count(*) FROM seps s WHERE s.sheet < p.sheet)
          FROM pg p LEFT JOIN roles r ON r.sheet = p.sheet
$$;

-- Every sheet of root's family up to max_sheet but cover and separator
-- sheets: which document it is in, and what its current images hold (note
-- passes aside).
CREATE OR REPLACE FUNCTION sohoa_verdict_sheets(root uuid, max_sheet integer)
RETURNS TABLE (sheet integer, doc bigint, has_front boolean, has_back boolean, front_blank boolean,
               back_blank boolean)
LANGUAGE sql STABLE AS $$
        WITH p AS (SELECT * FROM sohoa_verdict_pages(root) WHERE current),
        other AS (SELECT DISTINCT p.sheet FROM p WHERE p.sheet_role <> 'document'),
        seps AS (SELECT DISTINCT p.sheet FROM p WHERE p.sheet_role = 'separator')
        SELECT s, (SELECT count(*) FROM seps WHERE seps.sheet < s),
               coalesce(bool_or(p.side IN ('front', 'unknown')), false),
               coalesce(bool_or(p.side = 'back'), false),
               coalesce(bool_and(p.blank IS TRUE) FILTER (WHERE p.side IN ('front', 'unknown')), false),
               coalesce(bool_and(p.blank IS TRUE) FILTER (WHERE p.side = 'back'), false)
          FROM generate_series(1, max_sheet) s
          LEFT JOIN p ON p.sheet = s AND NOT p.note_pass
         WHERE s NOT IN (SELECT other.sheet FROM other)
         GROUP BY s
$$;

-- Marks the images of root's family that a later rescan replaced
-- (superseded_by: the rescan), and clears the mark where none does.
CREATE OR REPLACE FUNCTION sohoa_verdict_supersede(root uuid) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
        n integer;
BEGIN
        WITH fam AS (SELECT * FROM sohoa_verdict_family(root)),
        s AS (
                SELECT p.page_uuid,
                       (SELECT f2.batch_uuid FROM fam f2
                         WHERE f2.ord > f.ord AND p.sheet >= f2.first_sheet
                           AND (f2.last_sheet IS NULL OR p.sheet <= f2.last_sheet)
                         ORDER BY f2.ord DESC LIMIT 1) AS by
                  FROM fam f JOIN page p ON p.batch_uuid = f.batch_uuid
        )
        UPDATE page p SET superseded_by = s.by FROM s
         WHERE p.page_uuid = s.page_uuid AND p.superseded_by IS DISTINCT FROM s.by;
        SELECT count(*) INTO n FROM page p JOIN sohoa_verdict_family(root) f ON f.batch_uuid = p.batch_uuid
         WHERE p.superseded_by IS NOT NULL;
        RETURN n;
END;
$$;

CREATE OR REPLACE FUNCTION sohoa_batch_verdict(b uuid) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
        bound CONSTANT integer := 100000;
        root uuid;
        bt batch%ROWTYPE;
        fam record;
        expected integer;
        max_sheet integer;
        v_present integer;
        v_stored integer;
        v_failed integer;
        v_blank integer;
        v_sheets integer;
        v_images integer;
        v_duplex boolean;
        v_missing integer[] := '{}';
        v_dups integer[];
        v_order integer[];
        v_no_front integer[] := '{}';
        v_no_back integer[] := '{}';
        v_blank_backs integer[] := '{}';
        v_docs integer := 0;
        v_single_docs integer[] := '{}';
        v_single_fronts boolean := false;
        v_pairs integer[];
        v_unpaired integer[];
        v_superseded integer;
        v_rescans integer := 0;
        v_rescanned integer[] := '{}';
        v_extra integer[];
        v_flagged jsonb;
        v_count_ok boolean;
        v_order_ok boolean;
        v_duplex_ok boolean;
        v_quality_ok boolean;
        v_note text;
        vi text[] := '{}';
        en text[] := '{}';
        info_vi text[] := '{}';
        info_en text[] := '{}';
        problems text[] := '{}';
        v_rescan_sheets integer[] := '{}';
        lo_f integer[]; lo_b integer[]; lo_o integer[];
        fa_f integer[]; fa_b integer[]; fa_o integer[];
        qu_f integer[]; qu_b integer[]; qu_o integer[];
        r_missing integer[];
        r_dups integer[];
        r_order integer[];
        r_present integer;
BEGIN
        SELECT coalesce(rescan_of, batch_uuid) INTO root FROM batch WHERE batch_uuid = b;
        IF NOT FOUND THEN
                RETURN false;
        END IF;
        -- The first batch's row, locked: its late pages and its rescans'
        -- pages take turns here, each seeing the others' rows.
        SELECT * INTO bt FROM batch WHERE batch_uuid = root FOR UPDATE;
        IF NOT FOUND OR (bt.expected_pages IS NULL AND bt.last_sequence IS NULL) THEN
                RETURN false;
        END IF;
        expected := coalesce(bt.expected_pages, bt.last_sequence);

        v_superseded := sohoa_verdict_supersede(root);

        SELECT count(*), count(*) FILTER (WHERE status = 'stored'), count(*) FILTER (WHERE status = 'failed'),
               count(*) FILTER (WHERE blank)
          INTO v_present, v_stored, v_failed, v_blank
          FROM page WHERE batch_uuid = root;

        SELECT count(DISTINCT sheet) FILTER (WHERE NOT note_pass AND sheet_role = 'document'),
               count(*) FILTER (WHERE NOT note_pass AND sheet_role = 'document'),
               coalesce(bool_or(side = 'back'), false),
               coalesce(max(sheet), 0)
          INTO v_sheets, v_images, v_duplex, max_sheet
          FROM sohoa_verdict_pages(root) WHERE current;

        IF expected > bound OR max_sheet > bound OR expected < 0 OR max_sheet < 0 THEN
                v_note := 'count out of range';
        ELSE
                SELECT coalesce(array_agg(s ORDER BY s), '{}') INTO v_missing
                  FROM generate_series(1, expected) s
                  LEFT JOIN (SELECT DISTINCT sequence FROM page WHERE batch_uuid = root) p ON p.sequence = s
                 WHERE p.sequence IS NULL;

                SELECT coalesce(array_agg(sheet ORDER BY sheet), '{}') INTO v_no_front
                  FROM sohoa_verdict_sheets(root, max_sheet) WHERE NOT has_front;

                -- The both-sides rule, per document (a simplex batch, with
                -- no back at all, needs none): a document blank on one side
                -- of every sheet is single-sided; any other needs every back.
                IF v_duplex THEN
                        SELECT count(*), coalesce(array_agg(doc ORDER BY doc) FILTER (WHERE single), '{}'),
                               coalesce(bool_or(single AND NOT backs_blank), false)
                          INTO v_docs, v_single_docs, v_single_fronts
                          FROM (SELECT doc, bool_and(has_back AND back_blank) AS backs_blank,
                                       bool_and(has_back AND back_blank) OR bool_and(has_front AND front_blank)
                                               AS single
                                  FROM sohoa_verdict_sheets(root, max_sheet) GROUP BY doc) d;
                        SELECT coalesce(array_agg(sheet ORDER BY sheet) FILTER (WHERE NOT has_back), '{}'),
                               coalesce(array_agg(sheet ORDER BY sheet) FILTER (WHERE has_back AND back_blank), '{}')
                          INTO v_no_back, v_blank_backs
                          FROM sohoa_verdict_sheets(root, max_sheet) WHERE NOT (doc = ANY (v_single_docs));
                ELSE
                        SELECT count(DISTINCT doc) INTO v_docs FROM sohoa_verdict_sheets(root, max_sheet);
                END IF;
        END IF;

        SELECT coalesce(array_agg(sequence ORDER BY sequence), '{}') INTO v_dups
          FROM (SELECT sequence FROM page WHERE batch_uuid = root GROUP BY sequence HAVING count(*) > 1) d;

        -- In order: walking a batch's images by sequence, (sheet, side)
        -- never goes back. A note pass repeats its sheet: it is left out.
        SELECT coalesce(array_agg(sequence ORDER BY sequence), '{}') INTO v_order
          FROM (SELECT sequence, sheet, side_rank,
                       lag(sheet) OVER w AS prev_sheet, lag(side_rank) OVER w AS prev_rank
                  FROM (SELECT sequence, sheet, page_uuid, CASE side WHEN 'back' THEN 1 ELSE 0 END AS side_rank
                          FROM page WHERE batch_uuid = root AND sheet IS NOT NULL AND NOT note_pass) p
                WINDOW w AS (ORDER BY sequence, page_uuid)) o
         WHERE prev_sheet IS NOT NULL AND (sheet, side_rank) < (prev_sheet, prev_rank);

        -- Sticky notes: a note pass with the plain pass of its sheet is a pair.
        SELECT coalesce(array_agg(DISTINCT n.sheet ORDER BY n.sheet) FILTER (WHERE plain), '{}'),
               coalesce(array_agg(DISTINCT n.sheet ORDER BY n.sheet) FILTER (WHERE NOT plain), '{}')
          INTO v_pairs, v_unpaired
          FROM (SELECT p.sheet, EXISTS (SELECT 1 FROM sohoa_verdict_pages(root) q
                                         WHERE q.current AND NOT q.note_pass AND q.sheet = p.sheet) AS plain
                  FROM sohoa_verdict_pages(root) p WHERE p.current AND p.note_pass AND p.sheet IS NOT NULL) n;
        -- A sheet with its note pass alone is named as that, not also as
        -- missing its sides.
        v_no_front := ARRAY(SELECT x FROM unnest(v_no_front) x WHERE NOT x = ANY (v_unpaired) ORDER BY x);
        v_no_back := ARRAY(SELECT x FROM unnest(v_no_back) x WHERE NOT x = ANY (v_unpaired) ORDER BY x);

        -- Quality: each page under 200 dpi, failed or quarantined, named.
        SELECT coalesce(array_agg(DISTINCT sheet ORDER BY sheet) FILTER (WHERE low_dpi AND side = 'front'), '{}'),
               coalesce(array_agg(DISTINCT sheet ORDER BY sheet) FILTER (WHERE low_dpi AND side = 'back'), '{}'),
               coalesce(array_agg(sequence ORDER BY sequence) FILTER (WHERE low_dpi AND (sheet IS NULL OR side = 'unknown')), '{}'),
               coalesce(array_agg(DISTINCT sheet ORDER BY sheet) FILTER (WHERE status = 'failed' AND NOT quarantined AND side = 'front'), '{}'),
               coalesce(array_agg(DISTINCT sheet ORDER BY sheet) FILTER (WHERE status = 'failed' AND NOT quarantined AND side = 'back'), '{}'),
               coalesce(array_agg(sequence ORDER BY sequence) FILTER (WHERE status = 'failed' AND NOT quarantined AND (sheet IS NULL OR side = 'unknown')), '{}'),
               coalesce(array_agg(DISTINCT sheet ORDER BY sheet) FILTER (WHERE quarantined AND side = 'front'), '{}'),
               coalesce(array_agg(DISTINCT sheet ORDER BY sheet) FILTER (WHERE quarantined AND side = 'back'), '{}'),
               coalesce(array_agg(sequence ORDER BY sequence) FILTER (WHERE quarantined AND (sheet IS NULL OR side = 'unknown')), '{}'),
               coalesce(jsonb_agg(jsonb_build_object('page', page_uuid, 'sequence', sequence, 'sheet', sheet,
                                                     'side', side, 'dpi', dpi,
                                                     'why', CASE WHEN quarantined THEN 'quarantined'
                                                                 WHEN status = 'failed' THEN 'failed'
                                                                 ELSE 'low-dpi' END)
                                  ORDER BY ord, sequence)
                        FILTER (WHERE low_dpi OR status = 'failed'), '[]')
          INTO lo_f, lo_b, lo_o, fa_f, fa_b, fa_o, qu_f, qu_b, qu_o, v_flagged
          FROM sohoa_verdict_pages(root) WHERE current;

        -- Rescans: each one's own images counted and in order; its sheets
        -- outside the range it replaces are not taken.
        FOR fam IN SELECT * FROM sohoa_verdict_family(root) WHERE ord > 0 ORDER BY ord LOOP
                v_rescans := v_rescans + 1;
                SELECT count(*) INTO r_present FROM page WHERE batch_uuid = fam.batch_uuid;
                r_missing := '{}';
                IF fam.expected BETWEEN 0 AND bound THEN
                        SELECT coalesce(array_agg(s ORDER BY s), '{}') INTO r_missing
                          FROM generate_series(1, fam.expected) s
                          LEFT JOIN (SELECT DISTINCT sequence FROM page WHERE batch_uuid = fam.batch_uuid) p
                                 ON p.sequence = s
                         WHERE p.sequence IS NULL;
                END IF;
                SELECT coalesce(array_agg(sequence ORDER BY sequence), '{}') INTO r_dups
                  FROM (SELECT sequence FROM page WHERE batch_uuid = fam.batch_uuid
                         GROUP BY sequence HAVING count(*) > 1) d;
                SELECT coalesce(array_agg(sequence ORDER BY sequence), '{}') INTO r_order
                  FROM (SELECT sequence, sheet, side_rank,
                               lag(sheet) OVER w AS prev_sheet, lag(side_rank) OVER w AS prev_rank
                          FROM (SELECT sequence, sheet, page_uuid, CASE side WHEN 'back' THEN 1 ELSE 0 END AS side_rank
                                  FROM page WHERE batch_uuid = fam.batch_uuid AND sheet IS NOT NULL
                                   AND NOT note_pass) p
                        WINDOW w AS (ORDER BY sequence, page_uuid)) o
                 WHERE prev_sheet IS NOT NULL AND (sheet, side_rank) < (prev_sheet, prev_rank);
                SELECT coalesce(array_agg(DISTINCT sheet ORDER BY sheet), '{}') INTO v_extra
                  FROM sohoa_verdict_pages(root) WHERE batch_uuid = fam.batch_uuid AND NOT in_range;
                SELECT v_rescanned || coalesce(array_agg(DISTINCT sheet), '{}') INTO v_rescanned
                  FROM page WHERE batch_uuid = fam.batch_uuid AND sheet IS NOT NULL;
                IF r_present <> fam.expected OR cardinality(r_missing) > 0 OR cardinality(r_dups) > 0 THEN
                        problems := array_append(problems, 'rescan-count');
                        vi := array_append(vi, format('lần quét lại thứ %s: %s ảnh, trạm báo %s ảnh', fam.ord, r_present, fam.expected));
                        en := array_append(en, format('rescan %s: %s images, the station counted %s', fam.ord, r_present, fam.expected));
                END IF;
                IF cardinality(r_order) > 0 THEN
                        problems := array_append(problems, 'rescan-order');
                        vi := array_append(vi, format('lần quét lại thứ %s: sai thứ tự ở ảnh số %s', fam.ord, sohoa_ranges(r_order)));
                        en := array_append(en, format('rescan %s: out of order at image %s', fam.ord, sohoa_ranges(r_order)));
                END IF;
                IF cardinality(v_extra) > 0 THEN
                        problems := array_append(problems, 'rescan-extra');
                        vi := array_append(vi, format('lần quét lại thứ %s thừa tờ %s, ngoài các tờ cần thay', fam.ord,
                                           sohoa_ranges(v_extra)));
                        en := array_append(en, format('rescan %s has sheet %s, outside the sheets it replaces', fam.ord,
                                           sohoa_ranges(v_extra)));
                END IF;
        END LOOP;

        v_count_ok := v_note IS NULL AND v_present = expected AND cardinality(v_missing) = 0
                      AND cardinality(v_dups) = 0
                      AND (bt.declared_sheets IS NULL OR v_sheets = bt.declared_sheets)
                      AND NOT ('rescan-count' = ANY (problems));
        v_order_ok := cardinality(v_order) = 0 AND NOT ('rescan-order' = ANY (problems));
        v_duplex_ok := v_note IS NULL AND cardinality(v_no_front) = 0 AND cardinality(v_no_back) = 0;
        v_quality_ok := cardinality(lo_f || lo_b || lo_o || fa_f || fa_b || fa_o || qu_f || qu_b || qu_o) = 0
                        AND cardinality(v_unpaired) = 0 AND NOT ('rescan-extra' = ANY (problems));

        -- What is wrong, named for the officer (the rescans' own problems
        -- are already in vi/en: they go last).
        vi := ARRAY[]::text[] || CASE WHEN v_note IS NOT NULL THEN ARRAY['số lượng ngoài giới hạn'] END
              || CASE WHEN bt.declared_sheets IS NOT NULL AND v_sheets <> bt.declared_sheets THEN
                      ARRAY[CASE WHEN v_duplex THEN format('%s ảnh (%s tờ), khai %s tờ', v_images, v_sheets,
                                                           bt.declared_sheets)
                                 ELSE format('%s ảnh, khai %s tờ', v_images, bt.declared_sheets) END] END
              || CASE WHEN cardinality(v_missing) > 0 THEN
                      ARRAY[format('thiếu ảnh số %s (trạm báo %s ảnh, nhận được %s)', sohoa_ranges(v_missing),
                                   expected, v_present)] END
              || CASE WHEN cardinality(v_dups) > 0 THEN ARRAY['trùng ảnh số ' || sohoa_ranges(v_dups)] END
              || CASE WHEN cardinality(v_order) > 0 THEN ARRAY['sai thứ tự ở ảnh số ' || sohoa_ranges(v_order)] END
              || CASE WHEN cardinality(v_no_front) > 0 THEN ARRAY['thiếu mặt trước tờ ' || sohoa_ranges(v_no_front)] END
              || CASE WHEN cardinality(v_no_back) > 0 THEN ARRAY['thiếu mặt sau tờ ' || sohoa_ranges(v_no_back)] END
              || CASE WHEN cardinality(lo_f || lo_b || lo_o) > 0 THEN
                      ARRAY['độ phân giải dưới 200 dpi: ' || sohoa_sides_vi(lo_f, lo_b, lo_o)] END
              || CASE WHEN cardinality(fa_f || fa_b || fa_o) > 0 THEN
                      ARRAY['không xử lý được: ' || sohoa_sides_vi(fa_f, fa_b, fa_o)] END
              || CASE WHEN cardinality(qu_f || qu_b || qu_o) > 0 THEN
                      ARRAY['bị cách ly do nhiều lần làm dừng tiến trình xử lý: ' || sohoa_sides_vi(qu_f, qu_b, qu_o)] END
              || CASE WHEN cardinality(v_unpaired) > 0 THEN
                      ARRAY['tờ ' || sohoa_ranges(v_unpaired) || ' mới quét kèm giấy ghi chú, chưa quét lại sau khi gỡ giấy ghi chú'] END
              || vi;
        en := ARRAY[]::text[] || CASE WHEN v_note IS NOT NULL THEN ARRAY['counts out of range'] END
              || CASE WHEN bt.declared_sheets IS NOT NULL AND v_sheets <> bt.declared_sheets THEN
                      ARRAY[CASE WHEN v_duplex THEN format('%s images (%s sheets), %s sheets declared', v_images,
                                                           v_sheets, bt.declared_sheets)
                                 ELSE format('%s images, %s sheets declared', v_images, bt.declared_sheets) END] END
              || CASE WHEN cardinality(v_missing) > 0 THEN
                      ARRAY[format('image %s missing (the station counted %s images, %s arrived)',
                                   sohoa_ranges(v_missing), expected, v_present)] END
              || CASE WHEN cardinality(v_dups) > 0 THEN ARRAY['image ' || sohoa_ranges(v_dups) || ' twice'] END
              || CASE WHEN cardinality(v_order) > 0 THEN ARRAY['out of order at image ' || sohoa_ranges(v_order)] END
              || CASE WHEN cardinality(v_no_front) > 0 THEN ARRAY['missing ' || sohoa_sides_en(v_no_front, '{}', '{}')] END
              || CASE WHEN cardinality(v_no_back) > 0 THEN ARRAY['missing ' || sohoa_sides_en('{}', v_no_back, '{}')] END
              || CASE WHEN cardinality(lo_f || lo_b || lo_o) > 0 THEN
                      ARRAY['under 200 dpi: ' || sohoa_sides_en(lo_f, lo_b, lo_o)] END
              || CASE WHEN cardinality(fa_f || fa_b || fa_o) > 0 THEN
                      ARRAY['failed processing: ' || sohoa_sides_en(fa_f, fa_b, fa_o)] END
              || CASE WHEN cardinality(qu_f || qu_b || qu_o) > 0 THEN
                      ARRAY['quarantined (it crashed the workers): ' || sohoa_sides_en(qu_f, qu_b, qu_o)] END
              || CASE WHEN cardinality(v_unpaired) > 0 THEN
                      ARRAY['sheet ' || sohoa_ranges(v_unpaired) || ' scanned with its sticky note, not yet without it'] END
              || en;
        problems := ARRAY[]::text[] || CASE WHEN v_note IS NOT NULL THEN ARRAY['out-of-range'] END
                    || CASE WHEN bt.declared_sheets IS NOT NULL AND v_sheets <> bt.declared_sheets THEN ARRAY['declared'] END
                    || CASE WHEN cardinality(v_missing) > 0 THEN ARRAY['missing-images'] END
                    || CASE WHEN cardinality(v_dups) > 0 THEN ARRAY['duplicate-images'] END
                    || CASE WHEN cardinality(v_order) > 0 THEN ARRAY['order'] END
                    || CASE WHEN cardinality(v_no_front) > 0 THEN ARRAY['front-missing'] END
                    || CASE WHEN cardinality(v_no_back) > 0 THEN ARRAY['back-missing'] END
                    || CASE WHEN cardinality(lo_f || lo_b || lo_o) > 0 THEN ARRAY['low-dpi'] END
                    || CASE WHEN cardinality(fa_f || fa_b || fa_o) > 0 THEN ARRAY['failed'] END
                    || CASE WHEN cardinality(qu_f || qu_b || qu_o) > 0 THEN ARRAY['quarantined'] END
                    || CASE WHEN cardinality(v_unpaired) > 0 THEN ARRAY['note-unpaired'] END
                    || problems;
        -- The sheets to scan again: those missing a side, or with a page
        -- that will not do.
        SELECT coalesce(array_agg(DISTINCT s ORDER BY s), '{}') INTO v_rescan_sheets
          FROM unnest(v_no_front || v_no_back || lo_f || lo_b || fa_f || fa_b || qu_f || qu_b || v_unpaired) s;

        -- What was accepted, said whether or not all is well.
        info_vi := ARRAY[format('%s tờ, %s ảnh', v_sheets, v_images)]
                   || CASE WHEN cardinality(v_single_docs) > 0 AND cardinality(v_single_docs) = v_docs AND v_docs = 1 THEN
                           ARRAY[format('tài liệu một mặt: mặt %s của cả %s tờ đều trắng',
                                        CASE WHEN v_single_fronts THEN 'trước' ELSE 'sau' END, v_sheets)]
                           WHEN cardinality(v_single_docs) > 0 THEN
                           ARRAY[format('tài liệu %s in một mặt (mặt còn lại của mọi tờ đều trắng)',
                                        sohoa_ranges(ARRAY(SELECT d::integer + 1 FROM unnest(v_single_docs) d)))] END
                   || CASE WHEN cardinality(v_blank_backs) > 0 THEN
                           ARRAY['mặt sau để trắng (vẫn lưu): tờ ' || sohoa_ranges(v_blank_backs)] END
                   || CASE WHEN cardinality(v_pairs) > 0 THEN
                           ARRAY['tờ ' || sohoa_ranges(v_pairs) || ' quét hai lần: có và không có giấy ghi chú'] END
                   || CASE WHEN v_rescans > 0 THEN
                           ARRAY['đã quét lại tờ ' || sohoa_ranges(v_rescanned) || ' (ảnh cũ vẫn giữ, đánh dấu đã thay)'] END;
        info_en := ARRAY[format('%s sheets, %s images', v_sheets, v_images)]
                   || CASE WHEN cardinality(v_single_docs) > 0 AND cardinality(v_single_docs) = v_docs AND v_docs = 1 THEN
                           ARRAY[format('a single-sided document: the %s of all %s sheets are blank',
                                        CASE WHEN v_single_fronts THEN 'fronts' ELSE 'backs' END, v_sheets)]
                           WHEN cardinality(v_single_docs) > 0 THEN
                           ARRAY[format('document %s single-sided (every sheet blank on the other side)',
                                        sohoa_ranges(ARRAY(SELECT d::integer + 1 FROM unnest(v_single_docs) d)))] END
                   || CASE WHEN cardinality(v_blank_backs) > 0 THEN
                           ARRAY['blank backs kept: sheet ' || sohoa_ranges(v_blank_backs)] END
                   || CASE WHEN cardinality(v_pairs) > 0 THEN
                           ARRAY['sheet ' || sohoa_ranges(v_pairs) || ' scanned twice, with and without its sticky note'] END
                   || CASE WHEN v_rescans > 0 THEN
                           ARRAY['sheet ' || sohoa_ranges(v_rescanned) || ' rescanned (the replaced images kept, marked superseded)'] END;

        INSERT INTO batch_verdict AS bv (batch_uuid, computed_at, expected_pages, declared_sheets,
                                         pages_present, pages_stored, pages_failed, pages_blank,
                                         sheets_present, duplex, missing_sequences, duplicate_sequences,
                                         out_of_order_sequences, sheets_missing_front, sheets_missing_back,
                                         count_ok, order_ok, duplex_ok, ok, note, revision, images, single_sided,
                                         blank_backs, note_pairs, unpaired_notes, rescans, superseded_pages,
                                         flagged, problems, rescan_sheets, reason_vi, reason_en)
        VALUES (root, now(), expected, bt.declared_sheets, v_present, v_stored, v_failed, v_blank,
                v_sheets, v_duplex, v_missing, v_dups, v_order, v_no_front, v_no_back,
                v_count_ok, v_order_ok, v_duplex_ok, v_count_ok AND v_order_ok AND v_duplex_ok AND v_quality_ok,
                v_note, 1, v_images, v_duplex AND v_docs > 0 AND cardinality(v_single_docs) = v_docs,
                v_blank_backs, v_pairs, v_unpaired, v_rescans, v_superseded, v_flagged, problems, v_rescan_sheets,
                array_to_string(CASE WHEN cardinality(vi) > 0 THEN vi ELSE info_vi END, '; '),
                array_to_string(CASE WHEN cardinality(en) > 0 THEN en ELSE info_en END, '; '))
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
                note = EXCLUDED.note,
                revision = bv.revision + 1,
                images = EXCLUDED.images,
                single_sided = EXCLUDED.single_sided,
                blank_backs = EXCLUDED.blank_backs,
                note_pairs = EXCLUDED.note_pairs,
                unpaired_notes = EXCLUDED.unpaired_notes,
                rescans = EXCLUDED.rescans,
                superseded_pages = EXCLUDED.superseded_pages,
                flagged = EXCLUDED.flagged,
                problems = EXCLUDED.problems,
                rescan_sheets = EXCLUDED.rescan_sheets,
                reason_vi = EXCLUDED.reason_vi,
                reason_en = EXCLUDED.reason_en;
        RETURN true;
END;
$$;
