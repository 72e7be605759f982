import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";

const ROOT = join(__dirname, "..", "..");
const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8"));

describe("dependencies", () => {
  const declared: Record<string, string> = { ...manifest.dependencies, ...manifest.devDependencies };

  it("pins every package to an exact version (an unpinned Pulumi install ran for 13 minutes here)", () => {
    const ranges = Object.entries(declared).filter(([, version]) => !/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(version));
    expect(ranges).to.deep.equal([]);
  });

  it("takes every AWS SDK client from one release, so the bundles share one set of AWS SDK and Smithy internals", () => {
    const clients = Object.entries(declared).filter(([name]) => name.startsWith("@aws-sdk/"));
    expect(clients.length).to.be.greaterThan(5);
    // AWS publishes a client only in the releases that change it: one it did not publish in the
    // release (client-account has no 3.1108.0) is taken at its newest before it, and shares its
    // internals all the same (held below: none is installed twice).
    const release = "3.1108.0";
    const older = clients.filter(([, version]) => version !== release);
    expect(older, JSON.stringify(clients)).to.deep.equal([["@aws-sdk/client-account", "3.1075.0"]]);

    const installed = new Map<string, Set<string>>();
    for (const [path, entry] of Object.entries<{ version: string }>(lock.packages)) {
      const name = /node_modules\/(@(?:aws-sdk|smithy|aws-crypto)\/[^/]+)$/.exec(path)?.[1];
      if (name) installed.set(name, (installed.get(name) ?? new Set()).add(entry.version));
    }
    expect([...installed].filter(([, versions]) => versions.size > 1).map(([name, versions]) => `${name}: ${[...versions].join(", ")}`)).to.deep.equal([]);
  });

  it("runs no install script that has not been reviewed, and none that need not run", () => {
    // npm's allowScripts: a package with install scripts runs them only when listed true; with
    // strict-allow-scripts in .npmrc an unlisted one fails the install rather than running.
    for (const folder of [".", ".ci/node"]) {
      expect(readFileSync(join(ROOT, folder, ".npmrc"), "utf8"), folder).to.match(/^strict-allow-scripts=true$/m);
      const pkg = JSON.parse(readFileSync(join(ROOT, folder, "package.json"), "utf8"));
      const locked = JSON.parse(readFileSync(join(ROOT, folder, "package-lock.json"), "utf8"));
      const withScripts = Object.entries<{ hasInstallScript?: boolean }>(locked.packages)
        .filter(([, entry]) => entry.hasInstallScript)
        .map(([path]) => path.replace(/^.*node_modules\//, ""));
      expect(Object.keys(pkg.allowScripts ?? {}).sort(), folder).to.deep.equal(withScripts.sort());
      // esbuild's postinstall only checks its binary; the JS API finds @esbuild/<platform> itself.
      expect(Object.values(pkg.allowScripts ?? {}).filter((allowed) => allowed !== false), folder).to.deep.equal([]);
    }
  });

  it("takes CI's Node.js binary from a package pinned with its integrity, not from an install script", () => {
    const ciNode = JSON.parse(readFileSync(join(ROOT, ".ci/node/package.json"), "utf8"));
    const ciLock = JSON.parse(readFileSync(join(ROOT, ".ci/node/package-lock.json"), "utf8"));
    expect(ciNode.dependencies ?? {}).to.deep.equal({});
    for (const [name, version] of Object.entries<string>(ciNode.optionalDependencies)) {
      expect(name).to.match(/^node-linux-(x64|arm64)$/);
      const entry = ciLock.packages[`node_modules/${name}`];
      expect(entry, name).to.deep.include({ version, bin: { node: "bin/node" } });
      expect(entry.hasInstallScript, name).to.equal(undefined);
      expect(entry.integrity, name).to.match(/^sha512-/);
    }
  });
});
