'use strict';
// A small HTTP adapter on 127.0.0.1 that runs the upload handlers the way
// Lambda's two synchronous integrations do:
//
//   POST /upload/v2, /upload/v3, /upload/py
//                                        API Gateway REST API, Lambda proxy
//                                        integration: the handler's
//                                        { statusCode, headers, body } is the
//                                        HTTP response (the handlers catch
//                                        the S3 error and return a 500).
//   POST /2015-03-31/functions/NAME/invocations
//                                        Lambda Invoke API (RequestResponse):
//                                        200 with the JSON result, or, when
//                                        the function throws, 200 with
//                                        X-Amz-Function-Error: Unhandled and
//                                        the runtime's error document.
//   GET  /__e2e/responses                what the adapter answered so far
//                                        (status, headers, body), for tests.
//   GET  /__e2e/info                     which handlers are available.
//
// The Python handler (boto3) runs in a Python worker process that behaves
// like the Lambda Python runtime (python/lambda_runtime.py); it is offered
// only when that interpreter can import boto3 (Debian: python3-boto3).
//
//   node adapter.js --port N --s3-port M
//
// The process environment is set up as Lambda sets it (region, the role
// session's credentials) before the handlers are loaded; M is the port of
// the fake S3 endpoint the handlers' loopback transport connects to.

const http = require('http');
const path = require('path');
const crypto = require('crypto');
const readline = require('readline');
const { spawn } = require('child_process');

const config = require('./lib/config');
const runtime = require('./lib/lambda-runtime');

// API Gateway resource path -> handler module and export.
const PROXY_ROUTES = {
    '/upload/v2': { module: 'handlers/upload-v2.js', export: 'handler' },
    '/upload/v3': { module: 'handlers/upload-v3.js', export: 'handler' },
    '/upload/py': { python: 'upload_py.handler' },
};

// Lambda function name -> handler module and export (Invoke API).
const FUNCTIONS = {
    'upload-v2': { module: 'handlers/upload-v2.js', export: 'unhandled' },
    'upload-v3': { module: 'handlers/upload-v3.js', export: 'unhandled' },
    'upload-py': { python: 'upload_py.unhandled' },
};

const PYTHON = process.env.E2E_PYTHON || '/usr/bin/python3';
const PYTHON_START_MS = 15000;

const INVOKE_PATH = /^\/2015-03-31\/functions\/([A-Za-z0-9_:.$-]+)\/invocations$/;
const MAX_BODY = 6 * 1024 * 1024;   // Lambda's synchronous payload limit

function parseArgs(argv) {
    const opts = {};

    for (let i = 0; i < argv.length; i += 2) {
        if (!argv[i].startsWith('--') || argv[i + 1] === undefined) {
            throw new Error('usage: adapter.js --port N --s3-port M');
        }
        opts[argv[i].slice(2)] = argv[i + 1];
    }
    for (const name of ['port', 's3-port']) {
        const n = Number(opts[name]);

        if (!Number.isInteger(n) || n <= 0 || n > 65535) {
            throw new Error('--' + name + ' must be a TCP port');
        }
        opts[name] = n;
    }
    return opts;
}

function setUpLambdaEnvironment(s3Port) {
    Object.assign(process.env, config.LAMBDA_ENV, {
        E2E_S3_PORT: String(s3Port),
        AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        // No instance metadata, no shared config of whoever runs the tests.
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_CONFIG_FILE: '/nonexistent/e2e-aws-config',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/e2e-aws-credentials',
    });
    for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3',
                        'HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'])
    {
        delete process.env[name];
    }
}

// A Node.js handler, loaded once like a warm function, as an invoker:
// (event, context) -> { ok: true, result } or { ok: false, payload, log }
// where payload is the runtime's Invoke error document.
function nodeInvoker(entry) {
    const mod = require(path.join(__dirname, entry.module));
    const fn = mod[entry.export];

    if (typeof fn !== 'function') {
        throw new Error(entry.module + ' has no export ' + entry.export);
    }

    return async (event, context) => {
        const outcome = await runtime.invokeHandler(fn, event, context);

        if (outcome.ok) {
            return outcome;
        }
        return {
            ok: false,
            payload: runtime.toInvokeErrorPayload(outcome.error),
            log: 'ERROR\tInvoke Error ' + runtime.toLogFormat(outcome.error),
        };
    };
}

