-- 003-search: full-text search over OCR text. No Vietnamese stemmer exists,
-- so words are indexed twice: as written (`simple`: exact accents, ranked
-- higher) and with their marks stripped (`sohoa_unaccent`: "uy ban" finds
-- "Ủy ban"). A trigram index on the unaccented text tolerates OCR errors at
-- the level of a whole phrase: Vietnamese syllables are too short for
-- word-level trigram matching. Queries are in cli/search.c.

CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

-- unaccent() is STABLE (it looks its dictionary up by name through
-- search_path); with the dictionary named in full it gives the same answer
-- for the same input, so this wrapper may be IMMUTABLE and indexed.
CREATE OR REPLACE FUNCTION sohoa_unaccent(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$;

DO $$
BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'sohoa_unaccent') THEN
                CREATE TEXT SEARCH CONFIGURATION sohoa_unaccent (COPY = simple);
                ALTER TEXT SEARCH CONFIGURATION sohoa_unaccent
                        ALTER MAPPING FOR hword, hword_part, word WITH public.unaccent, simple;
        END IF;
END;
$$;

CREATE INDEX IF NOT EXISTS page_text_unaccent_idx ON page
        USING gin (to_tsvector('sohoa_unaccent'::regconfig, coalesce(ocr_text, '')));
CREATE INDEX IF NOT EXISTS page_text_exact_idx ON page
        USING gin (to_tsvector('simple'::regconfig, coalesce(ocr_text, '')));
CREATE INDEX IF NOT EXISTS page_text_trgm_idx ON page
        USING gin (sohoa_unaccent(coalesce(ocr_text, '')) gin_trgm_ops);
