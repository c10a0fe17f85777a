// SPDX-License-Identifier: MIT
//
// ort_bench.js MODEL.onnx INPUT.raw H W C: onnxruntime (the npm package
// onnxruntime-node, installed under build/peer by `scripts/install-deps.sh
// bench`) timing the same network qnn-bench runs, for the peer comparison.
// INPUT.raw holds uint8 images in qnn's NHWC order; they are fed as NCHW.
//
// Reads commands on stdin, answers one JSON line each on stdout:
//   run BATCH THREADS SECONDS  -> {"images_per_s": x, "calls": n}
//   top1 COUNT                 -> {"top1": [class of image 0, 1, ...]}
//   quit
// A session per thread count (intra-op threads; inter-op 1, sequential,
// all graph optimizations): what an application would configure.
'use strict';
const path = require('path');
const readline = require('readline');
const fs = require('fs');

const modDir = process.env.QNN_PEER_DIR || path.join(__dirname, '..', '..', 'build', 'peer');
const ort = require(path.join(modDir, 'node_modules', 'onnxruntime-node'));

const [modelPath, inputPath, H, W, C] = process.argv.slice(2);
const h = +H, w = +W, c = +C, px = h * w * c;
const nhwc = fs.readFileSync(inputPath);
const nimg = Math.floor(nhwc.length / px);
const nchw = new Uint8Array(nimg * px);
for (let n = 0; n < nimg; n++)
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let k = 0; k < c; k++)
        nchw[n * px + (k * h + y) * w + x] = nhwc[n * px + (y * w + x) * c + k];

const sessions = new Map();
async function session(threads) {
  if (!sessions.has(threads))
    sessions.set(threads, await ort.InferenceSession.create(modelPath, {
      intraOpNumThreads: threads, interOpNumThreads: 1,
      executionMode: 'sequential', graphOptimizationLevel: 'all', logSeverityLevel: 3,
    }));
  return sessions.get(threads);
}

function feeds(s, first, batch) {
  const data = nchw.subarray(first * px, (first + batch) * px);
  return { [s.inputNames[0]]: new ort.Tensor('uint8', data, [batch, c, h, w]) };
}

async function run(batch, threads, seconds) {
  const s = await session(threads);
  const groups = Math.max(1, Math.floor(nimg / batch));
  const inputs = [];
  for (let i = 0; i < Math.min(groups, 64); i++)
    inputs.push(feeds(s, i * batch, batch));
  await s.run(inputs[0]);	// warm-up
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let calls = 0, t;
  do {
    await s.run(inputs[calls % inputs.length]);
    calls++;
    t = Number(process.hrtime.bigint() - t0) / 1e9;
  } while (t < seconds);
  const c = process.cpuUsage(c0);
  return { images_per_s: calls * batch / t, calls, cpu_s: (c.user + c.system) / 1e6, wall_s: t };
}

async function top1(count) {
  const s = await session(1);
  const out = await s.run(feeds(s, 0, count));
  const v = out[s.outputNames[0]].data, k = v.length / count, cls = [];
  for (let n = 0; n < count; n++) {
    let best = 0;
    for (let j = 1; j < k; j++)
      if (v[n * k + j] > v[n * k + best])
        best = j;
    cls.push(best);
  }
  return { top1: cls };
}

async function main() {
  const version = require(path.join(modDir, 'node_modules', 'onnxruntime-node', 'package.json')).version;
  console.log(JSON.stringify({ ready: true, images: nimg, version }));
  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) {
    const a = line.trim().split(/\s+/);
    try {
      if (a[0] === 'run')
        console.log(JSON.stringify(await run(+a[1], +a[2], +a[3])));
      else if (a[0] === 'top1')
        console.log(JSON.stringify(await top1(+a[1])));
      else if (a[0] === 'quit')
        break;
      else
        console.log(JSON.stringify({ error: `unknown command ${a[0]}` }));
    } catch (e) {
      console.log(JSON.stringify({ error: String(e.message || e).split('\n')[0] }));
    }
  }
  process.exit(0);
}
main().catch((e) => {
  console.log(JSON.stringify({ error: String(e.message || e).split('\n')[0] }));
  process.exit(1);
});
