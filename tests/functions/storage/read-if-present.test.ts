import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { readIfPresent } from "../../../functions/storage/read-if-present";
import { findPreviousRun } from "../../../functions/storage/analysis-store";
import { awsError } from "../../helpers/aws-errors";

const KEY = "credential-reports/date=2026-11-24/run=r1/manifest.json";
const body = (text: string): any => ({ transformToString: async () => text });

describe("reading an object that may not be there", () => {
  let s3: AwsClientStub<S3Client>;
  const client = new S3Client({});
  // Mocked only while these tests run: mockClient replaces every S3Client's send.
  beforeEach(() => (s3 = mockClient(S3Client)));
  afterEach(() => s3.restore());

  it("returns the text of an object that is there", async () => {
    s3.on(GetObjectCommand, { Key: KEY }).resolves({ Body: body('{"runId":"r1"}') });
    expect(await readIfPresent(client, "b", KEY)).to.equal('{"runId":"r1"}');
    expect(s3.commandCalls(ListObjectsV2Command)).to.have.length(0);
  });

  it("says absent when S3 answers 404 NoSuchKey (the reader may list the bucket), without listing", async () => {
    s3.on(GetObjectCommand).rejects(awsError("NoSuchKey", 404));
    expect(await readIfPresent(client, "b", KEY)).to.equal(undefined);
    expect(s3.commandCalls(ListObjectsV2Command)).to.have.length(0);
  });

  it("says absent when S3 answers 403 AccessDenied and listing the exact key finds nothing", async () => {
    s3.on(GetObjectCommand).rejects(awsError("AccessDenied", 403));
    // A neighbour that shares the prefix is not the key.
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: `${KEY}.bak` }] });
    expect(await readIfPresent(client, "b", KEY)).to.equal(undefined);
    expect(s3.commandCalls(ListObjectsV2Command)[0].args[0].input).to.deep.equal({ Bucket: "b", Prefix: KEY, MaxKeys: 1 });
  });

  it("passes on a 403 for an object that is there: a real denial (a key policy, say), not a missing object", async () => {
    s3.on(GetObjectCommand).rejects(awsError("AccessDenied", 403, "Access Denied"));
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: KEY }] });
    const error = await readIfPresent(client, "b", KEY).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(error?.name).to.equal("AccessDenied");
  });

  for (const [answer, error] of [
    ["404", awsError("NoSuchKey", 404)],
    ["403", awsError("AccessDenied", 403)],
  ] as const) {
    it(`finds no earlier run when the only earlier folder has no manifest, whether S3 answers ${answer}`, async () => {
      s3.on(ListObjectsV2Command, { Delimiter: "/", Prefix: "credential-reports/" }).resolves({ CommonPrefixes: [{ Prefix: "credential-reports/date=2026-11-24/" }] });
      s3.on(ListObjectsV2Command, { Delimiter: "/", Prefix: "credential-reports/date=2026-11-24/" }).resolves({
        CommonPrefixes: [{ Prefix: "credential-reports/date=2026-11-24/run=r1/" }],
      });
      s3.on(ListObjectsV2Command, { Prefix: KEY }).resolves({ Contents: [] });
      s3.on(GetObjectCommand).rejects(error);
      const previous = await findPreviousRun({ id: "r2", startedAt: "2026-11-24T10:00:00Z" }, { s3: client, bucket: "b" });
      expect(previous).to.equal(undefined);
      expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key)).to.deep.equal([KEY]);
    });
  }
});
