#!/usr/bin/env python3
"""boto3, a client AME did not write, for setting up and checking buckets in AME's tests.

    s3_tool.py bootstrap                       an IAM user with full access: {"access_key", "secret_key"}
    s3_tool.py create-bucket BUCKET
    s3_tool.py put-random BUCKET KEY SIZE SEED {"sha256", "size"} of deterministic random bytes
    s3_tool.py put BUCKET KEY TEXT
    s3_tool.py get BUCKET KEY                  {"sha256", "size", "etag"}, or {"missing": true}
    s3_tool.py list BUCKET PREFIX              [{"key", "size"}]
    s3_tool.py uploads BUCKET                  multipart uploads still in progress: [{"key", "upload_id"}]
    s3_tool.py proxy-faults PROXY_URL JSON     sets the test proxy's faults
    s3_tool.py proxy-reset PROXY_URL

The endpoint and keys come from S3_TEST_ENDPOINT, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
"""
import hashlib
import json
import os
import random
import sys
import urllib.request

import boto3
from botocore.config import Config


def client(service="s3"):
    return boto3.client(
        service,
        endpoint_url=os.environ["S3_TEST_ENDPOINT"],
        region_name="us-east-1",
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "bootstrap"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "bootstrap"),
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )


def main(argv):
    command, args = argv[0], argv[1:]
    if command == "bootstrap":
        iam = client("iam")
        iam.create_user(UserName="ame-test")
        iam.put_user_policy(UserName="ame-test", PolicyName="all", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        key = iam.create_access_key(UserName="ame-test")["AccessKey"]
        return {"access_key": key["AccessKeyId"], "secret_key": key["SecretAccessKey"]}
    if command == "create-bucket":
        client().create_bucket(Bucket=args[0])
        return {"created": args[0]}
    if command == "put-random":
        bucket, key, size, seed = args[0], args[1], int(args[2]), int(args[3])
        data = random.Random(seed).randbytes(size)
        client().put_object(Bucket=bucket, Key=key, Body=data)
        return {"sha256": hashlib.sha256(data).hexdigest(), "size": size}
    if command == "put":
        data = args[2].encode()
        client().put_object(Bucket=args[0], Key=args[1], Body=data)
        return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    if command == "get":
        try:
            answer = client().get_object(Bucket=args[0], Key=args[1])
        except client().exceptions.NoSuchKey:
            return {"missing": True}
        data = answer["Body"].read()
        return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "etag": answer["ETag"].strip('"')}
    if command == "list":
        pages = client().get_paginator("list_objects_v2").paginate(Bucket=args[0], Prefix=args[1])
        return [{"key": item["Key"], "size": item["Size"]} for page in pages for item in page.get("Contents", [])]
    if command == "uploads":
        answer = client().list_multipart_uploads(Bucket=args[0])
        return [{"key": item["Key"], "upload_id": item["UploadId"]} for item in answer.get("Uploads", [])]
    if command in ("proxy-faults", "proxy-reset"):
        path = "/__proxy/faults" if command == "proxy-faults" else "/__proxy/reset"
        body = (args[1] if command == "proxy-faults" else "").encode()
        urllib.request.urlopen(urllib.request.Request(args[0] + path, data=body, method="POST")).read()
        return {"ok": True}
    raise SystemExit("unknown command " + command)


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
