// SPDX-License-Identifier: MIT
/*
 * The loader refuses every broken file with a clear message and never reads
 * out of bounds (run under ASan in make check): truncation at every byte,
 * every single-bit flip, hostile fields with a recomputed checksum (sizes,
 * offsets, counts, ids, order, shapes, thresholds), random garbage, and
 * file-system errors. Field positions come from docs/model-format.md, the
 * CRC32C is the test's own.
 */
#include <errno.h>
#include <unistd.h>

#include "models.h"

static struct qnn_ctx *ctx;


static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }
static void wr32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static void wr64(uint8_t *p, uint64_t v) { wr32(p, (uint32_t)v); wr32(p + 4, (uint32_t)(v >> 32)); }

static void fix_crc(uint8_t *f, size_t n)
{
	wr32(f + 28, 0);
	wr32(f + 28, crc32c(f, n));
}

/* offset of section `type` (1 STRINGS .. 5 DATA) */
static uint64_t sec(const uint8_t *f, uint32_t type)
{
	for (uint32_t i = 0; i < rd32(f + 24); i++)
		if (rd32(f + 64 + 32 * i) == type)
			return rd64(f + 64 + 32 * i + 8);
	return 0;
}

static int load(const uint8_t *f, size_t n, struct qnn_model **m)
{
	struct qnn_load_opts o = { .sz = sizeof(o), .flags = QNN_LOAD_COPY };

	return qnn_model_load_mem(ctx, f, n, &o, m);
}

struct mut {
	const char *what;
	int err;
	const char *msg;	/* substring the message must contain */
	void (*apply)(uint8_t *f);
};

#define TENT(f, i) ((f) + sec(f, 2) + 64 * (uint64_t)(i))
#define LENT(f, i) ((f) + sec(f, 3) + 128 * (uint64_t)(i))

static void m_major(uint8_t *f) { f[8] = 2; }
static void m_hdrsize(uint8_t *f) { wr32(f + 12, 65); }
static void m_nsec(uint8_t *f) { wr32(f + 24, 1000); }
static void m_reserved(uint8_t *f) { f[40] = 1; }
static void m_secoff(uint8_t *f) { wr64(f + 64 + 32 * 1 + 8, 1ull << 62); }
static void m_secwrap(uint8_t *f) { wr64(f + 64 + 32 * 1 + 16, ~0ull - 8); }
static void m_seccount(uint8_t *f) { wr32(f + 64 + 32 * 1 + 24, rd32(f + 64 + 32 * 1 + 24) + 1); }
static void m_secdup(uint8_t *f) { wr32(f + 64 + 32 * 4, 2); }
static void m_sectype(uint8_t *f) { wr32(f + 64 + 32 * 3, 77); }
static void m_secoverlap(uint8_t *f) { wr64(f + 64 + 32 * 3 + 8, sec(f, 3)); }
static void m_dims(uint8_t *f) { wr32(TENT(f, 1) + 20, 1u << 30); }
static void m_dtype(uint8_t *f) { TENT(f, 1)[4] = 9; }
static void m_enc(uint8_t *f) { TENT(f, 1)[6] = 3; }
static void m_actn(uint8_t *f) { wr32(TENT(f, 1) + 8, 2); }
static void m_dataalign(uint8_t *f) { wr64(TENT(f, 7) + 24, rd64(TENT(f, 7) + 24) + 8); }
static void m_dataoob(uint8_t *f) { wr64(TENT(f, 7) + 24, 1ull << 40); }
static void m_datasize(uint8_t *f) { wr64(TENT(f, 7) + 32, 1ull << 20); }
static void m_name(uint8_t *f) { wr32(TENT(f, 0), 0x7fffffff); }
static void m_op(uint8_t *f) { wr32(LENT(f, 0), 99); }
static void m_order(uint8_t *f) { wr32(LENT(f, 0) + 16, 3); }
static void m_wid(uint8_t *f) { wr32(LENT(f, 0) + 36, 9999); }
static void m_wact(uint8_t *f) { wr32(LENT(f, 0) + 36, 2); }
static void m_twice(uint8_t *f) { wr32(LENT(f, 1) + 32, 2); }
static void m_stride(uint8_t *f) { wr32(LENT(f, 0) + 68, 0); }
static void m_pool(uint8_t *f) { wr32(LENT(f, 1) + 60, 50); }
static void m_nin(uint8_t *f) { wr32(LENT(f, 0) + 12, 3); }
static void m_lres(uint8_t *f) { LENT(f, 2)[120] = 1; }
static void m_flags(uint8_t *f) { wr32(LENT(f, 1) + 8, 1); }
static void m_graph(uint8_t *f) { wr32(f + sec(f, 4), 0); }
static void m_graphid(uint8_t *f) { wr32(f + sec(f, 4) + 8, 8); }
static void m_thresh(uint8_t *f)
{
	/* t1 (tensor 9, 16 x 1) is 1 per channel: use t2 (tensor 11, 32 x 3) */
	uint8_t *d = f + sec(f, 5) + rd64(TENT(f, 10) + 24);

	wr32(d, 0x7fffffff);
}
static void m_ksize(uint8_t *f) { wr32(TENT(f, 7) + 20, 5); }
static void m_topk(uint8_t *f) { wr32(LENT(f, 5) + 104, 11); }

