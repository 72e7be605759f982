// Loaded before every test file. No test may reach AWS: any client that is not given a loopback
// endpoint is sent to a closed loopback port, with credentials that are not real.
process.env.AWS_ENDPOINT_URL = "http://127.0.0.1:9";
process.env.AWS_ACCESS_KEY_ID = "testing";
process.env.AWS_SECRET_ACCESS_KEY = "testing";
delete process.env.AWS_SESSION_TOKEN;
delete process.env.AWS_PROFILE;
process.env.AWS_REGION = "us-east-1";
process.env.AWS_EC2_METADATA_DISABLED = "true";
