// SPDX-License-Identifier: MIT
/*
 * Zero-copy I/O and pipelining across requests, on qnn_sim (make vm-libqnn).
 * The oracle is always the CPU backend's output for the same inputs.
 *  - inputs and outputs in qnn_buffers (device BOs): bit-identical to the
 *    copying path, no host bytes copied for them (qnn_model_stats), the
 *    steady state still submits kept streams by handle;
 *  - the same on a mixed plan whose batch is pipelined in chunks;
 *  - dma-bufs exported by another file (PRIME) imported as input and
 *    output, and the same dma-buf mapped by a CPU context;
 *  - a model with 8 inputs and 8 outputs, each in its own buffer: a job of
 *    18 BOs (D5: the BO list was limited to 8 and such jobs fell back);
 *  - async jobs of a mixed plan overlap (device runs one while the CPU runs
 *    another's CPU segments), results identical; jobs whose buffers chain
 *    (job k+1 reads job k's output) do not overlap and stay correct.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <xf86drm.h>

#include "qnn_accel.h"
#include "vm_models.h"

#define DEMO "/qnn-data/models/fmnist-w1a1.qnn"

struct bufs {
	unsigned int nin, nout;
	size_t inb[16], outb[16];
	void *in[16], *out[16];			/* zero-copy (or heap) */
	void *hin[16], *ref[16], *copy[16];	/* heap: inputs, CPU outputs, copying path */
	struct qnn_buffer *bin[16], *bout[16];
};

/* Buffers for `batch` images of m, inputs random; in/out in qnn_buffers of dc. */
static int bufs_make(struct qnn_ctx *dc, struct qnn_model *m, unsigned int batch, uint64_t seed,
		     struct bufs *b)
{
	int ret = 0;

	memset(b, 0, sizeof(*b));
	b->nin = (unsigned int)qnn_model_num_inputs(m);
	b->nout = (unsigned int)qnn_model_num_outputs(m);
	for (unsigned int i = 0; i < b->nin; i++) {
		struct qnn_tensor_info ti = { .sz = sizeof(ti) };

		qnn_model_input(m, i, &ti);
		b->inb[i] = ti.bytes * batch;
		b->hin[i] = xcalloc(b->inb[i], 1);
		fill(&ti, b->hin[i], batch, &seed);
		ret |= qnn_buffer_alloc(dc, b->inb[i], &b->bin[i]);
		if (b->bin[i]) {
			b->in[i] = qnn_buffer_data(b->bin[i]);
			memcpy(b->in[i], b->hin[i], b->inb[i]);
		}
	}
	for (unsigned int i = 0; i < b->nout; i++) {
		struct qnn_tensor_info ti = { .sz = sizeof(ti) };

		qnn_model_output(m, i, &ti);
		b->outb[i] = ti.bytes * batch;
		b->ref[i] = xcalloc(b->outb[i], 1);
		b->copy[i] = xcalloc(b->outb[i], 1);
		ret |= qnn_buffer_alloc(dc, b->outb[i], &b->bout[i]);
		if (b->bout[i]) {
			b->out[i] = qnn_buffer_data(b->bout[i]);
			memset(b->out[i], 0xa5, b->outb[i]);
		}
	}
	return ret;
}

static void bufs_free(struct bufs *b)
{
	for (unsigned int i = 0; i < b->nin; i++) {
		qnn_buffer_free(b->bin[i]);
		free(b->hin[i]);
	}
	for (unsigned int i = 0; i < b->nout; i++) {
		qnn_buffer_free(b->bout[i]);
		free(b->ref[i]);
		free(b->copy[i]);
	}
}

static int outs_equal(const struct bufs *b, void *const *got, char *diag, size_t len)
{
	for (unsigned int i = 0; i < b->nout; i++)
		for (size_t k = 0; k < b->outb[i]; k++)
			if (((uint8_t *)got[i])[k] != ((uint8_t *)b->ref[i])[k]) {
				snprintf(diag, len, "output %u differs at byte %zu", i, k);
				return 0;
			}
	return 1;
}

/*
 * Model `path` (or the model cm/dm) with zero-copy buffers, batch `batch`:
 * CPU reference, copying run, zero-copy run; then a second zero-copy run
 * for the steady state.
 */
