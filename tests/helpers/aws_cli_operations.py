"""What the AWS CLI takes for each `aws <service> <operation>` asked on stdin (JSON pairs):
the operation's parameters as CLI options (--kebab-case), from botocore's own service models,
which the AWS CLI is built on; null for a service or operation the models do not have.
botocore comes with moto, which the end-to-end tests already need."""

import json
import sys

import botocore.session
from botocore import xform_name

# The CLI's names of services whose botocore name differs.
SERVICES = {"s3api": "s3"}

session = botocore.session.get_session()
answers = {}
for service, operation in json.load(sys.stdin):
    key = f"{service} {operation}"
    try:
        model = session.get_service_model(SERVICES.get(service, service))
    except Exception:
        answers[key] = None
        continue
    names = {xform_name(name, "-"): name for name in model.operation_names}
    if operation not in names:
        answers[key] = None
        continue
    shape = model.operation_model(names[operation]).input_shape
    members = list(shape.members) if shape is not None else []
    answers[key] = [f"--{xform_name(member, '-')}" for member in members]
print(json.dumps(answers))
