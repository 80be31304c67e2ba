/* The text layer. pdftotext and a viewer's copy put text in order by
 * position: words laid one by one, at a font size far below the line
 * pitch, come out as one-line blocks that it orders row by row across
 * columns (two columns interleaved). Here each line is one run: one text
 * matrix at its baseline, the font size its box's height, the same for
 * all body lines of a column (see pdftext_sizes()), each
 * word stretched (Tz) over its box and followed by a real space stretched
 * over the gap to the next: pdftotext ends a word at a space and measures
 * the gap between words' glyphs, which is then the gap on the page. The font has one blank glyph, 500 units
 * wide. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pdftext.h"

#define PDF_TEXT_GLYPH_WIDTH 0.5 /* of the font size */
#define PDF_TEXT_FONT_MAX (64u * 1024)
#define PDF_TEXT_SAME_SIZE 0.35 /* of the median line height */
#define PDF_TEXT_MAX_GAP 4.0    /* median line heights between baselines of one column */
#define PDF_TEXT_PITCH 1.1      /* font sizes between baselines, at most, in a column */
#define PDF_TEXT_MAX_GROW 1.8   /* a column's size, at most, in median line heights */

/* The next code point of s (advanced), or -1 for a malformed sequence. */
static long pdftext_utf8(const unsigned char **s)
{
        const unsigned char *p = *s;
        long c;
        int n;

        if (p[0] < 0x80) {
                *s = p + 1;
                return p[0];
        }
        if ((p[0] & 0xe0) == 0xc0)
                n = 1, c = p[0] & 0x1f;
        else if ((p[0] & 0xf0) == 0xe0)
                n = 2, c = p[0] & 0x0f;
        else if ((p[0] & 0xf8) == 0xf0)
                n = 3, c = p[0] & 0x07;
        else {
                *s = p + 1;
                return -1;
        }
        for (int i = 1; i <= n; i++) {
                if ((p[i] & 0xc0) != 0x80) {
                        *s = p + i;
                        return -1;
                }
                c = c << 6 | (p[i] & 0x3f);
        }
        *s = p + n + 1;
        return c;
}

/* The next character of *s that the font shows (code points of the BMP
 * that are neither controls nor surrogates; others are left out), or -1
 * at the end. */
static long pdftext_next(const unsigned char **s)
{
        while (**s) {
                long c = pdftext_utf8(s);

                if (c >= 0x20 && c <= 0xffff && !(c >= 0xd800 && c <= 0xdfff) && !(c >= 0x7f && c < 0xa0))
                        return c;
        }
        return -1;
}

/* Print text as 2-byte CIDs in hex. */
static void pdftext_hex(FILE *f, const char *text)
{
        const unsigned char *s = (const unsigned char *) text;
        long c;

        while ((c = pdftext_next(&s)) >= 0)
                fprintf(f, "%04lX", c);
}

static int pdftext_count(const char *text)
{
        const unsigned char *s = (const unsigned char *) text;
        int n = 0;

        while (pdftext_next(&s) >= 0)
                n++;
        return n;
}

/* The horizontal scaling (percent) that makes n glyphs span width points. */
static double pdftext_tz(double width, int n, double size)
{
        double tz = 100.0 * width / (n * PDF_TEXT_GLYPH_WIDTH * size);

        return tz < 1 ? 1 : tz;
}

/* One line: words [from, to) of ocr, all on line l, at size px. */
static void pdftext_line(FILE *f, const OcrResult *ocr, const OcrLine *l, size_t from, size_t to, double pt,
                         int height_px, int size_px)
{
        double size = MAX(size_px, 1) * pt, x0 = ocr->words[from].x0 * pt;

        fprintf(f, "/" PDF_TEXT_FONT " %.2f Tf 1 0 0 1 %.2f %.2f Tm\n", size, x0,
                (height_px - l->baseline) * pt);
        for (size_t i = from; i < to; i++) {
                const OcrWord *w = &ocr->words[i];
                int n = pdftext_count(w->text);

                if (n > 0) {
                        fprintf(f, "%.1f Tz <", pdftext_tz((w->x1 - w->x0) * pt, n, size));
                        pdftext_hex(f, w->text);
                        fputs("> Tj\n", f);
                }
                if (i + 1 == to)
                        break;
                /* The space fills the gap to the next word. */
                fprintf(f, "%.1f Tz <0020> Tj %.2f 0 Td\n",
                        pdftext_tz((ocr->words[i + 1].x0 - w->x1) * pt, 1, size),
                        (ocr->words[i + 1].x0 - w->x0) * pt);
        }
}

