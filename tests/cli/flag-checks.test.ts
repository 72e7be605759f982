import { expect } from "chai";
import { endpointFlag } from "../../cli/options/flag-checks";

describe("command-line flags", () => {
  const insecure = (given: boolean) => ({ flag: "--insecure-endpoint", given });

  it("takes plain http to this machine only, https anywhere, and another host in clear only when told", () => {
    for (const url of ["http://127.0.0.1:5000", "http://localhost:4566", "http://[::1]:5000", "http://127.8.9.10", "https://s3.example.com", "https://10.0.0.8:443"]) {
      expect(endpointFlag("--endpoint", url, insecure(false)), url).to.equal(undefined);
    }
    for (const url of ["http://10.0.0.8:5000", "http://moto.internal:5000", "http://127.0.0.1.nip.io:5000", "http://[::2]:5000"]) {
      const { hostname } = new URL(url);
      expect(endpointFlag("--endpoint", url, insecure(false)), url).to.equal(
        `--endpoint ${JSON.stringify(url)} is plain http to ${hostname}, not this machine: the calls and the reports would cross the network unencrypted. Use https, a loopback address (127.0.0.1, localhost, [::1]), or add --insecure-endpoint to accept it`,
      );
      expect(endpointFlag("--endpoint", url, insecure(true)), url).to.equal(undefined);
    }
    expect(endpointFlag("--endpoint", "ftp://127.0.0.1", insecure(true))).to.equal('--endpoint must be an http(s) URL such as http://127.0.0.1:5000, got "ftp://127.0.0.1"');
  });
});