static void zero_copy(struct qnn_model *cm, struct qnn_model *dm, struct qnn_ctx *dc,
		      unsigned int batch, const char *label)
{
	struct qnn_model_stats a = { .sz = sizeof(a) }, b = a, c = a;
	char diag[128] = "";
	struct bufs bf;
	int r0, r1, r2, r3, eqc, eqz, eqz2;

	if (!ok(!bufs_make(dc, cm, batch, 31, &bf), "%s: qnn_buffers allocated", label)) {
		bufs_free(&bf);
		return;
	}
	r0 = qnn_run_batch(cm, batch, (const void *const *)bf.hin, bf.ref, NULL);
	r1 = qnn_run_batch(dm, batch, (const void *const *)bf.hin, bf.copy, NULL);
	eqc = outs_equal(&bf, bf.copy, diag, sizeof(diag));
	qnn_model_stats(dm, &a);
	r2 = qnn_run_batch(dm, batch, (const void *const *)bf.in, bf.out, NULL);
	qnn_model_stats(dm, &b);
	eqz = outs_equal(&bf, bf.out, diag, sizeof(diag));
	ok(!r0 && !r1 && !r2 && eqc && eqz && b.fallbacks == a.fallbacks,
	   "%s, batch %u: zero-copy outputs bit-identical to the CPU's and the copying path's (%d %d %d) %s",
	   label, batch, r0, r1, r2, diag);
	ok(b.copy_in_bytes == a.copy_in_bytes && b.copy_out_bytes == a.copy_out_bytes &&
	   b.zero_copy_bytes > a.zero_copy_bytes,
	   "%s: zero-copy run copied %llu bytes in and %llu out on the host (0), %llu bytes read/written in place, %llu packed",
	   label, (unsigned long long)(b.copy_in_bytes - a.copy_in_bytes),
	   (unsigned long long)(b.copy_out_bytes - a.copy_out_bytes),
	   (unsigned long long)(b.zero_copy_bytes - a.zero_copy_bytes),
	   (unsigned long long)(b.pack_bytes - a.pack_bytes));
	/* the same buffers again: the streams made for them are reused */
	for (unsigned int i = 0; i < bf.nout; i++)
		memset(bf.out[i], 0x5a, bf.outb[i]);
	r3 = qnn_run_batch(dm, batch, (const void *const *)bf.in, bf.out, NULL);
	qnn_model_stats(dm, &c);
	eqz2 = outs_equal(&bf, bf.out, diag, sizeof(diag));
	ok(!r3 && eqz2 && c.kept_streams == b.kept_streams && c.copy_in_bytes == b.copy_in_bytes,
	   "%s: again with the same buffers: identical, no stream made (%llu kept), %llu ioctls",
	   label, (unsigned long long)c.kept_streams,
	   (unsigned long long)(c.device_syscalls - b.device_syscalls));
	bufs_free(&bf);
}

/* A BO made by another file, shared as a dma-buf. */
static int export_bo(int fd, size_t size, int *dmabuf, uint32_t *handle)
{
	struct drm_qnn_bo_create c = { .size = size };

	if (drmIoctl(fd, DRM_IOCTL_QNN_BO_CREATE, &c))
		return -errno;
	*handle = c.handle;
	return drmPrimeHandleToFD(fd, c.handle, DRM_CLOEXEC | DRM_RDWR, dmabuf) ? -errno : 0;
}

static void dmabuf_import(struct qnn_ctx *cpu, struct qnn_model *cm, struct qnn_model *dm,
			  struct qnn_ctx *dc)
{
	struct qnn_model_stats a = { .sz = sizeof(a) }, b = a;
	struct qnn_tensor_info ii = { .sz = sizeof(ii) }, oi = ii;
	struct qnn_buffer *bi = NULL, *bo = NULL, *ci = NULL;
	const unsigned int batch = 4;
	int fd = open("/dev/accel/accel0", O_RDWR | O_CLOEXEC), din = -1, dout = -1, ret;
	uint8_t *in, *ref, *cref;
	uint32_t h1, h2;
	uint64_t seed = 8;

