"""A Python "runtime" for the adapter: runs handlers the way the AWS Lambda
Python runtime does and reports results as JSON lines.

stdin:  one JSON object a line: {"id", "handler": "module.function",
        "event", "requestId", "functionName"}
stdout: one JSON object a line: {"id", "ok": true, "result", "json"} or
        {"id", "ok": false, "error": <Invoke error document>, "json"}
        where "json" is the runtime's own serialization (json.dumps), which
        the Invoke API returns as it is.

The error document is the runtime interface client's: errorMessage
(str(exception)), errorType (the exception class name), requestId (the
invocation id) and stackTrace (traceback.format_list of the handler's
frames). Whatever the handler prints goes to stderr, the function log.
"""

import importlib
import json
import os
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))


class Context:
    def __init__(self, request_id, function_name):
        self.aws_request_id = request_id
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = (
            "arn:aws:lambda:us-east-1:111122223333:function:" + function_name
        )
        self.memory_limit_in_mb = "128"
        self.log_group_name = "/aws/lambda/" + function_name
        self.log_stream_name = "e2e"

    def get_remaining_time_in_millis(self):
        return 3000


def error_document(exc, request_id):
    frames = traceback.extract_tb(exc.__traceback__)
    # the runtime drops its own frames: keep those from the handler on
    frames = [f for f in frames if os.path.abspath(f.filename) != os.path.abspath(__file__)]
    return {
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        "requestId": request_id,
        "stackTrace": traceback.format_list(frames),
    }


def load(spec, cache):
    if spec not in cache:
        module_name, _, function_name = spec.rpartition(".")
        cache[spec] = getattr(importlib.import_module(module_name), function_name)
    return cache[spec]


def main():
    protocol = sys.stdout
    sys.stdout = sys.stderr
    sys.path.insert(0, HERE)
    cache = {}

    try:
        # imported here first so that a missing package is reported as such
        importlib.import_module("boto3")
    except ImportError as err:
        protocol.write(json.dumps({"ready": False, "why": str(err)}) + "\n")
        protocol.flush()
        return

    protocol.write(json.dumps({"ready": True}) + "\n")
    protocol.flush()

    for line in sys.stdin:
        request = json.loads(line)
        reply = {"id": request["id"]}
        try:
            fn = load(request["handler"], cache)
            result = fn(request["event"], Context(request["requestId"], request["functionName"]))
            reply["ok"] = True
            reply["result"] = result
            reply["json"] = json.dumps(result)
        except Exception as exc:  # the runtime reports every exception
            print("[ERROR] %s: %s" % (type(exc).__name__, exc), file=sys.stderr)
            reply["ok"] = False
            reply["error"] = error_document(exc, request["requestId"])
            reply["json"] = json.dumps(reply["error"])
        protocol.write(json.dumps(reply, default=str) + "\n")
        protocol.flush()


if __name__ == "__main__":
    main()
