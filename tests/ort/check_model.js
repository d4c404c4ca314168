#!/usr/bin/env node
// Load-and-run check with ONNX Runtime (CPU execution provider).
//
// usage: node check_model.js [--allow-nonfinite] [--seed=N] [--dim=NAME=VALUE ...] [--int-max=N] MODEL.onnx [MODEL2.onnx ...]
//
// Setup (once, in this folder):  npm install --ignore-scripts
//   --ignore-scripts skips onnxruntime-node's install script, which would try to download
//   CUDA/TensorRT parts; the CPU library (bin/napi-v6/linux/x64/libonnxruntime.so.1) ships
//   inside the npm package itself.
//
// For every model: create an InferenceSession, build one input per graph input from
// session.inputMetadata, run it, and require every element of every float output to be finite.
// Prints one line per model:
//   ok MODEL (N outputs, M values, all finite)
//   FAIL MODEL: reason
// and exits 1 if any model failed (2 on a usage error).
//
// Input construction:
//   - shape: fixed dims are used as they are; a symbolic (string) or unknown (negative) dim
//     becomes 4 when its name looks like a sequence/time axis (seq, len, time, step, token,
//     sentence), else 1.  --dim=NAME=VALUE sets a symbolic dim by name (repeatable).
//   - float16/32/64: standard normal values from a seeded PRNG (--seed, default 0), so runs
//     are repeatable.
//   - integer types: values in 0..9 (--int-max changes the upper bound, inclusive), small
//     enough to be valid indices for an Embedding exported as Gather.
//   - bool: alternating false/true.
//   - string inputs and non-tensor inputs (sequences, maps) are reported as a failure: the
//     check has no sensible generic value for them.

'use strict';

const path = require('path');

let ort;
try {
  ort = require('onnxruntime-node');
} catch (e) {
  console.error('cannot load onnxruntime-node: ' + e.message);
  console.error('run `npm install --ignore-scripts` in ' + __dirname + ' first');
  process.exit(2);
}

// ---------- arguments ----------

function usage(msg) {
  if (msg) console.error('error: ' + msg);
  console.error('usage: node check_model.js [--allow-nonfinite] [--seed=N] [--dim=NAME=VALUE ...] [--int-max=N] MODEL.onnx [MODEL2.onnx ...]');
  process.exit(2);
}

const opts = { seed: 0, intMax: 9, dims: new Map(), models: [], allowNonfinite: false };
for (const arg of process.argv.slice(2)) {
  let m;
  if (arg === '-h' || arg === '--help') {
    usage();
  } else if ((m = /^--seed=(\d+)$/.exec(arg))) {
    opts.seed = Number(m[1]);
  } else if ((m = /^--int-max=(\d+)$/.exec(arg))) {
    opts.intMax = Number(m[1]);
  } else if ((m = /^--dim=(.+)=(\d+)$/.exec(arg))) {
    opts.dims.set(m[1], Number(m[2]));
  } else if (arg === '--allow-nonfinite') {
    // Load and run must still succeed; non-finite outputs are counted, not
    // failed (constant inits of deep unnormalized nets overflow float32).
    opts.allowNonfinite = true;
  } else if (arg.startsWith('--')) {
    usage('unknown option ' + arg);
  } else {
    opts.models.push(arg);
  }
}
if (opts.models.length === 0) usage('no model given');

// ---------- seeded random numbers ----------

// mulberry32: small, fast, good enough for test inputs; fixed seed => repeatable inputs.
function makeRng(seed) {
  let a = (seed >>> 0) ^ 0x9e3779b9;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let spare = null;
  const normal = () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = next();
    const v = next();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
  return { next, normal };
}

// ---------- float16 helpers ----------

const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);