static int pdftext_cmp_int(const void *a, const void *b)
{
        int x = *(const int *) a, y = *(const int *) b;

        return (x > y) - (x < y);
}

/* The median height of ocr's lines, 0 when there are none. */
static int pdftext_median_height(const OcrResult *ocr)
{
        int *h = malloc(MAX(ocr->n_lines, 1u) * sizeof(*h)), m;

        if (!h || ocr->n_lines == 0) {
                free(h);
                return 0;
        }
        for (size_t i = 0; i < ocr->n_lines; i++)
                h[i] = ocr->lines[i].y1 - ocr->lines[i].y0;
        qsort(h, ocr->n_lines, sizeof(*h), pdftext_cmp_int);
        m = h[ocr->n_lines / 2];
        free(h);
        return m;
}

/* Whether line b, next in reading order, goes on in a's column: below
 * it, overlapping it across, at most PDF_TEXT_MAX_GAP median lines down. */
static bool pdftext_continues(const OcrLine *a, const OcrLine *b, int median)
{
        return b->baseline > a->baseline && b->baseline - a->baseline <= PDF_TEXT_MAX_GAP * median &&
               b->x0 < a->x1 && a->x0 < b->x1;
}

/* Each line's font size in pixels. Body lines (within PDF_TEXT_SAME_SIZE
 * of the page's median line height; lines with and without descenders or
 * diacritics differ by a fifth) take one size per column, large enough
 * that the largest step between baselines (a paragraph's gap) is at most
 * PDF_TEXT_PITCH sizes: pdftotext joins lines into one block only when
 * their sizes differ by 5% at most and their baselines by 1.5 sizes at
 * most, and orders blocks by position, so that the paragraphs of two
 * columns, as separate blocks, would come out side by side. Other lines
 * (headings) take their own height. */
static int *pdftext_sizes(const OcrResult *ocr)
{
        int median = pdftext_median_height(ocr), *size = malloc(MAX(ocr->n_lines, 1u) * sizeof(*size));
        size_t start = 0;

        if (!size)
                return NULL;
        for (size_t i = 0; i < ocr->n_lines; i++) {
                int h = ocr->lines[i].y1 - ocr->lines[i].y0;

                size[i] = abs(h - median) <= PDF_TEXT_SAME_SIZE * median ? median : h;
        }
        for (size_t i = 1; i <= ocr->n_lines; i++) {
                const OcrLine *l = ocr->lines;
                int column = median;

                if (i < ocr->n_lines && pdftext_continues(&l[i - 1], &l[i], median))
                        continue;
                /* lines [start, i) are one column */
                for (size_t j = start + 1; j < i; j++)
                        if (size[j] == median && size[j - 1] == median)
                                column = MAX(
                                        column,
                                        (int) ((l[j].baseline - l[j - 1].baseline) / PDF_TEXT_PITCH + 1));
                column = MIN(column, (int) (PDF_TEXT_MAX_GROW * median));
                for (size_t j = start; j < i; j++)
                        if (size[j] == median)
                                size[j] = column;
                start = i;
        }
        return size;
}

void pdf_text_layer(FILE *f, const OcrResult *ocr, int dpi, int height_px)
{
        double pt = 72.0 / dpi;
        size_t from = 0;
        int *sizes;

        if (!ocr || ocr->n_words == 0)
                return;
        sizes = pdftext_sizes(ocr);
        fputs("BT\n3 Tr\n", f);
        for (size_t i = 1; i <= ocr->n_words; i++) {
                if (i < ocr->n_words && ocr->words[i].line == ocr->words[from].line)
                        continue;
                if (ocr->words[from].line < ocr->n_lines) {
                        size_t l = ocr->words[from].line;

                        pdftext_line(f, ocr, &ocr->lines[l], from, i, pt, height_px,
                                     sizes ? sizes[l] : ocr->lines[l].y1 - ocr->lines[l].y0);
                }
                from = i;
        }
        fputs("ET\n", f);
        free(sizes);
}

