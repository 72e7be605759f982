"""A security account's program in Python, with the pipeline added as one resource.

Add the package first (a git tag or a local folder); this generates the pulumi_credreport SDK:
    pulumi package add https://github.com/<owner>/org-credential-reports@v0.4.0
"""

import pulumi
import pulumi_aws as aws
import pulumi_credreport as credreport

# What the program had already: the security team's alert topic.
team_alerts = aws.sns.Topic("security-team-alerts")

reports = credreport.OrgCredentialReports(
    "org-credential-reports",
    notification_emails=["security@example.com"],
    kms_key="new",
    schedule_hour=6,
    tags={"team": "security"},
)

pulumi.export("report_bucket", reports.bucket_name)
pulumi.export("start_run_command", reports.start_run_command)