// The Python worker: one process, requests and replies as JSON lines.
// Resolves to { invoker(spec), available, why }.
function startPython() {
    return new Promise((resolve) => {
        const pending = new Map();
        let nextId = 1;
        let ready = false;
        let child;

        const unavailable = (why) => {
            if (!ready) {
                ready = true;
                resolve({ available: false, why });
            }
        };

        try {
            child = spawn(PYTHON, [path.join(__dirname, 'python', 'lambda_runtime.py')],
                          { stdio: ['pipe', 'pipe', 'inherit'],
                            env: Object.assign({}, process.env, { PYTHONDONTWRITEBYTECODE: '1' }) });
        } catch (err) {
            unavailable(err.message);
            return;
        }

        // What Lambda reports when the runtime process dies mid-invocation.
        const runtimeExit = (code) => {
            const payload = { errorType: 'Runtime.ExitError',
                              errorMessage: 'Runtime exited with error: exit status ' + code };

            return { ok: false, payload, log: '[ERROR] ' + JSON.stringify(payload) };
        };

        child.on('error', (err) => unavailable(PYTHON + ': ' + err.message));
        child.stdin.on('error', () => {});  // a dead worker is reported by 'exit'
        child.on('exit', (code) => {
            unavailable(PYTHON + ' exited with ' + code);
            for (const [, done] of pending) {
                done(runtimeExit(code));
            }
            pending.clear();
        });

        const timer = setTimeout(() => unavailable('no answer from ' + PYTHON), PYTHON_START_MS);

        readline.createInterface({ input: child.stdout }).on('line', (line) => {
            let msg;

            try {
                msg = JSON.parse(line);
            } catch (_) {
                console.error('adapter: not a runtime reply: ' + line.slice(0, 200));
                return;
            }

            if (!ready) {
                clearTimeout(timer);
                if (!msg.ready) {
                    unavailable(msg.why);
                    return;
                }
                ready = true;
                resolve({
                    available: true,
                    invoker: (spec) => (event, context) => new Promise((done) => {
                        const id = nextId++;

                        if (child.exitCode !== null) {
                            done(runtimeExit(child.exitCode));
                            return;
                        }
                        pending.set(id, done);
                        child.stdin.write(JSON.stringify({
                            id,
                            handler: spec,
                            event,
                            requestId: context.awsRequestId,
                            functionName: context.functionName,
                        }) + '\n');
                    }),
                });
                return;
            }

            const done = pending.get(msg.id);
            if (done) {
                pending.delete(msg.id);
                done(msg.ok ? { ok: true, result: msg.result, json: msg.json }
                            : { ok: false, payload: msg.error, json: msg.json,
                                log: '[ERROR] ' + msg.json });
            }
        });
    });
}

function lambdaContext(functionName, requestId) {
    return {
        functionName,
        functionVersion: '$LATEST',
        invokedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:' + functionName,
        memoryLimitInMB: '128',
        awsRequestId: requestId,
        logGroupName: '/aws/lambda/' + functionName,
        logStreamName: 'e2e',
        callbackWaitsForEmptyEventLoop: true,
        getRemainingTimeInMillis: () => 3000,
    };
}

function readBody(req) {
    return new Promise((resolve, reject) => {
        const chunks = [];
        let size = 0;

        req.on('data', (chunk) => {
            size += chunk.length;
            if (size > MAX_BODY) {
                reject(new Error('request too large'));
                req.destroy();
                return;
            }
            chunks.push(chunk);
        });
        req.on('end', () => resolve(Buffer.concat(chunks)));
        req.on('error', reject);
    });
}

