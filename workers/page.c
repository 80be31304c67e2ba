/* The page pipeline. The blank check comes before orientation: it does not
 * depend on it, and a blank side should not pay for Tesseract's OSD. The
 * PDF shows the decoded page turned upright and deskewed; OCR reads a
 * cleaned copy of exactly the same geometry (reduced by a whole factor at
 * most, its word boxes scaled back), so word boxes fall on the words shown,
 * and the same cleaned copy is the ink the PDF draws for a text page. The
 * resolution OCR reads at is decided before reading, from the size of the
 * page's marks, so that each page is read once. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clean.h"
#include "page.h"
#include "pdf.h"

#define PAGE_DEFAULT_DPI 300
#define PAGE_OCR_MIN_DPI 150
/* Pixels read, at least, of the median mark (about the x-height): 8 pt
 * body text measures 18 at 300 dpi and reads as well at 150 dpi (CER
 * 0.0-0.5%); 7 pt (15) and 6 pt (13) lose 1-2% there, and are read at
 * full resolution. */
#define PAGE_OCR_MIN_XHEIGHT 9

const char *page_stage_to_string(PageStage s)
{
        static const char *const names[_PAGE_STAGE_MAX] = {
                [PAGE_STAGE_DECODE] = "decode", [PAGE_STAGE_BLANK] = "blank", [PAGE_STAGE_ORIENT] = "orient",
                [PAGE_STAGE_DESKEW] = "deskew", [PAGE_STAGE_CLEAN] = "clean", [PAGE_STAGE_OCR] = "ocr",
                [PAGE_STAGE_PDF] = "pdf",
        };
        if (s < 0 || s >= _PAGE_STAGE_MAX)
                return NULL;
        return names[s];
}

PageResult *page_result_free(PageResult *res)
{
        if (!res)
                return NULL;
        ocr_result_free(res->ocr);
        free(res->pdf);
        free(res);
        return NULL;
}

/* A point in time by the clock and by this thread's CPU time: the clock
 * says how long a page waited, the CPU time what it cost whatever else the
 * machine does (the page runs on one thread; OMP_THREAD_LIMIT=1). */
typedef struct PageMark {
        uint64_t wall, cpu;
} PageMark;

