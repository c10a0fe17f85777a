/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qnn reference model: the executor. Written from docs/cmdstream.md
 * ("Operations", "Output stage") and docs/layout.md on its own. It unpacks
 * every tensor to one int32 value per element, computes on plain integers
 * and packs the output: slower than popcounts, easy to check by reading,
 * and it shares no structure with qnn_sim's bit-plane executor.
 */
#include "qemu/osdep.h"
#include "qnn-model.h"

typedef struct Vals {
    const QnnTensor *t;
    int32_t *v;                 /* [n][h][w][c] element values */
} Vals;

static uint64_t elems(const QnnTensor *t)
{
    return (uint64_t)t->n * t->h * t->w * t->c;
}

static int32_t bits_value(const QnnTensor *t, uint32_t code)
{
    int32_t v = 0;
    unsigned int b;

    switch (t->enc) {
    case E_BIPOLAR:
        return code & 1 ? -1 : 1;
    case E_UNSIGNED:
        return code;
    case E_SIGNED:
        v = code & ((1u << (t->bits - 1)) - 1);
        return code >> (t->bits - 1) & 1 ? v - (1 << (t->bits - 1)) : v;
    default:                    /* BIPOLAR_BRANCHES */
        for (b = 0; b < t->bits; b++) {
            v += (code >> b & 1 ? -1 : 1) * (1 << b);
        }
        return v;
    }
}

/* The code (plane bits) that stores value v; v is in range. */
static uint32_t bits_code(const QnnTensor *t, int32_t v)
{
    if (t->enc == E_BIPOLAR) {
        return v < 0;
    }
    if (t->enc == E_BRANCHES) {
        /* v = sum 2^b (1 - 2 bit_b) = (2^B - 1) - 2 code */
        return (uint32_t)(((1 << t->bits) - 1 - v) / 2);
    }
    return (uint32_t)v & ((1u << t->bits) - 1);
}

/* Reads a tensor through the MMU and decodes every element. */
static int load(QnnJob *j, const QnnTensor *t, Vals *out)
{
    uint64_t bytes = qnn_tensor_bytes(t), px, npx, cw = (t->c + 63) / 64;
    uint8_t *raw = g_try_malloc(bytes);
    uint32_t c, b;

    out->t = t;
    out->v = g_try_new(int32_t, elems(t));
    if (!raw || !out->v) {
        g_free(raw);
        return CS_LIMIT;        /* the model's own memory limit */
    }
    if (qnn_vm_read(j, t->va, raw, bytes)) {
        g_free(raw);
        return -1;
    }
    j->bytes_rd += bytes;
    npx = (uint64_t)t->n * t->h * t->w;
    for (px = 0; px < npx; px++) {
        int32_t *dst = out->v + px * t->c;

        if (t->type == T_INT32) {
            for (c = 0; c < t->c; c++) {
                dst[c] = (int32_t)ldl_le_p(raw + (px * t->c + c) * 4);
            }
            continue;
        }
        for (c = 0; c < t->c; c++) {
            uint32_t code = 0;

            for (b = 0; b < t->bits; b++) {
                uint64_t w = ldq_le_p(raw + ((px * t->bits + b) * cw + c / 64) * 8);

                code |= (uint32_t)(w >> (c % 64) & 1) << b;
            }
            dst[c] = bits_value(t, code);
        }
    }
    g_free(raw);
    return 0;
}

/* Encodes the output values (tails zero) and writes them through the MMU. */
static int store(QnnJob *j, const QnnTensor *t, const int32_t *v)
{
    uint64_t bytes = qnn_tensor_bytes(t), px, npx, cw = (t->c + 63) / 64;
    uint8_t *raw = g_try_malloc0(bytes);
    uint32_t c, b;
    int r;

    if (!raw) {
        return CS_LIMIT;
    }
    npx = (uint64_t)t->n * t->h * t->w;
    for (px = 0; px < npx; px++) {
        for (c = 0; c < t->c; c++) {
            int32_t x = v[px * t->c + c];
            uint32_t code;

            if (t->type == T_INT32) {
                stl_le_p(raw + (px * t->c + c) * 4, x);
                continue;
            }
            code = bits_code(t, x);
            for (b = 0; b < t->bits; b++) {
                uint8_t *wp = raw + ((px * t->bits + b) * cw + c / 64) * 8;

                stq_le_p(wp, ldq_le_p(wp) |
                         (uint64_t)(code >> b & 1) << (c % 64));
            }
        }
    }
    r = qnn_vm_write(j, t->va, raw, bytes);
    if (!r) {
        j->bytes_wr += bytes;
    }
    g_free(raw);
    return r;
}

/* The output stage's arrays, read once per command. */
typedef struct Epi {
    const QnnEpi *e;
    const QnnTensor *out;
    int32_t *bias, *mult, *thresh;
    uint32_t *shift;
    uint8_t *negate;
    uint32_t nthr;
} Epi;

