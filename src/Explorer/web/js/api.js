// The explorer's only door to the server: rbp.v1 as JSON (gRPC JSON transcoding of the same service classes the
// gRPC API runs) plus the explorer's own render and variant-window endpoints. Every call carries the bearer token,
// is bounded in time and can be aborted; an abort closes the HTTP request, which cancels the server-side call.

const tokenInput = () => document.getElementById('token');

/** A failed call: the gRPC status code and message the server chose (or a transport failure, code 14/4). */
export class ApiError extends Error {
  constructor(code, message, field) {
    super(message);
    this.code = code;
    this.field = field;
  }
}

const STATUS_NAMES = ['OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS',
  'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL',
  'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED'];
export const statusName = (code) => STATUS_NAMES[code] ?? `status ${code}`;

/** How long a call may take before the page gives up on the server. */
export const timeouts = { probeMs: 5000, unaryMs: 60000, streamMs: 15 * 60000 };

function headers(json) {
  const h = {};
  if (json) h['Content-Type'] = 'application/json';
  const token = tokenInput()?.value.trim();
  if (token) h['Authorization'] = `Bearer ${token}`;
  return h;
}

function bounded(signal, ms) {
  const limit = AbortSignal.timeout(ms);
  return signal ? AbortSignal.any([signal, limit]) : limit;
}

function transportError(e, ms, signal) {
  if (signal?.aborted && !(signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError'))
    return new ApiError(1, 'cancelled');
  if (e?.name === 'TimeoutError' || (e?.name === 'AbortError' && !signal?.aborted))
    return new ApiError(4, `the server did not answer within ${Math.round(ms / 1000)} s`);
  if (e instanceof ApiError) return e;
  return new ApiError(14, `cannot reach the server (${e?.message ?? e})`);
}

async function failure(response) {
  const text = await response.text();
  try {
    const body = JSON.parse(text);
    if (typeof body.code === 'number' && typeof body.message === 'string') return new ApiError(body.code, body.message, body.field);
  } catch { /* not JSON: fall through */ }
  if (response.status === 401) return new ApiError(16, 'missing or invalid bearer token (enter the token above)');
  return new ApiError(2, `HTTP ${response.status}: ${text.slice(0, 300) || response.statusText}`);
}

/** One request, one answer (JSON, or text for the SVG renderers). */
export async function call(method, path, body, { signal, ms = timeouts.unaryMs, as = 'json' } = {}) {
  const combined = bounded(signal, ms);
  try {
    const response = await fetch(path, {
      method, headers: headers(body !== undefined), body: body === undefined ? undefined : JSON.stringify(body), signal: combined,
    });
    if (!response.ok) throw await failure(response);
    return as === 'text' ? await response.text() : await response.json();
  } catch (e) {
    throw transportError(e, ms, signal);
  }
}

/**
 * A server-streaming call: calls onMessage for each message as it arrives. The transcoder writes the messages as
 * consecutive JSON objects, and a status object ({code, message, details}) when the call fails after it started.
 */
export async function stream(path, body, onMessage, { signal, ms = timeouts.streamMs } = {}) {
  const combined = bounded(signal, ms);
  try {
    const response = await fetch(path, { method: 'POST', headers: headers(true), body: JSON.stringify(body), signal: combined });
    if (!response.ok) throw await failure(response);
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const splitter = new JsonObjectSplitter();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      for (const text of splitter.push(decoder.decode(value, { stream: true }))) {
        const message = JSON.parse(text);
        if (isStatus(message)) throw new ApiError(message.code, message.message);
        onMessage(message);
      }
    }
    if (splitter.pending()) throw new ApiError(13, 'the server closed the stream in the middle of a message');
  } catch (e) {
    throw transportError(e, ms, signal);
  }
}

const isStatus = (m) => typeof m.code === 'number' && typeof m.message === 'string' && Array.isArray(m.details) && Object.keys(m).length <= 3;

/** Splits a character stream of concatenated JSON objects (newline-separated or not) into the objects' texts. */
class JsonObjectSplitter {
  constructor() { this.buffer = ''; this.depth = 0; this.inString = false; this.escaped = false; this.start = -1; this.scanned = 0; }
  push(chunk) {
    this.buffer += chunk;
    const out = [];
    for (let i = this.scanned; i < this.buffer.length; i++) {
      const c = this.buffer[i];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === '\\') this.escaped = true;
        else if (c === '"') this.inString = false;
        continue;
      }
      if (c === '"') this.inString = true;
      else if (c === '{') { if (this.depth++ === 0) this.start = i; }
      else if (c === '}' && --this.depth === 0) { out.push(this.buffer.slice(this.start, i + 1)); this.start = -1; }
    }
    if (this.depth === 0) { this.buffer = ''; this.scanned = 0; }
    else { this.buffer = this.buffer.slice(this.start); this.scanned = this.buffer.length; this.start = 0; }
    return out;
  }
  pending() { return this.depth > 0; }
}

export const api = {
  config: (signal) => call('GET', 'api/explorer/config', undefined, { signal, ms: timeouts.probeMs }),
  listModels: (signal) => call('GET', 'api/v1/models', undefined, { signal }),
  predict: (request, signal) => call('POST', 'api/v1/predict', request, { signal }),
  attribute: (request, onMessage, signal) => stream('api/v1/attribute', request, onMessage, { signal }),
  mutagenesis: (request, onMessage, signal) => stream('api/v1/mutagenesis', request, onMessage, { signal }),
  globalImportance: (request, onMessage, signal) => stream('api/v1/global-importance', request, onMessage, { signal }),
  variantWindows: (request, signal) => call('POST', 'api/explorer/variant-windows', request, { signal }),
  render: (picture, body, signal) => call('POST', `api/explorer/render/${picture}`, body, { signal, as: 'text' }),
};
