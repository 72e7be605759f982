// The library: what `import ... from "org-credential-reports"` gives a TypeScript program.
export { OrgCredentialReports, type OrgCredentialReportsArgs } from "./components/org-credential-reports";
