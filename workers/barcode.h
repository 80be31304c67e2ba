/* QR codes and barcodes on a page (zbar): what a cover or separator sheet
 * says (sheetcode.h), and any code a document carries, kept with the page
 * (page.barcodes). */
#pragma once

#include <stddef.h>

#include <allheaders.h>

#include "macro.h"

#define BARCODE_MAX 8        /* codes kept per page */
#define BARCODE_DATA_MAX 256 /* bytes of one code's text kept; a longer one is cut */

typedef struct Barcode {
        char type[16]; /* zbar's name: "QR-Code", "EAN-13", "CODE-128", ... */
        char data[BARCODE_DATA_MAX + 1];
} Barcode;

typedef struct BarcodeList {
        Barcode codes[BARCODE_MAX];
        size_t n;
} BarcodeList;

/* The codes on an 8 bpp page (a clean_normalize() result), in zbar's
 * order. 0 (n may be 0), -EINVAL if grey is not 8 bpp, -ENOMEM. */
MUST_CHECK int barcode_read(PIX *grey, BarcodeList *ret);
