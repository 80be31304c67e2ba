/* Tesseract through its C API. The C API starts in single-block mode and,
 * without a resolution, assumes 70 dpi: both are set on every page. Tesseract
 * prints diagnostics to stderr; debug_file sends them to /dev/null so that the
 * worker's log holds only its own lines. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tesseract/capi.h>

#include "ocr.h"

struct Ocr {
        TessBaseAPI *api;
        TessBaseAPI *osd; /* loaded on first use: most pages never need it */
        char *datapath;
};

static int ocr_quiet(TessBaseAPI *api)
{
        if (!TessBaseAPISetVariable(api, "debug_file", "/dev/null"))
                return -EINVAL;
        return 0;
}

int ocr_new(const OcrOptions *opt, Ocr **ret)
{
        const char *langs = opt && opt->languages ? opt->languages : "vie+eng";
        Ocr *ocr;
        int r;

        ocr = calloc(1, sizeof(*ocr));
        if (!ocr)
                return -ENOMEM;
        if (opt && opt->datapath) {
                ocr->datapath = strdup(opt->datapath);
                if (!ocr->datapath) {
                        r = -ENOMEM;
                        goto fail;
                }
        }
        ocr->api = TessBaseAPICreate();
        if (!ocr->api) {
                r = -ENOMEM;
                goto fail;
        }
        r = ocr_quiet(ocr->api);
        if (r < 0)
                goto fail;
        if (TessBaseAPIInit2(ocr->api, ocr->datapath, langs, OEM_LSTM_ONLY) != 0) {
                r = -ENOENT;
                goto fail;
        }
        TessBaseAPISetPageSegMode(ocr->api, PSM_AUTO);
        *ret = ocr;
        return 0;
fail:
        ocr_free(ocr);
        return r;
}

Ocr *ocr_free(Ocr *ocr)
{
        if (!ocr)
                return NULL;
        if (ocr->api)
                TessBaseAPIDelete(ocr->api);
        if (ocr->osd)
                TessBaseAPIDelete(ocr->osd);
        free(ocr->datapath);
        free(ocr);
        return NULL;
}

const char *ocr_datapath(Ocr *ocr)
{
        return TessBaseAPIGetDatapath(ocr->api);
}

OcrResult *ocr_result_free(OcrResult *res)
{
        if (!res)
                return NULL;
        for (size_t i = 0; i < res->n_words; i++)
                free(res->words[i].text);
        free(res->words);
        free(res->lines);
        free(res->text);
        free(res);
        return NULL;
}

/* What Tesseract's cancel callback watches. The time limit counts the
 * CPU time of the thread that recognizes, not the wall clock: on a loaded
 * machine a wall-clock limit would end readings that a quiet one finishes,
 * and a page's text (or which way up it is read) would depend on the load.
 * The callback runs in the recognizing thread. */
typedef struct OcrWatch {
        atomic_bool *cancel;
        uint64_t cpu_deadline_ns; /* 0: none */
        bool timed_out;
} OcrWatch;

static uint64_t ocr_thread_cpu_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static bool ocr_cancel_cb(void *cancel_this, int words)
{
        OcrWatch *w = cancel_this;

        if (w->cancel && atomic_load(w->cancel))
                return true;
        if (w->cpu_deadline_ns && ocr_thread_cpu_ns() >= w->cpu_deadline_ns)
                w->timed_out = true;
        return w->timed_out;
}

/* Copy Tesseract's text, freeing it with Tesseract's own free function. */
static char *ocr_take_text(char *t)
{
        char *copy;

        if (!t)
                return strdup("");
        copy = strdup(t);
        TessDeleteText(t);
        return copy;
}

/* A new line at the iterator: its box and baseline. */
static int ocr_add_line(const TessPageIterator *pit, OcrResult *res, size_t *cap)
{
        OcrLine *l;
        int bx0, by0, bx1, by1;

        if (res->n_lines == *cap) {
                size_t ncap = *cap ? *cap * 2 : 64;
                OcrLine *nl = realloc(res->lines, ncap * sizeof(*nl));

                if (!nl)
                        return -ENOMEM;
                res->lines = nl;
                *cap = ncap;
        }
        l = &res->lines[res->n_lines];
        *l = (OcrLine) { 0 };
        /* Tesseract leaves the box untouched where it has none (an empty
         * line): zeros then, never what the allocation held. */
        if (!TessPageIteratorBoundingBox(pit, RIL_TEXTLINE, &l->x0, &l->y0, &l->x1, &l->y1))
                l->x0 = l->y0 = l->x1 = l->y1 = 0;
        if (TessPageIteratorBaseline(pit, RIL_TEXTLINE, &bx0, &by0, &bx1, &by1))
                l->baseline = (by0 + by1) / 2;
        else
                l->baseline = l->y1;
        res->n_lines++;
        return 0;
}