static int read_array(QnnJob *j, uint64_t va, uint64_t bytes, uint8_t **out)
{
    *out = g_try_malloc(bytes);
    if (!*out) {
        return CS_LIMIT;
    }
    if (qnn_vm_read(j, va, *out, bytes)) {
        return -1;
    }
    j->bytes_rd += bytes;
    return 0;
}

static void epi_free(Epi *p)
{
    g_free(p->bias);
    g_free(p->mult);
    g_free(p->shift);
    g_free(p->thresh);
    g_free(p->negate);
}

static int epi_load(QnnJob *j, const QnnEpi *e, const QnnTensor *out, Epi *p)
{
    uint32_t c, C = out->c, i;
    uint8_t *raw;
    int r;

    memset(p, 0, sizeof(*p));
    p->e = e;
    p->out = out;
    if (e->flags & EPI_BIAS) {
        r = read_array(j, e->bias, C * 4ull, &raw);
        if (r) {
            g_free(raw);
            return r;
        }
        p->bias = g_new(int32_t, C);
        for (c = 0; c < C; c++) {
            p->bias[c] = (int32_t)ldl_le_p(raw + 4 * c);
        }
        g_free(raw);
    }
    if (e->flags & EPI_SCALE) {
        r = read_array(j, e->scale, C * 8ull, &raw);
        if (r) {
            g_free(raw);
            return r;
        }
        p->mult = g_new(int32_t, C);
        p->shift = g_new(uint32_t, C);
        for (c = 0; c < C; c++) {
            p->mult[c] = (int32_t)ldl_le_p(raw + 8 * c);
            p->shift[c] = ldl_le_p(raw + 8 * c + 4);
        }
        g_free(raw);
    }
    if (e->mode == M_THRESHOLD) {
        p->nthr = (1u << out->bits) - 1;
        r = read_array(j, e->thresh, (uint64_t)C * p->nthr * 4, &raw);
        if (r) {
            g_free(raw);
            return r;
        }
        p->thresh = g_new(int32_t, (uint64_t)C * p->nthr);
        for (i = 0; i < C * p->nthr; i++) {
            p->thresh[i] = (int32_t)ldl_le_p(raw + 4 * i);
        }
        g_free(raw);
    }
    if (e->flags & EPI_NEGATE) {
        r = read_array(j, e->negate, C, &p->negate);
        if (r) {
            return r;
        }
    }
    /* run-time check: a shift the device cannot apply */
    for (c = 0; p->shift && c < C; c++) {
        if (p->shift[c] > 31) {
            return CS_PARAM;
        }
    }
    return 0;
}

static int64_t sat32(int64_t x)
{
    return x < INT32_MIN ? INT32_MIN : x > INT32_MAX ? INT32_MAX : x;
}

/* cmdstream.md, "Output stage", steps 1 to 3, for channel c */
static int32_t epi_apply(const Epi *p, uint32_t c, int64_t x)
{
    const QnnTensor *o = p->out;
    int64_t y = sat32(x + (p->bias ? p->bias[c] : 0)), lo, hi;
    uint32_t i, k = 0;

    if (p->mult) {
        int64_t q = y * p->mult[c];
        uint32_t s = p->shift[c];

        if (!s) {
            y = q;
        } else if (p->e->flags & EPI_ROUND_FLOOR) {
            y = q >> s;         /* arithmetic: floor */
        } else {
            y = (q + (1ll << (s - 1))) >> s;
        }
    }
    switch (p->e->mode) {
    case M_INT32:
        return sat32(y);
    case M_REQUANT:
        if (o->enc == E_SIGNED) {
            lo = -(1ll << (o->bits - 1));
            hi = (1ll << (o->bits - 1)) - 1;
        } else {
            lo = 0;
            hi = (1ll << o->bits) - 1;
        }
        return y < lo ? lo : y > hi ? hi : y;
    default:                    /* THRESHOLD */
        for (i = 0; i < p->nthr; i++) {
            int64_t t = p->thresh[(uint64_t)c * p->nthr + i];

            k += (p->negate && p->negate[c]) ? y <= t : y >= t;
        }
        if (o->enc == E_BIPOLAR) {
            return k ? 1 : -1;
        }
        return k;
    }
}

/* Value a padded tap reads: all-zero words, or 0 with ZERO_PAD. */
static int32_t pad_value(const QnnTensor *t, bool zero_pad)
{
    if (zero_pad) {
        return 0;
    }
    return bits_value(t, 0);
}

