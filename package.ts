// The library: what `import ... from "credreport"` gives a TypeScript program, and what the
// component plugin (`pulumi package add`) serves to every other language.
export { OrgCredentialReports, type OrgCredentialReportsArgs } from "./components/org-credential-reports";
