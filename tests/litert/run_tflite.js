// Runs a .tflite with LiteRT (Google's TFLite runtime, WebAssembly build, XNNPACK CPU
// kernels) on raw input bytes: node run_tflite.js MODEL.tflite IN.bin OUT.bin
// IN.bin holds N inputs back to back (the input tensor's raw bytes, e.g. int8 NHWC);
// OUT.bin receives the N outputs' raw bytes. The independent reference for rppgq's
// int8 engine. LiteRT.js's own loader expects a browser, so the emscripten glue is
// evaluated here as a CommonJS module and driven through its low-level calls (the
// high-level Tensor class has no int8).
// node run_tflite.js --once MODEL.tflite IN.bin OUT.bin: a model with any number of inputs
// and outputs; IN.bin holds every input's raw bytes back to back in the signature's order
// (possibly several such sets), OUT.bin receives every output's (the convention of TFLite
// Micro's runner in ../shared/oracles/).
'use strict';
const fs = require('fs');
const path = require('path');

const wasmDir = path.join(__dirname, 'node_modules', '@litertjs', 'core', 'wasm');

function loadFactory() {
  const glue = path.join(wasmDir, 'litert_wasm_compat_internal.js');
  const mod = { exports: {} };
  new Function('module', 'exports', 'require', '__filename', '__dirname',
               fs.readFileSync(glue, 'utf8'))(mod, mod.exports, require, glue, wasmDir);
  return mod.exports;
}

// One inference, all inputs and outputs concatenated (see the header); an input holding
// several such sets back to back runs each in turn.
async function runOnce(wasm, env, compiled, model, input) {
  const n = model.getSignature(0).inputNames().size();
  const types = [];
  let per = 0;
  for (let i = 0; i < n; i++) {
    types.push(model.getInputTensorType(0, i));
    per += types[i].bytes();
  }
  if (per === 0 || input.length === 0 || input.length % per !== 0) {
    throw new Error(`input holds ${input.length} bytes, not a multiple of ${per}`);
  }
  const chunks = [];
  for (let at = 0; at < input.length;) {
    const bufs = types.map((type) => {
      const bytes = type.bytes();
      const buf = wasm.LiteRtTensorBuffer.createManaged(
        env, wasm.LiteRtTensorBufferType.HOST_MEMORY, type, bytes);
      const p = buf.lock(wasm.LiteRtTensorBufferLockMode.WRITE);
      wasm.HEAPU8.set(input.subarray(at, at + bytes), p);
      buf.unlock();
      at += bytes;
      return buf;
    });
    const outs = await compiled.run(0, bufs);
    for (const ob of outs) {
      const q = ob.lock(wasm.LiteRtTensorBufferLockMode.READ);
      chunks.push(Buffer.from(wasm.HEAPU8.slice(q, q + ob.size())));
      ob.unlock();
      ob.delete();
    }
    for (const b of bufs) b.delete();
  }
  return Buffer.concat(chunks);
}

async function main() {
  const args = process.argv.slice(2);
  const once = args[0] === '--once';
  if (once) args.shift();
  const [modelPath, inPath, outPath] = args;
  if (!outPath) {
    console.error('usage: node run_tflite.js MODEL.tflite IN.bin OUT.bin');
    process.exit(2);
  }
  // LiteRT logs INFO lines on stdout/stderr; keep ours separate and quiet
  const wasm = await loadFactory()({
    locateFile: (f) => path.join(wasmDir, f),
    print: () => {},
    printErr: () => {},
  });
  const env = wasm.LiteRtEnvironment.create(null);
  const bytes = fs.readFileSync(modelPath);
  const ptr = wasm._malloc(bytes.length);
  wasm.HEAPU8.set(bytes, ptr);
  const model = wasm.loadModel(env, ptr, bytes.length);
  const compiled = await wasm.compileModel(env, model, {
    accelerator: 'wasm', cpuOptions: { numThreads: 1 }, gpuOptions: {}, webNNOptions: {},
  });
  if (once) {
    fs.writeFileSync(outPath, await runOnce(wasm, env, compiled, model, fs.readFileSync(inPath)));
    return;
  }
  const inType = model.getInputTensorType(0, 0);
  const inBytes = inType.bytes();
  const input = fs.readFileSync(inPath);
  if (inBytes === 0 || input.length === 0 || input.length % inBytes !== 0) {
    throw new Error(`${inPath}: ${input.length} bytes is not a multiple of ${inBytes}`);
  }
  const n = input.length / inBytes;
  const buf = wasm.LiteRtTensorBuffer.createManaged(
    env, wasm.LiteRtTensorBufferType.HOST_MEMORY, inType, inBytes);
  const outChunks = [];
  for (let i = 0; i < n; i++) {
    const p = buf.lock(wasm.LiteRtTensorBufferLockMode.WRITE);
    wasm.HEAPU8.set(input.subarray(i * inBytes, (i + 1) * inBytes), p);
    buf.unlock();
    const outs = await compiled.run(0, [buf]);
    const ob = outs[0];
    const q = ob.lock(wasm.LiteRtTensorBufferLockMode.READ);
    outChunks.push(Buffer.from(wasm.HEAPU8.slice(q, q + ob.size())));
    ob.unlock();
    for (const o of outs) o.delete();
  }
  fs.writeFileSync(outPath, Buffer.concat(outChunks));
}

main().catch((e) => {
  console.error(`run_tflite.js: ${e && e.message ? e.message : e}`);
  process.exit(1);
});
