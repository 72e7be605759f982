"""moto's server, with what this project needs beyond moto 5.2.1.

Security Hub's BatchUpdateFindings, which moto lacks: the customer-side update of a finding's
Workflow and Note. It updates the findings moto holds for the calling account and region, as AWS
does, and names the ones it cannot find as unprocessed. And BatchImportFindings keeps those
customer-side fields of a finding that exists, as AWS documents ("After a finding is created,
BatchImportFindings cannot be used to update" Note, UserDefinedFields, VerificationState and
Workflow), where moto overwrites them, except that a NOTIFIED or RESOLVED finding that comes back
(ARCHIVED to ACTIVE, or PASSED to failing) is set to NEW, as AWS does (Security Hub User Guide,
"Setting the workflow status of findings"). Nothing else of moto changes; drop this when moto has both.

SNS subscription filter policies on message attributes keep AWS's rule for a message without
attributes: it matches no filter policy, `"exists": false` included ("exists": false "only matches
if at least one attribute is present", Amazon SNS Developer Guide, "Key matching"), where moto 5.2.1
matches an empty set against `"exists": false`.

With --indexed-account-lookup, for benchmarks of large emulated organizations: moto finds the
account of every request by scanning every account's IAM access keys
(moto.iam.models.get_account_id_from), so each request costs time in proportion to the
number of accounts: 12 ms at 1,000 accounts, 47 ms at 4,000 and about 120 ms at 10,000 on
the development machine. A benchmark would then measure that scan rather than the pipeline.
Here the temporary keys that AssumeRole hands out are indexed by account as they are made,
and any other key's answer is remembered after one scan. An access key's account never changes,
and keys are random, so no request uses a key before it exists: the answers are the scan's own.

Credential reports as IAM writes them (moto writes every report as of 2015-02-02, with no root row
and not_supported where IAM writes a region or a service). The seeding sets what only time can make
through POST /moto-api/iam/credential-state (JSON, one account at a time):
  {"accountId": "111111111111",
   "reportGeneratedAt": "<ISO time>",          # a report IAM already holds (optional)
   "root": {"createdAt", "password", "passwordLastUsed", "mfaActive", "mfaDevice", "accessKeys": [{"active", "createdAt", "lastUsed"}]},
   "users": {"<user name>": {"createdAt", "passwordLastUsed", "passwordLastChanged",
                             "accessKeys": [{"createdAt", "lastUsed": {"date", "region", "service"}}]}}}
Users, passwords, MFA devices and keys (and their active state) are made with IAM's own API first;
this sets only their dates, on moto's own models (key i of a user is its i-th key). Every account
has a root row: unless seeded, a root made with the account, never used, with a password, a
hardware MFA device and no keys. GetAccountSummary says what that root has (AccountPasswordPresent,
which moto lacks, AccountAccessKeysPresent, inactive keys too, and AccountMFAEnabled), and
ListVirtualMFADevices lists the root's virtual device ("mfaDevice": "virtual") as IAM does, its
user the account's root ARN.
GenerateCredentialReport keeps IAM's rule: a report younger than four hours is reused (COMPLETE),
an older one or none is made anew (STARTED, then COMPLETE); GetCredentialReport answers with that
report's GeneratedTime. Columns and values follow the IAM User Guide, "Generate credential reports
for your AWS account" (dates in ISO 8601 as 2014-09-01T22:28:48+00:00; N/A for no password or no
key; no_information for a password never used; not_supported for what root does not have).
"""

import json
import sys
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import moto.iam.responses as iam_responses
import moto.moto_api._internal.urls as moto_api_urls

import moto.iam.models as iam_models
import moto.sns.utils as sns_utils
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


REOPENING_COMPLIANCE = ("FAILED", "WARNING", "NOT_AVAILABLE")


def reopens(held: dict, update: dict) -> bool:
    """AWS sets a NOTIFIED or RESOLVED finding back to NEW when it comes back: ARCHIVED to ACTIVE, or PASSED to failing."""
    if held.get("Workflow", {}).get("Status") not in ("NOTIFIED", "RESOLVED"):
        return False
    back = held.get("RecordState") == "ARCHIVED" and update.get("RecordState") == "ACTIVE"
    failing = held.get("Compliance", {}).get("Status") == "PASSED" and update.get("Compliance", {}).get("Status") in REOPENING_COMPLIANCE
    return back or failing


