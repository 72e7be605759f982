import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { withoutStackTrace } from "../errors";
import { jsonLog } from "../log";
import { listAccounts, scopeFromEnv } from "./list-accounts";

const organizations = new OrganizationsClient({});
const scope = scopeFromEnv(process.env);

export async function handler() {
  try {
    return await listAccounts(organizations, scope, jsonLog);
  } catch (err) {
    jsonLog("list-accounts-failed", { error: String(err) });
    throw withoutStackTrace(err);
  }
}