// float -> IEEE half bits (round toward zero is fine for test inputs in N(0,1)).
function toHalfBits(x) {
  f32buf[0] = x;
  const b = u32buf[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = ((b >>> 23) & 0xff) - 127 + 15;
  const mant = b & 0x7fffff;
  if (exp <= 0) return sign; // underflow to signed zero
  if (exp >= 31) return sign | 0x7c00; // overflow to infinity (not reached for N(0,1))
  return sign | (exp << 10) | (mant >>> 13);
}

function halfBitsFinite(h) {
  return (h & 0x7c00) !== 0x7c00;
}

// ---------- input construction ----------

const SEQ_NAME = /(seq|len|time|step|token|sentence)/i;

function resolveDim(d) {
  if (typeof d === 'number' && d >= 0) return d;
  if (typeof d === 'string') {
    if (opts.dims.has(d)) return opts.dims.get(d);
    return SEQ_NAME.test(d) ? 4 : 1;
  }
  return 1; // unknown / negative
}

function makeInput(meta, rng) {
  if (!meta.isTensor) throw new Error(`input '${meta.name}' is not a tensor; cannot build a value for it`);
  const dims = meta.shape.map(resolveDim);
  const size = dims.reduce((a, b) => a * b, 1);
  const span = opts.intMax + 1;
  let data;
  switch (meta.type) {
    case 'float32':
      data = new Float32Array(size);
      for (let i = 0; i < size; i++) data[i] = rng.normal();
      break;
    case 'float64':
      data = new Float64Array(size);
      for (let i = 0; i < size; i++) data[i] = rng.normal();
      break;
    case 'float16':
      data = new Uint16Array(size);
      for (let i = 0; i < size; i++) data[i] = toHalfBits(rng.normal());
      break;
    case 'int64':
      data = new BigInt64Array(size);
      for (let i = 0; i < size; i++) data[i] = BigInt(Math.floor(rng.next() * span));
      break;
    case 'uint64':
      data = new BigUint64Array(size);
      for (let i = 0; i < size; i++) data[i] = BigInt(Math.floor(rng.next() * span));
      break;
    case 'int32':
      data = new Int32Array(size);
      break;
    case 'uint32':
      data = new Uint32Array(size);
      break;
    case 'int16':
      data = new Int16Array(size);
      break;
    case 'uint16':
      data = new Uint16Array(size);
      break;
    case 'int8':
      data = new Int8Array(size);
      break;
    case 'uint8':
      data = new Uint8Array(size);
      break;
    case 'bool':
      data = new Uint8Array(size);
      for (let i = 0; i < size; i++) data[i] = i & 1;
      break;
    default:
      throw new Error(`input '${meta.name}' has type ${meta.type}; no generic value for it`);
  }
  if (/^u?int(8|16|32)$/.test(meta.type)) {
    for (let i = 0; i < size; i++) data[i] = Math.floor(rng.next() * span);
  }
  return new ort.Tensor(meta.type, data, dims);
}

// ---------- output check ----------

// Returns { values, bad, firstBad } for one output tensor; only float types can be non-finite.
function checkOutput(t) {
  const d = t.data;
  let bad = 0;
  let firstBad = -1;
  if (t.type === 'float32' || t.type === 'float64') {
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i])) {
        if (firstBad < 0) firstBad = i;
        bad++;
      }
    }
  } else if (t.type === 'float16') {
    // Float16Array when the runtime has it, raw Uint16Array bits otherwise.
    const isBits = d instanceof Uint16Array;
    for (let i = 0; i < d.length; i++) {
      if (isBits ? !halfBitsFinite(d[i]) : !Number.isFinite(d[i])) {
        if (firstBad < 0) firstBad = i;
        bad++;
      }
    }
  }
  return { values: d.length, bad, firstBad, value: firstBad >= 0 ? d[firstBad] : undefined };
}

// ---------- main ----------

async function checkOne(model, index) {
  let session;
  try {
    session = await ort.InferenceSession.create(model, {
      executionProviders: ['cpu'],
      logSeverityLevel: 3,
    });
  } catch (e) {
    return `cannot create session: ${oneLine(e)}`;
  }
  try {
    // Each model gets its own stream, derived from the seed and its position on the command line.
    const rng = makeRng(opts.seed * 1000003 + index);
    const feeds = {};
    for (const meta of session.inputMetadata) feeds[meta.name] = makeInput(meta, rng);
    let results;
    try {
      results = await session.run(feeds);
    } catch (e) {
      const shapes = session.inputMetadata
        .map((m) => `${m.name}:${m.type}[${feeds[m.name].dims.join(',')}]`)
        .join(' ');
      return `run failed with inputs ${shapes}: ${oneLine(e)}`;
    }
    const names = session.outputNames;
    if (names.length === 0) return 'model has no outputs';
    let total = 0;
    let nonFinite = 0;
    const problems = [];
    for (const name of names) {
      const t = results[name];
      if (!t || typeof t.type !== 'string') {
        problems.push(`output '${name}' is not a tensor`);
        continue;
      }
      const r = checkOutput(t);
      total += r.values;
      nonFinite += r.bad;
      if (r.bad > 0 && !opts.allowNonfinite) {
        problems.push(
          `output '${name}' [${t.dims.join(',')}] has ${r.bad} of ${r.values} values non-finite ` +
            `(first at flat index ${r.firstBad}: ${r.value})`
        );
      }
    }
    if (problems.length) return problems.join('; ');
    return { outputs: names.length, values: total, nonFinite };
  } catch (e) {
    return oneLine(e);
  } finally {
    try {
      await session.release();
    } catch (_) {
      /* ignore */
    }
  }
}

function oneLine(e) {
  const s = e && e.message ? e.message : String(e);
  return s.replace(/\s+/g, ' ').trim();
}

(async () => {
  let failed = 0;
  for (let i = 0; i < opts.models.length; i++) {
    const model = opts.models[i];
    const r = await checkOne(path.resolve(model), i);
    if (typeof r === 'string') {
      failed++;
      console.log(`FAIL ${model}: ${r}`);
    } else {
      const finite = r.nonFinite ? `${r.nonFinite} non-finite (allowed)` : 'all finite';
      console.log(`ok ${model} (${r.outputs} outputs, ${r.values} values, ${finite})`);
    }
  }
  process.exit(failed ? 1 : 0);
})().catch((e) => {
  console.error('FAIL: ' + oneLine(e));
  process.exit(1);
});
