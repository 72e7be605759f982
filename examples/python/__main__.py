"""A security account's program in Python, with the pipeline added as one resource.

Add the package first (a git tag or a local folder); this generates the pulumi_credreport SDK:
    pulumi package add https://github.com/<owner>/org-credential-reports@v0.5.0
"""

import pulumi
import pulumi_aws as aws
import pulumi_credreport as credreport

# What the program had already: the security team's alert topic.
team_alerts = aws.sns.Topic("security-team-alerts")

# This program runs in the security account, a StackSets delegated administrator
# (docs/configuration.md "Delegated administrator"), not in the management account.
reports = credreport.OrgCredentialReports(
    "org-credential-reports",
    stack_set_call_as="DELEGATED_ADMIN",
    organization_root_id="r-ab12",  # aws organizations list-roots, in the management account
    management_account_role="arn:aws:iam::111111111111:role/credreport-deployer",
    notification_emails=["security@example.com"],
    kms_key="new",
    schedule_hour=6,
    tags={"team": "security"},
)

pulumi.export("report_bucket", reports.bucket_name)
pulumi.export("start_run_command", reports.start_run_command)
