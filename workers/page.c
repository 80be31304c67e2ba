/* The page pipeline. The blank check comes before orientation: it does not
 * depend on it, and a blank side should not pay for Tesseract's OSD. The
 * embedded image is the decoded page turned upright and deskewed, not
 * binarized; OCR reads a cleaned copy of exactly the same geometry (reduced
 * by a whole factor at most, its word boxes scaled back), so word boxes
 * fall on the words shown. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clean.h"
#include "page.h"
#include "pdf.h"

#define PAGE_DEFAULT_DPI 300
#define PAGE_OCR_MIN_DPI 150
#define PAGE_OCR_MIN_WORD_HEIGHT 15 /* pixels read: 7 pt at 150 dpi */
#define PAGE_OCR_MIN_CONFIDENCE 80

const char *page_stage_to_string(PageStage s) {
        static const char *const names[_PAGE_STAGE_MAX] = {
                [PAGE_STAGE_DECODE] = "decode", [PAGE_STAGE_BLANK] = "blank",
                [PAGE_STAGE_ORIENT] = "orient", [PAGE_STAGE_DESKEW] = "deskew",
                [PAGE_STAGE_CLEAN] = "clean",   [PAGE_STAGE_OCR] = "ocr",
                [PAGE_STAGE_PDF] = "pdf",
        };
        if (s < 0 || s >= _PAGE_STAGE_MAX)
                return NULL;
        return names[s];
}

PageResult *page_result_free(PageResult *res) {
        if (!res)
                return NULL;
        ocr_result_free(res->ocr);
        free(res->pdf);
        free(res);
        return NULL;
}

static uint64_t page_now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Charge the time since *mark to stage s and move the mark. */
static void page_lap(PageResult *res, PageStage s, uint64_t *mark) {
        uint64_t now = page_now_usec();

        res->stage_usec[s] += now - *mark;
        *mark = now;
}

/* The factor k by which a page at dpi is read reduced: Tesseract's line
 * recognizer scales every text line to a fixed height anyway, and body text
 * reads as well at 150 dpi as at 300 for a third less time (finding lines
 * and blocks is per pixel). Only at a dpi the file states (a guessed 300 may
 * be a 150 dpi scan), and only for grey and colour pages: a 1 bpp page is
 * shown from the image read. */
static int page_ocr_reduction(PIX *page, int dpi, bool dpi_assumed) {
        int k;

        if (dpi_assumed || pixGetDepth(page) == 1)
                return 1;
        for (k = 4; k > 1; k--)
                if (dpi % k == 0 && dpi / k >= PAGE_OCR_MIN_DPI)
                        return k;
        return 1;
}

/* Orientation and deskew: *page becomes upright and straight (replaced in
 * place), measured on the binarized copy bin. *ret_binup is bin turned the
 * same way (exact: quarter turns of a bitmap lose nothing). */
static int page_straighten(PageResult *res, const PageOptions *opt, PIX **page, PIX *bin,
                           PIX **ret_binup, uint64_t *mark) {
        PIX *turned = NULL, *binup = NULL, *straight = NULL;
        int r;

        OrientOcr t = {
                .ocr = opt->ocr,
                .read_reduction = page_ocr_reduction(*page, res->dpi, res->dpi_assumed),
                .time_limit_ms = opt->ocr_time_limit_ms,
                .cancel = opt->cancel,
                .marks = res->blank.marks,
        };

        r = orient_detect(bin, res->dpi, &t, &res->orient);
        if (r < 0)
                goto out;
        if (res->orient.rotate != 0) {
                r = orient_apply(*page, res->orient.rotate, &turned);
                if (r < 0)
                        goto out;
                pixDestroy(page);
                *page = turned;
                turned = NULL;
                r = orient_apply(bin, res->orient.rotate, &binup);
                if (r < 0)
                        goto out;
        } else
                binup = pixClone(bin);
        page_lap(res, PAGE_STAGE_ORIENT, mark);

        r = deskew_measure(binup, &res->deskew);
        if (r < 0)
                goto out;
        if (res->deskew.applied) {
                r = deskew_rotate(*page, res->deskew.angle, &straight);
                if (r < 0)
                        goto out;
                pixDestroy(page);
                *page = straight;
        }
        page_lap(res, PAGE_STAGE_DESKEW, mark);
        *ret_binup = binup;
        binup = NULL;
        r = 0;
out:
        pixDestroy(&turned);
        pixDestroy(&binup);
        return r;
}

