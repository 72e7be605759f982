"""moto's server with one change, for benchmarks of large emulated organizations.

moto finds the account of every request by scanning every account's IAM access keys
(moto.iam.models.get_account_id_from), so each request costs time in proportion to the
number of accounts: 12 ms at 1,000 accounts, 47 ms at 4,000 and about 120 ms at 10,000 on
the development machine. A benchmark would then measure that scan rather than the pipeline.
Here the temporary keys that AssumeRole hands out are indexed by account as they are made,
and any other key's answer is remembered after one scan. An access key's account never changes,
and keys are random, so no request uses a key before it exists: the answers are the scan's own.
"""

import sys

import moto.iam.models as iam_models
from moto.server import main

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


iam_models.get_account_id_from = get_account_id_from
iam_models.IAMBackend.create_temp_access_key = create_temp_access_key
main(sys.argv[1:])