	qnn_model_input(cm, 0, &ii);
	qnn_model_output(cm, 0, &oi);
	in = xcalloc(ii.bytes, batch);
	ref = xcalloc(oi.bytes, batch);
	cref = xcalloc(oi.bytes, batch);
	fill(&ii, in, batch, &seed);
	ret = fd < 0 ? -errno : export_bo(fd, ii.bytes * batch, &din, &h1);
	ret = ret ? ret : export_bo(fd, oi.bytes * batch, &dout, &h2);
	if (!ok(!ret, "another file exports two BOs as dma-bufs (%d)", ret))
		goto out;
	ret = qnn_buffer_import_dmabuf(dc, din, &bi);
	ret = ret ? ret : qnn_buffer_import_dmabuf(dc, dout, &bo);
	if (!ok(!ret, "both imported into the device context: %s", ret ? qnn_ctx_errmsg(dc) : "ok"))
		goto out;
	memcpy(qnn_buffer_data(bi), in, ii.bytes * batch);
	qnn_run_batch(cm, batch, (const void *const *)&in, (void *const *)&ref, NULL);
	qnn_model_stats(dm, &a);
	ret = qnn_run_batch(dm, batch, (const void *const *)&(void *){ qnn_buffer_data(bi) },
			    (void *const *)&(void *){ qnn_buffer_data(bo) }, NULL);
	qnn_model_stats(dm, &b);
	ok(!ret && !memcmp(qnn_buffer_data(bo), ref, oi.bytes * batch) && b.fallbacks == a.fallbacks &&
	   b.copy_in_bytes == a.copy_in_bytes && b.copy_out_bytes == a.copy_out_bytes,
	   "imported dma-bufs as input and output: bit-identical to the CPU, %llu bytes copied on the host (%d)",
	   (unsigned long long)(b.copy_in_bytes - a.copy_in_bytes + b.copy_out_bytes - a.copy_out_bytes), ret);
	/* the exporter's mapping sees what the device wrote (one memory) */
	{
		struct drm_qnn_bo_info inf = { .handle = h2 };
		void *p = MAP_FAILED;

		if (!drmIoctl(fd, DRM_IOCTL_QNN_BO_INFO, &inf))
			p = mmap(NULL, oi.bytes * batch, PROT_READ, MAP_SHARED, fd, (off_t)inf.offset);
		ok(p != MAP_FAILED && !memcmp(p, ref, oi.bytes * batch),
		   "the exporter reads the outputs in its own BO");
		if (p != MAP_FAILED)
			munmap(p, oi.bytes * batch);
	}
	/* the same dma-buf on a CPU context: mapped, read in place */
	ret = qnn_buffer_import_dmabuf(cpu, din, &ci);
	ret = ret ? ret : qnn_run_batch(cm, batch, (const void *const *)&(void *){ qnn_buffer_data(ci) },
					(void *const *)&cref, NULL);
	ok(!ret && !memcmp(cref, ref, oi.bytes * batch), "CPU context: the dma-buf imported (mapped) as input: identical (%d)",
	   ret);
	ok(qnn_buffer_import_dmabuf(dc, fd, &(struct qnn_buffer *){ NULL }) < 0,
	   "importing a file that is not a dma-buf fails: %s", qnn_ctx_errmsg(dc));
out:
	qnn_buffer_free(ci);
	qnn_buffer_free(bi);
	qnn_buffer_free(bo);
	if (din >= 0)
		close(din);
	if (dout >= 0)
		close(dout);
	if (fd >= 0)
		close(fd);
	free(in);
	free(ref);
	free(cref);
}

/* D5: 8 inputs and 8 outputs, each in its own buffer: one job of 18 BOs. */
static void many_bos(struct qnn_ctx *cpu, struct qnn_ctx *dc)
{
	struct qnn_model *cm = NULL, *dm = NULL;

	if (!ok(!many_io_model(cpu, 8, 4, &cm) && !many_io_model(dc, 8, 4, &dm),
		"model of 8 inputs, 8 outputs (max-pools) loads"))
		goto out;
	zero_copy(cm, dm, dc, 3, "8-in/8-out model, 18 BOs per job");
	{
		struct qnn_model_stats st = { .sz = sizeof(st) };

		qnn_model_stats(dm, &st);
		ok(st.device_segments == 1 && !st.fallbacks && st.device_jobs >= 2,
		   "8-in/8-out model: on the device, %llu jobs, %llu fallbacks %s",
		   (unsigned long long)st.device_jobs, (unsigned long long)st.fallbacks, st.last_fallback);
	}
out:
	qnn_model_free(cm);
	qnn_model_free(dm);
}

/* Async jobs of a mixed plan: two in flight, results identical. */
static void async_overlap(struct qnn_model *cm, struct qnn_model *dm, struct qnn_ctx *dc)
{
	enum { NJ = 6, B = 1 };
	struct qnn_model_stats a = { .sz = sizeof(a) }, b = a;
	struct qnn_job *job[NJ] = { 0 };
	struct bufs bf[NJ];
	char diag[128] = "";
	int bad = 0;

	qnn_model_stats(dm, &a);
	for (int k = 0; k < NJ; k++) {
		bad |= bufs_make(dc, cm, B, 100 + (uint64_t)k, &bf[k]) != 0;
		qnn_run_batch(cm, B, (const void *const *)bf[k].hin, bf[k].ref, NULL);
	}
	for (int k = 0; k < NJ && !bad; k++)
		bad |= qnn_submit(dm, B, (const void *const *)(k % 2 ? bf[k].in : bf[k].hin),
				  k % 2 ? bf[k].out : bf[k].copy, NULL, &job[k]) != 0;
	for (int k = 0; k < NJ; k++)
		if (job[k])
			bad |= qnn_wait(job[k], 300000) != 0;
	for (int k = 0; k < NJ && !bad; k++)
		bad |= !outs_equal(&bf[k], k % 2 ? bf[k].out : bf[k].copy, diag, sizeof(diag));
	qnn_model_stats(dm, &b);
	ok(!bad && b.fallbacks == a.fallbacks,
	   "%d async jobs of a mixed plan (batch %d, half zero-copy): all bit-identical %s", NJ, B, diag);
	ok(b.overlapped_requests > a.overlapped_requests,
	   "async jobs of one model overlapped: %llu of %d started while another ran (device and CPU segments at once)",
	   (unsigned long long)(b.overlapped_requests - a.overlapped_requests), NJ);
	for (int k = 0; k < NJ; k++)
		bufs_free(&bf[k]);
}