static int page_cmp_int(const void *a, const void *b) {
        int x = *(const int *)a, y = *(const int *)b;

        return (x > y) - (x < y);
}

/* Whether a reduced read can stand: its text is not small there (median
 * height of words of two characters or more; 6-7 pt print reads 1-2% worse
 * reduced) and Tesseract was sure of it. Otherwise the page is read again
 * at its own resolution. */
static bool page_read_reduced_ok(const OcrResult *ocr) {
        int *h, n = 0, median;

        if (ocr->mean_confidence < PAGE_OCR_MIN_CONFIDENCE)
                return false;
        h = malloc(MAX(ocr->n_words, 1u) * sizeof(*h));
        if (!h)
                return false;
        for (size_t i = 0; i < ocr->n_words; i++)
                if (strlen(ocr->words[i].text) >= 2)
                        h[n++] = ocr->words[i].y1 - ocr->words[i].y0;
        if (n == 0) {
                free(h);
                return false;
        }
        qsort(h, (size_t)n, sizeof(*h), page_cmp_int);
        median = h[n / 2];
        free(h);
        return median >= PAGE_OCR_MIN_WORD_HEIGHT;
}

/* Word boxes of a page read reduced k times, in the page's own pixels. */
static void page_scale_words(OcrResult *ocr, int k, int width, int height) {
        for (size_t i = 0; i < ocr->n_words; i++) {
                OcrWord *w = &ocr->words[i];

                w->x0 = MIN(w->x0 * k, width);
                w->y0 = MIN(w->y0 * k, height);
                w->x1 = MIN(w->x1 * k, width);
                w->y1 = MIN(w->y1 * k, height);
        }
}

/* What is left of limit_ms since start_usec: 0 (no limit) stays 0, and a
 * limit already spent leaves 1 ms, not none. */
static unsigned page_remaining_ms(unsigned limit_ms, uint64_t start_usec) {
        uint64_t spent = (page_now_usec() - start_usec) / 1000;

        if (limit_ms == 0)
                return 0;
        return spent + 1 >= limit_ms ? 1 : limit_ms - (unsigned)spent;
}

/* Read clean (page cleaned, 1 bpp, at res->dpi) with Tesseract, reduced
 * when the page allows it and at full resolution when the reduced read
 * cannot stand. *ret_read is the image read, for the PDF; res->ocr_dpi its
 * dpi. */
static void page_ocr(PageResult *res, const PageOptions *opt, PIX *page, PIX *clean, PIX **ret_read) {
        uint64_t start = page_now_usec();
        int k = page_ocr_reduction(page, res->dpi, res->dpi_assumed);
        PIX *read = NULL;

        if (k > 1) {
                read = clean_reduce(clean, k);
                if (!read)
                        k = 1;
        }
        if (k > 1) {
                res->ocr_dpi = res->dpi / k;
                res->ocr_error = ocr_recognize(opt->ocr, read, res->ocr_dpi, opt->ocr_time_limit_ms,
                                               opt->cancel, &res->ocr);
                if (res->ocr_error < 0 || page_read_reduced_ok(res->ocr)) {
                        if (res->ocr)
                                page_scale_words(res->ocr, k, pixGetWidth(clean), pixGetHeight(clean));
                        *ret_read = read;
                        return;
                }
                res->ocr = ocr_result_free(res->ocr);
                pixDestroy(&read);
                res->ocr_reread = true;
        }
        res->ocr_dpi = res->dpi;
        res->ocr_error = ocr_recognize(opt->ocr, clean, res->dpi,
                                       page_remaining_ms(opt->ocr_time_limit_ms, start), opt->cancel,
                                       &res->ocr);
        *ret_read = pixClone(clean);
}

