// Baseline for the qr package benchmarks: vietnam-qr-pay (npm), the most
// used open-source VietQR library, doing the same work as BenchmarkEncode
// and BenchmarkDecode. Run through bench/compare.sh, which installs the
// pinned version outside the repository.
'use strict';

const { QRPay } = require('vietnam-qr-pay');

const input = { bankBin: '970436', bankNumber: '0011001234567', purpose: 'THANH TOAN HANG' };
const encode = () => QRPay.initVietQR(input).build();
const payload = encode();
const decode = () => new QRPay(payload);

if (!decode().isValid) {
  throw new Error('vietnam-qr-pay cannot read its own payload: ' + payload);
}

// nsPerOp runs fn in batches for 0.3 s, after a
// warm-up long enough for the JIT, and returns the best batch's ns/op
// (the same "best of" the Go side reports through benchstat-free -count).
function nsPerOp(fn) {
  let sink = 0;
  for (let i = 0; i < 200000; i++) sink += fn() ? 1 : 0;
  const batch = 50000;
  let best = Infinity;
  const deadline = process.hrtime.bigint() + 300_000_000n;
  while (process.hrtime.bigint() < deadline) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) sink += fn() ? 1 : 0;
    const ns = Number(process.hrtime.bigint() - t0) / batch;
    if (ns < best) best = ns;
  }
  if (sink === 0) throw new Error('unreachable');
  return best;
}

console.log(JSON.stringify({
  library: 'vietnam-qr-pay@' + require('vietnam-qr-pay/package.json').version,
  node: process.version,
  payload,
  encode_ns: nsPerOp(encode),
  decode_ns: nsPerOp(decode),
}));
