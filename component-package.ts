import type { ComponentProviderOptions } from "@pulumi/pulumi/provider/experimental";
import { OrgCredentialReports } from "./components/org-credential-reports";

/** The component package: its name is the package part of the component's type token. */
export const COMPONENT_PACKAGE: ComponentProviderOptions = {
  name: "credreport",
  // Where package.json and tsconfig.json are: the schema is read from the TypeScript sources.
  dirname: __dirname,
  components: [OrgCredentialReports],
};
