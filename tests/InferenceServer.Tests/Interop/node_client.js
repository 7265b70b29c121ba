// A real @grpc/grpc-js client for the interop tests: loads the service definitions from the descriptor set
// written by the test, runs one scenario, prints JSON.
'use strict';
const fs = require('fs');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const [target, descriptorSet, scenario, ...extra] = process.argv.slice(2);
const definition = protoLoader.loadFileDescriptorSetFromBuffer(fs.readFileSync(descriptorSet),
  { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
const loaded = grpc.loadPackageDefinition(definition);
const EchoService = loaded.rbp.test.echo.v1.EchoService;
const Health = loaded.grpc.health.v1.Health;
const Reflection = loaded.grpc.reflection.v1.ServerReflection;

function client(Ctor, options = {}) {
  return new Ctor(target, grpc.credentials.createInsecure(), options);
}
const deadline = (ms) => new Date(Date.now() + ms);
const unary = (c, method, request, options = {}, metadata = new grpc.Metadata()) => new Promise((resolve, reject) => {
  c[method](request, metadata, { deadline: deadline(10000), ...options }, (err, reply) => err ? reject(err) : resolve(reply));
});
const codeName = (code) => Object.keys(grpc.status).find((k) => grpc.status[k] === code);
async function codeOf(promise) {
  try { await promise; return { code: 'OK', details: '' }; } catch (e) { return { code: codeName(e.code), details: e.details }; }
}
function collect(call) {
  return new Promise((resolve, reject) => {
    const items = [];
    call.on('data', (d) => items.push(d));
    call.on('error', reject);
    call.on('end', () => resolve(items));
  });
}
const hex = (md) => Object.fromEntries(Object.entries(md.getMap()).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString('hex') : v]));

