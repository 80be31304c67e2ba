/* What a cover or separator sheet's QR code says (sohoactl sheets prints
 * them; docs/DOSSIERS.md): "SOHOA-SHEET/1 COVER <dossier> <document>
 * <sheets>" or "SOHOA-SHEET/1 SEPARATOR <dossier> <document>". */
#pragma once

#include <stdbool.h>

#include "barcode.h"
#include "dossier.h"

#define SHEETCODE_PREFIX "SOHOA-SHEET/1 "

typedef struct SheetCode {
        const char *role; /* "cover" or "separator" */
        char dossier[DOSSIER_CODE_MAX];
        unsigned document; /* the component's doc_ordinal, 1.. */
        unsigned sheets;   /* cover: the document sheets declared; 0: none */
} SheetCode;

/* The first code in l that is a sheet code: true with *ret filled. */
bool sheetcode_find(const BarcodeList *l, SheetCode *ret);
