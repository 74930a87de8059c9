'use strict';
// What the AWS Lambda Node.js runtime does around a handler, as far as the
// gateway can see it: how a thrown error is serialized into the Invoke
// response, and how it is written to the function's log.
//
// Behaviour mirrored from the runtime interface client (the runtime of the
// nodejs18.x/20.x/22.x managed runtimes), Errors module:
//   - Invoke payload of an error: exactly { errorType, errorMessage, trace }
//     where errorType = error.name, errorMessage = error.message and trace =
//     error.stack split on newlines. Own enumerable properties of the error
//     (an SDK's requestId, $metadata, Code ...) are NOT part of it.
//   - A thrown non-error: errorType is typeof the value, errorMessage its
//     string form, trace empty.
//   - If reading name/message/stack fails: errorType "handled".
//   - The log line ("ERROR\tInvoke Error \t{...}") is where the enumerable
//     properties show up: errorType, errorMessage, code, then every own
//     enumerable property, then stack as an array of lines.

const util = require('util');

function looksLikeError(value) {
    return Boolean(value)
        && typeof value.name === 'string' && value.name !== ''
        && typeof value.message === 'string' && value.message !== ''
        && typeof value.stack === 'string' && value.stack !== '';
}

// The error document of the Invoke response body.
function toInvokeErrorPayload(error) {
    try {
        if (util.types.isNativeError(error) || looksLikeError(error)) {
            if (!error.stack) {
                throw new Error('error without a stack');
            }
            return {
                errorType: error.name,
                errorMessage: error.message,
                trace: error.stack.split('\n'),
            };
        }

        return {
            errorType: typeof error,
            errorMessage: String(error),
            trace: [],
        };

    } catch (_) {
        return {
            errorType: 'handled',
            errorMessage: 'callback called with Error argument, but there was a problem while '
                          + 'retrieving one or more of its message, name, and stack',
            trace: [],
        };
    }
}

// The JSON the runtime writes to the function log for an invoke error.
function toLogFormat(error) {
    const expand = (value) => {
        if (!(value instanceof Error)) {
            return value;
        }

        const out = Object.assign({
            errorType: value.name,
            errorMessage: value.message,
            code: value.code,
        }, value);

        if (typeof value.stack === 'string') {
            out.stack = value.stack.split('\n');
        }
        return out;
    };

    try {
        return '\t' + JSON.stringify(error, (_key, value) => expand(value));
    } catch (_) {
        return '\t' + JSON.stringify(toInvokeErrorPayload(error));
    }
}

// Calls a handler the way the runtime does: async handlers return a promise;
// callback-style handlers (three parameters) report through the callback.
// Resolves to { ok: true, result } or { ok: false, error }.
function invokeHandler(handler, event, context) {
    return new Promise((resolve) => {
        let settled = false;
        const settle = (outcome) => {
            if (!settled) {
                settled = true;
                resolve(outcome);
            }
        };
        const callback = (err, result) => {
            if (err !== undefined && err !== null) {
                settle({ ok: false, error: err });
            } else {
                settle({ ok: true, result });
            }
        };

        try {
            const returned = handler(event, context, callback);

            if (returned && typeof returned.then === 'function') {
                returned.then((result) => settle({ ok: true, result }),
                              (error) => settle({ ok: false, error }));
            } else if (handler.length < 3) {
                settle({ ok: true, result: returned });
            }
        } catch (error) {
            settle({ ok: false, error });
        }
    });
}

module.exports = { toInvokeErrorPayload, toLogFormat, invokeHandler };