/* Jobs whose buffers chain must not overlap: each reads the previous one's output. */
static void async_chain(struct qnn_ctx *cpu, struct qnn_ctx *dc)
{
	enum { NJ = 6 };
	struct qnn_model *cm = NULL, *dm = NULL;
	struct qnn_tensor_info ti = { .sz = sizeof(ti) };
	struct qnn_job *job[NJ] = { 0 };
	uint8_t *ref[NJ + 1], *dev[NJ + 1];
	struct qnn_model_stats st = { .sz = sizeof(st) };
	uint64_t seed = 3;
	int bad = 0, k;

	setenv("QNN_PLACE", "ac", 1);
	if (!ok(!chain_model(cpu, 5, &cm) && !chain_model(dc, 5, &dm), "chain model loads"))
		goto out;
	qnn_model_stats(dm, &st);
	ok(st.device_segments == 1 && st.segments == 2, "chain model: a device then a CPU segment (%u, %u)",
	   st.segments, st.device_segments);
	qnn_model_input(cm, 0, &ti);
	for (k = 0; k <= NJ; k++) {
		ref[k] = xcalloc(ti.bytes, 1);
		dev[k] = xcalloc(ti.bytes, 1);
	}
	fill(&ti, ref[0], 1, &seed);
	memcpy(dev[0], ref[0], ti.bytes);
	for (k = 0; k < NJ; k++)
		bad |= qnn_run(cm, (const void *const *)&ref[k], (void *const *)&ref[k + 1]) != 0;
	for (k = 0; k < NJ; k++)
		bad |= qnn_submit(dm, 1, (const void *const *)&dev[k], (void *const *)&dev[k + 1], NULL,
				  &job[k]) != 0;
	for (k = 0; k < NJ; k++)
		if (job[k])
			bad |= qnn_wait(job[k], 300000) != 0;
	for (k = 1; k <= NJ && !bad; k++)
		bad |= memcmp(ref[k], dev[k], ti.bytes) != 0;
	ok(!bad, "%d async jobs, each reading the previous one's output: the chain equals the CPU's (no overlap across a dependency)",
	   NJ);
	for (k = 0; k <= NJ; k++) {
		free(ref[k]);
		free(dev[k]);
	}
out:
	unsetenv("QNN_PLACE");
	qnn_model_free(cm);
	qnn_model_free(dm);
}

int main(void)
{
	struct qnn_model *cm = NULL, *dm = NULL, *am = NULL;
	struct qnn_ctx *cpu, *dc;
	char err[512];
	int ret;

	vm_time_limit(1500);
	cpu = ctx_for("cpu", err, sizeof(err), &ret);
	dc = ctx_for("accel", err, sizeof(err), &ret);
	if (!ok(cpu && dc, "contexts: %s", dc ? "ok" : err))
		return done_testing();
	if (!ok(!qnn_model_load_file(cpu, DEMO, NULL, &cm) && !qnn_model_load_file(dc, DEMO, NULL, &dm),
		"demo model loads"))
		return done_testing();
	zero_copy(cm, dm, dc, 4, "demo model on the device");
	dmabuf_import(cpu, cm, dm, dc);
	many_bos(cpu, dc);
	setenv("QNN_PLACE", "alternate", 1);
	ret = qnn_model_load_file(dc, DEMO, NULL, &am);
	unsetenv("QNN_PLACE");
	if (ok(!ret, "demo model, forced alternating placement, loads")) {
		zero_copy(cm, am, dc, 8, "demo model, mixed plan, pipelined batch");
		async_overlap(cm, am, dc);
	}
	async_chain(cpu, dc);
	qnn_model_free(am);
	qnn_model_free(cm);
	qnn_model_free(dm);
	qnn_ctx_destroy(dc);
	qnn_ctx_destroy(cpu);
	return done_testing();
}