// The API Gateway REST proxy event (payload format 1.0).
function proxyEvent(req, url, body, requestId) {
    const headers = {};
    const multiValueHeaders = {};
    const query = {};
    const multiQuery = {};

    for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = req.rawHeaders[i];
        const value = req.rawHeaders[i + 1];

        headers[name] = value;
        (multiValueHeaders[name] = multiValueHeaders[name] || []).push(value);
    }
    for (const [name, value] of url.searchParams) {
        query[name] = value;
        (multiQuery[name] = multiQuery[name] || []).push(value);
    }

    const isText = body.length === 0 || /^(text\/|application\/json)/.test(req.headers['content-type'] || '');

    return {
        resource: url.pathname,
        path: url.pathname,
        httpMethod: req.method,
        headers,
        multiValueHeaders,
        queryStringParameters: Object.keys(query).length ? query : null,
        multiValueQueryStringParameters: Object.keys(multiQuery).length ? multiQuery : null,
        pathParameters: null,
        stageVariables: null,
        requestContext: {
            resourcePath: url.pathname,
            httpMethod: req.method,
            path: '/prod' + url.pathname,
            stage: 'prod',
            requestId,
            identity: { sourceIp: req.socket.remoteAddress },
        },
        body: body.length === 0 ? null : (isText ? body.toString('utf8') : body.toString('base64')),
        isBase64Encoded: body.length !== 0 && !isText,
    };
}

function send(log, route, res, status, headers, body) {
    const payload = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');

    headers['Content-Length'] = String(payload.length);
    log.push({
        seq: log.length + 1,
        route,
        status,
        headers,
        body: payload.toString('base64'),
    });
    res.writeHead(status, headers);
    res.end(payload);
}

// API Gateway's answer when the function failed or its result is not a
// valid proxy response.
function gatewayError(log, route, res, requestId) {
    send(log, route, res, 502, {
        'Content-Type': 'application/json',
        'x-amzn-RequestId': requestId,
        'x-amzn-ErrorType': 'InternalServerErrorException',
    }, '{"message": "Internal server error"}');
}

async function handleProxy(log, invoker, route, req, res, url) {
    const requestId = crypto.randomUUID();
    const body = await readBody(req);
    const event = proxyEvent(req, url, body, requestId);
    const outcome = await invoker(event, lambdaContext(route, requestId));

    if (!outcome.ok) {
        console.error(outcome.log);
        gatewayError(log, route, res, requestId);
        return;
    }

    const result = outcome.result;
    if (result === null || typeof result !== 'object' || !Number.isInteger(result.statusCode)
        || result.statusCode < 100 || result.statusCode > 599
        || (result.body !== undefined && result.body !== null && typeof result.body !== 'string'))
    {
        console.error('Execution failed due to configuration error: Malformed Lambda proxy response');
        gatewayError(log, route, res, requestId);
        return;
    }

    const headers = { 'x-amzn-RequestId': requestId };
    let hasContentType = false;

    for (const [name, value] of Object.entries(result.headers || {})) {
        headers[name] = String(value);
        hasContentType = hasContentType || name.toLowerCase() === 'content-type';
    }
    for (const [name, values] of Object.entries(result.multiValueHeaders || {})) {
        headers[name] = values.map(String);
        hasContentType = hasContentType || name.toLowerCase() === 'content-type';
    }
    if (!hasContentType) {
        headers['Content-Type'] = 'application/json';
    }

    const text = result.body === undefined || result.body === null ? '' : result.body;
    const payload = result.isBase64Encoded ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');

    send(log, route, res, result.statusCode, headers, payload);
}

function serviceError(log, route, res, status, type, message) {
    send(log, route, res, status, {
        'Content-Type': 'application/json',
        'x-amzn-RequestId': crypto.randomUUID(),
        'x-amzn-ErrorType': type,
    }, JSON.stringify({ Type: 'User', message }));
}