async function run() {
  const echo = client(EchoService);
  switch (scenario) {
    case 'unary': {
      const md = new grpc.Metadata();
      md.add('x-ascii', 'plain value');
      md.add('x-data-bin', Buffer.from([0, 0x80, 0xff]));
      let headers, trailers;
      const reply = await new Promise((resolve, reject) => {
        const call = echo.Echo({ message: 'hello', echo_metadata: true }, md, { deadline: deadline(10000) },
          (err, r) => err ? reject(err) : resolve(r));
        call.on('metadata', (m) => { headers = hex(m); });
        call.on('status', (s) => { trailers = hex(s.metadata); });
      });
      await new Promise((r) => setTimeout(r, 50));
      return { message: reply.message, peer: reply.peer, keys: [...reply.metadata_keys].sort(), headers, trailers };
    }
    case 'server_stream': {
      const items = await collect(echo.Expand({ message: 's', count: 6 }, { deadline: deadline(10000) }));
      return { indices: items.map((r) => r.index) };
    }
    case 'client_stream': {
      const reply = await new Promise((resolve, reject) => {
        const call = echo.Collect({ deadline: deadline(10000) }, (err, r) => err ? reject(err) : resolve(r));
        for (const m of ['a', 'b', 'c']) call.write({ message: m });
        call.end();
      });
      return { message: reply.message, count: reply.count };
    }
    case 'bidi': {
      const call = echo.Chat({ deadline: deadline(10000) });
      const messages = [];
      const done = new Promise((resolve, reject) => {
        call.on('data', (r) => {
          messages.push(r.message);
          if (messages.length < 4) call.write({ message: 'm' + messages.length }); else call.end();
        });
        call.on('error', reject);
        call.on('end', resolve);
      });
      call.write({ message: 'm0' });
      await done;
      return { messages };
    }
    case 'deadline': {
      const start = Date.now();
      const result = await codeOf(unary(echo, 'Echo', { message: 'deadline-node', delay_ms: 20000 }, { deadline: deadline(300) }));
      return { ...result, seconds: (Date.now() - start) / 1000 };
    }
    case 'cancel': {
      const call = echo.Expand({ message: 'cancel-node', count: 1000, delay_ms: 20 }, { deadline: deadline(30000) });
      let received = 0;
      const code = await new Promise((resolve) => {
        call.on('data', () => { received += 1; if (received === 2) call.cancel(); });
        call.on('error', (e) => resolve(codeName(e.code)));
        call.on('end', () => resolve('OK'));
      });
      return { received, code };
    }
    case 'error':
      return codeOf(unary(echo, 'Echo', { fail: { code: 5, message: extra[0] } }));
    case 'gzip': {
      const gz = client(EchoService, { 'grpc.default_compression_algorithm': 2 });
      const payload = Buffer.alloc(300000);
      const reply = await unary(gz, 'Echo', { message: 'gz', payload });
      const items = await collect(gz.Expand({ count: 3, reply_payload_size: 100000 }, { deadline: deadline(10000) }));
      return { echoed: reply.payload.length, same: Buffer.compare(reply.payload, payload) === 0, stream: items.map((r) => r.payload.length) };
    }
    case 'unimplemented': {
      const raw = new grpc.Client(target, grpc.credentials.createInsecure());
      const call = (path) => new Promise((resolve, reject) => raw.makeUnaryRequest(path, (x) => x, (x) => x, Buffer.alloc(0),
        new grpc.Metadata(), { deadline: deadline(10000) }, (err, r) => err ? reject(err) : resolve(r)));
      return {
        method: await codeOf(call('/rbp.test.echo.v1.EchoService/NoSuchMethod')),
        service: await codeOf(call('/no.such.Service/Call')),
      };
    }
    case 'too_large': {
      const big = await codeOf(unary(echo, 'Echo', { payload: Buffer.alloc(2 * 1024 * 1024) }));
      const after = (await unary(echo, 'Echo', { message: 'after' })).message;
      return { code: big.code, after };
    }
    case 'health': {
      const health = client(Health);
      const overall = (await unary(health, 'Check', { service: '' })).status;
      const unknown = (await codeOf(unary(health, 'Check', { service: 'no.such.Service' }))).code;
      const service = 'rbp.test.watched.node';
      const watch = health.Watch({ service }, { deadline: deadline(20000) });
      const seen = [];
      const changes = [1, 2];
      await new Promise((resolve, reject) => {
        watch.on('data', async (r) => {
          seen.push(r.status);
          if (changes.length === 0) { watch.cancel(); resolve(); return; }
          await unary(echo, 'Echo', { health_change: { service, status: changes.shift() } }).catch(reject);
        });
        watch.on('error', (e) => { if (e.code !== grpc.status.CANCELLED) reject(e); });
      });
      return { overall, unknown, watch: seen };
    }
    case 'reflection': {
      const reflection = client(Reflection);
      const call = reflection.ServerReflectionInfo({ deadline: deadline(10000) });
      const responses = collect(call);
      call.write({ list_services: '' });
      call.write({ file_containing_symbol: 'rbp.test.echo.v1.EchoService' });
      call.end();
      const [list, files] = await responses;
      // A generic client: load the API from what reflection returned and call it.
      const descriptor = require('protobufjs/ext/descriptor');
      const set = descriptor.FileDescriptorSet.create({
        file: files.file_descriptor_response.file_descriptor_proto.map((b) => descriptor.FileDescriptorProto.decode(b)),
      });
      const dynamic = grpc.loadPackageDefinition(protoLoader.loadFileDescriptorSetFromObject(
        descriptor.FileDescriptorSet.toObject(set), { keepCase: true, defaults: true }));
      const dynEcho = client(dynamic.rbp.test.echo.v1.EchoService);
      const reply = await unary(dynEcho, 'Echo', { message: 'reflected' });
      return {
        services: list.list_services_response.service.map((s) => s.name),
        files: set.file.map((f) => f.name).sort(),
        reply: reply.message,
      };
    }
    default:
      throw new Error('unknown scenario ' + scenario);
  }
}

run().then((r) => { process.stdout.write(JSON.stringify(r) + '\n'); process.exit(0); },
  (e) => { process.stderr.write(String(e && e.stack || e) + '\n'); process.exit(1); });
