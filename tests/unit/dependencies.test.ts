import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";

const ROOT = join(__dirname, "..", "..");
const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8"));

describe("dependencies", () => {
  const declared: Record<string, string> = { ...manifest.dependencies, ...manifest.devDependencies };

  it("pins every package to an exact version (an unpinned Pulumi install ran for 13 minutes here)", () => {
    const ranges = Object.entries(declared).filter(([, version]) => !/^\d+\.\d+\.\d+$/.test(version));
    expect(ranges).to.deep.equal([]);
  });

  it("takes every AWS SDK client from one release, so the bundles share one set of AWS SDK and Smithy internals", () => {
    const clients = Object.entries(declared).filter(([name]) => name.startsWith("@aws-sdk/"));
    expect(clients.length).to.be.greaterThan(5);
    expect(new Set(clients.map(([, version]) => version)).size, JSON.stringify(clients)).to.equal(1);

    const installed = new Map<string, Set<string>>();
    for (const [path, entry] of Object.entries<{ version: string }>(lock.packages)) {
      const name = /node_modules\/(@(?:aws-sdk|smithy|aws-crypto)\/[^/]+)$/.exec(path)?.[1];
      if (name) installed.set(name, (installed.get(name) ?? new Set()).add(entry.version));
    }
    expect([...installed].filter(([, versions]) => versions.size > 1).map(([name, versions]) => `${name}: ${[...versions].join(", ")}`)).to.deep.equal([]);
  });
});
