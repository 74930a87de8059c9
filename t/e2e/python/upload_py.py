"""The write-up's upload function with boto3 (Debian's python3-boto3).

Entry points as in ../handlers/upload-v2.js: `handler` catches the S3 error
and returns a 500 carrying it as JSON (API Gateway proxy integration);
`unhandled` lets it escape to the runtime (Lambda Invoke API).
"""

import json

import boto3
from botocore.exceptions import ClientError

import e2e_loopback

s3 = boto3.client("s3", **e2e_loopback.boto3_options())


def upload():
    s3.put_object(
        Bucket="arn:aws:s3:us-east-1:222233334444:accesspoint/app-uploads",
        Key="file.txt",
        Body=b"hello",
    )
    return {"statusCode": 200, "body": "OK"}


def handler(event, context):
    try:
        return upload()
    except ClientError as err:
        print("Unexpected S3 error", err)
        # botocore's parsed error: Error (Code, Message) and
        # ResponseMetadata (RequestId, HostId, HTTPStatusCode, ...)
        return {
            "statusCode": 500,
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"errorMessage": str(err), **err.response}, default=str),
        }


def unhandled(event, context):
    return upload()