static const struct mut muts[] = {
	{ "newer major version", -ENOTSUP, "version", m_major },
	{ "header_size", -EBADMSG, "header_size", m_hdrsize },
	{ "section_count 1000", -EBADMSG, "section", m_nsec },
	{ "reserved header byte", -EBADMSG, "reserved", m_reserved },
	{ "section offset 2^62", -EBADMSG, "outside the file", m_secoff },
	{ "section size wraps", -EBADMSG, "outside the file", m_secwrap },
	{ "TENSORS count != size", -EBADMSG, "count", m_seccount },
	{ "duplicate section", -EBADMSG, "second", m_secdup },
	{ "unknown required section", -ENOTSUP, "unknown", m_sectype },
	{ "overlapping sections", -EBADMSG, "overlap", m_secoverlap },
	{ "tensor C = 2^30", -E2BIG, "tensor 2", m_dims },
	{ "tensor dtype 9", -EBADMSG, "dtype", m_dtype },
	{ "bipolar with 3 planes", -EBADMSG, "encoding", m_enc },
	{ "activation N = 2", -EINVAL, "N = 2", m_actn },
	{ "constant misaligned", -EBADMSG, "aligned", m_dataalign },
	{ "constant offset 2^40", -EBADMSG, "outside DATA", m_dataoob },
	{ "constant size wrong", -EBADMSG, "data size", m_datasize },
	{ "name offset out of STRINGS", -EBADMSG, "name offset", m_name },
	{ "unknown op", -ENOTSUP, "op 99", m_op },
	{ "input used before computed", -EINVAL, "not computed before", m_order },
	{ "weights id 9999", -EINVAL, "weights", m_wid },
	{ "weights id is an activation", -EINVAL, "not a constant", m_wact },
	{ "output written twice", -EINVAL, "already written", m_twice },
	{ "conv stride 0", -EINVAL, "stride", m_stride },
	{ "pool kernel larger than input", -EINVAL, "kernel", m_pool },
	{ "n_inputs 3 for conv", -EINVAL, "n_inputs", m_nin },
	{ "layer reserved byte", -EBADMSG, "reserved", m_lres },
	{ "ZERO_PAD on maxpool", -EINVAL, "ZERO_PAD", m_flags },
	{ "graph without inputs", -EBADMSG, "GRAPH", m_graph },
	{ "graph input is a constant", -EINVAL, "GRAPH", m_graphid },
	{ "thresholds not ascending", -EINVAL, "ascending", m_thresh },
	{ "weights shape vs input channels", -EINVAL, "weights", m_ksize },
	{ "topk k > C", -EINVAL, "k = 11", m_topk },
};