static int ocr_collect_words(TessBaseAPI *api, OcrResult *res)
{
        TessResultIterator *it = TessBaseAPIGetIterator(api);
        size_t cap = 0, line_cap = 0;
        int r = 0;

        if (!it)
                return 0; /* no text found: no words */
        do {
                const TessPageIterator *pit = TessResultIteratorGetPageIteratorConst(it);
                OcrWord w = { 0 };
                char *t;

                if (res->n_lines == 0 || TessPageIteratorIsAtBeginningOf(pit, RIL_TEXTLINE)) {
                        r = ocr_add_line(pit, res, &line_cap);
                        if (r < 0)
                                break;
                }
                t = TessResultIteratorGetUTF8Text(it, RIL_WORD);
                if (!t)
                        continue;
                w.text = ocr_take_text(t);
                if (!w.text) {
                        r = -ENOMEM;
                        break;
                }
                w.confidence = TessResultIteratorConfidence(it, RIL_WORD);
                if (!TessPageIteratorBoundingBox(pit, RIL_WORD, &w.x0, &w.y0, &w.x1, &w.y1))
                        w.x0 = w.y0 = w.x1 = w.y1 = 0;
                w.line = res->n_lines - 1;
                if (res->n_words == cap) {
                        size_t ncap = cap ? cap * 2 : 256;
                        OcrWord *nw = realloc(res->words, ncap * sizeof(*nw));

                        if (!nw) {
                                free(w.text);
                                r = -ENOMEM;
                                break;
                        }
                        res->words = nw;
                        cap = ncap;
                }
                res->words[res->n_words++] = w;
        } while (TessResultIteratorNext(it, RIL_WORD));
        TessResultIteratorDelete(it);
        return r;
}

static int ocr_run(Ocr *ocr, PIX *pix, int dpi, TessPageSegMode psm, unsigned time_limit_ms,
                   atomic_bool *cancel, OcrResult **ret)
{
        ETEXT_DESC *monitor = NULL;
        OcrResult *res = NULL;
        OcrWatch watch = { .cancel = cancel };
        int r, rc;

        if (dpi <= 0)
                return -EINVAL;
        monitor = TessMonitorCreate();
        res = calloc(1, sizeof(*res));
        if (!monitor || !res) {
                r = -ENOMEM;
                goto out;
        }
        if (time_limit_ms > 0)
                watch.cpu_deadline_ns = ocr_thread_cpu_ns() + (uint64_t) time_limit_ms * 1000000u;
        TessMonitorSetCancelFunc(monitor, ocr_cancel_cb);
        TessMonitorSetCancelThis(monitor, &watch);

        TessBaseAPISetPageSegMode(ocr->api, psm);
        TessBaseAPISetImage2(ocr->api, pix);
        /* After SetImage, which resets the resolution to the PIX's. */
        TessBaseAPISetSourceResolution(ocr->api, dpi);
        rc = TessBaseAPIRecognize(ocr->api, monitor);
        if (cancel && atomic_load(cancel)) {
                r = -ECANCELED;
                goto out;
        }
        if (watch.timed_out) {
                r = -ETIME;
                goto out;
        }
        if (rc != 0) {
                r = -EIO;
                goto out;
        }
        res->text = ocr_take_text(TessBaseAPIGetUTF8Text(ocr->api));
        if (!res->text) {
                r = -ENOMEM;
                goto out;
        }
        res->mean_confidence = TessBaseAPIMeanTextConf(ocr->api);
        r = ocr_collect_words(ocr->api, res);
        if (r < 0)
                goto out;
        *ret = res;
        res = NULL;
out:
        if (r < 0)
                TessBaseAPIClear(ocr->api);
        ocr_result_free(res);
        if (monitor)
                TessMonitorDelete(monitor);
        return r;
}

int ocr_recognize(Ocr *ocr, PIX *pix, int dpi, unsigned time_limit_ms, atomic_bool *cancel, OcrResult **ret)
{
        return ocr_run(ocr, pix, dpi, PSM_AUTO, time_limit_ms, cancel, ret);
}

/* PSM_SINGLE_COLUMN still finds blocks and lines, but not vertical ones:
 * PSM_AUTO turns a column of sideways lines and reads it well. */
int ocr_recognize_horizontal(Ocr *ocr, PIX *pix, int dpi, unsigned time_limit_ms, atomic_bool *cancel,
                             OcrResult **ret)
{
        return ocr_run(ocr, pix, dpi, PSM_SINGLE_COLUMN, time_limit_ms, cancel, ret);
}

static int ocr_osd_load(Ocr *ocr)
{
        int r;

        if (ocr->osd)
                return 0;
        ocr->osd = TessBaseAPICreate();
        if (!ocr->osd)
                return -ENOMEM;
        r = ocr_quiet(ocr->osd);
        if (r >= 0 && TessBaseAPIInit3(ocr->osd, ocr->datapath, "osd") != 0)
                r = -ENOENT;
        if (r < 0) {
                TessBaseAPIDelete(ocr->osd);
                ocr->osd = NULL;
                return r;
        }
        TessBaseAPISetPageSegMode(ocr->osd, PSM_OSD_ONLY);
        return 0;
}

int ocr_detect_orientation(Ocr *ocr, PIX *pix, int dpi, int *ret_rotate, float *ret_conf)
{
        const char *script = NULL; /* points into Tesseract's tables: never freed */
        float conf = 0, script_conf = 0;
        int deg = 0, r;

        r = ocr_osd_load(ocr);
        if (r < 0)
                return r;
        TessBaseAPISetImage2(ocr->osd, pix);
        TessBaseAPISetSourceResolution(ocr->osd, dpi > 0 ? dpi : 300);
        if (!TessBaseAPIDetectOrientationScript(ocr->osd, &deg, &conf, &script, &script_conf)) {
                TessBaseAPIClear(ocr->osd);
                return -EIO;
        }
        TessBaseAPIClear(ocr->osd);
        /* OSD reports how far the image is turned clockwise; undoing that is
         * the rest of a full turn. */
        *ret_rotate = (360 - deg) % 360;
        *ret_conf = conf;
        return 0;
}
