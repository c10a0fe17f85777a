/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qnn reference model: the command-stream decoder. Written from
 * docs/cmdstream.md ("Validation", "Order of checks", "Device
 * capabilities") on its own: the device trusts nothing the driver checked
 * and makes every check but the BO ranges, which its MMU enforces.
 */
#include "qemu/osdep.h"
#include "qnn-model.h"

#define HDR_SIZE 32
#define MAX_STREAM (1u << 20)
#define MAX_CMDS 4096
#define MAX_DIM 16384
#define MAX_CH 8192
#define MAX_K 16
#define MAX_STRIDE 16
#define MAX_PATCH 8192
#define MAX_OPS (1ull << 40)

/* DRM_QNN_OP_* bits of the OPS register */
enum { OP_BCONV2D = 1, OP_BDENSE = 2, OP_MULTIBIT = 4, OP_THRESHOLD = 8,
       OP_SCALE_SHIFT = 16, OP_MAXPOOL = 32, OP_ADD = 64, OP_GAP = 128 };

uint64_t qnn_tensor_bytes(const QnnTensor *t)
{
    uint64_t px = (uint64_t)t->n * t->h * t->w;

    return t->type == T_BITS ? px * t->bits * ((t->c + 63) / 64) * 8 :
                               px * t->c * 4;
}

static void get_tensor(const uint8_t *p, QnnTensor *t)
{
    t->va = ldq_le_p(p);
    t->n = ldl_le_p(p + 8);
    t->h = ldl_le_p(p + 12);
    t->w = ldl_le_p(p + 16);
    t->c = ldl_le_p(p + 20);
    t->type = p[24];
    t->enc = p[25];
    t->bits = p[26];
}

/* cmdstream.md, step 3: PAD, TENSOR, ADDRESS, SHAPE, LIMIT */
static int check_tensor(const uint8_t *p, const QnnTensor *t, bool bits_only)
{
    if (p[27] || ldl_le_p(p + 28)) {
        return CS_PAD;
    }
    if (t->type == T_BITS) {
        if (t->enc < E_BIPOLAR || t->enc > E_BRANCHES ||
            t->bits < 1 || t->bits > 8 ||
            (t->enc == E_BIPOLAR && t->bits != 1) ||
            (t->enc == E_SIGNED && t->bits < 2)) {
            return CS_TENSOR;
        }
    } else if (t->type == T_INT32) {
        if (t->enc || t->bits || bits_only) {
            return CS_TENSOR;
        }
    } else {
        return CS_TENSOR;
    }
    if (t->va & (t->type == T_BITS ? 7 : 3)) {
        return CS_ADDRESS;
    }
    if (!t->n || !t->h || !t->w || !t->c) {
        return CS_SHAPE;
    }
    if (t->n > MAX_DIM || t->h > MAX_DIM || t->w > MAX_DIM || t->c > MAX_CH) {
        return CS_LIMIT;
    }
    return CS_OK;
}

/* largest |value| of a tensor's elements */
static uint64_t max_abs(const QnnTensor *t)
{
    switch (t->enc) {
    case E_BIPOLAR:
        return 1;
    case E_SIGNED:
        return 1ull << (t->bits - 1);
    default:
        return (1ull << t->bits) - 1;
    }
}

/* step 5: the output stage, against the checked output tensor */
static int check_epi(const QnnEpi *e, const QnnTensor *out)
{
    if (e->flags & ~(EPI_BIAS | EPI_SCALE | EPI_NEGATE | EPI_ROUND_FLOOR)) {
        return CS_FLAGS;
    }
    switch (e->mode) {
    case M_INT32:
        if (out->type != T_INT32) {
            return CS_TENSOR;
        }
        break;
    case M_REQUANT:
        if (out->type != T_BITS ||
            (out->enc != E_UNSIGNED && out->enc != E_SIGNED)) {
            return CS_TENSOR;
        }
        break;
    case M_THRESHOLD:
        if (out->type != T_BITS ||
            (out->enc != E_UNSIGNED && out->enc != E_BIPOLAR)) {
            return CS_TENSOR;
        }
        break;
    default:
        return CS_FLAGS;
    }
    if ((e->flags & EPI_NEGATE) && e->mode != M_THRESHOLD) {
        return CS_FLAGS;
    }
    if ((e->flags & EPI_ROUND_FLOOR) && !(e->flags & EPI_SCALE)) {
        return CS_FLAGS;
    }
    if ((!(e->flags & EPI_BIAS) && e->bias) ||
        (!(e->flags & EPI_SCALE) && e->scale) ||
        (e->mode != M_THRESHOLD && e->thresh) ||
        (!(e->flags & EPI_NEGATE) && e->negate)) {
        return CS_PAD;
    }
    if ((e->bias & 3) || (e->scale & 3) || (e->thresh & 3)) {
        return CS_ADDRESS;
    }
    return CS_OK;
}

static void get_epi(const uint8_t *p, QnnEpi *e)
{
    e->bias = ldq_le_p(p);
    e->scale = ldq_le_p(p + 8);
    e->thresh = ldq_le_p(p + 16);
    e->negate = ldq_le_p(p + 24);
    e->mode = ldl_le_p(p + 32);
    e->flags = ldl_le_p(p + 36);
}

static uint64_t mul_sat(uint64_t a, uint64_t b)
{
    uint64_t r;

    return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

/* OH for extent @in; 0 if the window does not fit */
static uint32_t extent(uint32_t in, uint32_t k, uint32_t s, uint32_t d,
                       uint32_t pa, uint32_t pb)
{
    uint64_t span = (uint64_t)d * (k - 1) + 1, tot = (uint64_t)in + pa + pb;

    return tot < span ? 0 : (uint32_t)((tot - span) / s + 1);
}

static int check_conv(QnnCmd *m, const uint8_t *raw)
{
    QnnTensor *in = &m->t[0], *wt = &m->t[1], *out = &m->t[2];
    uint16_t *p = m->p;        /* sh sw dh dw pt pl pb pr */
    uint64_t cw = (in->c + 63) / 64, kk = (uint64_t)wt->h * wt->w, k;
    unsigned int i;
    int e;

    for (i = 0; i < 8; i++) {
        p[i] = lduw_le_p(raw + 104 + 2 * i);
    }
    if (wt->h > MAX_K || wt->w > MAX_K) {
        return CS_LIMIT;
    }
    for (i = 0; i < 4; i++) {
        if (p[i] > MAX_STRIDE) {
            return CS_LIMIT;
        }
    }
    for (i = 4; i < 8; i++) {
        if (p[i] > MAX_DIM) {
            return CS_LIMIT;
        }
    }
    if (!p[0] || !p[1] || !p[2] || !p[3]) {
        return CS_SHAPE;
    }
    if (m->op == CS_OP_DENSE &&
        (wt->h != in->h || wt->w != in->w || p[0] != 1 || p[1] != 1 ||
         p[2] != 1 || p[3] != 1 || p[4] || p[5] || p[6] || p[7])) {
        return CS_SHAPE;
    }
    m->oh = extent(in->h, wt->h, p[0], p[2], p[4], p[6]);
    m->ow = extent(in->w, wt->w, p[1], p[3], p[5], p[7]);
    if (wt->c != in->c || out->n != in->n || !m->oh || !m->ow ||
        out->h != m->oh || out->w != m->ow || out->c != wt->n) {
        return CS_SHAPE;
    }
    if (kk * in->bits * cw > MAX_PATCH || kk * wt->bits * cw > MAX_PATCH) {
        return CS_LIMIT;
    }
    k = kk * in->c;
    if (k * max_abs(in) * max_abs(wt) > INT32_MAX) {
        return CS_LIMIT;
    }
    e = check_epi(&m->epi, out);
    if (e) {
        return e;
    }
    m->ops = mul_sat(mul_sat((uint64_t)out->n * m->oh * m->ow, out->c),
                     mul_sat(k, in->bits * wt->bits));
    return m->ops > MAX_OPS ? CS_LIMIT : CS_OK;
}

static int check_pool(QnnCmd *m, const uint8_t *raw)
{
    QnnTensor *in = &m->t[0], *out = &m->t[1];
    uint16_t *p = m->p;        /* kh kw sh sw pt pl pb pr */
    unsigned int i;

    for (i = 0; i < 8; i++) {
        p[i] = lduw_le_p(raw + 72 + 2 * i);
    }
    if (p[0] > MAX_K || p[1] > MAX_K || p[2] > MAX_STRIDE ||
        p[3] > MAX_STRIDE) {
        return CS_LIMIT;
    }
    if (!p[0] || !p[1] || !p[2] || !p[3] || p[4] >= p[0] || p[6] >= p[0] ||
        p[5] >= p[1] || p[7] >= p[1]) {
        return CS_SHAPE;
    }
    if (in->type != out->type || in->enc != out->enc || in->bits != out->bits) {
        return CS_TENSOR;
    }
    m->oh = extent(in->h, p[0], p[2], 1, p[4], p[6]);
    m->ow = extent(in->w, p[1], p[3], 1, p[5], p[7]);
    if (out->n != in->n || out->c != in->c || !m->oh || !m->ow ||
        out->h != m->oh || out->w != m->ow) {
        return CS_SHAPE;
    }
    m->ops = (uint64_t)out->n * m->oh * m->ow * out->c * p[0] * p[1];
    return m->ops > MAX_OPS ? CS_LIMIT : CS_OK;
}

static bool same_shape(const QnnTensor *a, const QnnTensor *b)
{
    return a->n == b->n && a->h == b->h && a->w == b->w && a->c == b->c;
}

static int check_elementwise(QnnCmd *m)
{
    const QnnTensor *in = &m->t[0], *out = &m->t[m->nt - 1];
    int e;

    if (m->op == CS_OP_ADD) {
        if (!same_shape(&m->t[0], &m->t[1]) || !same_shape(&m->t[0], out)) {
            return CS_SHAPE;
        }
    } else if (m->op == CS_OP_GAP) {
        if (out->n != in->n || out->h != 1 || out->w != 1 || out->c != in->c) {
            return CS_SHAPE;
        }
    } else if (!same_shape(in, out)) {
        return CS_SHAPE;
    }
    e = check_epi(&m->epi, out);
    if (e) {
        return e;
    }
    m->ops = (uint64_t)in->n * in->h * in->w * in->c;
    return m->ops > MAX_OPS ? CS_LIMIT : CS_OK;
}

/* step 6: what the device advertises in OPS and CAPS */
static bool supported(const QnnConfig *cfg, const QnnCmd *m)
{
    uint32_t need = 0;
    unsigned int i;

    switch (m->op) {
    case CS_OP_CONV2D:
        need |= OP_BCONV2D;
        break;
    case CS_OP_DENSE:
        need |= OP_BDENSE;
        break;
    case CS_OP_MAXPOOL:
        need |= OP_MAXPOOL;
        break;
    case CS_OP_ADD:
        need |= OP_ADD;
        break;
    case CS_OP_GAP:
        need |= OP_GAP;
        break;
    }
    if (m->has_epi) {
        if (m->epi.mode == M_THRESHOLD) {
            need |= OP_THRESHOLD;
        }
        if (m->epi.mode == M_REQUANT ||
            (m->epi.flags & (EPI_BIAS | EPI_SCALE))) {
            need |= OP_SCALE_SHIFT;
        }
    }
    for (i = 0; i < m->nt; i++) {
        const QnnTensor *t = &m->t[i];
        bool weights = (m->op == CS_OP_CONV2D || m->op == CS_OP_DENSE) &&
                       i == 1;

        if (t->type != T_BITS) {
            continue;
        }
        if (t->bits > 1) {
            need |= OP_MULTIBIT;
        }
        if (t->bits > (weights ? cfg->wbits : cfg->abits)) {
            return false;
        }
    }
    return !(need & ~cfg->ops);
}

int qnn_cs_decode(const QnnConfig *cfg, const uint8_t *raw, uint32_t len,
                  QnnCmd *m)
{
    static const struct { uint16_t size; uint8_t nt, epi; } op_info[] = {
        [CS_OP_NOP] = { 8, 0, 0 },
        [CS_OP_CONV2D] = { 160, 3, 120 },
        [CS_OP_DENSE] = { 160, 3, 120 },
        [CS_OP_MAXPOOL] = { 88, 2, 0 },
        [CS_OP_ADD] = { 144, 3, 104 },
        [CS_OP_GAP] = { 112, 2, 72 },
        [CS_OP_TRANSFORM] = { 112, 2, 72 },
    };
    unsigned int i;
    int e;

    memset(m, 0, sizeof(*m));
    m->op = lduw_le_p(raw);
    m->size = lduw_le_p(raw + 2);
    m->flags = ldl_le_p(raw + 4);
    /* OPCODE, CMD_SIZE, TRUNCATED, PAD were checked by the caller */
    if (m->flags & ~((m->op == CS_OP_CONV2D || m->op == CS_OP_DENSE) ? 1u : 0u)) {
        return CS_FLAGS;
    }
    m->nt = op_info[m->op].nt;
    for (i = 0; i < m->nt; i++) {
        bool bits_only = (m->op == CS_OP_CONV2D || m->op == CS_OP_DENSE) &&
                         i < 2;

        get_tensor(raw + 8 + 32 * i, &m->t[i]);
        e = check_tensor(raw + 8 + 32 * i, &m->t[i], bits_only);
        if (e) {
            return e;
        }
    }
    if (op_info[m->op].epi) {
        m->has_epi = true;
        get_epi(raw + op_info[m->op].epi, &m->epi);
    }
    switch (m->op) {
    case CS_OP_NOP:
        e = CS_OK;
        break;
    case CS_OP_CONV2D:
    case CS_OP_DENSE:
        e = check_conv(m, raw);
        break;
    case CS_OP_MAXPOOL:
        e = check_pool(m, raw);
        break;
    default:
        e = check_elementwise(m);
        break;
    }
    if (e) {
        return e;
    }
    return supported(cfg, m) ? CS_OK : CS_UNSUPPORTED;
}

/* Only the sizes of the structs this version defines. */
static uint16_t op_size(uint16_t op)
{
    static const uint16_t sz[] = { 0, 8, 160, 160, 88, 144, 112, 112 };

    return op < ARRAY_SIZE(sz) ? sz[op] : 0;
}

static int cs_fail(QnnJob *j, int code, uint32_t off)
{
    static const uint8_t status[] = {
        [CS_OPCODE] = QE_BAD_OPCODE, [CS_TRUNCATED] = QE_TRUNCATED,
        [CS_SHAPE] = QE_BAD_SHAPE, [CS_LIMIT] = QE_BAD_SHAPE,
        [CS_UNSUPPORTED] = QE_BAD_SHAPE,
    };

    j->status = status[code] ? status[code] : QE_BAD_CMD;
    j->detail = code;
    j->err_offset = off;
    return -1;
}

/*
 * The stream: the header, then each command's 8-byte header, then the
 * whole command, each read through the MMU when it is needed; a command
 * runs before the next one is fetched.
 */
void qnn_cs_run(QnnJob *j, uint64_t va, uint32_t len)
{
    uint8_t hdr[HDR_SIZE], *raw = NULL;
    uint32_t size, ncmds, off, n;
    QnnCmd m;

    if (len < HDR_SIZE) {
        cs_fail(j, CS_TRUNCATED, 0);
        return;
    }
    if (qnn_vm_read(j, va, hdr, HDR_SIZE)) {
        j->err_offset = 0;
        return;
    }
    size = ldl_le_p(hdr + 8);
    ncmds = ldl_le_p(hdr + 12);
    if (ldl_le_p(hdr) != 0x434e4e51) {
        cs_fail(j, CS_MAGIC, 0);
        return;
    }
    if (lduw_le_p(hdr + 4) != 1) {
        cs_fail(j, CS_VERSION, 0);
        return;
    }
    if (lduw_le_p(hdr + 6) != HDR_SIZE || ldl_le_p(hdr + 16) ||
        ldl_le_p(hdr + 20) || ldq_le_p(hdr + 24)) {
        cs_fail(j, CS_HEADER, 0);
        return;
    }
    if (size % 8 || size < HDR_SIZE) {
        cs_fail(j, CS_HEADER, 0);
        return;
    }
    if (size > MAX_STREAM || ncmds > MAX_CMDS) {
        cs_fail(j, CS_LIMIT, 0);
        return;
    }
    if (size > len) {
        cs_fail(j, CS_TRUNCATED, 0);
        return;
    }
    raw = g_malloc(65536 + 8);
    for (off = HDR_SIZE, n = 0; n < ncmds; n++) {
        uint16_t op, csize, want;
        uint32_t i;

        if (size - off < 8) {
            cs_fail(j, CS_TRUNCATED, off);
            goto out;
        }
        if (qnn_vm_read(j, va + off, raw, 8)) {
            j->err_offset = off;
            goto out;
        }
        op = lduw_le_p(raw);
        csize = lduw_le_p(raw + 2);
        want = op_size(op);
        if (!want) {
            cs_fail(j, CS_OPCODE, off);
            goto out;
        }
        if (csize < want || csize % 8) {
            cs_fail(j, CS_CMD_SIZE, off);
            goto out;
        }
        if (csize > size - off) {
            cs_fail(j, CS_TRUNCATED, off);
            goto out;
        }
        if (qnn_vm_read(j, va + off + 8, raw + 8, csize - 8)) {
            j->err_offset = off;
            goto out;
        }
        for (i = want; i < csize; i++) {
            if (raw[i]) {
                cs_fail(j, CS_PAD, off);
                goto out;
            }
        }
        i = qnn_cs_decode(&j->core->cfg, raw, csize, &m);
        if (i) {
            cs_fail(j, i, off);
            goto out;
        }
        i = qnn_cs_exec(j, &m);
        if (i) {
            /* an MMU fault (the job holds it) or PARAM */
            if (j->status != QE_MMU_FAULT) {
                cs_fail(j, i, off);
            }
            j->err_offset = off;
            goto out;
        }
        j->binops += m.ops;
        off += csize;
    }
    if (off != size) {
        cs_fail(j, CS_TRUNCATED, off);
    }
out:
    g_free(raw);
}
