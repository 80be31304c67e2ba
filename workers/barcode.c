/* zbar reads a Y800 buffer (one byte a pixel, rows packed): Leptonica's
 * rows are padded 32-bit words, so the page is copied once. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zbar.h>

#include "barcode.h"

static void barcode_add(BarcodeList *l, const zbar_symbol_t *sym)
{
        Barcode *b;
        const char *data = zbar_symbol_get_data(sym);

        if (l->n >= BARCODE_MAX || !data)
                return;
        b = &l->codes[l->n++];
        snprintf(b->type, sizeof(b->type), "%s", zbar_get_symbol_name(zbar_symbol_get_type(sym)));
        snprintf(b->data, sizeof(b->data), "%s", data);
}

int barcode_read(PIX *grey, BarcodeList *ret)
{
        l_int32 w, h, d, wpl;
        l_uint32 *rows;
        zbar_image_scanner_t *scanner = NULL;
        zbar_image_t *img = NULL;
        uint8_t *buf;
        int r = 0;

        *ret = (BarcodeList) {};
        if (!grey || pixGetDimensions(grey, &w, &h, &d) != 0 || d != 8)
                return -EINVAL;
        buf = malloc((size_t) w * (size_t) h);
        if (!buf)
                return -ENOMEM;
        rows = pixGetData(grey);
        wpl = pixGetWpl(grey);
        for (l_int32 y = 0; y < h; y++)
                for (l_int32 x = 0; x < w; x++)
                        buf[(size_t) y * (size_t) w + (size_t) x] = (uint8_t) GET_DATA_BYTE(rows + y * wpl,
                                                                                            x);
        scanner = zbar_image_scanner_create();
        img = zbar_image_create();
        if (!scanner || !img) {
                r = -ENOMEM;
                goto out;
        }
        zbar_image_scanner_set_config(scanner, 0, ZBAR_CFG_ENABLE, 1);
        zbar_image_set_format(img, zbar_fourcc('Y', '8', '0', '0'));
        zbar_image_set_size(img, (unsigned) w, (unsigned) h);
        zbar_image_set_data(img, buf, (unsigned long) w * (unsigned long) h, NULL);
        if (zbar_scan_image(scanner, img) < 0) {
                r = -ENOMEM;
                goto out;
        }
        for (const zbar_symbol_t *s = zbar_image_first_symbol(img); s; s = zbar_symbol_next(s))
                barcode_add(ret, s);
out:
        if (img)
                zbar_image_destroy(img);
        if (scanner)
                zbar_image_scanner_destroy(scanner);
        free(buf);
        return r;
}
