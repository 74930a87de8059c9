"""Loopback transport for boto3 (see ../lib/loopback.js for the idea).

The handler keeps the write-up's access point ARN as Bucket; botocore derives
the access point host name and signs for it. The request is then sent, in
absolute form, through an HTTP "proxy" that is the fake S3 endpoint on
127.0.0.1, so no DNS lookup happens and no other address is dialled. As with
the Node.js SDKs, the loopback hop is plain HTTP.
"""

import os

from botocore.config import Config


def boto3_options():
    port = int(os.environ["E2E_S3_PORT"])
    if not 0 < port < 65536:
        raise ValueError("E2E_S3_PORT must name the fake S3 endpoint port")

    proxy = "http://127.0.0.1:%d" % port
    return {
        "use_ssl": False,
        "config": Config(
            proxies={"http": proxy, "https": proxy},
            retries={"max_attempts": 1, "mode": "standard"},
        ),
    }