static int run_conv(QnnJob *j, const QnnCmd *m, Vals *a, Vals *w,
                    const Epi *p, int32_t *o)
{
    const QnnTensor *in = &m->t[0], *wt = &m->t[1],
                    *out = &m->t[2];
    const uint16_t *q = m->p;   /* sh sw dh dw pt pl pb pr */
    int32_t pv = pad_value(in, m->flags & 1);
    uint32_t n, oy, ox, oc, ky, kx, c;

    for (n = 0; n < out->n; n++) {
        for (oy = 0; oy < m->oh; oy++) {
            for (ox = 0; ox < m->ow; ox++) {
                for (oc = 0; oc < out->c; oc++) {
                    int64_t acc = 0;

                    for (ky = 0; ky < wt->h; ky++) {
                        int64_t iy = (int64_t)oy * q[0] - q[4] + ky * q[2];

                        for (kx = 0; kx < wt->w; kx++) {
                            int64_t ix = (int64_t)ox * q[1] - q[5] + kx * q[3];
                            const int32_t *wv = w->v +
                                (((uint64_t)oc * wt->h + ky) * wt->w + kx) * wt->c;
                            const int32_t *av = NULL;

                            if (iy >= 0 && iy < in->h && ix >= 0 && ix < in->w) {
                                av = a->v + (((uint64_t)n * in->h + iy) * in->w + ix) * in->c;
                            }
                            for (c = 0; c < in->c; c++) {
                                acc += (int64_t)(av ? av[c] : pv) * wv[c];
                            }
                        }
                    }
                    o[(((uint64_t)n * m->oh + oy) * m->ow + ox) * out->c + oc] =
                        epi_apply(p, oc, acc);
                }
            }
        }
    }
    return 0;
}

static void run_pool(const QnnCmd *m, const Vals *a, int32_t *o)
{
    const QnnTensor *in = &m->t[0], *out = &m->t[1];
    const uint16_t *q = m->p;   /* kh kw sh sw pt pl pb pr */
    uint32_t n, oy, ox, c, ky, kx;

    for (n = 0; n < out->n; n++) {
        for (oy = 0; oy < m->oh; oy++) {
            for (ox = 0; ox < m->ow; ox++) {
                for (c = 0; c < out->c; c++) {
                    int64_t best = INT64_MIN;

                    for (ky = 0; ky < q[0]; ky++) {
                        int64_t iy = (int64_t)oy * q[2] - q[4] + ky;

                        for (kx = 0; kx < q[1]; kx++) {
                            int64_t ix = (int64_t)ox * q[3] - q[5] + kx;
                            int32_t v;

                            if (iy < 0 || iy >= in->h || ix < 0 || ix >= in->w) {
                                continue;   /* padded taps never win */
                            }
                            v = a->v[(((uint64_t)n * in->h + iy) * in->w + ix) *
                                     in->c + c];
                            best = MAX(best, v);
                        }
                    }
                    o[(((uint64_t)n * m->oh + oy) * m->ow + ox) * out->c + c] =
                        best;
                }
            }
        }
    }
}

int qnn_cs_exec(QnnJob *j, const QnnCmd *m)
{
    Vals a = { 0 }, b = { 0 };
    const QnnTensor *out;
    int32_t *o = NULL;
    Epi p = { 0 };
    uint64_t i, px;
    uint32_t c;
    int r;

    if (m->op == CS_OP_NOP) {
        return 0;
    }
    out = &m->t[m->nt - 1];
    r = load(j, &m->t[0], &a);
    if (!r && (m->op == CS_OP_CONV2D || m->op == CS_OP_DENSE ||
               m->op == CS_OP_ADD)) {
        r = load(j, &m->t[1], &b);
    }
    if (!r && m->has_epi) {
        r = epi_load(j, &m->epi, out, &p);
    }
    if (!r) {
        o = g_try_new(int32_t, elems(out));
        r = o ? 0 : CS_LIMIT;
    }
    if (r) {
        goto out;
    }
    switch (m->op) {
    case CS_OP_CONV2D:
    case CS_OP_DENSE:
        run_conv(j, m, &a, &b, &p, o);
        break;
    case CS_OP_MAXPOOL:
        run_pool(m, &a, o);
        break;
    case CS_OP_ADD:
        for (i = 0; i < elems(out); i++) {
            o[i] = epi_apply(&p, i % out->c, (int64_t)a.v[i] + b.v[i]);
        }
        break;
    case CS_OP_GAP:
        px = (uint64_t)m->t[0].h * m->t[0].w;
        for (i = 0; i < out->n; i++) {
            for (c = 0; c < out->c; c++) {
                int64_t sum = 0;
                uint64_t k;

                for (k = 0; k < px; k++) {
                    sum += a.v[(i * px + k) * out->c + c];
                }
                o[i * out->c + c] = epi_apply(&p, c, sum);
            }
        }
        break;
    default:                    /* TRANSFORM */
        for (i = 0; i < elems(out); i++) {
            o[i] = epi_apply(&p, i % out->c, a.v[i]);
        }
        break;
    }
    r = store(j, out, o);
out:
    g_free(a.v);
    g_free(b.v);
    g_free(o);
    epi_free(&p);
    return r;
}