def batch_import_findings(self: SecurityHubBackend, findings: list) -> tuple:
    held = {finding.id: finding for finding in self.findings}
    reopened = {f.get("Id") for f in findings if f.get("Id") in held and reopens(held[f.get("Id")].data, f)}
    kept = [{k: v for k, v in f.items() if k not in CUSTOMER_FIELDS} if f.get("Id") in held else f for f in findings]
    answer = import_findings(self, kept)
    for finding in self.findings:
        if finding.id in reopened:
            finding.data["Workflow"] = {**finding.data.get("Workflow", {}), "Status": "NEW"}
    return answer


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


REPORT_REUSE = timedelta(hours=4)
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S+00:00"


def parse_time(text: str) -> datetime:
    """An ISO time as moto keeps its times: naive, in UTC."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc).replace(tzinfo=None)


def iam_date(when: datetime | None, otherwise: str = "N/A") -> str:
    return when.strftime(DATE_FORMAT) if when else otherwise


def key_columns(key: iam_models.AccessKey | dict | None) -> list[str]:
    """access_key_N_active, _last_rotated, _last_used_date, _last_used_region, _last_used_service."""
    if key is None:
        return ["false", "N/A", "N/A", "N/A", "N/A"]
    if isinstance(key, dict):  # a seeded root key
        used = key.get("lastUsed")
        when = parse_time(used["date"]) if used else None
        return ["true" if key.get("active", True) else "false", iam_date(parse_time(key["createdAt"])), iam_date(when),
                used["region"] if used else "N/A", used["service"] if used else "N/A"]
    used = key.last_used
    return ["true" if key.status == "Active" else "false", iam_date(key.create_date), iam_date(used.timestamp if used else None),
            used.region if used else "N/A", used.service if used else "N/A"]


def cert_columns(certificate: object | None) -> list[str]:
    return ["true" if certificate.status == "Active" else "false", iam_date(certificate.upload_date)] if certificate else ["false", "N/A"]


def user_row(self: iam_models.User) -> str:
    keys = self.access_keys + [None, None]
    certificates = list(self.signing_certificates.values()) + [None, None]
    has_password = bool(self.password)
    fields = [
        self.name,
        self.arn,
        iam_date(self.create_date),
        "true" if has_password else "false",
        iam_date(self.password_last_used, "no_information") if has_password else "N/A",
        iam_date(self.password_last_changed) if has_password else "N/A",
        "N/A",
        "true" if self.mfa_devices else "false",
        *key_columns(keys[0]),
        *key_columns(keys[1]),
        *cert_columns(certificates[0]),
        *cert_columns(certificates[1]),
    ]
    return ",".join(fields) + "\n"


def root_row(backend: iam_models.IAMBackend) -> str:
    root = root_of(backend)
    created = parse_time(root["createdAt"]) if "createdAt" in root else backend.created_at
    used = root.get("passwordLastUsed")
    keys = root.get("accessKeys", []) + [None, None]
    fields = [
        "<root_account>",
        f"arn:{backend.partition}:iam::{backend.account_id}:root",
        iam_date(created),
        "not_supported",
        iam_date(parse_time(used)) if used else "no_information",
        "not_supported",
        "not_supported",
        "true" if root.get("mfaActive", True) else "false",
        *key_columns(keys[0]),
        *key_columns(keys[1]),
        "false", "N/A", "false", "N/A",
    ]
    return ",".join(fields) + "\n"


make_backend = iam_models.IAMBackend.__init__


def init_backend(self: iam_models.IAMBackend, *args, **kwargs) -> None:
    make_backend(self, *args, **kwargs)
    # The account's creation, as near as moto knows it: its root row's user_creation_time by default.
    self.created_at = iam_models.utcnow()
    self.credential_report_at: datetime | None = None


def get_credential_report(self: iam_models.IAMBackend) -> str:
    report = moto_get_credential_report(self)
    header, _, _ = report.partition("\n")
    return header + "\n" + root_row(self) + "".join(self.users[name].to_csv() for name in self.users)


def generate_credential_report(self: iam_responses.IamResponse) -> object:
    backend = self.backend
    now = iam_models.utcnow()
    if backend.credential_report and backend.credential_report_at and now - backend.credential_report_at < REPORT_REUSE:
        return iam_responses.ActionResult({"State": "COMPLETE"})
    backend.generate_report()
    backend.credential_report_at = now
    return iam_responses.ActionResult({"State": "STARTED", "Description": "No report exists. Starting a new report generation task"})


def get_credential_report_response(self: iam_responses.IamResponse) -> object:
    report = self.backend.get_credential_report()
    generated = self.backend.credential_report_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return iam_responses.ActionResult({"Content": report, "ReportFormat": "text/csv", "GeneratedTime": generated})


def set_credential_state(request: object, full_url: str, headers: dict) -> tuple[int, dict, str]:
    state = json.loads(request.get_data() or b"{}")
    backend = iam_models.iam_backends[state["accountId"]]["aws"]
    if "reportGeneratedAt" in state:
        backend.generate_report()
        backend.credential_report_at = parse_time(state["reportGeneratedAt"])
    if "root" in state:
        backend.root_credentials = state["root"]
    for name, seeded in state.get("users", {}).items():
        user = backend.get_user(name)
        if "createdAt" in seeded:
            user.create_date = parse_time(seeded["createdAt"])
        if seeded.get("passwordLastUsed"):
            user.password_last_used = parse_time(seeded["passwordLastUsed"])
        if "passwordLastChanged" in seeded:
            user.password_last_changed = parse_time(seeded["passwordLastChanged"])
        for key, seeded_key in zip(user.access_keys, seeded.get("accessKeys", [])):
            if "createdAt" in seeded_key:
                key.create_date = parse_time(seeded_key["createdAt"])
            used = seeded_key.get("lastUsed")
            if used:
                key.last_used = iam_models.AccessKeyLastUsed(parse_time(used["date"]), used["service"], used["region"])
    return 200, {"Content-Type": "application/json"}, json.dumps({"status": "ok"})


def root_of(backend: iam_models.IAMBackend) -> dict:
    return getattr(backend, "root_credentials", None) or {}


moto_summary_map = iam_models.AccountSummary.summary_map


def summary_map(self: iam_models.AccountSummary) -> dict:
    summary = moto_summary_map.fget(self)
    root = root_of(self._iam_backend)
    summary["AccountMFAEnabled"] = 1 if root.get("mfaActive", True) else 0
    summary["AccountAccessKeysPresent"] = 1 if root.get("accessKeys") else 0
    summary["AccountPasswordPresent"] = 1 if root.get("password", True) else 0
    return summary


moto_list_virtual_mfa_devices = iam_models.IAMBackend.list_virtual_mfa_devices


def list_virtual_mfa_devices(self: iam_models.IAMBackend, assignment_status: str, marker: str | None, max_items: int) -> tuple:
    devices, next_marker = moto_list_virtual_mfa_devices(self, assignment_status, marker, max_items)
    root = root_of(self)
    # The root's own device, on the first page: assigned, so not in an "Unassigned" listing.
    if root.get("mfaActive", True) and root.get("mfaDevice") == "virtual" and assignment_status != "Unassigned" and not marker:
        arn = f"arn:{self.partition}:iam::{self.account_id}:root"
        devices = [
            SimpleNamespace(
                serial_number=f"arn:{self.partition}:iam::{self.account_id}:mfa/root-account-mfa-device",
                enable_date=self.created_at,
                user=SimpleNamespace(arn=arn, user_id=self.account_id, path="/", user_name=None, create_date=self.created_at),
            ),
            *devices,
        ]
    return devices, next_marker


make_login_profile = iam_models.IAMBackend.create_login_profile


def create_login_profile(self: iam_models.IAMBackend, user_name: str, password: str) -> iam_models.User:
    user = make_login_profile(self, user_name, password)
    user.password_last_changed = iam_models.utcnow()
    return user


moto_attributes_based_match = sns_utils.FilterPolicyMatcher._attributes_based_match


def attributes_based_match(message_attributes: dict, source: dict) -> bool:
    return bool(message_attributes) and moto_attributes_based_match(message_attributes, source)


sns_utils.FilterPolicyMatcher._attributes_based_match = staticmethod(attributes_based_match)

moto_get_credential_report = iam_models.IAMBackend.get_credential_report
iam_models.IAMBackend.create_login_profile = create_login_profile
iam_models.IAMBackend.__init__ = init_backend
iam_models.IAMBackend.get_credential_report = get_credential_report
iam_models.IAMBackend.list_virtual_mfa_devices = list_virtual_mfa_devices
iam_models.AccountSummary.summary_map = property(summary_map)
iam_models.User.to_csv = user_row
iam_responses.IamResponse.generate_credential_report = generate_credential_report
iam_responses.IamResponse.get_credential_report = get_credential_report_response
moto_api_urls.url_paths["{0}/moto-api/iam/credential-state$"] = set_credential_state

INDEXED = "--indexed-account-lookup"
if INDEXED in sys.argv:
    iam_models.get_account_id_from = get_account_id_from
    iam_models.IAMBackend.create_temp_access_key = create_temp_access_key
main([arg for arg in sys.argv[1:] if arg != INDEXED])
