// Entry point of the policy pack: `pulumi preview --policy-pack policies/pack`. It resolves its
// packages from the repository's node_modules, so `npm ci` at the root is all the set-up it needs.
// The policies live in ../guardrails, where tests run them without starting this gRPC server.
import { PolicyPack } from "@pulumi/policy";
import { guardrails, POLICY_PACK_NAME } from "../guardrails";

new PolicyPack(POLICY_PACK_NAME, { policies: guardrails() });
