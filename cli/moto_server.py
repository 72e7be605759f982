"""moto's server, with what this project needs beyond moto 5.2.1.

Security Hub's BatchUpdateFindings, which moto lacks: the customer-side update of a finding's
Workflow and Note. It updates the findings moto holds for the calling account and region, as AWS
does, and names the ones it cannot find as unprocessed. And BatchImportFindings keeps those
customer-side fields of a finding that exists, as AWS documents ("After a finding is created,
BatchImportFindings cannot be used to update" Note, UserDefinedFields, VerificationState and
Workflow), where moto overwrites them. Nothing else of moto changes; drop this when moto has both.

With --indexed-account-lookup, for benchmarks of large emulated organizations: moto finds the
account of every request by scanning every account's IAM access keys
(moto.iam.models.get_account_id_from), so each request costs time in proportion to the
number of accounts: 12 ms at 1,000 accounts, 47 ms at 4,000 and about 120 ms at 10,000 on
the development machine. A benchmark would then measure that scan rather than the pipeline.
Here the temporary keys that AssumeRole hands out are indexed by account as they are made,
and any other key's answer is remembered after one scan. An access key's account never changes,
and keys are random, so no request uses a key before it exists: the answers are the scan's own.
"""

import json
import sys

import moto.iam.models as iam_models
import moto.securityhub.urls as securityhub_urls
from moto.securityhub.models import SecurityHubBackend
from moto.securityhub.responses import SecurityHubResponse
from moto.server import main


def batch_update_findings(self: SecurityHubBackend, identifiers: list, workflow: dict | None, note: dict | None) -> tuple[list, list]:
    processed, unprocessed = [], []
    held = {finding.id: finding for finding in self.findings}
    for identifier in identifiers:
        finding = held.get(identifier.get("Id"))
        if finding is None or finding.data.get("ProductArn") != identifier.get("ProductArn"):
            unprocessed.append({"FindingIdentifier": identifier, "ErrorCode": "FindingNotFound", "ErrorMessage": "Finding not found"})
            continue
        if workflow:
            finding.data["Workflow"] = {**finding.data.get("Workflow", {}), **workflow}
        if note:
            finding.data["Note"] = note
        processed.append(identifier)
    return processed, unprocessed


def batch_update_findings_response(self: SecurityHubResponse) -> str:
    body = json.loads(self.body)
    processed, unprocessed = self.securityhub_backend.batch_update_findings(body.get("FindingIdentifiers", []), body.get("Workflow"), body.get("Note"))
    return json.dumps({"ProcessedFindings": processed, "UnprocessedFindings": unprocessed})


CUSTOMER_FIELDS = ("Note", "UserDefinedFields", "VerificationState", "Workflow")
import_findings = SecurityHubBackend.batch_import_findings


def batch_import_findings(self: SecurityHubBackend, findings: list) -> tuple:
    held = {finding.id for finding in self.findings}
    kept = [{k: v for k, v in f.items() if k not in CUSTOMER_FIELDS} if f.get("Id") in held else f for f in findings]
    return import_findings(self, kept)


SecurityHubBackend.batch_import_findings = batch_import_findings
SecurityHubBackend.batch_update_findings = batch_update_findings
SecurityHubResponse.batch_update_findings = batch_update_findings_response
securityhub_urls.url_paths["{0}/findings/batchupdate$"] = SecurityHubResponse.dispatch


scan_for_account = iam_models.get_account_id_from
account_of_key: dict[str, str] = {}


def get_account_id_from(access_key: str) -> str:
    account = account_of_key.get(access_key)
    if account is None:
        account = account_of_key[access_key] = scan_for_account(access_key)
    return account


make_temporary_key = iam_models.IAMBackend.create_temp_access_key


def create_temp_access_key(self: iam_models.IAMBackend) -> iam_models.AccessKey:
    key = make_temporary_key(self)
    account_of_key[key.physical_resource_id] = self.account_id
    return key


INDEXED = "--indexed-account-lookup"
if INDEXED in sys.argv:
    iam_models.get_account_id_from = get_account_id_from
    iam_models.IAMBackend.create_temp_access_key = create_temp_access_key
main([arg for arg in sys.argv[1:] if arg != INDEXED])
