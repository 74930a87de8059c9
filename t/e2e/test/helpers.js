'use strict';
// Shared by the e2e tests: where run.sh put everything, a raw HTTP client,
// the servers' logs, and a parser for the S3-Denial header.

const http = require('http');

function port(name) {
    const value = Number(process.env[name]);

    if (!Number.isInteger(value) || value <= 0) {
        throw new Error(name + ' is not set: run the suite through t/e2e/run.sh');
    }
    return value;
}

const env = {
    get s3() {
        return { broken: port('E2E_S3_BROKEN_PORT'), fixed: port('E2E_S3_FIXED_PORT') };
    },
    get adapter() {
        return { broken: port('E2E_ADAPTER_BROKEN_PORT'), fixed: port('E2E_ADAPTER_FIXED_PORT') };
    },
    get nginx() {
        return { broken: port('E2E_NGINX_BROKEN_PORT'), fixed: port('E2E_NGINX_FIXED_PORT') };
    },
    evaluator: process.env.E2E_EVALUATOR || '',
    module: process.env.E2E_MODULE || 'loaded',
};

// One request on a fresh connection to 127.0.0.1; resolves to
// { status, headers (lower-case names), rawHeaders, body (Buffer) }.
function request(targetPort, method, path, options) {
    const opts = options || {};

    return new Promise((resolve, reject) => {
        const req = http.request({
            host: '127.0.0.1',
            port: targetPort,
            method,
            path,
            headers: opts.headers || {},
            agent: false,
        }, (res) => {
            const chunks = [];

            res.on('data', (c) => chunks.push(c));
            res.on('end', () => resolve({
                status: res.statusCode,
                headers: res.headers,
                rawHeaders: res.rawHeaders,
                body: Buffer.concat(chunks),
            }));
            res.on('error', reject);
        });

        req.setTimeout(20000, () => req.destroy(new Error('timeout: ' + method + ' ' + path)));
        req.on('error', reject);
        req.end(opts.body === undefined ? undefined : opts.body);
    });
}

async function getJson(targetPort, path) {
    const res = await request(targetPort, 'GET', path);

    if (res.status !== 200) {
        throw new Error('GET ' + path + ' -> ' + res.status);
    }
    return JSON.parse(res.body.toString('utf8'));
}

// Runs fn, returns { value, s3: [new fake-S3 log entries], adapter: [new
// adapter responses] } for one policy set.
async function observe(set, fn) {
    const s3Before = (await getJson(env.s3[set], '/__e2e/requests')).length;
    const adBefore = (await getJson(env.adapter[set], '/__e2e/responses')).length;
    const value = await fn();
    const s3 = (await getJson(env.s3[set], '/__e2e/requests')).slice(s3Before);
    const adapter = (await getJson(env.adapter[set], '/__e2e/responses')).slice(adBefore).map((r) => {
        r.body = Buffer.from(r.body, 'base64');
        return r;
    });

    return { value, s3, adapter };
}

// How a client reaches each handler: the API Gateway proxy route, or the
// Lambda Invoke API of the function that lets the error escape.
const PATHS = {
    proxy: (sdk) => ({ method: 'POST', path: '/upload/' + sdk, body: '{"file":"file.txt"}',
                       headers: { 'Content-Type': 'application/json' } }),
    invoke: (sdk) => ({ method: 'POST', path: '/2015-03-31/functions/upload-' + sdk + '/invocations',
                        body: '{}', headers: { 'Content-Type': 'application/json' } }),
};

function call(targetPort, how) {
    return request(targetPort, how.method, how.path, { body: how.body, headers: how.headers });
}

