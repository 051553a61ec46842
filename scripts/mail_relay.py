"""The local stack's SQS event source: carries mail requests from the
queue to the mailer, and prints every mail the local SES accepted, with
its link, so the reset and verification flows can be walked with curl.

Like Lambda's event source, it receives batches of up to 10 messages,
invokes the mailer with an SQS event, and deletes the messages the mailer
did not report in `batchItemFailures`; the rest come back after the
queue's visibility timeout.

Usage: python scripts/mail_relay.py QUEUE_URL MAILER_INVOKE_URL MOTO_URL
"""

import json
import sys
import time
import urllib.request

import boto3


def invoke(url, event):
    request = urllib.request.Request(
        url, data=json.dumps(event).encode(), headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def sent_mails(moto_url):
    with urllib.request.urlopen(f"{moto_url}/moto-api/data.json", timeout=10) as response:
        return json.load(response).get("ses", {}).get("Message", [])


def print_mail(mail):
    to = ", ".join(mail["destinations"].get("ToAddresses", []))
    links = [word.split('"')[1] for word in mail["body"].split() if word.startswith('href="')]
    print(f"\n[mail] to {to}: {mail['subject']}", flush=True)
    for link in links:
        print(f"[mail]   {link}", flush=True)
        token = link.split("#token=", 1)[-1]
        print(f"[mail]   token: {token}", flush=True)


def main():
    queue_url, mailer_url, moto_url = sys.argv[1:4]
    sqs = boto3.client("sqs", endpoint_url=moto_url)
    seen = len(sent_mails(moto_url))
    while True:
        try:
            received = sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
            ).get("Messages", [])
            if not received:
                time.sleep(0.5)
                continue
            event = {
                "Records": [
                    {
                        "messageId": message["MessageId"],
                        "receiptHandle": message["ReceiptHandle"],
                        "body": message["Body"],
                        "attributes": {},
                        "messageAttributes": {},
                        "md5OfBody": message["MD5OfBody"],
                        "eventSource": "aws:sqs",
                        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:local-mail",
                        "awsRegion": "us-east-1",
                    }
                    for message in received
                ]
            }
            answer = invoke(mailer_url, event)
            failed = {item["itemIdentifier"] for item in answer.get("batchItemFailures", [])}
            for message in received:
                if message["MessageId"] in failed:
                    print(f"[mail] request {message['MessageId']} failed; it comes back", flush=True)
                else:
                    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            mails = sent_mails(moto_url)
            for mail in mails[seen:]:
                print_mail(mail)
            seen = len(mails)
        except Exception as error:  # keep relaying: a failed batch comes back
            print(f"[mail] relay error: {error}", file=sys.stderr, flush=True)
            time.sleep(1)


if __name__ == "__main__":
    main()