/* Tesseract's pdf.ttf, or NULL. */
static uint8_t *pdftext_read_font(const char *dir, size_t *ret_size)
{
        char path[4096];
        struct stat st;
        uint8_t *buf = NULL;
        int fd;

        if (!dir)
                return NULL;
        snprintf(path, sizeof(path), "%s%spdf.ttf", dir, dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/");
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return NULL;
        if (fstat(fd, &st) == 0 && st.st_size > 0 && (uint64_t) st.st_size <= PDF_TEXT_FONT_MAX) {
                buf = malloc((size_t) st.st_size);
                if (buf && read(fd, buf, (size_t) st.st_size) != st.st_size) {
                        free(buf);
                        buf = NULL;
                }
        }
        close(fd);
        if (buf)
                *ret_size = (size_t) st.st_size;
        return buf;
}

/* CID c stands for UTF-16 code unit c: one range per high byte (a range
 * may vary in its last byte only), surrogates left out. */
static char *pdftext_cmap(size_t *ret_size)
{
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        int in_block = 0;

        if (!f)
                return NULL;
        fputs("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
              "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
              "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
              "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
              f);
        for (int hi = 0, left = 256 - 8; hi < 256; hi++) {
                if (hi >= 0xd8 && hi <= 0xdf)
                        continue;
                if (in_block == 0)
                        fprintf(f, "%d beginbfrange\n", left < 100 ? left : 100);
                fprintf(f, "<%02X00> <%02XFF> <%02X00>\n", hi, hi, hi);
                left--;
                if (++in_block == 100 || left == 0) {
                        fputs("endbfrange\n", f);
                        in_block = 0;
                }
        }
        fputs("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n", f);
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        *ret_size = size;
        return buf;
}

int pdf_text_font(PdfDoc *d, const char *font_dir, int *ret_font)
{
        int type0 = pdf_doc_reserve(d), cid = pdf_doc_reserve(d), desc = pdf_doc_reserve(d);
        int tounicode = pdf_doc_reserve(d), gidmap = pdf_doc_reserve(d), file = -1;
        size_t font_size = 0, cmap_size = 0;
        uint8_t *font = pdftext_read_font(font_dir, &font_size), *map = NULL;
        char *cmap = NULL, dict[64];
        FILE *f;
        int r = -ENOMEM;

        if (type0 < 0 || cid < 0 || desc < 0 || tounicode < 0 || gidmap < 0)
                goto out;
        if (font) {
                file = pdf_doc_reserve(d);
                if (file < 0)
                        goto out;
        }
        f = pdf_doc_begin(d, type0);
        fprintf(f,
                "<< /Type /Font /Subtype /Type0 /BaseFont /GlyphLessFont /Encoding /Identity-H"
                " /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>",
                cid, tounicode);
        pdf_doc_end(d);
        f = pdf_doc_begin(d, cid);
        fprintf(f,
                "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /GlyphLessFont"
                " /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>"
                " /FontDescriptor %d 0 R /DW %d /CIDToGIDMap %d 0 R >>",
                desc, (int) (PDF_TEXT_GLYPH_WIDTH * 1000), gidmap);
        pdf_doc_end(d);
        f = pdf_doc_begin(d, desc);
        fprintf(f,
                "<< /Type /FontDescriptor /FontName /GlyphLessFont /Flags 5 /FontBBox [0 0 %d 1000]"
                " /ItalicAngle 0 /Ascent 1000 /Descent 0 /CapHeight 1000 /StemV 80",
                (int) (PDF_TEXT_GLYPH_WIDTH * 1000));
        if (font)
                fprintf(f, " /FontFile2 %d 0 R", file);
        fputs(" >>", f);
        pdf_doc_end(d);
        cmap = pdftext_cmap(&cmap_size);
        if (!cmap)
                goto out;
        r = pdf_doc_flate(d, tounicode, "", cmap, cmap_size);
        if (r < 0)
                goto out;
        /* Every CID shows glyph 1, the font's blank one. */
        map = malloc(2u * 65536);
        if (!map) {
                r = -ENOMEM;
                goto out;
        }
        for (size_t i = 0; i < 65536; i++) {
                map[2 * i] = 0;
                map[2 * i + 1] = 1;
        }
        r = pdf_doc_flate(d, gidmap, "", map, 2u * 65536);
        if (r < 0)
                goto out;
        if (font) {
                snprintf(dict, sizeof(dict), "/Length1 %zu", font_size);
                pdf_doc_stream(d, file, dict, font, font_size);
        }
        *ret_font = type0;
        r = 0;
out:
        free(font);
        free(map);
        free(cmap);
        return r;
}