async function handleInvoke(log, handlers, name, req, res) {
    const route = 'invoke:' + name;
    const invoker = handlers.functions[name];

    if (!invoker) {
        serviceError(log, route, res, 404, 'ResourceNotFoundException',
                     'Function not found: arn:aws:lambda:us-east-1:111122223333:function:' + name);
        return;
    }

    const body = await readBody(req);
    let event;

    try {
        event = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    } catch (err) {
        serviceError(log, route, res, 400, 'InvalidRequestContentException',
                     'Could not parse request body into json: ' + err.message);
        return;
    }

    const requestId = crypto.randomUUID();
    const outcome = await invoker(event, lambdaContext(name, requestId));
    const headers = {
        'Content-Type': 'application/json',
        'X-Amz-Executed-Version': '$LATEST',
        'x-amzn-RequestId': requestId,
    };

    // The runtime's own serialization when it has one (Python's json.dumps
    // spaces differ from JSON.stringify), as the Invoke API passes it on.
    if (outcome.ok) {
        const json = outcome.json !== undefined ? outcome.json : JSON.stringify(outcome.result);

        send(log, route, res, 200, headers, json === undefined ? 'null' : json);
        return;
    }

    console.error(outcome.log);
    headers['X-Amz-Function-Error'] = 'Unhandled';
    send(log, route, res, 200, headers,
         outcome.json !== undefined ? outcome.json : JSON.stringify(outcome.payload));
}

async function main() {
    const opts = parseArgs(process.argv.slice(2));

    setUpLambdaEnvironment(opts['s3-port']);

    const python = await startPython();
    const info = { python: { available: python.available, why: python.why || null, interpreter: PYTHON } };
    const invokerOf = (entry) => {
        if (entry.python) {
            return python.available ? python.invoker(entry.python) : null;
        }
        return nodeInvoker(entry);
    };

    if (!python.available) {
        console.error('adapter: no Python handler: ' + python.why);
    }

    const handlers = { proxy: {}, functions: {} };
    for (const [route, entry] of Object.entries(PROXY_ROUTES)) {
        const invoker = invokerOf(entry);

        if (invoker) {
            handlers.proxy[route] = invoker;
        }
    }
    for (const [name, entry] of Object.entries(FUNCTIONS)) {
        const invoker = invokerOf(entry);

        if (invoker) {
            handlers.functions[name] = invoker;
        }
    }

    const log = [];
    const server = http.createServer((req, res) => {
        const url = new URL(req.url, 'http://127.0.0.1');
        let work;

        if (req.method === 'GET' && url.pathname === '/__e2e/responses') {
            res.writeHead(200, { 'Content-Type': 'application/json' });
            res.end(JSON.stringify(log));
            return;
        }
        if (req.method === 'GET' && url.pathname === '/__e2e/info') {
            res.writeHead(200, { 'Content-Type': 'application/json' });
            res.end(JSON.stringify(info));
            return;
        }

        const invoke = INVOKE_PATH.exec(url.pathname);

        if (invoke && req.method === 'POST') {
            work = handleInvoke(log, handlers, invoke[1], req, res);
        } else if (handlers.proxy[url.pathname]) {
            work = handleProxy(log, handlers.proxy[url.pathname], url.pathname, req, res, url);
        } else {
            send(log, url.pathname, res, 403, {
                'Content-Type': 'application/json',
                'x-amzn-ErrorType': 'MissingAuthenticationTokenException',
            }, '{"message":"Missing Authentication Token"}');
            return;
        }

        work.catch((err) => {
            console.error('adapter: ' + err.stack);
            if (!res.headersSent) {
                res.writeHead(500, { 'Content-Type': 'text/plain' });
            }
            res.end();
        });
    });

    server.listen(opts.port, '127.0.0.1', () => {
        console.log('adapter listening on 127.0.0.1:' + opts.port + ', S3 at 127.0.0.1:' + opts['s3-port']);
    });

    const stop = () => process.exit(0);
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
}

if (require.main === module) {
    main().catch((err) => {
        console.error('adapter: ' + err.stack);
        process.exit(1);
    });
}

module.exports = { proxyEvent };
