-- 007-cover-sheets: cover and separator sheets (issue 11, item 5;
-- docs/DOSSIERS.md, "Cover and separator sheets"). A cover sheet's QR code
-- names the dossier, the document (component) and the sheets declared; a
-- separator's names the next document. The worker reads the code and
-- stores the sheet's image with page.role 'cover' or 'separator' (kept,
-- never counted as a document page: sql/006); this links the batch:
--   * the batch takes the cover's dossier and declared sheets where it has
--     none of its own;
--   * the document named gets the batch from the sheet after the code's
--     (component_batch.first_sequence), and the document before it, in the
--     same batch, ends before the code's sheet (last_sequence).
-- A code naming a document that is not in the dossier links nothing: the
-- page's audit entry says so.

-- A cover or separator sheet's other side (its back, blank) is of the
-- same role: the component's pages are the document's alone.
CREATE OR REPLACE VIEW component_page AS
SELECT c.component_id, p.page_uuid, p.batch_uuid, p.sequence, p.status
FROM component c
JOIN component_batch cb ON cb.component_id = coalesce(c.reused_from, c.component_id)
JOIN page p ON p.batch_uuid = cb.batch_uuid
        AND (cb.first_sequence IS NULL OR p.sequence >= cb.first_sequence)
        AND (cb.last_sequence IS NULL OR p.sequence <= cb.last_sequence)
WHERE NOT EXISTS (SELECT 1 FROM page q WHERE q.batch_uuid = p.batch_uuid AND q.sheet = p.sheet
                   AND q.role <> 'document');

CREATE OR REPLACE FUNCTION sohoa_sheet_code(p uuid, code_role text, dossier text, document integer,
                                            sheets integer) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
        pg page%ROWTYPE;
        comp bigint;
        first_seq integer;
BEGIN
        SELECT * INTO pg FROM page WHERE page_uuid = p;
        IF NOT FOUND THEN
                RETURN 'no such page';
        END IF;
        IF code_role = 'cover' THEN
                UPDATE batch SET dossier_code = coalesce(dossier_code, dossier),
                                 declared_sheets = coalesce(declared_sheets, sheets)
                 WHERE batch_uuid = pg.batch_uuid;
        END IF;
        SELECT component_id INTO comp FROM component c WHERE c.dossier_code = dossier AND c.doc_ordinal = document;
        IF comp IS NULL THEN
                UPDATE audit_log SET detail = detail || jsonb_build_object('sheet_code',
                               format('%s names document %s of dossier %s, which it does not have: nothing linked',
                                      code_role, document, dossier))
                 WHERE object_kind = 'page' AND object_id = p::text;
                RETURN 'no such document';
        END IF;
        -- The document starts after the code's image; the other side of
        -- the code's sheet is left out by component_page.
        first_seq := pg.sequence + 1;
        INSERT INTO component_batch AS cb (component_id, batch_uuid, first_sequence, linked_by)
        VALUES (comp, pg.batch_uuid, first_seq, code_role || ' sheet')
        ON CONFLICT (component_id, batch_uuid) DO UPDATE SET first_sequence = EXCLUDED.first_sequence,
                                                             linked_by = EXCLUDED.linked_by;
        -- The document before it in this batch ends before the code's sheet.
        UPDATE component_batch cb SET last_sequence = pg.sequence - 1
         WHERE cb.batch_uuid = pg.batch_uuid AND cb.component_id <> comp
           AND coalesce(cb.first_sequence, 1) < pg.sequence
           AND (cb.last_sequence IS NULL OR cb.last_sequence >= pg.sequence);
        RETURN 'linked';
END;
$$;
