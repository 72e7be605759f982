import { expect } from "chai";
import { glueTableProblems } from "../helpers/glue-table-rules";

describe("Glue table rules (as AWS documents them)", () => {
  const good = {
    name: "credential_report_runs",
    partitionKeys: [{ name: "date", type: "string" }],
    parameters: {
      "projection.enabled": "true",
      "projection.date.type": "date",
      "projection.date.format": "yyyy-MM-dd",
      "projection.date.range": "2024-01-01,NOW",
      "projection.date.interval": "1",
      "projection.date.interval.unit": "DAYS",
      "storage.location.template": "s3://b/history/runs/date=${date}/",
    },
    storageDescriptor: { columns: [{ name: "run_id", type: "string" }, { name: "evidence", type: "map<string,string>" }] },
  };

  it("passes a table that follows them, and names each broken rule", () => {
    expect(glueTableProblems(good)).to.deep.equal([]);
    const broken = (change: Record<string, unknown>, parameters: Record<string, string | undefined> = {}) =>
      glueTableProblems({ ...good, ...change, parameters: Object.fromEntries(Object.entries({ ...good.parameters, ...parameters }).filter(([, v]) => v !== undefined)) as Record<string, string> });
    expect(broken({ name: "Runs-Table" })).to.have.length(1);
    expect(broken({ storageDescriptor: { columns: [{ name: "date", type: "string" }] } })).to.deep.equal(["partition key date is also a column"]);
    expect(broken({ storageDescriptor: { columns: [{ name: "x", type: "text" }] } })).to.deep.equal(['column x: "text" is not a Hive type']);
    expect(broken({}, { "projection.date.type": "day" })).to.have.length(1);
    expect(broken({}, { "projection.date.range": "2024-01-01" })).to.have.length(1);
    expect(broken({}, { "projection.date.range": "2024/01/01,NOW" })).to.have.length(1);
    expect(broken({}, { "projection.date.interval.unit": "DAY" })).to.have.length(1);
    expect(broken({}, { "projection.run.type": "injected" })).to.deep.equal(["projection.run.type names no partition key"]);
    expect(broken({}, { "storage.location.template": "s3://b/history/runs/" })).to.deep.equal(["storage.location.template names ; the partition keys are date"]);
    expect(broken({}, { "projection.date.format": undefined })).to.include("projection.date.format is required for a date");
  });
});