static uint64_t page_clock_usec(clockid_t clock)
{
        struct timespec ts;

        clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static PageMark page_now(void)
{
        return (PageMark) { page_clock_usec(CLOCK_MONOTONIC), page_clock_usec(CLOCK_THREAD_CPUTIME_ID) };
}

/* Charge the time since *mark to stage s and move the mark. */
static void page_lap(PageResult *res, PageStage s, PageMark *mark)
{
        PageMark now = page_now();

        res->stage_usec[s] += now.wall - mark->wall;
        res->stage_cpu_usec[s] += now.cpu - mark->cpu;
        *mark = now;
}

/* The factor k by which a page at dpi is read reduced: Tesseract's line
 * recognizer scales every text line to a fixed height anyway, and body text
 * reads as well at 150 dpi as at 300 for a third less time (finding lines
 * and blocks is per pixel). Only at a dpi the file states (a guessed 300 may
 * be a 150 dpi scan), and only for grey and colour pages: a 1 bpp page is
 * shown from the image read. */
static int page_ocr_reduction(PIX *page, int dpi, bool dpi_assumed)
{
        int k;

        if (dpi_assumed || pixGetDepth(page) == 1)
                return 1;
        for (k = 4; k > 1; k--)
                if (dpi % k == 0 && dpi / k >= PAGE_OCR_MIN_DPI)
                        return k;
        return 1;
}

/* The reduction OCR reads the page with: page_ocr_reduction()'s, less
 * while the text would be under PAGE_OCR_MIN_XHEIGHT pixels high read
 * that way, its height measured before any reading (the median mark of
 * the blank check, on its side when the page was turned a quarter). So
 * small print is read once, at full resolution, not reduced then again. */
static int page_read_reduction(const PageResult *res, PIX *page)
{
        int k = page_ocr_reduction(page, res->dpi, res->dpi_assumed);
        int x = res->orient.rotate % 180 ? res->blank.mark_width : res->blank.mark_height;

        while (k > 1 && (x < PAGE_OCR_MIN_XHEIGHT * k || res->dpi % k != 0))
                k--;
        return k;
}

static void page_scale_box(int *x0, int *y0, int *x1, int *y1, int k, int width, int height)
{
        *x0 = MIN(*x0 * k, width);
        *y0 = MIN(*y0 * k, height);
        *x1 = MIN(*x1 * k, width);
        *y1 = MIN(*y1 * k, height);
}

/* Word and line boxes of a page read reduced k times, in the page's own
 * pixels. */
static void page_scale_words(OcrResult *ocr, int k, int width, int height)
{
        for (size_t i = 0; i < ocr->n_words; i++) {
                OcrWord *w = &ocr->words[i];

                page_scale_box(&w->x0, &w->y0, &w->x1, &w->y1, k, width, height);
        }
        for (size_t i = 0; i < ocr->n_lines; i++) {
                OcrLine *l = &ocr->lines[i];

                page_scale_box(&l->x0, &l->y0, &l->x1, &l->y1, k, width, height);
                l->baseline = MIN(l->baseline * k, height);
        }
}

/* Read clean (page cleaned, 1 bpp, at res->dpi) with Tesseract, once:
 * reduced when the page allows it; res->ocr_dpi is the dpi read at. */
static void page_ocr(PageResult *res, const PageOptions *opt, PIX *page, PIX *clean)
{
        int k = page_read_reduction(res, page);
        PIX *read = NULL;

        if (k > 1) {
                read = clean_reduce(clean, k);
                if (!read)
                        k = 1;
        }
        res->ocr_dpi = res->dpi / k;
        res->ocr_reads++;
        res->ocr_error = ocr_recognize(opt->ocr, k > 1 ? read : clean, res->ocr_dpi, opt->ocr_time_limit_ms,
                                       opt->cancel, &res->ocr);
        if (res->ocr && k > 1)
                page_scale_words(res->ocr, k, pixGetWidth(clean), pixGetHeight(clean));
        pixDestroy(&read);
}

/* The page's own reading made while orientation asks whether the page
 * reads upright as it is (page_read_as_is()). */
typedef struct PageEarly {
        PageResult *res;
        const PageOptions *opt;
        PIX *page, *bin;
        PageMark *mark;
        PIX *clean; /* what OCR read, once it has read */
} PageEarly;

/* OrientOcr.read_as_is: when Leptonica cannot tell which way up a page is
 * (small print), orientation reads it as it is and takes a confident
 * reading as upright. Read then the whole page, as OCR will if it stays as
 * it is, not the middle of it: small print read once in all, not a quarter
 * of it reduced, for orientation, and all of it again. A page to be
 * deskewed is read straightened, later (-EAGAIN). */
static int page_read_as_is(void *userdata, const OcrResult **ret)
{
        PageEarly *e = userdata;
        DeskewResult skew;
        int r;

        r = deskew_measure(e->bin, &skew);
        if (r < 0)
                return r;
        if (skew.applied)
                return -EAGAIN;
        page_lap(e->res, PAGE_STAGE_ORIENT, e->mark);
        r = clean_despeckle(e->bin, e->res->dpi, &e->clean);
        if (r < 0)
                return r;
        page_lap(e->res, PAGE_STAGE_CLEAN, e->mark);
        page_ocr(e->res, e->opt, e->page, e->clean);
        page_lap(e->res, PAGE_STAGE_OCR, e->mark);
        *ret = e->res->ocr;
        return e->res->ocr_error == -ECANCELED ? -ECANCELED : 0;
}

/* Orientation and deskew: *page becomes upright and straight (replaced in
 * place), measured on the binarized copy bin. *ret_binup is bin turned the
 * same way (exact: quarter turns of a bitmap lose nothing). *ret_clean is
 * the cleaned page OCR read already, as it is (see page_read_as_is()), or
 * NULL. */
static int page_straighten(PageResult *res, const PageOptions *opt, PIX **page, PIX *bin, PIX **ret_binup,
                           PIX **ret_clean, PageMark *mark)
{
        PIX *turned = NULL, *binup = NULL, *straight = NULL;
        PageEarly early = { .res = res, .opt = opt, .page = *page, .bin = bin, .mark = mark };
        int r;

        OrientOcr t = {
                .ocr = opt->ocr,
                .read_reduction = page_ocr_reduction(*page, res->dpi, res->dpi_assumed),
                .time_limit_ms = opt->ocr_time_limit_ms,
                .cancel = opt->cancel,
                .marks = res->blank.marks,
                .read_as_is = page_read_as_is,
                .userdata = &early,
        };

        r = orient_detect(bin, res->dpi, &t, &res->orient);
        if (r < 0)
                goto out;
        if (early.clean && res->orient.rotate != 0) {
                /* Read the wrong way up: read again once turned. */
                res->ocr = ocr_result_free(res->ocr);
                res->ocr_error = 0;
                res->ocr_reads = 0;
                pixDestroy(&early.clean);
        }
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
        *ret_clean = early.clean;
        early.clean = NULL;
        r = 0;
out:
        pixDestroy(&early.clean);
        pixDestroy(&turned);
        pixDestroy(&binup);
        return r;
}

/* OCR and the searchable PDF; OCR failing or timing out is recorded in the
 * result and leaves an image-only PDF. bin, when not NULL, is page
 * normalized and binarized already (the page was not deskewed, at most
 * turned): cleaning it again would give the same bits. clean, when not
 * NULL, is the cleaned page OCR has read already (taken over). jpeg, when
 * not NULL, is the page as received, a JPEG file whose pixels page holds
 * unchanged. */
static int page_read(PageResult *res, const PageOptions *opt, PIX *page, PIX *bin, PIX *clean,
                     const uint8_t *jpeg, size_t jpeg_size, PageMark *mark)
{
        int r;

        if (!clean)
                res->ocr_dpi = res->dpi;
        if (!clean && !res->blank.blank && opt->ocr) {
                r = bin ? clean_despeckle(bin, res->dpi, &clean) : clean_page(page, res->dpi, &clean);
                if (r < 0)
                        goto out;
                page_lap(res, PAGE_STAGE_CLEAN, mark);
                page_ocr(res, opt, page, clean);
                page_lap(res, PAGE_STAGE_OCR, mark);
        }
        PdfPage pdf = {
                .image = page,
                .dpi = res->dpi,
                .jpeg = jpeg,
                .jpeg_size = jpeg_size,
                .ink = clean,
                .ocr = res->ocr,
                .font_dir = opt->ocr ? ocr_datapath(opt->ocr) : NULL,
                .blank = res->blank.blank,
        };
        r = pdf_render(&pdf, &opt->pdf, &res->pdf, &res->pdf_size);
        if (r >= 0) {
                res->pdf_picture = r;
                r = 0;
        }
        page_lap(res, PAGE_STAGE_PDF, mark);
out:
        pixDestroy(&clean);
        return r;
}

int page_process(const uint8_t *image, size_t len, const PageOptions *opt, PageResult **ret,
                 const char **ret_reason)
{
        PageMark start = page_now(), mark = start;
        PIX *page = NULL, *norm = NULL, *bin = NULL, *binup = NULL, *clean = NULL;
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
                r = page_straighten(res, opt, &page, bin, &binup, &clean, &mark);
                if (r < 0)
                        goto out;
        }
        /* A JPEG the page was not turned or deskewed from may be shown as it is. */
        unchanged = res->decode.format == IFF_JFIF_JPEG && res->orient.rotate == 0 && !res->deskew.applied;
        r = page_read(res, opt, page, res->deskew.applied ? NULL : binup, clean, unchanged ? image : NULL,
                      len, &mark);
        clean = NULL; /* page_read's */
        if (r < 0)
                goto out;
        mark = page_now();
        res->total_usec = mark.wall - start.wall;
        res->total_cpu_usec = mark.cpu - start.cpu;
        *ret = res;
        res = NULL;
out:
        pixDestroy(&page);
        pixDestroy(&norm);
        pixDestroy(&bin);
        pixDestroy(&binup);
        pixDestroy(&clean);
        page_result_free(res);
        return r;
}