// RFC 8941 dictionary -> { key: value } (bare keys are true; parameters
// are dropped). Throws on syntax it does not accept.
function parseDictionary(text) {
    const out = {};
    let i = 0;

    const skipSpaces = () => {
        while (i < text.length && (text[i] === ' ' || text[i] === '\t')) {
            i++;
        }
    };
    const key = () => {
        const m = /^[a-z*][a-z0-9_\-.*]*/.exec(text.slice(i));

        if (!m) {
            throw new Error('bad key at ' + i + ' in ' + text);
        }
        i += m[0].length;
        return m[0];
    };
    const bareItem = () => {
        if (text[i] === '"') {
            let s = '';

            for (i++; i < text.length; i++) {
                const c = text[i];

                if (c === '\\') {
                    i++;
                    if (text[i] !== '"' && text[i] !== '\\') {
                        throw new Error('bad escape in ' + text);
                    }
                    s += text[i];
                } else if (c === '"') {
                    i++;
                    return s;
                } else if (c < ' ' || c > '~') {
                    throw new Error('bad character in string in ' + text);
                } else {
                    s += c;
                }
            }
            throw new Error('unterminated string in ' + text);
        }
        if (text[i] === '?') {
            const b = text[i + 1];

            i += 2;
            if (b !== '0' && b !== '1') {
                throw new Error('bad boolean in ' + text);
            }
            return b === '1';
        }
        const num = /^-?[0-9]{1,15}(\.[0-9]{1,3})?/.exec(text.slice(i));
        if (num) {
            i += num[0].length;
            return Number(num[0]);
        }
        const token = /^[A-Za-z*][A-Za-z0-9!#$%&'*+\-.^_`|~:/]*/.exec(text.slice(i));
        if (token) {
            i += token[0].length;
            return token[0];
        }
        throw new Error('bad item at ' + i + ' in ' + text);
    };
    const skipParameters = () => {
        while (text[i] === ';') {
            i++;
            skipSpaces();
            key();
            if (text[i] === '=') {
                i++;
                bareItem();
            }
        }
    };

    skipSpaces();
    while (i < text.length) {
        const k = key();
        let v = true;

        if (text[i] === '=') {
            i++;
            v = bareItem();
        }
        skipParameters();
        out[k] = v;

        skipSpaces();
        if (i >= text.length) {
            break;
        }
        if (text[i] !== ',') {
            throw new Error('expected , at ' + i + ' in ' + text);
        }
        i++;
        skipSpaces();
        if (i >= text.length) {
            throw new Error('trailing comma in ' + text);
        }
    }
    return out;
}

// The handlers under test: aws-sdk v2, @aws-sdk/client-s3 v3, and boto3
// when the adapter could start its Python worker (Debian's python3-boto3).
const SDKS = ['v2', 'v3', 'py'];

// Resolves to a reason to skip the tests of that SDK, or false.
let adapterInfo = null;
async function skipReason(sdk) {
    if (sdk !== 'py') {
        return false;
    }
    if (!adapterInfo) {
        adapterInfo = await getJson(env.adapter.broken, '/__e2e/info');
    }
    return adapterInfo.python.available ? false : 'no boto3 for the Python handler: ' + adapterInfo.python.why;
}

// The S3 code and ids as each SDK's error object, serialized by the
// handler's catch block, names them.
function idsInCaughtError(sdk, json) {
    if (sdk === 'v2') {
        return { code: json.code, requestId: json.requestId, hostId: json.extendedRequestId };
    }
    if (sdk === 'v3') {
        return { code: json.Code, requestId: json.RequestId, hostId: json.HostId };
    }
    return { code: json.Error.Code, requestId: json.ResponseMetadata.RequestId, hostId: json.ResponseMetadata.HostId };
}

// Which AccessDenied message the fake S3 of a set gives: auto (detailed
// within one organization), bare ("Access Denied") or detailed.
async function setMessageForm(set, form) {
    const res = await request(env.s3[set], 'POST', '/__e2e/message-form', { body: form });

    if (res.status !== 204) {
        throw new Error('message form ' + form + ': ' + res.status + ' ' + res.body);
    }
}

module.exports = {
    env, request, getJson, observe, PATHS, call, parseDictionary, SDKS, skipReason, idsInCaughtError,
    setMessageForm,
};