/* OCR and the searchable PDF; OCR failing or timing out is recorded in the
 * result and leaves an image-only PDF. bin, when not NULL, is page
 * normalized and binarized already (the page was not deskewed, at most
 * turned): cleaning it again would give the same bits. jpeg, when not NULL,
 * is the page as received, a JPEG file whose pixels page holds unchanged. */
static int page_read(PageResult *res, const PageOptions *opt, PIX *page, PIX *bin, const uint8_t *jpeg,
                     size_t jpeg_size, uint64_t *mark) {
        PIX *clean = NULL, *read = NULL;
        int r;

        res->ocr_dpi = res->dpi;
        if (!res->blank.blank && opt->ocr) {
                r = bin ? clean_despeckle(bin, res->dpi, &clean) : clean_page(page, res->dpi, &clean);
                if (r < 0)
                        goto out;
                page_lap(res, PAGE_STAGE_CLEAN, mark);
                page_ocr(res, opt, page, clean, &read);
                page_lap(res, PAGE_STAGE_OCR, mark);
        }
        if (res->ocr)
                r = pdf_render(opt->ocr, page, read, res->ocr_dpi, jpeg, jpeg_size, res->dpi, &opt->pdf,
                               &res->pdf, &res->pdf_size);
        else
                r = pdf_render_image(page, jpeg, jpeg_size, res->dpi, &opt->pdf, &res->pdf,
                                     &res->pdf_size);
        if (r >= 0) {
                res->pdf_original = r > 0;
                r = 0;
        }
        page_lap(res, PAGE_STAGE_PDF, mark);
out:
        pixDestroy(&clean);
        pixDestroy(&read);
        return r;
}

int page_process(const uint8_t *image, size_t len, const PageOptions *opt, PageResult **ret,
                 const char **ret_reason) {
        uint64_t start = page_now_usec(), mark = start;
        PIX *page = NULL, *norm = NULL, *bin = NULL, *binup = NULL;
        PageResult *res;
        bool unchanged;
        int r;

        res = calloc(1, sizeof(*res));
        if (!res)
                return -ENOMEM;
        r = decode_image(image, len, &opt->limits, &page, &res->decode, ret_reason);
        if (r < 0)
                goto out;
        res->dpi = res->decode.dpi;
        if (res->dpi <= 0) {
                res->dpi = opt->default_dpi > 0 ? opt->default_dpi : PAGE_DEFAULT_DPI;
                res->dpi_assumed = true;
        }
        pixSetResolution(page, res->dpi, res->dpi);
        page_lap(res, PAGE_STAGE_DECODE, &mark);

        r = clean_normalize(page, &norm);
        if (r >= 0)
                r = blank_detect(norm, res->dpi, &res->blank);
        if (r < 0)
                goto out;
        page_lap(res, PAGE_STAGE_BLANK, &mark);

        if (!res->blank.blank) {
                r = clean_binarize(norm, &bin, NULL);
                if (r < 0)
                        goto out;
                pixDestroy(&norm); /* 1 byte a pixel, no longer needed */
                r = page_straighten(res, opt, &page, bin, &binup, &mark);
                if (r < 0)
                        goto out;
        }
        /* A JPEG the page was not turned or deskewed from may be shown as it is. */
        unchanged = res->decode.format == IFF_JFIF_JPEG && res->orient.rotate == 0 && !res->deskew.applied;
        r = page_read(res, opt, page, res->deskew.applied ? NULL : binup, unchanged ? image : NULL, len,
                      &mark);
        if (r < 0)
                goto out;
        res->total_usec = page_now_usec() - start;
        *ret = res;
        res = NULL;
out:
        pixDestroy(&page);
        pixDestroy(&norm);
        pixDestroy(&bin);
        pixDestroy(&binup);
        page_result_free(res);
        return r;
}