int main(void)
{
	uint8_t *f, *g;
	void *buf;
	size_t n;
	struct qnn_model *m = NULL;
	int good, ret;
	uint64_t s = 7;

	if (qnn_ctx_create(NULL, &ctx, NULL, 0)) {
		printf("Bail out! no context\n");
		return 1;
	}
	ok(crc32c((const uint8_t *)"123456789", 9) == 0xE3069283u, "CRC32C check value 0xE3069283");
	good = 1;
	for (int i = 0; i < NUM_MODELS; i++) {
		if (build_model(i, &buf, &n, 5) || load(buf, n, &m)) {
			printf("# model %d: %s\n", i, qnn_ctx_errmsg(ctx));
			good = 0;
		} else {
			good &= rd32((uint8_t *)buf + 28) == (crc32c(buf, 28) , ({ uint8_t *c_ = malloc(n); memcpy(c_, buf, n); wr32(c_ + 28, 0); uint32_t v_ = crc32c(c_, n); free(c_); v_; }));
			qnn_model_free(m);
			m = NULL;
		}
		free(buf);
	}
	ok(good, "the writer's models load, checksum is CRC32C with the field zeroed");

	build_model(0, &buf, &n, 5);
	f = buf;
	{
		char path[] = "/tmp/qnn-test-XXXXXX";
		int fd = mkstemp(path);
		struct qnn_writer *w;

		ok(fd >= 0 && write(fd, f, n) == (ssize_t)n && !close(fd) &&
		   !qnn_model_load_file(ctx, path, NULL, &m), "load_file (mmap) of a written model");
		qnn_model_free(m);
		m = NULL;
		unlink(path);
		ret = qnn_model_load_file(ctx, "/nonexistent/model.qnn", NULL, &m);
		ok(ret == -ENOENT && strstr(qnn_ctx_errmsg(ctx), "/nonexistent/model.qnn"),
		   "load_file of a missing file: -ENOENT naming the path (%d: %s)", ret, qnn_ctx_errmsg(ctx));
		ret = qnn_model_load_file(ctx, "/tmp", NULL, &m);
		ok(ret < 0 && !m, "load_file of a directory fails (%s)", qnn_ctx_errmsg(ctx));
		qnn_writer_create(&w);
		ok(qnn_writer_write_file(w, "/tmp/never.qnn") == -EINVAL && access("/tmp/never.qnn", F_OK),
		   "writer refuses an empty graph and writes no file (%s)", qnn_writer_errmsg(w));
		qnn_writer_free(w);
	}

	good = 1;
	for (size_t len = 0; len < n; len++) {
		ret = load(f, len, &m);
		if (!ret || !qnn_ctx_errmsg(ctx)[0]) {
			printf("# truncated to %zu bytes: %d\n", len, ret);
			good = 0;
			qnn_model_free(m);
			m = NULL;
		}
	}
	ok(good, "truncation at each of %zu bytes: refused with a message", n);

	good = 1;
	g = malloc(n);
	for (size_t i = 0; i < n * 8; i++) {
		memcpy(g, f, n);
		g[i / 8] ^= (uint8_t)(1u << (i % 8));
		ret = load(g, n, &m);
		if (ret != -EPROTO && (ret >= 0 || !qnn_ctx_errmsg(ctx)[0])) {
			printf("# bit %zu flipped: %d %s\n", i, ret, qnn_ctx_errmsg(ctx));
			good = 0;
		}
		if (!ret) {
			qnn_model_free(m);
			m = NULL;
		}
	}
	ok(good, "each of %zu single-bit flips: refused (checksum, or header before it)", n * 8);

	for (size_t k = 0; k < sizeof(muts) / sizeof(muts[0]); k++) {
		memcpy(g, f, n);
		muts[k].apply(g);
		fix_crc(g, n);
		ret = load(g, n, &m);
		ok(ret == muts[k].err && strstr(qnn_ctx_errmsg(ctx), muts[k].msg),
		   "hostile %s: %d \"%s\"", muts[k].what, ret, qnn_ctx_errmsg(ctx));
		if (!ret) {
			qnn_model_free(m);
			m = NULL;
		}
	}

	/* random field corruption with a good checksum: any result but a crash */
	good = 1;
	for (int it = 0; it < 3000; it++) {
		int nb = rndi(&s, 1, 4);

		memcpy(g, f, n);
		for (int b = 0; b < nb; b++) {
			size_t pos = (size_t)rndi(&s, 0, (int)n - 1);

			g[pos] = rndi(&s, 0, 3) ? (uint8_t)rnd(&s) : (uint8_t)(rndi(&s, 0, 1) ? 0xff : 0);
		}
		fix_crc(g, n);
		ret = load(g, n, &m);
		if (ret && !qnn_ctx_errmsg(ctx)[0])
			good = 0;
		if (!ret) {
			/* accepted: it must also run */
			uint8_t in[8 * 8 * 3] = { 0 };
			float logits[10];
			int32_t top[3];
			const void *ins[1] = { in };
			void *outs[2] = { logits, top };
			struct qnn_tensor_info ti = { .sz = sizeof(ti) };

			if (!qnn_model_input(m, 0, &ti) && ti.bytes == sizeof(in) && qnn_model_num_inputs(m) == 1 &&
			    qnn_model_num_outputs(m) == 2 && !qnn_model_output(m, 0, &ti) && ti.bytes <= sizeof(logits) &&
			    !qnn_model_output(m, 1, &ti) && ti.bytes <= sizeof(top))
				good &= qnn_run(m, ins, outs) == 0;
			qnn_model_free(m);
			m = NULL;
		}
	}
	ok(good, "3000 random corruptions with a valid checksum: refused with a message or run cleanly");

	good = 1;
	for (int it = 0; it < 300; it++) {
		size_t len = (size_t)rndi(&s, 0, 600);

		for (size_t i = 0; i < len; i++)
			g[i] = (uint8_t)rnd(&s);
		if (len >= 8 && rndi(&s, 0, 1))
			memcpy(g, "\x89QNN\r\n\x1a\n", 8);
		ret = load(g, len, &m);
		if (!ret || !qnn_ctx_errmsg(ctx)[0])
			good = 0;
		if (!ret) {
			qnn_model_free(m);
			m = NULL;
		}
	}
	ok(good, "random garbage: refused with a message");
	free(g);
	free(f);
	qnn_ctx_destroy(ctx);
	return done_testing();
}
