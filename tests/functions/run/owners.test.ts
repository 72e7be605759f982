import { expect } from "chai";
import { addressesIn, firstOwners, InvalidOwners, ownerRulesOf, ownersInFile } from "../../../functions/run/owners";

describe("owners", () => {
  const rules = ownerRulesOf(
    {
      owners: [
        { account: "111122223333", to: ["own@example.com"] },
        { ou: "Workloads", to: ["workloads@example.com"] },
        { ou: "Workloads/Payments", to: ["payments@example.com"], digest: true },
        { ou: "", to: ["everyone@example.com"] },
      ],
    },
    "owners.yaml",
  );

  it("gives an account its own rule first, else the deepest OU it is under, else the root's", () => {
    expect(ownersInFile(rules, "111122223333", "Workloads/Payments")).to.deep.equal({ to: ["own@example.com"] });
    expect(ownersInFile(rules, "444455556666", "Workloads/Payments/Cards")).to.deep.equal({ to: ["payments@example.com"], digest: true });
    expect(ownersInFile(rules, "444455556666", "Workloads")).to.deep.equal({ to: ["workloads@example.com"] });
    // A path that only starts with an OU's name is not under it.
    expect(ownersInFile(rules, "444455556666", "WorkloadsOld")).to.deep.equal({ to: ["everyone@example.com"] });
    expect(ownersInFile(rules.slice(0, 3), "444455556666", "Sandbox")).to.equal(undefined);
  });

  it("takes the first source, in the stack's order, that names anyone", () => {
    const found = { file: { to: [] as string[] }, tag: { to: ["tag@example.com"] }, contact: { to: ["contact@example.com"] } };
    expect(firstOwners(["file", "tag", "contact"], found)).to.deep.equal({ to: ["tag@example.com"], source: "tag" });
    expect(firstOwners(["contact", "tag"], found)).to.deep.equal({ to: ["contact@example.com"], source: "contact" });
    expect(firstOwners(["file"], found)).to.equal(undefined);
  });

  it("reads the addresses in a tag's value, whatever separates them, and nothing else", () => {
    expect(addressesIn("a@example.com b@example.com,c@example.com;d@example.com/e@example.com")).to.have.length(5);
    expect(addressesIn("team payments")).to.deep.equal([]);
    expect(addressesIn(undefined)).to.deep.equal([]);
  });

  it("names every problem of an owners file", () => {
    try {
      ownerRulesOf({ owners: [{ account: "123", ou: "X", to: [] }, { ou: "Y", to: ["not-mail"], digest: "yes", team: "z" }] }, "owners.yaml");
      expect.fail("no error");
    } catch (err) {
      expect(err).to.be.instanceOf(InvalidOwners);
      expect((err as InvalidOwners).problems).to.deep.equal([
        'owners[0] must name one account or one ou, got {"account":"123","ou":"X","to":[]}',
        'owners[0].account must be a 12-digit account id (quoted in YAML), got "123"',
        "owners[0].to must list at least one address, got []",
        "owners[1].team is not a field of a rule (account, ou, to, digest)",
        'owners[1].to holds "not-mail", which is not an email address',
        'owners[1].digest must be true or false, got "yes"',
      ]);
    }
    expect(() => ownerRulesOf({ rules: [] }, "owners.yaml")).to.throw(InvalidOwners, /expected "owners:"/);
  });
});
